"""The campaign report: summary.json, runs.jsonl (one line per site-run), report.md and its PNGs
(latency distribution per event kind, reliability diagram, recall and false alerts by sensor set)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.eval.campaign.runner import RunResult
from airpicture.eval.campaign.summary import goals_met


def _fmt_ci(ci: list[float] | None) -> str:
    return "" if ci is None else f" [{ci[0]:g}, {ci[1]:g}]"


def _plots(results: Sequence[RunResult], summary: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results if not r.failed]
    names = []
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for kind in ("zone", "loitering"):
        lat = np.sort([e[2] for r in ok for e in r.events if e[0] == kind and e[1]])
        if len(lat):
            ax.step(lat, np.arange(1, len(lat) + 1) / len(lat), where="post", label=f"{kind} ({len(lat)})")
    ax.axvline(0, color="grey", lw=0.8)
    ax.axvline(15, color="grey", lw=0.8, ls="--")
    ax.set(xlabel="alert time - event time (s)", ylabel="share of detected events", title="Alert latency")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    plt.close(fig)
    names.append("latency.png")

    rel = summary["reliability"]
    n, k = np.array(rel["rows"], float), np.array(rel["correct"], float)
    mids = (np.array(rel["bins"][:-1]) + np.array(rel["bins"][1:])) / 2
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
    has = n > 0
    ax.plot(mids[has], k[has] / n[has], "o-", label="observed share right")
    for m, c in zip(mids[has], n[has], strict=True):
        ax.annotate(f"{int(c)}", (m, 0.02), ha="center", fontsize=7, color="grey")
    ax.set(xlabel="class probability shown", ylabel="share of rows whose class is right", xlim=(0, 1),
           ylim=(0, 1.02), title="Reliability (paired rows)")  # fmt: skip
    fig.tight_layout()
    fig.savefig(out / "reliability.png", dpi=100)
    plt.close(fig)
    names.append("reliability.png")

    sets = sorted({r.describe["sensor_set"] for r in ok})
    rec, fal = [], []
    for s in sets:
        rs = [r for r in ok if r.describe["sensor_set"] == s]
        ev = [e for r in rs for e in r.events]
        rec.append(sum(e[1] for e in ev) / len(ev) if ev else np.nan)
        h = sum(r.hours for r in rs)
        fal.append(sum(len(r.false_alerts) for r in rs) / h if h else np.nan)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 0.5 + 0.4 * max(len(sets), 1)), sharey=True)
    y = np.arange(len(sets))
    a1.barh(y, rec)
    a1.set(yticks=y, yticklabels=sets, xlim=(0, 1.05), xlabel="recall")
    a2.barh(y, fal, color="tab:red")
    a2.set(xlabel="false alerts per site-hour")
    fig.tight_layout()
    fig.savefig(out / "by_sensor_set.png", dpi=100)
    plt.close(fig)
    names.append("by_sensor_set.png")
    return names


def _ghost_line(g: dict[str, Any] | None) -> str:
    """The spoofed ADS-B ghosts' sentence of the report ('' without the figures)."""
    if not g:
        return ""

    def part(v: dict[str, Any]) -> str:
        return f"{v['flagged']} of {v['ghosts_heard']} ({v['flagged_share']}{_fmt_ci(v['flagged_share_ci'])})"

    by = "; ".join(f"{k}: {part(v)}" for k, v in g.get("by_radar", {}).items())
    return (
        f"Spoofed ADS-B ghosts heard and flagged suspect or spoofed: {part(g)}, a median "
        f"{g['median_s_to_flag']} s after their first report; real identities flagged: {g['real_flagged']}. "
        + by[:1].upper()
        + by[1:]
        + " (a site radar reaches 5-8 km, the ghosts fly tens of km out: a broadcast no radar looked "
        "at is no suspicion)."
    )


def markdown(summary: dict[str, Any], pngs: Sequence[str], command: str) -> str:
    s = summary
    lines = [
        "# airpicture warning campaign",
        "",
        f"`{command}`: {s['runs']} site-runs of {s['duration_s']:.0f} s ({s['site_hours']} site-hours), "
        f"seed {s['seed']}, {s['runs_failed']} failed; {s['seconds']:.0f} s of compute.",
        "",
        "| goal | value | 95 % interval | target | met |",
        "|---|---|---|---|---|",
    ]
    cis = {
        "recall": s["recall_ci"],
        "latency_median_s": s["latency_median_ci"],
        "latency_p90_s": s["latency_p90_ci"],
        "false_per_site_hour": s["false_per_site_hour_ci"],
        "class_acc.drone": s["class_acc_ci"].get("drone"),
        "class_acc.bird": s["class_acc_ci"].get("bird"),
        "class_flips_per_track_hour": s["class_flips_per_track_hour_ci"],
    }
    for key, op, bound, v, met in goals_met(s):
        lines.append(f"| {key} | {v if v is not None else '-'} | {_fmt_ci(cis[key])} | {op} {bound:g} | "
                     f"{'yes' if met else '**no**'} |")  # fmt: skip
    lines += [
        "",
        "## By event kind",
        "",
        "| kind | events | recall | latency median (s) | p90 (s) |",
        "|---|---|---|---|---|",
    ]
    for k, e in s["by_event_kind"].items():
        lines.append(f"| {k} | {e['events']} | {e['recall']}{_fmt_ci(e['recall_ci'])} | {e['median_s']}"
                     f"{_fmt_ci(e['median_ci'])} | {e['p90_s']}{_fmt_ci(e['p90_ci'])} |")  # fmt: skip
    by_origin = s.get("zone_by_origin") or {}
    if by_origin:
        lines += [
            "",
            "Zone events by how the drone came to be in the zone (only one that flew in can be warned "
            "before it happens; one first seen inside, at best once its track is confirmed and judged "
            "a drone):",
            "",
            "| zone event | events | recall | latency median (s) | p90 (s) |",
            "|---|---|---|---|---|",
        ]
        for k, e in by_origin.items():
            lines.append(f"| {k} | {e['events']} | {e['recall']}{_fmt_ci(e['recall_ci'])} | {e['median_s']}"
                         f"{_fmt_ci(e['median_ci'])} | {e['p90_s']}{_fmt_ci(e['p90_ci'])} |")  # fmt: skip
    lines += [
        "",
        f"False alerts: {s['false_alerts']} ({s['false_per_site_hour']} per site-hour), by alert kind: "
        + (", ".join(f"{k} {v}" for k, v in s["false_by_alert_kind"].items()) or "none")
        + ".",
        "",
        "Class accuracy (paired rows): "
        + ", ".join(f"{k} {v}{_fmt_ci(s['class_acc_ci'][k])}" for k, v in s["class_acc"].items())
        + ".",
        "",
        _ghost_line(s.get("integrity")),
        "",
        f"Class flips: {s['class_flips']} in {s['confirmed_track_hours']} confirmed track-hours; by the kind "
        "each track followed: "
        + ", ".join(f"{k} {v['flips']} in {v['track_hours']} h" for k, v in s["class_flips_by_kind"].items())
        + ".",
        "",
    ]
    lines += [f"![{p}]({p})" for p in pngs]
    by = s.get("by_site_radars") or {}
    if by:
        lines += [
            "",
            "## By site radars",
            "",
            "How the site radars see drones against birds: the radar whose drone and bird Pd are "
            "furthest apart, if they are at least 0.15 apart (a minute at a 1 s radar then tells them "
            "apart by detections alone); alike otherwise, when kinematics alone tell them apart.",
            "",
            "| site radars | runs | events | recall | false alerts per site-hour | drones | birds |",
            "|---|---|---|---|---|---|---|",
        ]
        for k, v in by.items():
            acc, false_ci = v["class_acc"], _fmt_ci(v["false_per_site_hour_ci"])
            lines.append(f"| {k} | {v['runs']} | {v['events']} | {v['recall']}{_fmt_ci(v['recall_ci'])} | "
                         f"{v['false_per_site_hour']} ({v['false_alerts']}){false_ci} | "
                         f"{acc['drone']} | {acc['bird']} |")  # fmt: skip
    if s["missed_events"]:
        lines += ["", "## Missed events", ""]
        shown = s.get("missed_shown") or {}
        if shown:
            lines += [
                "What the picture showed of each missed object in the minute either side of the event "
                "(the class of the track nearest it most of the time; none: no track within 150 m): "
                + ", ".join(f"{c} {n}" for c, n in sorted(shown.items(), key=lambda kv: -kv[1]))
                + ".",
                "",
            ]
        lines += [f"- {m}" for m in s["missed_events"][:50]]
    if s["failures"]:
        lines += ["", "## Failed runs", ""] + [f"- {m}" for m in s["failures"]]
    return "\n".join(lines) + "\n"


def write_report(results: Sequence[RunResult], summary: dict[str, Any], out: Path, command: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    with open(out / "runs.jsonl", "w") as f:
        for r in results:
            f.write(json.dumps(r.as_dict()) + "\n")
    pngs = _plots(results, summary, out)
    (out / "report.md").write_text(markdown(summary, pngs, command))


__all__ = ["markdown", "write_report"]
