"""Manage: confirm, delete, stitch and merge tracks (the initiator's and deleter's decisions).

Track management is a sequential likelihood-ratio test: hits add log(Pd L / lambda), each revisit
of a sensor that passes without a hit adds log(1 - Pd). A tentative track confirms above the
confirmation threshold (a false confirmation per clutter start of about e^-threshold); a confirmed
track is deleted after the consecutive missed looks that a real object would give with a small
probability, or when its position is no longer known to a few kilometres. A lost track leaves the
picture but keeps its id when a new track takes up its path within reach of it (stitching); two
confirmed tracks on one object are merged, never two that a sensor measured in one scan.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.config import TrackSettings
from airpicture.track.associate import assign
from airpicture.track.gate import near_pairs
from airpicture.track.linalg import inv_logdet, mahalanobis
from airpicture.track.motion import predict_combined, predict_rows
from airpicture.track.table import CONFIRMED, TENTATIVE, TrackColumns, TrackTable
from airpicture.types import FloatArray, IntArray


def judge(cols, rows, t, looks, limits):
    """Scores after the misses since each track's last measurement, then which rows confirm and
    which are to be deleted (in place: score, miss_lp). Each sensor that measured a track in the
    last memory_s counts its revisits after the track's last measurement (by any sensor) with
    its own log(1 - Pd). looks: (revisit period (S,), log(1 - Pd) (S,)) of each sensor; limits:
    (confirm LLR, tentative drop, log P(false delete), max horizontal sigma, max coast s, memory_s).
    Returns (confirm mask, drop mask, confirmed tracks among the dropped)."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _judge(cols[:], rows, t, looks, limits)


@jit
def _judge(cols_f, rows, t, looks, limits):
    cols = TrackColumns(*cols_f)
    revisit, log_miss = looks
    confirm_llr, tent_drop, log_p_delete, max_sig_h, max_coast_s, memory_s = limits
    K, S = rows.shape[0], cols.t_seen.shape[1]
    confirm = np.zeros(K, np.bool_)
    drop = np.zeros(K, np.bool_)
    lost = 0
    for i in range(K):
        r = rows[i]
        lp = 0.0
        for s in range(S):
            seen = cols.t_seen[r, s]
            if not (cols.t_update[r] - seen) < memory_s:  # NaN: never seen by s
                continue
            since = max(np.floor((t - seen) / revisit[s] - 0.25), 0.0)
            before = max(np.floor((cols.t_update[r] - seen) / revisit[s] - 0.25), 0.0)
            lp += (since - before) * log_miss[s]
        cols.score[r] += min(lp - cols.miss_lp[r], 0.0)
        cols.miss_lp[r] = min(lp, cols.miss_lp[r])
        score = cols.score[r]
        tent = cols.status[r] == TENTATIVE
        confirm[i] = tent and score >= confirm_llr
        sig_h = 0.0
        for j in range(cols.P.shape[1]):
            sig_h = max(sig_h, np.sqrt(max(cols.P[r, j, 0, 0] + cols.P[r, j, 1, 1], 0.0)))
        if tent:
            bad = not confirm[i] and (score < cols.peak[r] - tent_drop or score < -1.0)
        else:
            bad = cols.miss_lp[r] < log_p_delete
        drop[i] = bad or sig_h > max_sig_h or t - cols.t_update[r] > max_coast_s
        if drop[i] and not tent:
            lost += 1
    return confirm, drop, lost


def duplicates(cols, rows, t, reach_m, gate, accel2, revisit):
    """Pairs (a, b), a < b, indices into rows, of tracks within reach_m of each other at time t
    whose identities do not differ, whose 6-D states agree within the chi-square gate, and that
    were not last measured in one scan of a sensor (revisit (S,) its period, s): a sensor gives an
    object one measurement a scan, so two tracks it measured in one scan are two objects (a
    flock's birds, which share a velocity and fly tens of metres apart)."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _duplicates(cols[:], rows, t, reach_m, gate, accel2, revisit)


@jit
def _duplicates(cols_f, rows, t, reach_m, gate, accel2, revisit):
    cols = TrackColumns(*cols_f)
    K = rows.shape[0]
    pos = np.empty((K, 2))  # the mean alone first: few tracks have a neighbour to compare
    for i in range(K):
        r = rows[i]
        pos[i, 0] = cols.xc[r, 0] + cols.xc[r, 3] * (t - cols.t[r])
        pos[i, 1] = cols.xc[r, 1] + cols.xc[r, 4] * (t - cols.t[r])
    ia, ib = near_pairs(pos, np.full(K, reach_m), pos)
    keep = np.zeros(ia.shape[0], np.bool_)
    S, Si = np.empty((6, 6)), np.empty((6, 6))
    d = np.empty(6)
    xa, Pa, xb, Pb = np.empty(6), np.empty((6, 6)), np.empty(6), np.empty((6, 6))
    for q in range(ia.shape[0]):
        a, b = ia[q], ib[q]
        if a >= b:
            continue
        ra, rb = rows[a], rows[b]
        if cols.ident[ra] >= 0 and cols.ident[rb] >= 0 and cols.ident[ra] != cols.ident[rb]:
            continue
        one_scan = False  # NaN (a sensor that never measured one of them) compares False
        for s in range(revisit.shape[0]):
            one_scan |= abs(cols.t_seen[ra, s] - cols.t_seen[rb, s]) < 0.5 * revisit[s]
        if one_scan and ra != rb:
            continue
        predict_combined(cols.xc[ra], cols.Pc[ra], cols.mu[ra], t - cols.t[ra], accel2, xa, Pa)
        predict_combined(cols.xc[rb], cols.Pc[rb], cols.mu[rb], t - cols.t[rb], accel2, xb, Pb)
        for u in range(6):
            d[u] = xa[u] - xb[u]
            for v in range(6):
                S[u, v] = Pa[u, v] + Pb[u, v]
        inv_logdet(S, 6, Si)
        keep[q] = mahalanobis(d, Si, 6) < gate
    return ia[keep], ib[keep]


def predicted(tb: TrackTable, rows: IntArray, t: float, accel2: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Combined states of table rows predicted to time t."""
    dt = np.ascontiguousarray(np.broadcast_to(t - tb.t[rows], (len(rows),)))
    return predict_rows(tb.xc[rows], tb.Pc[rows], tb.mu[rows], dt, accel2)


def stitch(
    tb: TrackTable, new: IntArray, t: float, accel2: FloatArray, settings: TrackSettings, gates: FloatArray
) -> int:
    """A newly confirmed track that continues a lost one (confirmed, unpublished after misses:
    below settings.p_still_there; its prediction gating the new track's position) takes over the
    lost track's id, so an object keeps one identity across a manoeuvre the filter could not
    follow. The new track must also be reachable at its own speed: from the lost track's last
    estimate, no further than the new track's speed (plus its gate of sigmas) carries it in the
    time between, plus both positions' gates. A coasting track's covariance grows by its
    manoeuvre modes to kilometres, and its last velocity may come from a wrong plot; a 10 m/s
    bird's track is not continued by a track 2 km away 10 s later. gates:
    gate.gate_table(settings.p_gate). Returns how many."""
    gate3 = float(gates[3])
    rows = tb.rows()
    lost = rows[
        (tb.status[rows] == CONFIRMED)
        & (tb.miss_lp[rows] < np.log(settings.p_still_there))
        & ~np.isin(rows, new)
    ]
    if len(lost) == 0:
        return 0
    xl, Pl = predicted(tb, lost, t, accel2)
    xn, Pn = predicted(tb, new, t, accel2)
    sig = np.sqrt(Pl[:, 0, 0] + Pl[:, 1, 1])
    ti, ni = near_pairs(np.ascontiguousarray(xl[:, :2]), 4 * sig + 500.0, np.ascontiguousarray(xn[:, :2]))
    if len(ti) == 0:
        return 0
    il, inn = tb.ident[lost[ti]], tb.ident[new[ni]]
    d = xl[ti, :3] - xn[ni, :3]
    S = Pl[ti, :3, :3] + Pn[ni, :3, :3]
    d2 = np.einsum("ki,kij,kj->k", d, np.linalg.inv(S), d)
    lo, nw = lost[ti], new[ni]
    k1 = np.sqrt(gates[1])
    speed = np.hypot(tb.xc[nw, 3], tb.xc[nw, 4])
    speed_sd = np.sqrt(np.maximum(tb.Pc[nw, 3, 3] + tb.Pc[nw, 4, 4], 0.0))
    pos_sd = np.sqrt(np.maximum(tb.Pc[lo, 0, 0] + tb.Pc[lo, 1, 1] + tb.Pc[nw, 0, 0] + tb.Pc[nw, 1, 1], 0.0))
    reach = (speed + k1 * speed_sd) * np.abs(tb.t[nw] - tb.t[lo]) + k1 * pos_sd
    moved = np.hypot(tb.xc[lo, 0] - tb.xc[nw, 0], tb.xc[lo, 1] - tb.xc[nw, 1])
    ok = ((il < 0) | (inn < 0) | (il == inn)) & (d2 < gate3) & (moved <= reach)
    cost = np.where(ok, d2 - gate3, np.inf)
    pick = assign(ti, ni, cost, settings.dense_cells)
    if len(pick) == 0:
        return 0
    old, nw = lost[ti[pick]], new[ni[pick]]
    tb.id[nw] = tb.id[old]
    tb.ident[nw] = np.where(tb.ident[nw] < 0, tb.ident[old], tb.ident[nw])
    tb.sensors[nw] |= tb.sensors[old]
    tb.radar_hits[nw] += tb.radar_hits[old]
    tb.n_seen[nw] += tb.n_seen[old]  # the id's detections go on counting (a merge's do not: same scans)
    tb.n_crowd[nw] += tb.n_crowd[old]
    tb.n_denied[nw] += tb.n_denied[old]
    tb.free(old)
    return len(pick)


def merge(
    tb: TrackTable,
    t: float,
    accel2: FloatArray,
    settings: TrackSettings,
    gates: FloatArray,
    revisit: FloatArray,
) -> int:
    """Two confirmed tracks on one object (within settings.merge_reach_m, their 6-D states inside
    the gate, not measured in one scan of a sensor: revisit (S,) the sensors' periods): keep the
    one with an identity, else the one with more hits. Returns how many were merged away."""
    rows = tb.rows()
    rows = rows[tb.status[rows] == CONFIRMED]
    if len(rows) < 2:
        return 0
    a, b = duplicates(tb.cols, rows, t, settings.merge_reach_m, gates[6], accel2, revisit)
    if len(a) == 0:
        return 0
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
    return len(lose_rows)


__all__ = ["duplicates", "judge", "merge", "predicted", "stitch"]
