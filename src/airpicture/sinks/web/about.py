"""The console's "about" page: what airpicture is, and how often its warnings are right and wrong,
from the published warning campaign (airpicture/data/campaign.json, written by
`airpicture eval campaign`; regenerate it with the command it names)."""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from airpicture import __version__
from airpicture.eval.campaign.summary import goals_met

CAMPAIGN = resources.files("airpicture") / "data" / "campaign.json"

_LABELS = {
    "recall": "warned of zone entries and loitering",
    "latency_median_s": "median warning time after the event, s (negative: before)",
    "latency_p90_s": "90th percentile of that time, s",
    "false_per_site_hour": "false alerts per site-hour",
    "class_acc.drone": "drones shown as drones",
    "class_acc.bird": "birds shown as birds",
    "class_flips_per_track_hour": "class changes per track-hour",
}


def published() -> dict[str, Any]:
    """The published campaign summary (summary.json of the release's campaign)."""
    return dict(json.loads(CAMPAIGN.read_text()))


def about_html(summary: dict[str, Any]) -> str:
    """The page, every value escaped."""
    e = html.escape
    rows = []
    for key, op, bound, value, met in goals_met(summary):
        shown = "-" if value is None else f"{value:g}"
        rows.append(
            f"<tr><td>{e(_LABELS.get(key, key))}</td><td>{e(shown)}</td><td>{e(op)} {bound:g}</td>"
            f"<td>{'met' if met else 'not met'}</td></tr>"
        )
    s = summary
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>airpicture: about</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body class="about"><main>
<h1>airpicture {e(__version__)}</h1>
<p>An open-source airspace early-warning system: it fuses radar plots, ADS-B / Mode S and drone
Remote ID into one air picture, tells aircraft, drones and birds apart, and warns a person when a
drone enters or loiters over a protected site. It observes and informs; it never acts.</p>
<h2>How often its warnings are right</h2>
<p>Measured over <b id="runs">{e(str(s.get("runs")))}</b> simulated sites it was not tuned on
({e(str(s.get("site_hours")))} site-hours, seed {e(str(s.get("seed")))}): a site anywhere, one or
two site radars with drone and bird detection probabilities from 0.5 to 0.95, with or without a
long-range radar and ADS-B, drones that approach, take off inside the zone, cross, hover, loiter
or race, birds alone and in flocks.</p>
<table id="campaign"><tr><th>figure</th><th>value</th><th>goal</th><th></th></tr>
{"".join(rows)}</table>
<p>Events: {e(str(s.get("events")))}, false alerts: {e(str(s.get("false_alerts")))}.
Reproduce with <code>{e(str(s.get("command", "airpicture eval campaign")))}</code>.</p>
<p><a href="/">back to the map</a></p>
</main></body></html>
"""


__all__ = ["about_html", "published"]
