"""Track management beyond a single update: how likely the misses are, stitching a lost track
to the new track that continues it, and merging duplicates. Functions of a Tracker's table;
Tracker.maintain calls them (confirmation and deletion thresholds live in tracker.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from airpicture.track import associate, kernels, upkeep
from airpicture.track.associate import GATE
from airpicture.track.table import CONFIRMED
from airpicture.types import FloatArray, IntArray

if TYPE_CHECKING:
    from airpicture.track.tracker import Tracker

#: A confirmed track leaves the published picture (but stays in the table) when its misses are
#: this unlikely for an object that is still there: two scans in a row for Pd = 0.9.
P_STILL_THERE = 0.01
#: Two confirmed tracks further apart than this (m) are not compared as duplicates.
MERGE_REACH_M = 1500.0
#: A sensor counts as covering a track while it has measured it in the last this many seconds.
MISS_MEMORY_S = 30.0


def miss_logp(trk: Tracker, rows: IntArray, t: float) -> FloatArray:
    """Log-probability, for each track, that every sensor covering it missed it since its last
    measurement: each sensor that has measured it in the last MISS_MEMORY_S counts its revisits
    after that last measurement (by any sensor) with its own log(1 - Pd)."""
    tb = trk.table
    seen = tb.t_seen[rows]  # (K, S)
    covering = (tb.t_update[rows, None] - seen) < MISS_MEMORY_S
    look = trk.revisit_s[None, :]
    since = np.floor((t - seen) / look - 0.25).clip(0)
    before = np.floor((tb.t_update[rows, None] - seen) / look - 0.25).clip(0)
    misses = np.where(covering, since - before, 0.0)
    return np.asarray(misses @ trk.log_miss, np.float64)


def stitch(trk: Tracker, new: IntArray, t: float) -> None:
    """A newly confirmed track that continues a lost one (confirmed, unpublished after misses,
    its prediction gating the new track's position) takes over the lost track's id, so an
    object keeps one identity across a manoeuvre the filter could not follow."""
    tb = trk.table
    rows = tb.rows()
    lost = rows[
        (tb.status[rows] == CONFIRMED) & (tb.miss_lp[rows] < np.log(P_STILL_THERE)) & ~np.isin(rows, new)
    ]
    if len(lost) == 0:
        return
    xl, Pl = trk.predicted(lost, t)
    xn, Pn = trk.predicted(new, t)
    sig = np.sqrt(Pl[:, 0, 0] + Pl[:, 1, 1])
    ti, ni = associate.pregate(xl[:, :2], 4 * sig + 500.0, xn[:, :2])
    if len(ti) == 0:
        return
    il, inn = tb.ident[lost[ti]], tb.ident[new[ni]]
    d = xl[ti, :3] - xn[ni, :3]
    S = Pl[ti, :3, :3] + Pn[ni, :3, :3]
    d2 = np.einsum("ki,kij,kj->k", d, np.linalg.inv(S), d)
    cost = np.where(((il < 0) | (inn < 0) | (il == inn)) & (d2 < GATE[3]), d2 - GATE[3], np.inf)
    pick = associate.assign(ti, ni, cost)
    if len(pick) == 0:
        return
    old, nw = lost[ti[pick]], new[ni[pick]]
    tb.id[nw] = tb.id[old]
    tb.ident[nw] = np.where(tb.ident[nw] < 0, tb.ident[old], tb.ident[nw])
    tb.sensors[nw] |= tb.sensors[old]
    tb.radar_hits[nw] += tb.radar_hits[old]
    tb.free(old)
    trk.stats.stitched += len(pick)


def merge(trk: Tracker, t: float) -> None:
    """Two confirmed tracks on one object: keep the one with an identity, else the older one."""
    tb = trk.table
    rows = tb.rows()
    rows = rows[tb.status[rows] == CONFIRMED]
    if len(rows) < 2:
        return
    if trk.compiled:
        a, b = upkeep.duplicates(
            rows, tb.xc, tb.Pc, tb.mu, tb.t, tb.ident, t, MERGE_REACH_M, GATE[6], kernels._motion()[0]
        )
    else:
        a, b = _duplicates(trk, rows, t)
    if len(a) == 0:
        return
    # winner: identity first, then more hits
    key_a = (tb.ident[rows[a]] >= 0) * 1e9 + tb.hits[rows[a]]
    key_b = (tb.ident[rows[b]] >= 0) * 1e9 + tb.hits[rows[b]]
    win = np.where(key_a >= key_b, a, b)
    lose = np.where(key_a >= key_b, b, a)
    lose_rows = np.unique(rows[lose])
    win_rows = rows[win]
    keep = ~np.isin(win_rows, lose_rows)
    np.add.at(tb.radar_hits, win_rows[keep], tb.radar_hits[rows[lose][keep]])
    np.bitwise_or.at(tb.sensors, win_rows[keep], tb.sensors[rows[lose][keep]])
    tb.free(lose_rows)
    trk.stats.merged += len(lose_rows)


def _duplicates(trk: Tracker, rows: IntArray, t: float) -> tuple[IntArray, IntArray]:
    """upkeep.duplicates in numpy (the reference)."""
    tb = trk.table
    x, P = trk.predicted(rows, t)
    pairs = cKDTree(x[:, :2]).query_pairs(r=MERGE_REACH_M, output_type="ndarray")
    if len(pairs) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    ia, ib = tb.ident[rows[a]], tb.ident[rows[b]]
    ok = (ia < 0) | (ib < 0) | (ia == ib)
    a, b = a[ok], b[ok]
    d = x[a] - x[b]
    S = P[a] + P[b]
    d2 = np.einsum("ki,kij,kj->k", d, np.linalg.inv(S), d) if len(a) else np.zeros(0)
    same = d2 < GATE[6]
    return a[same], b[same]


__all__ = ["merge", "miss_logp", "stitch"]
