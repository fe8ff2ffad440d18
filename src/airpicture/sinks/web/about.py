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

    def cell(v: object) -> str:
        return "-" if v is None else e(f"{v:g}" if isinstance(v, float) else str(v))

    by = s.get("by_site_radars") or {}
    sites = ""
    for k, v in by.items():
        acc = v.get("class_acc") or {}
        sites += (
            f"<tr><td>{e(str(k))}</td><td>{cell(v.get('runs'))}</td><td>{cell(v.get('recall'))}</td>"
            f"<td>{cell(v.get('false_per_site_hour'))}</td><td>{cell(acc.get('drone'))}</td>"
            f"<td>{cell(acc.get('bird'))}</td></tr>"
        )
    by_html = (
        f"""<h2>On a site like yours</h2>
<p>The figures depend most on what the site's radars can tell: one site radar or two, and whether
the one whose drone and bird detection probabilities are furthest apart (at least 0.15) sees drones
or birds more often. Where they see both alike, only how an object flies tells a drone from a bird.</p>
<table id="by-site-radars"><tr><th>site radars</th><th>sites</th><th>warned</th>
<th>false alerts per site-hour</th><th>drones shown as drones</th><th>birds shown as birds</th></tr>
{sites}</table>
"""
        if by
        else ""
    )
    g = s.get("integrity") or {}
    far = (g.get("by_radar") or {}).get("with a long-range radar") or {}
    ghosts_html = (
        f"""<p id="ghosts">Spoofed ADS-B ghosts flagged: {cell(g.get("flagged"))} of
{cell(g.get("ghosts_heard"))} heard, a median {cell(g.get("median_s_to_flag"))} s after their first
report; {cell(far.get("flagged"))} of {cell(far.get("ghosts_heard"))} where a long-range radar
reaches them (a site radar alone never looks tens of km out, and a broadcast no radar looked at is
not suspected); real aircraft flagged: {cell(g.get("real_flagged"))}.</p>
"""
        if g
        else ""
    )
    zo = s.get("zone_by_origin") or {}
    flew = zo.get("entered") or {}
    inside = "; ".join(
        f"{e(k)}: {cell(v.get('detected'))} of {cell(v.get('events'))} warned, a median "
        f"{cell(v.get('median_s'))} s after"
        for k, v in zo.items()
        if k != "entered"
    )
    origin_html = (
        f"""<p id="zone-origin">Drones that flew into the zone: {cell(flew.get("detected"))} of
{cell(flew.get("events"))} warned, a median {cell(flew.get("median_s"))} s after they entered
(negative: before; nine in ten by {cell(flew.get("p90_s"))} s). Drones first seen inside it, whose
track must first be confirmed and judged a drone: {inside}.</p>
"""
        if flew
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>airpicture: about</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
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
{origin_html}{ghosts_html}{by_html}<p><a href="/">back to the map</a></p>
</main></body></html>
"""


__all__ = ["about_html", "published"]
