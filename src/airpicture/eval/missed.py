"""Why target-pictures were missed: where a tracker's coverage is lost.

A scored target-picture without a paired track is put in one of four classes, by the track the
target was last paired with in an earlier scored picture:

  before_first   the target was never paired before (a new object not yet tracked or shown);
  no_track       that track has no row in the picture's window (hidden after misses, dropped);
  track_off      it has one, but farther from the target than the cut-off (it went astray);
  taken          it has one within the cut-off, paired with another target (crossing objects).

The first says how fast objects are picked up, the second how long they are held, the third how
well they are followed, the fourth how well neighbours are kept apart: each points at a different
part of a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airpicture.eval.metrics import EvalConfig, TrackRows, TrackScores
from airpicture.eval.truth import Reference

#: The classes, in the order they are reported.
WHY = ("before_first", "no_track", "track_off", "taken")


@dataclass
class MissedWhy:
    """Missed target-pictures per class (WHY), over all targets and per kind."""

    counts: dict[str, int]
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def missed(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, object]:
        return {**self.counts, "by_kind": self.by_kind}


def missed_why(ref: Reference, tracks: TrackRows, scores: TrackScores, cfg: EvalConfig) -> MissedWhy:
    """Classify the missed target-pictures of `scores` (score_tracks of these `tracks`, the picture's
    rows: spoofed ones left out, as score_tracks leaves them)."""
    truth = ref.truth
    miss = ~scores.target_picture_paired
    k, tau = scores.target_pictures[miss], scores.target_picture_t[miss]
    why = np.zeros(len(k), np.int8)  # index into WHY
    if len(scores.pair_t):  # else no target was ever paired: every miss is before its first track
        _classify_known(ref, tracks, scores, cfg, k, tau, why)
    counts = {name: int(np.sum(why == c)) for c, name in enumerate(WHY)}
    by_kind = {}
    for kind in np.unique(truth.kinds[k]).tolist():
        m = truth.kinds[k] == kind
        by_kind[str(kind)] = {name: int(np.sum(why[m] == c)) for c, name in enumerate(WHY)}
    return MissedWhy(counts, by_kind)


def _classify_known(
    ref: Reference,
    tracks: TrackRows,
    scores: TrackScores,
    cfg: EvalConfig,
    k: np.ndarray,
    tau: np.ndarray,
    why: np.ndarray,
) -> None:
    """Set why (in place) of the missed target-pictures (k, tau) whose target was paired before."""
    truth = ref.truth
    # sort keys (group, time) as one float: group * span + time since t0, span beyond every time
    times = np.r_[tau, scores.pair_t, tracks.t]
    t0 = float(times.min()) if len(times) else 0.0
    span = float(times.max() - t0) + 10.0 if len(times) else 10.0

    def key(group: np.ndarray, t: np.ndarray) -> np.ndarray:
        return group * span + (t - t0)

    # each target's pairings in time order: the track last paired with it before tau
    order = np.lexsort((scores.pair_t, scores.pair_targets))
    pk, pt = scores.pair_targets[order], scores.pair_t[order]
    pcode = tracks.code[scores.pair_rows[order]]
    j = np.searchsorted(key(pk, pt), key(k, tau), side="left") - 1
    known = (j >= 0) & (pk[np.maximum(j, 0)] == k)
    code = np.where(known, pcode[np.maximum(j, 0)], -1)
    # that track's newest row in the picture's window
    r_order = np.lexsort((tracks.t, tracks.code))
    rc, rt = tracks.code[r_order], tracks.t[r_order]
    i = np.searchsorted(key(rc, rt), key(code, tau), side="right") - 1
    i_ok = np.maximum(i, 0)
    row = r_order[i_ok]
    in_window = known & (i >= 0) & (rc[i_ok] == code) & (rt[i_ok] > tau - cfg.window_s)
    d = np.full(len(k), np.inf)
    w = np.flatnonzero(in_window)
    if len(w):
        kk, rr = k[w], row[w]
        d[w] = np.hypot(
            truth.interp(truth.e, kk, tracks.t[rr]) - tracks.e[rr],
            truth.interp(truth.n, kk, tracks.t[rr]) - tracks.n[rr],
        )
    why[known & ~in_window] = 1
    why[in_window & ~(d < cfg.cutoff_m)] = 2
    why[in_window & (d < cfg.cutoff_m)] = 3


__all__ = ["WHY", "MissedWhy", "missed_why"]
