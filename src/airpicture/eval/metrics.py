"""Tracking figures of a tracks.csv against a scenario's truth — the same definitions, and the same
numbers, as the reference scorer (shared eval/score.py), computed a whole picture at a time.

Every `step_s` from the start the air picture is the newest row of each track in the last
`window_s`; rows marked `spoofed` are not in it (the tracker says they are false). Its tracks are
compared horizontally (ground plane) with the targets some sensor could see, each track with the
truth interpolated at the track row's own time, and paired by GOSPA's optimal assignment with a
cut-off. Pictures in the warm-up are not scored, but their pairings count when a track is judged
false. Per-pair events are kept as arrays (picture, target, track row, distance), in the spirit of
py-motmetrics' accumulator, and every figure is a reduction over them. The integrity figures
(ghosts flagged, see `airpicture.eval.integrity`) use every row, spoofed or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from airpicture.errors import ConfigError
from airpicture.eval.csvio import read_columns, to_float
from airpicture.eval.gospa import assign, assign_sparse
from airpicture.eval.integrity import IntegrityScores, score_integrity
from airpicture.eval.truth import Reference, silent_aircraft
from airpicture.eval.visibility import observable
from airpicture.geo import geodetic_to_enu
from airpicture.types import BoolArray, FloatArray, IntArray, Integrity, ObjectClass

#: The kinds scored: every ObjectClass label but unknown (tracks.csv's class, truth.csv's kind).
KINDS = tuple(c.label for c in ObjectClass if c != ObjectClass.UNKNOWN)
#: A track row is compared with a target only within this many seconds of the target's recording.
TRUTH_MARGIN_S = 2.0
#: Pictures with more (target, track) pairs than this are scored from the pairs a k-d tree finds
#: near each other (see `_candidates`); smaller ones from the full matrix, exactly as score.py.
DENSE_MAX_PAIRS = 40_000
#: (target, picture) pairs whose visibility is worked out in one batch (bounds the temporaries).
OBS_CHUNK = 1 << 20


@dataclass(frozen=True)
class EvalConfig:
    """Scoring parameters (score.py's command-line options, same defaults)."""

    step_s: float = 4.0
    window_s: float = 6.0
    cutoff_m: float = 1000.0
    warmup_s: float = 60.0
    kinds: tuple[str, ...] = KINDS
    sensors: tuple[str, ...] | None = None  # count only targets these sensor ids could see
    minutes: float | None = None  # score only the first minutes of the scenario (None or 0: all)


@dataclass
class TrackRows:
    """A tracks.csv, time-ordered (stable). t, e, n, alt : (R,) float64 (e/n on the site's ground
    plane, alt NaN when absent); code : (R,) int64 index into names (the track ids); cls, identity,
    integrity : (R,) str as written ('' when absent); cls_p : (R,) the class's probability (NaN
    when absent)."""

    t: FloatArray
    e: FloatArray
    n: FloatArray
    alt: FloatArray
    code: IntArray
    cls: np.ndarray
    names: np.ndarray
    identity: np.ndarray
    integrity: np.ndarray
    cls_p: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        if len(self.cls_p) != len(self.t):
            self.cls_p = np.full(len(self.t), np.nan)

    def __len__(self) -> int:
        return len(self.t)

    def select(self, keep: BoolArray) -> TrackRows:
        """The rows where keep (R,) is True, in the same order (codes still index the same names)."""
        return TrackRows(
            self.t[keep],
            self.e[keep],
            self.n[keep],
            self.alt[keep],
            self.code[keep],
            self.cls[keep],
            self.names,
            self.identity[keep],
            self.integrity[keep],
            self.cls_p[keep],
        )


def read_tracks(path: str | Path, origin: tuple[float, float, float]) -> TrackRows:
    """Read a tracks.csv (time_s, track, lat, lon; optional alt_m, class, identity, integrity)."""
    path = Path(path)
    cols = read_columns(
        path, ("time_s", "track", "lat", "lon"), ("alt_m", "class", "identity", "integrity", "class_p")
    )
    t = to_float(cols["time_s"], "time_s", path, blank_nan=True)
    lat = to_float(cols["lat"], "lat", path, blank_nan=True)
    lon = to_float(cols["lon"], "lon", path, blank_nan=True)
    n = len(t)
    alt, cls_p = (
        to_float(cols[c], c, path, blank_nan=True) if c in cols else np.full(n, np.nan)
        for c in ("alt_m", "class_p")
    )
    cls, identity, integrity = (
        np.array(cols[c], dtype=str) if c in cols else np.full(n, "", dtype=str)
        for c in ("class", "identity", "integrity")
    )
    keep = ~np.isnan(t)  # a row without a time is in no picture (score.py sorts it past the end)
    order = np.flatnonzero(keep)[np.argsort(t[keep], kind="stable")]
    enu = geodetic_to_enu(lat[order], lon[order], 0.0, origin[0], origin[1], 0.0).reshape(-1, 3)
    names, code = np.unique(np.array(cols["track"], dtype=str)[order], return_inverse=True)
    return TrackRows(
        t[order],
        enu[:, 0],
        enu[:, 1],
        alt[order],
        code.astype(np.int64),
        cls[order],
        names,
        identity[order],
        integrity[order],
        cls_p[order],
    )


@dataclass
class KindScores:
    """Figures for the targets of one kind (None where nothing to measure)."""

    coverage: float | None
    rms_m: float | None
    class_acc: float | None
    missed: float  # per picture
    possible: int  # target-pictures
    pairs: int
    classed: int = 0  # paired rows that carry a class
    correct: int = 0  # ... whose class is the target's kind


@dataclass
class Series:
    """Per picture time (P,): GOSPA (m), tracks in the picture, observable targets, missed, false;
    scored is False where the picture held neither (it does not enter the means)."""

    time_s: FloatArray
    gospa_m: FloatArray
    tracks: IntArray
    targets: IntArray
    missed: IntArray
    false: IntArray
    scored: BoolArray


@dataclass
class TrackScores:
    """Figures of one scoring run; see FORMAT.md. Rates per hour use the scored span (after warm-up)."""

    pictures: int
    gospa_m: float
    rms_m: float | None
    alt_rms_m: float | None
    missed: float
    false: float
    coverage: float | None
    id_switches: float | None  # per target-hour
    false_tracks: float  # per hour
    class_acc: float | None
    by_kind: dict[str, KindScores]
    series: Series
    switch_count: int = 0
    false_track_count: int = 0
    target_hours: float = 0.0
    hours: float = 0.0
    false_track_names: list[str] = field(default_factory=list)
    integrity: IntegrityScores | None = None  # None: the scenario has no ghosts.csv
    #: the scored pairings: truth object index (ref.truth) and row index (into the picture's rows,
    #: the tracks without spoofed rows) of each paired target-picture
    pair_targets: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    pair_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    pair_t: FloatArray = field(default_factory=lambda: np.zeros(0))  # ... and its picture time
    #: every scored target-picture (the coverage's denominator): truth object index, picture
    #: time, and whether a row was paired with it
    target_pictures: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    target_picture_t: FloatArray = field(default_factory=lambda: np.zeros(0))
    target_picture_paired: BoolArray = field(default_factory=lambda: np.zeros(0, bool))

    def as_dict(self) -> dict[str, object]:
        """score.py's JSON figures, rounded as it rounds them (plus per-kind missed)."""

        def r(v: float | None, nd: int) -> float | None:
            return None if v is None else round(v, nd)

        out: dict[str, object] = {
            "pictures": self.pictures,
            "gospa_m": round(self.gospa_m, 1),
            "rms_m": r(self.rms_m, 1),
            "alt_rms_m": r(self.alt_rms_m, 1),
            "missed": round(self.missed, 2),
            "false": round(self.false, 2),
            "coverage": r(self.coverage, 4),
            "id_switches": r(self.id_switches, 2),
            "false_tracks": round(self.false_tracks, 1),
            "class_acc": r(self.class_acc, 4),
            "by_kind": {
                k: {
                    "coverage": r(v.coverage, 4),
                    "rms_m": r(v.rms_m, 1),
                    "class_acc": r(v.class_acc, 4),
                    "missed": round(v.missed, 2),
                }
                for k, v in sorted(self.by_kind.items())
            },
        }
        if self.integrity is not None:
            out["integrity"] = self.integrity.as_dict()
        return out


def _seq_sum(x: FloatArray) -> float:
    """Left-to-right float sum (as a Python += loop adds), so totals match score.py to the bit."""
    return float(np.cumsum(x)[-1]) if len(x) else 0.0


def picture_times(ref: Reference, cfg: EvalConfig) -> tuple[FloatArray, float]:
    """The picture times, one step after the start to the (possibly --minutes-shortened) end, and
    that end. The pictures before start + warm-up only pair tracks with targets (see score_tracks)."""
    end = min(ref.end_s, ref.start_s + cfg.minutes * 60) if cfg.minutes else ref.end_s  # 0: all, as score.py
    if end - ref.start_s - cfg.warmup_s <= 0:
        raise ConfigError(f"nothing to score: the warm-up ({cfg.warmup_s:g} s) covers the scored span")
    return np.arange(ref.start_s + cfg.step_s, end, cfg.step_s), end


def observable_targets(ref: Reference, cfg: EvalConfig, taus: FloatArray) -> tuple[IntArray, IntArray]:
    """(picture, target) index pairs of the targets counted at each picture, sorted by picture then
    target: present (kind wanted, recorded within 1.5 s) and seen by some sensor at the picture time
    (from the target's truth sample at or after it; moving sensors where they are at that time)."""
    truth = ref.truth
    sensors = ref.sensors if cfg.sensors is None else [s for s in ref.sensors if s.id in cfg.sensors]
    wanted = np.flatnonzero(np.isin(truth.kinds, list(cfg.kinds)))
    a = np.searchsorted(taus, truth.t_first[wanted], side="left")
    b = np.searchsorted(taus, truth.t_last[wanted], side="right")
    n = np.maximum(b - a, 0)
    k = np.repeat(wanted, n)
    p = np.repeat(a - np.cumsum(n) + n, n) + np.arange(n.sum())
    here = truth.present(k, taus[p])
    k, p = k[here], p[here]
    silent = silent_aircraft(truth, ref.config)
    seen = np.zeros(len(k), bool)
    for c in range(0, len(k), OBS_CHUNK):
        kc, tc = k[c : c + OBS_CHUNK], taus[p[c : c + OBS_CHUNK]]
        j = truth.at_or_after(kc, tc)
        seen[c : c + OBS_CHUNK] = observable(
            sensors, ref.platforms, truth.kinds[kc], silent[kc], truth.lat[j], truth.lon[j], truth.alt[j], tc
        )
    k, p = k[seen], p[seen]
    o = np.lexsort((k, p))
    return p[o], k[o]


def _newest_per_track(code: IntArray, lo: int, hi: int) -> IntArray:
    """Row indices of the newest row of each track among rows [lo, hi), in order of each track's
    first row there (the order score.py's dict has)."""
    c = code[lo:hi]
    _, first = np.unique(c, return_index=True)
    _, last_rev = np.unique(c[::-1], return_index=True)
    last = len(c) - 1 - last_rev
    return lo + last[np.argsort(first)]


def _max_speed(ref: Reference) -> float:
    """Fastest horizontal speed (m/s) of any target between two of its samples."""
    tr = ref.truth
    dt = np.diff(tr.t)
    same = np.ones(len(dt), bool)
    same[tr.start[1:] - 1] = False  # the step from one target's last sample to the next's first
    same &= dt > 0
    v = np.hypot(np.diff(tr.e), np.diff(tr.n))[same] / dt[same]
    return float(v.max()) if len(v) else 0.0


def _candidates(
    ref: Reference, tracks: TrackRows, tg: IntArray, est: IntArray, tau: float, reach: float
) -> tuple[IntArray, IntArray]:
    """(target, track) index pairs that may be closer than the cut-off. A track row at time x in
    (tau - window, tau] is compared with the truth at x, which is within vmax * window of the truth
    at tau: pairs farther apart at tau than reach = cut-off + vmax * window cannot pair."""
    from scipy.spatial import cKDTree

    tau_v = np.full(len(tg), tau)
    at_tau = np.column_stack(
        [ref.truth.interp(ref.truth.e, tg, tau_v), ref.truth.interp(ref.truth.n, tg, tau_v)]
    )
    ok = np.flatnonzero(np.isfinite(tracks.e[est]) & np.isfinite(tracks.n[est]))
    pts = np.column_stack([tracks.e[est[ok]], tracks.n[est[ok]]])
    near = cKDTree(at_tau).sparse_distance_matrix(cKDTree(pts), reach, output_type="coo_matrix")
    return near.row.astype(np.int64), ok[near.col].astype(np.int64)


def score_tracks(ref: Reference, tracks: TrackRows, cfg: EvalConfig | None = None) -> TrackScores:
    """Score a tracker's rows against the reference; see the module docstring and FORMAT.md."""
    cfg = cfg or EvalConfig()
    integrity = None
    if ref.ghosts is not None:
        integrity = score_integrity(ref.ghosts, tracks.t, tracks.identity, tracks.integrity)
    tracks = tracks.select(tracks.integrity != Integrity.SPOOFED.label)  # the picture: no spoofed rows
    truth, c = ref.truth, cfg.cutoff_m
    taus, end = picture_times(ref, cfg)
    warm = int(np.searchsorted(taus, ref.start_s + cfg.warmup_s, side="left"))  # warm-up pictures
    P = len(taus) - warm  # scored picture times
    tp, tk = observable_targets(ref, cfg, taus)
    t_bounds = np.searchsorted(tp, np.arange(len(taus) + 1))
    lo = np.searchsorted(tracks.t, taus - cfg.window_s, side="right")
    hi = np.searchsorted(tracks.t, taus, side="right")
    t_first, t_last = truth.t_first, truth.t_last
    finite = np.isfinite(tracks.e) & np.isfinite(tracks.n)
    reach = c + _max_speed(ref) * cfg.window_s + 1.0

    n = np.zeros(P, np.int64)
    series = Series(taus[warm:], np.zeros(P), n.copy(), n.copy(), n.copy(), n.copy(), np.zeros(P, bool))
    # per track: pictures it is in, pictures it is paired in (warm-up ones too), in a scored picture
    seen = np.zeros(len(tracks.names), np.int64)
    hit = np.zeros(len(tracks.names), np.int64)
    in_scored = np.zeros(len(tracks.names), bool)
    pairs_k: list[IntArray] = []
    pairs_i: list[IntArray] = []
    pairs_d: list[FloatArray] = []
    pairs_t: list[FloatArray] = []
    tp_k: list[IntArray] = []
    tp_t: list[FloatArray] = []
    tp_paired: list[BoolArray] = []
    gospa_m: list[float] = []
    for p in range(len(taus)):  # one picture (scan) at a time; everything inside is batched
        est = _newest_per_track(tracks.code, int(lo[p]), int(hi[p]))
        tg = tk[t_bounds[p] : t_bounds[p + 1]]
        seen[tracks.code[est]] += 1  # one row per track: no repeated index
        q = p - warm  # index among the scored pictures
        if q >= 0:
            in_scored[tracks.code[est]] = True
            series.tracks[q], series.targets[q] = len(est), len(tg)
        if not len(tg) and not len(est):
            continue
        dense = len(tg) * len(est) <= DENSE_MAX_PAIRS
        if dense:  # every pair, in score.py's order
            ra, cb = np.repeat(np.arange(len(tg)), len(est)), np.tile(np.arange(len(est)), len(tg))
        else:
            ra, cb = _candidates(ref, tracks, tg, est, float(taus[p]), reach)
        kk, ii = tg[ra], est[cb]
        x = tracks.t[ii]
        ok = (t_first[kk] - TRUTH_MARGIN_S <= x) & (x <= t_last[kk] + TRUTH_MARGIN_S) & finite[ii]
        D = np.full(len(kk), c * 10.0)
        kv, iv, xv = kk[ok], ii[ok], x[ok]
        D[ok] = np.hypot(
            truth.interp(truth.e, kv, xv) - tracks.e[iv], truth.interp(truth.n, kv, xv) - tracks.n[iv]
        )
        if dense:
            res = assign(D.reshape(len(tg), len(est)), c)
        else:
            res = assign_sparse((len(tg), len(est)), ra, cb, D, c)
        hit[tracks.code[est[res.cols]]] += 1
        if q < 0:
            continue
        series.gospa_m[q], series.missed[q], series.false[q] = res.gospa, res.missed, res.false
        series.scored[q] = True
        gospa_m.append(res.gospa)
        pairs_k.append(tg[res.rows])
        pairs_i.append(est[res.cols])
        pairs_d.append(res.d)
        pairs_t.append(np.full(len(res.rows), taus[p]))
        paired = np.zeros(len(tg), bool)
        paired[res.rows] = True
        tp_k.append(tg)
        tp_t.append(np.full(len(tg), taus[p]))
        tp_paired.append(paired)

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    pk, pi, d = cat(pairs_k, np.int64), cat(pairs_i, np.int64), cat(pairs_d, np.float64)
    d2 = d**2
    steps = max(len(gospa_m), 1)
    # altitude and class of the paired rows that carry them
    has_alt = ~np.isnan(tracks.alt[pi])
    alt_err = truth.interp(truth.alt, pk[has_alt], tracks.t[pi[has_alt]]) - tracks.alt[pi[has_alt]]
    has_cls = tracks.cls[pi] != ""
    cls_ok = has_cls & (tracks.cls[pi] == truth.kinds[pk])
    # identity: a switch is a change of the track paired with a target between its paired pictures
    o = np.argsort(pk, kind="stable")
    sk, st = pk[o], tracks.code[pi[o]]
    switches = int(np.sum((sk[1:] == sk[:-1]) & (st[1:] != st[:-1])))
    _, first_pair, per_target = np.unique(pk, return_index=True, return_counts=True)
    target_hours = 0.0
    for n_pairs in per_target[np.argsort(first_pair)]:  # summed in score.py's order
        target_hours += int(n_pairs) * cfg.step_s / 3600
    false_mask = in_scored & (seen >= 3) & (hit < seen / 2)
    hours = (end - ref.start_s - cfg.warmup_s) / 3600

    by_kind: dict[str, KindScores] = {}
    scored_k = tk[tp >= warm][series.scored[tp[tp >= warm] - warm]]
    for kind in np.unique(truth.kinds[scored_k]).tolist():
        possible = int(np.sum(truth.kinds[scored_k] == kind))
        m = truth.kinds[pk] == kind
        n_pairs, n_cls = int(m.sum()), int(has_cls[m].sum())
        by_kind[kind] = KindScores(
            coverage=n_pairs / possible if possible else None,
            rms_m=math.sqrt(_seq_sum(d2[m]) / n_pairs) if n_pairs else None,
            class_acc=int(cls_ok[m].sum()) / n_cls if n_cls else None,
            missed=(possible - n_pairs) / steps,
            possible=possible,
            pairs=n_pairs,
            classed=n_cls,
            correct=int(cls_ok[m].sum()),
        )
    possible = len(scored_k)
    return TrackScores(
        pictures=len(gospa_m),
        gospa_m=float(np.mean(gospa_m)) if gospa_m else float("nan"),
        rms_m=math.sqrt(np.mean(d2)) if len(d2) else None,
        alt_rms_m=math.sqrt(np.mean(alt_err**2)) if len(alt_err) else None,
        missed=int(series.missed.sum()) / steps,
        false=int(series.false.sum()) / steps,
        coverage=len(pk) / possible if possible else None,
        id_switches=switches / target_hours if target_hours else None,
        false_tracks=int(false_mask.sum()) / hours,
        class_acc=int(cls_ok.sum()) / int(has_cls.sum()) if has_cls.any() else None,
        by_kind=by_kind,
        series=series,
        switch_count=switches,
        false_track_count=int(false_mask.sum()),
        target_hours=target_hours,
        hours=hours,
        false_track_names=tracks.names[false_mask].tolist(),
        integrity=integrity,
        pair_targets=pk,
        pair_rows=pi,
        pair_t=cat(pairs_t, np.float64),
        target_pictures=cat(tp_k, np.int64),
        target_picture_t=cat(tp_t, np.float64),
        target_picture_paired=cat(tp_paired, bool),
    )


__all__ = [
    "KINDS",
    "EvalConfig",
    "KindScores",
    "Series",
    "TrackRows",
    "TrackScores",
    "observable_targets",
    "picture_times",
    "read_tracks",
    "score_tracks",
]
