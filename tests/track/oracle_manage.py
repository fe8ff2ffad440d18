"""Numpy oracle of the per-window upkeep kernels: src/airpicture/track/manage.py `judge` (the
log-probability of the misses, confirmation and deletion) and `duplicates` (the merge
candidates), and publish.py `publish` (the picture's rows, states and geodetic positions).

Written as batched array expressions over the table's columns (a `TrackColumns` of numpy
arrays), as the tracker's numpy path computed them before the kernels: the miss count per sensor
as one matrix product, the duplicate candidates from a k-d tree, latitude and longitude from the
iterated geodesy of airpicture.geo instead of the kernel's single Bowring step. Nothing is written
in place: each function returns what the kernel changes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import oracle_measure as measure
import oracle_models as models
import oracle_vertical as vertical
from scipy.spatial import cKDTree

from airpicture.geo import EnuFrame
from airpicture.track.table import CONFIRMED, TENTATIVE, TrackColumns
from airpicture.types import BoolArray, FloatArray, IntArray


class Judged(NamedTuple):
    """What judge decides for rows (K,): confirm, drop (K,) bool; lost: confirmed tracks among
    the dropped; score, miss_lp (K,): the rows' new values."""

    confirm: BoolArray
    drop: BoolArray
    lost: int
    score: FloatArray
    miss_lp: FloatArray


def miss_logp(
    cols: TrackColumns, rows: IntArray, t: float, revisit: FloatArray, log_miss: FloatArray, memory_s: float
) -> FloatArray:
    """Log-probability, for each track, that every sensor covering it missed it since its last
    measurement: each sensor that has measured it in the last memory_s counts its revisits
    (revisit (S,) s) after that last measurement (by any sensor) with its own log(1 - Pd)
    (log_miss (S,))."""
    seen = cols.t_seen[rows]  # (K, S), NaN: never
    t_update = cols.t_update[rows, None]
    covering = (t_update - seen) < memory_s
    look = revisit[None, :]
    since = np.floor((t - seen) / look - 0.25).clip(0)
    before = np.floor((t_update - seen) / look - 0.25).clip(0)
    misses = np.where(covering, since - before, 0.0)
    return np.asarray(misses @ log_miss, np.float64)


def judge(
    cols: TrackColumns,
    rows: IntArray,
    t: float,
    looks: tuple[FloatArray, FloatArray],
    limits: tuple[float, float, float, float, float, float],
) -> Judged:
    """The sequential test at time t: the misses lower the score (once: only what miss_lp has not
    counted yet), a tentative track confirms at confirm_llr or is dropped when its score falls
    tent_drop below its peak (or below -1), a confirmed one is dropped when its misses are less
    likely than p_delete; any track is dropped when its horizontal sigma (of its worst mode)
    exceeds max_sig_h or it has not been measured for max_coast_s. Arguments as manage.judge."""
    revisit, log_miss = looks
    confirm_llr, tent_drop, log_p_delete, max_sig_h, max_coast_s, memory_s = limits
    lp = miss_logp(cols, rows, t, revisit, log_miss, memory_s)
    score = cols.score[rows] + np.minimum(lp - cols.miss_lp[rows], 0.0)
    miss_lp = np.minimum(lp, cols.miss_lp[rows])
    tent = cols.status[rows] == TENTATIVE
    confirm = tent & (score >= confirm_llr)
    P = cols.P[rows]
    sig_h = np.sqrt(np.maximum(P[:, :, 0, 0] + P[:, :, 1, 1], 0.0)).max(axis=1)
    drop_tent = tent & ~confirm & ((score < cols.peak[rows] - tent_drop) | (score < -1.0))
    drop_conf = ~tent & (miss_lp < log_p_delete)
    drop = drop_tent | drop_conf | (sig_h > max_sig_h) | (t - cols.t_update[rows] > max_coast_s)
    return Judged(confirm, drop, int((drop & ~tent).sum()), score, miss_lp)


def predicted(cols: TrackColumns, rows: IntArray, t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Combined states of rows predicted to time(s) t with the mode-mixed process noise."""
    dt = np.broadcast_to(np.asarray(t, np.float64) - cols.t[rows], (len(rows),))
    return models.predict(cols.xc[rows], cols.Pc[rows], dt, models.mixed_accel(cols.mu[rows]))


def duplicates(
    cols: TrackColumns, rows: IntArray, t: float, reach_m: float, gate: float, revisit: FloatArray
) -> tuple[IntArray, IntArray]:
    """Pairs (a, b), a < b, indices into rows, of tracks whose predicted positions at t are within
    reach_m of each other (horizontal), whose identities do not differ, that no sensor last
    measured in one scan (|t_seen a - t_seen b| < revisit / 2; a row is not two objects) and whose
    6-D predicted states agree within the chi-square gate: d^T (Pa + Pb)^-1 d < gate."""
    x, P = predicted(cols, rows, t)
    pairs = cKDTree(x[:, :2]).query_pairs(r=reach_m, output_type="ndarray")
    if len(pairs) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    ia, ib = cols.ident[rows[a]], cols.ident[rows[b]]
    ok = (ia < 0) | (ib < 0) | (ia == ib)
    gap = np.abs(cols.t_seen[rows[a]] - cols.t_seen[rows[b]])  # NaN where a sensor never measured one
    one_scan = (gap < 0.5 * revisit).any(axis=1) & (rows[a] != rows[b])
    ok &= ~one_scan
    a, b = a[ok], b[ok]
    d = x[a] - x[b]
    d2 = np.einsum("ki,kij,kj->k", d, np.linalg.inv(P[a] + P[b]), d) if len(a) else np.zeros(0)
    same = d2 < gate
    return a[same], b[same]


class Published(NamedTuple):
    """The picture's rows and what publish gives of each (as publish.publish returns them)."""

    rows: IntArray
    row_time: FloatArray
    x: FloatArray
    P: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    alt_var: FloatArray


def publish(
    cols: TrackColumns,
    t: float,
    fresh_s: float,
    min_lp: float,
    frame: EnuFrame,
    site_alt: float,
    rn: float,
    rm: float,
    show: BoolArray,
    reporters: int,
) -> Published:
    """Confirmed live tracks whose misses leave them likely still there (miss_lp >= min_lp), and
    tentative ones that may be shown (column show) measured by a sensor s with show[s] less than
    fresh_s before t; each at its own time when measured less than fresh_s before t, else
    predicted to t; lat, lon from the exact geodesy of the frame; the height: the vertical
    channel's (oracle_vertical) where the last height was a radar's Mode C and no report stream
    (a sensor of the bit mask reporters) measured the track, else from the second-order
    oracle_measure.altitude_of (the product's definition of the published height), with
    its variance."""
    shown = np.bitwise_or.reduce(np.left_shift(1, np.flatnonzero(show)), initial=0)
    fresh = t - cols.t < fresh_s
    rows = np.flatnonzero(
        cols.alive
        & (
            ((cols.status == CONFIRMED) & (cols.miss_lp >= min_lp))
            | (cols.show & ((cols.sensors & shown) != 0) & fresh)
        )
    )
    row_time = np.where(t - cols.t[rows] < fresh_s, cols.t[rows], t)
    x, P = predicted(cols, rows, row_time)
    lat, lon, _ = frame.to_geodetic(x[:, :3])
    alt, _ = measure.altitude_of(x[:, :3], site_alt, rn, rm)
    v = (cols.vt[rows] >= cols.t_height[rows]) & ((cols.sensors[rows] & reporters) == 0)
    r = rows[v]
    alt_var = P[:, 2, 2].copy()
    alt[v], alt_var[v] = vertical.height_at(cols.vx[r], cols.vcov[r], cols.vmu[r], cols.vt[r], row_time[v])
    return Published(rows, row_time, x, P, lat, lon, alt, alt_var)


__all__ = ["Judged", "Published", "duplicates", "judge", "miss_logp", "predicted", "publish"]
