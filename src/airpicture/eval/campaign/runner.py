"""One site-run of a campaign: simulate it, track and assess it with `airpicture track` (the
product's own pipeline, in this process), score it, and reduce the scores to what the campaign
sums (RunResult: counts and samples, never rates, so runs pool exactly).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.eval.alerts import score_alerts, zone_events, zone_origin
from airpicture.eval.campaign.plan import SiteRun
from airpicture.eval.metrics import EvalConfig, TrackRows, read_tracks, score_tracks
from airpicture.eval.truth import Reference, load_reference

#: the kinds scored for class accuracy, and the reliability diagram's probability bins
KINDS = ("aircraft", "drone", "bird")
CAL_BINS = np.linspace(0.0, 1.0, 11)


@dataclass
class RunResult:
    """What one site-run contributes: JSON-ready lists and counts.

    events: one [kind, detected (0/1), latency_s or None, origin] per alert-worthy event (kind 'zone'
    or 'loitering'; origin: a zone event's eval.alerts.zone_origin, '' for loitering); missed: the
    missed ones, each with what the picture showed of its object (shown_around); missed_shown: how
    many missed events the picture showed as each class ('none': no track near); false_alerts: the
    alert kind of each false alert; hours: the scored span; classed / correct: paired rows with a
    class, and those whose class is right, per truth kind;
    flips / track_hours: class changes (between aircraft, drone, bird; 'unknown' is no class)
    and confirmed track-hours, per the kind of target each track mostly followed ('none':
    false tracks); cal_n / cal_ok: paired classed rows per CAL_BINS bin of class_p, and the
    right ones; ghosts_heard / ghosts_flagged: spoofed ADS-B ghosts with a report in the run, and
    those a track row marked suspect or spoofed; ghost_flag_s: each flagged one's seconds from
    its first report to its flag; real_flagged: other identities flagged; failed: the error that
    stopped the run ('' when it ran).
    """

    describe: dict[str, Any]
    events: list[list[Any]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    missed_shown: dict[str, int] = field(default_factory=dict)
    false_alerts: list[str] = field(default_factory=list)
    hours: float = 0.0
    classed: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    flips: dict[str, int] = field(default_factory=dict)
    track_hours: dict[str, float] = field(default_factory=dict)
    cal_n: list[int] = field(default_factory=list)
    cal_ok: list[int] = field(default_factory=list)
    ghosts_heard: int = 0
    ghosts_flagged: int = 0
    ghost_flag_s: list[float] = field(default_factory=list)
    real_flagged: int = 0
    gospa_m: float | None = None
    seconds: float = 0.0
    failed: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _track_kinds(
    ref: Reference, tracks: TrackRows, pair_targets: np.ndarray, pair_rows: np.ndarray
) -> np.ndarray:
    """(T,) the kind of truth each track (by code) was paired with most often ('none' if never)."""
    out = np.full(len(tracks.names), "none", dtype=object)
    if not len(pair_rows):
        return out
    code = tracks.code[pair_rows]
    kind = ref.truth.kinds[pair_targets]
    for c in np.unique(code):
        ks, n = np.unique(kind[code == c], return_counts=True)
        out[c] = ks[np.argmax(n)]
    return out


def class_flips(tracks: TrackRows, track_kind: np.ndarray) -> tuple[dict[str, int], dict[str, float]]:
    """Class changes and track-hours per track kind. A flip is a change of the shown class
    between two of aircraft / drone / bird; rows shown 'unknown' carry the previous class on."""
    flips = {k: 0 for k in (*KINDS, "none")}
    hours = {k: 0.0 for k in (*KINDS, "none")}
    order = np.lexsort((tracks.t, tracks.code))
    code, cls, t = tracks.code[order], tracks.cls[order], tracks.t[order]
    bounds = np.flatnonzero(np.diff(code)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(code)], strict=True):
        kind = str(track_kind[code[lo]])
        hours[kind] += float(t[hi - 1] - t[lo]) / 3600.0
        shown = cls[lo:hi][np.isin(cls[lo:hi], KINDS)]
        flips[kind] += int(np.sum(shown[1:] != shown[:-1]))
    return flips, hours


def shown_around(
    ref: Reference, picture: TrackRows, target: str, t: float, half_s: float = 60.0, reach_m: float = 150.0
) -> tuple[str, float]:
    """What the picture showed of truth object `target` in the minute either side of t: the class
    of the nearest row within reach_m most often over samples every 5 s ('none' where no row was
    near: a sample's rows are those of the last 2.5 s), and the median probability it was shown
    with. A missed event shown 'drone' lacked the confidence an alert needs (or, loitering, the
    rule's path); 'bird', 'aircraft' or 'unknown': the classifier; 'none': the tracker."""
    truth = ref.truth
    k = int(np.flatnonzero(truth.names == target)[0])
    taus = np.arange(max(t - half_s, truth.t_first[k]), min(t + half_s, truth.t_last[k]) + 1e-9, 5.0)
    shown: list[tuple[str, float]] = []
    for tau in taus:
        lo, hi = np.searchsorted(picture.t, [tau - 2.5, tau + 1e-9])
        if hi <= lo:
            shown.append(("none", np.nan))
            continue
        r = np.arange(lo, hi)
        kk = np.full(len(r), k)
        d = np.hypot(truth.interp(truth.e, kk, picture.t[r]) - picture.e[r],
                     truth.interp(truth.n, kk, picture.t[r]) - picture.n[r])  # fmt: skip
        d = np.where(np.isfinite(d), d, np.inf)  # a row without a position is near nothing
        j = int(np.argmin(d))
        if d[j] < reach_m:
            shown.append((str(picture.cls[r[j]]) or "unknown", float(picture.cls_p[r[j]])))
        else:
            shown.append(("none", np.nan))
    if not shown:
        return "none", float("nan")
    names, counts = np.unique([c for c, _ in shown], return_counts=True)
    top = str(names[np.argmax(counts)])
    ps = [p for c, p in shown if c == top and np.isfinite(p)]
    return top, float(np.median(ps)) if ps else float("nan")


def score_run(ref: Reference, tracks_csv: Path, alerts_csv: Path, res: RunResult) -> None:
    """Fill `res` from a scored run."""
    rows = read_tracks(tracks_csv, ref.origin)
    scores = score_tracks(ref, rows, EvalConfig())
    res.gospa_m = round(scores.gospa_m, 1)
    for k, v in scores.by_kind.items():
        res.classed[k], res.correct[k] = v.classed, v.correct
    picture = rows.select(rows.integrity != "spoofed")  # the rows the pairings index
    pk, pi = scores.pair_targets, scores.pair_rows
    res.flips, res.track_hours = class_flips(picture, _track_kinds(ref, picture, pk, pi))
    shown = np.isin(picture.cls[pi], KINDS) & np.isfinite(picture.cls_p[pi])
    p = picture.cls_p[pi][shown]
    ok = picture.cls[pi][shown] == ref.truth.kinds[pk][shown]
    b = np.clip(np.digitize(p, CAL_BINS) - 1, 0, len(CAL_BINS) - 2)
    res.cal_n = np.bincount(b, minlength=len(CAL_BINS) - 1).tolist()
    res.cal_ok = np.bincount(b, weights=ok, minlength=len(CAL_BINS) - 1).astype(int).tolist()
    if scores.integrity is not None:  # a ghost no receiver heard broadcast nothing to judge
        heard = [g for g, t0 in (ref.ghosts or {}).items() if np.isfinite(t0)]
        res.ghosts_heard, res.ghosts_flagged = len(heard), len(scores.integrity.s_to_flag)
        res.ghost_flag_s = [round(v, 1) for v in scores.integrity.s_to_flag.values()]
        res.real_flagged = scores.integrity.real_flagged
    alerts = score_alerts(ref, alerts_csv)
    for ev in zone_events(ref):
        at = alerts.detected_at.get(ev)
        origin = zone_origin(ref, ev) if ev.kind == "zone" else ""
        lat = None if at is None else round(at - ev.time_s, 1)
        res.events.append([ev.kind, int(at is not None), lat, origin])
        if at is None:
            cls, p_shown = shown_around(ref, picture, ev.target, ev.time_s)
            res.missed_shown[cls] = res.missed_shown.get(cls, 0) + 1
            seen = "no track near" if cls == "none" else f"shown {cls}, P {p_shown:.2f}"
            res.missed.append(f"{ev.kind} {ev.target} at +{ev.time_s - ref.start_s:.0f} s ({seen})")
    res.false_alerts = alerts.false_kinds
    res.hours = (ref.end_s - ref.start_s) / 3600.0


def run_site(run: SiteRun, workdir: Path, keep: bool = False, config: str | None = None) -> RunResult:
    """Simulate, track, assess and score one site-run in workdir/NNN (removed unless keep)."""
    from airpicture.cli.main import main
    from airpicture.sim.stream import Simulation
    from airpicture.sim.writer import write_scenario

    t0 = time.perf_counter()
    res = RunResult(describe=run.describe())
    folder = workdir / f"{run.index:03d}"
    tracks, alerts = folder / "tracks.csv", folder / "alerts.csv"
    try:
        write_scenario(Simulation(run.config), folder)
        argv = [*(["--config", config] if config else []), "track", str(folder)]
        argv += ["--out", str(tracks), "--alerts", str(alerts), "--no-progress"]
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            code = main(argv)
        if code != 0:
            raise RuntimeError(f"airpicture track exited {code}: {log.getvalue()[-300:]}")
        score_run(load_reference(folder), tracks, alerts, res)
    except Exception as e:  # a run that fails is reported as failed, and the campaign goes on
        res.failed = f"{type(e).__name__}: {e}"
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    res.seconds = round(time.perf_counter() - t0, 2)
    return res


__all__ = ["CAL_BINS", "KINDS", "RunResult", "class_flips", "run_site", "score_run", "shown_around"]
