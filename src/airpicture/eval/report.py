"""Human-readable table, JSON document and PNG plot of a scoring run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from airpicture.errors import SinkError
from airpicture.eval.alerts import AlertScores
from airpicture.eval.metrics import EvalConfig, TrackScores
from airpicture.eval.missed import MissedWhy


def to_json(
    scores: TrackScores, alerts: AlertScores | None = None, why: MissedWhy | None = None
) -> dict[str, object]:
    """score.py's JSON (same keys, same rounding), plus the raw counts behind the rates and, given
    `why`, the missed target-pictures by why they were missed (eval.missed)."""
    out = scores.as_dict()
    if why is not None:
        out["missed_why"] = why.as_dict()
    out["counts"] = {
        "id_switches": scores.switch_count,
        "false_tracks": scores.false_track_count,
        "target_hours": round(scores.target_hours, 4),
        "hours": round(scores.hours, 4),
    }
    if alerts is not None:
        out["alerts"] = alerts.as_dict()
    return out


def _fmt(v: float | None, nd: int) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{nd}f}"


def format_table(
    scores: TrackScores,
    cfg: EvalConfig,
    alerts: AlertScores | None = None,
    title: str = "",
    why: MissedWhy | None = None,
) -> str:
    """The figures as a plain-text table: all targets, then one column per kind."""
    kinds = sorted(scores.by_kind)
    k = scores.by_kind
    span_min = scores.hours * 60
    head = [
        title or "airpicture eval",
        f"{scores.pictures} pictures every {cfg.step_s:g} s over {span_min:.1f} min "
        f"(window {cfg.window_s:g} s, cut-off {cfg.cutoff_m:g} m, warm-up {cfg.warmup_s:g} s)",
        "",
    ]
    rows: list[tuple[str, str, list[str]]] = [
        ("GOSPA (m)", _fmt(scores.gospa_m, 1), ["" for _ in kinds]),
        ("RMS horizontal (m)", _fmt(scores.rms_m, 1), [_fmt(k[n].rms_m, 1) for n in kinds]),
        ("altitude RMS (m)", _fmt(scores.alt_rms_m, 1), ["" for _ in kinds]),
        ("coverage", _fmt(scores.coverage, 4), [_fmt(k[n].coverage, 4) for n in kinds]),
        ("missed / picture", _fmt(scores.missed, 2), [_fmt(k[n].missed, 2) for n in kinds]),
        ("false / picture", _fmt(scores.false, 2), ["" for _ in kinds]),
        ("ID switches / target-h", _fmt(scores.id_switches, 2), ["" for _ in kinds]),
        ("false tracks / h", _fmt(scores.false_tracks, 1), ["" for _ in kinds]),
        ("class accuracy", _fmt(scores.class_acc, 4), [_fmt(k[n].class_acc, 4) for n in kinds]),
    ]
    w0 = max(len(r[0]) for r in rows)
    widths = [max(10, len(n) + 2) for n in kinds]
    lines = [f"{'':<{w0}}{'all':>10}" + "".join(f"{n:>{w}}" for n, w in zip(kinds, widths, strict=True))]
    for name, all_, per in rows:
        cells = "".join(f"{v:>{w}}" for v, w in zip(per, widths, strict=True))
        lines.append(f"{name:<{w0}}{all_:>10}{cells}".rstrip())
    tail = [
        "",
        f"{scores.switch_count} ID switches in {scores.target_hours:.2f} target-hours; "
        f"{scores.false_track_count} false tracks (in >= 3 pictures, paired in fewer than half)",
    ]
    if why is not None and why.missed:
        c = why.counts
        tail.append(
            f"missed target-pictures: {why.missed}: {c['before_first']} before the target's first "
            f"track, {c['no_track']} with its last track out of the picture, {c['track_off']} with "
            f"it beyond the cut-off, {c['taken']} with it paired to another target"
        )
    g = scores.integrity
    if g is not None:
        tail.append(
            f"integrity: {g.flagged} of {g.ghosts} spoofed ghosts flagged, median "
            f"{_fmt(g.median_s_to_flag, 1)} s from first report to flag; {g.real_flagged} real "
            "identities flagged"
        )
        tail += [f"  not flagged: ghost {name}" for name in g.not_flagged]
        tail += [f"  flagged but real: {name}" for name in g.real_flagged_ids]
    if alerts is not None:
        tail.append(
            f"alerts: {alerts.events} events, {alerts.detected} detected (recall {_fmt(alerts.recall, 3)}), "
            f"median latency {_fmt(alerts.median_latency_s, 1)} s, {alerts.false_alerts} false "
            f"({alerts.false_per_hour:.2f} per hour)"
        )
        for ev in alerts.missed_events:
            where = f" '{ev.zone}'" if ev.zone else ""
            tail.append(f"  missed: {ev.kind}{where} of {ev.target} at t={ev.time_s:.0f}")
    return "\n".join(head + lines + tail)


def plot(scores: TrackScores, path: str | Path, title: str = "") -> Path:
    """PNG of GOSPA and of track / target counts over the run (matplotlib's Agg canvas, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    s = scores.series
    minutes = (s.time_s - s.time_s[0]) / 60 if len(s.time_s) else s.time_s
    fig = Figure(figsize=(9, 6), layout="constrained")
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    ax1.plot(minutes, np.where(s.scored, s.gospa_m, np.nan), lw=1, color="C3")
    ax1.axhline(scores.gospa_m, ls="--", lw=0.8, color="C3", label=f"mean {scores.gospa_m:.1f} m")
    ax1.set_ylabel("GOSPA (m)")
    ax1.legend(loc="upper right")
    ax1.grid(alpha=0.3)
    ax2.step(minutes, s.tracks, where="post", lw=1, label="tracks in picture")
    ax2.step(minutes, s.targets, where="post", lw=1, label="observable targets")
    ax2.step(minutes, s.missed, where="post", lw=0.8, alpha=0.7, label="missed")
    ax2.step(minutes, s.false, where="post", lw=0.8, alpha=0.7, label="false")
    ax2.set_ylabel("count")
    ax2.set_xlabel("minutes after the first picture")
    ax2.legend(loc="lower left", fontsize="small", ncol=4)
    ax2.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return save_png(fig, path)


def save_png(fig: Any, path: str | Path) -> Path:
    """Write a matplotlib Figure as PNG; a path that cannot be written is a SinkError."""
    path = Path(path)
    try:
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise SinkError(f"cannot write {path}: {e}") from None
    return path


__all__ = ["format_table", "plot", "save_png", "to_json"]
