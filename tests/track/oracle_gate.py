"""Numpy oracle of the radar gate (src/airpicture/track/gate.py `pregate`, `plot_pregate`,
`gate_plot`, `radar_pairs`): which track/plot pairs are candidates, their Mahalanobis distance and
log-likelihood in the plot's own measurement space, and the pairs kept against "missed +
clutter". As the tracker's numpy path computed them before the kernels (a k-d tree instead of the
grid, the IMM's predicted mode probabilities and the oracle motion models, np.linalg for S^-1 and
log|S|).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import oracle_imm as imm
import oracle_measure as measure
import oracle_models as models
from scipy.spatial import cKDTree

from airpicture.track.table import TrackColumns
from airpicture.types import BoolArray, FloatArray, IntArray


def predicted(
    cols: TrackColumns, rows: IntArray, t: FloatArray, half_w: float, sig_t_report: float
) -> tuple[FloatArray, FloatArray]:
    """The rows' positions (A, 3) at the measurements' mid time and their pre-gate radii: the
    track's horizontal 5 sigma, its motion over the window (half_w s) and, for a track with an
    identity, its time-of-applicability uncertainty along the velocity."""
    xc, Pc = cols.xc[rows], cols.Pc[rows]
    dt = t.mean() - cols.t[rows]
    pos = xc[:, :3] + xc[:, 3:6] * dt[:, None]
    var = Pc[:, 0, 0] + Pc[:, 1, 1] + dt * dt * (Pc[:, 3, 3] + Pc[:, 4, 4])
    speed = np.hypot(xc[:, 3], xc[:, 4])
    lag = np.where(cols.ident[rows] >= 0, sig_t_report, 0.0) * speed
    return pos, 5.0 * np.sqrt(var + lag * lag) + half_w * (speed + 30.0) + 100.0


def near(
    pos: FloatArray, radius: FloatArray, meas_xy: FloatArray, slack: FloatArray
) -> tuple[IntArray, IntArray]:
    """Pairs (i, m) within radius[i] + slack[m] horizontally."""
    if len(meas_xy) == 0 or len(pos) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    found = cKDTree(meas_xy).query_ball_point(pos[:, :2], radius + slack.max(initial=0.0))
    ti = np.repeat(np.arange(len(pos)), [len(n) for n in found])
    mi = np.concatenate([np.sort(n) for n in found] + [np.zeros(0)]).astype(np.int64)
    d = np.hypot(pos[ti, 0] - meas_xy[mi, 0], pos[ti, 1] - meas_xy[mi, 1])
    keep = d <= radius[ti] + slack[mi]
    return ti[keep], mi[keep]


def pregate(
    cols: TrackColumns,
    rows: IntArray,
    t: FloatArray,
    half_w: float,
    meas_xy: FloatArray,
    slack: FloatArray,
    sig_t_report: float,
) -> tuple[IntArray, IntArray]:
    """Candidate pairs (index into rows, measurement): horizontal distance within the track's
    pre-gate radius (predicted) plus the measurement's own radius slack (K,)."""
    return near(*predicted(cols, rows, t, half_w, sig_t_report), meas_xy, slack)


def as_2d_plot(
    p: FloatArray, o: FloatArray, M: FloatArray, h: float, site_alt: float, rn: float, rm: float
) -> tuple[FloatArray, FloatArray]:
    """Where a 2-D plot without altitude of objects at p (A, 3) is put from antenna o (3,), M (3, 3)
    when converted at height h (above the ellipsoid), and d(ground range)/d(slant range) there."""
    d = (p - o) @ M.T
    r = np.linalg.norm(d, axis=1)
    az = np.arctan2(d[:, 0], d[:, 1])
    h_s, _ = measure.altitude_of(o[None, :], site_alt, rn, rm)
    rho = r.copy()
    for _ in range(3):
        du = np.clip(h - h_s - rho * rho / (2 * rn), -0.95 * r, 0.95 * r)
        rho = np.sqrt(r * r - du * du)
    seen = o + np.column_stack([rho * np.sin(az), rho * np.cos(az), du]) @ M
    return seen, r / np.maximum(rho, 1.0)


def plot_pregate(
    cols: TrackColumns,
    rows: IntArray,
    t: FloatArray,
    third: IntArray,
    o: FloatArray,
    M: FloatArray,
    pp: FloatArray,
    slack: FloatArray,
    half_w: float,
    sig_t_report: float,
    h_2d: float,
    site_alt: float,
    rn: float,
    rm: float,
) -> tuple[IntArray, IntArray]:
    """pregate of a radar batch: a 2-D plot without altitude (put at the height prior h_2d above the
    site) against where each track's own such plot would be put from the antenna at the batch's
    middle plot, the radius stretched along the beam and widened by the track's height sigma and
    the antenna's motion."""
    pos, radius = predicted(cols, rows, t, half_w, sig_t_report)
    flat = third == 0
    rest = np.flatnonzero(~flat)
    ri, rm_ = near(pos, radius, pp[rest, :2], slack[rest])
    pairs = [(ri, rest[rm_])]
    if flat.any():
        idx = np.flatnonzero(flat)
        mid = int(np.argmin(np.abs(t - t.mean())))
        drift = np.linalg.norm(o[idx] - o[mid], axis=1).max()
        seen, stretch = as_2d_plot(pos, o[mid], M[mid], site_alt + h_2d, site_alt, rn, rm)
        d = pos - o[mid]
        r = np.maximum(np.linalg.norm(d, axis=1), 1.0)
        sd_up = np.sqrt(np.maximum(cols.Pc[rows, 2, 2], 0.0))
        reach = stretch * (radius + 5.0 * np.abs(d[:, 2]) / r * sd_up + drift)
        fi, fm = near(seen, reach, pp[idx, :2], slack[idx])
        pairs.append((fi, idx[fm]))
    ti = np.concatenate([a for a, _ in pairs])
    mi = np.concatenate([b for _, b in pairs])
    order = np.lexsort((mi, ti))
    return ti[order], mi[order]


def radar_gate(
    cols: TrackColumns,
    k: IntArray,
    dt: FloatArray,
    o: FloatArray,
    M: FloatArray,
    third: IntArray,
    z: FloatArray,
    R: FloatArray,
    sig_t: FloatArray,
    site_alt: float,
    rn: float,
    rm: float,
    accel: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Mahalanobis d2 and log-likelihood of pairs: the combined state of table row k (K,)
    predicted by dt with the noise of the mode probabilities expected after dt (plus sig_t^2 v v^T
    on the position), against plot (z, R, third) seen from antenna o, M. A plot without a third
    component is a 2-D Gaussian."""
    c = imm.predicted_mode_probs(cols.mu[k], dt)
    xp, Pp = models.predict(cols.xc[k], cols.Pc[k], dt, models.mixed_accel(c, accel))
    v = xp[:, 3:]
    Pp[:, :3, :3] += (sig_t**2)[:, None, None] * v[:, :, None] * v[:, None, :]
    zhat, Hp = measure.radar_predict(xp[:, :3], o, M, third, site_alt, rn, rm)
    y = z - zhat
    y[:, 1] = (y[:, 1] + np.pi) % (2 * np.pi) - np.pi
    y[:, 2] = np.where(third == 0, 0.0, y[:, 2])
    S = Hp @ Pp[:, :3, :3] @ Hp.transpose(0, 2, 1) + R
    d2 = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y)
    dim = np.where(third == 0, 2, 3)
    return d2, -0.5 * (d2 + np.linalg.slogdet(S)[1] + dim * np.log(2 * np.pi))


class Pairs(NamedTuple):
    """Every ident-compatible candidate pair (table row k, plot m) with its d2, log-likelihood,
    gate, cost -2 (ll + log(Pd / (1 - Pd)) - log lambda) and gain ll + log Pd - log lambda; kept:
    inside the gate with a negative cost."""

    k: IntArray
    m: IntArray
    d2: FloatArray
    ll: FloatArray
    gate: FloatArray
    cost: FloatArray
    gain: FloatArray
    kept: BoolArray


def radar_pairs(
    cols: TrackColumns,
    rows: IntArray,
    t: FloatArray,
    z: FloatArray,
    R: FloatArray,
    third: IntArray,
    o: FloatArray,
    M: FloatArray,
    pp: FloatArray,
    Cpp: FloatArray,
    lam: FloatArray,
    pid: IntArray,
    pd: float,
    h_2d: float,
    sig_t_report: float,
    gates: FloatArray,
    site_alt: float,
    rn: float,
    rm: float,
    accel: FloatArray | None = None,
) -> Pairs:
    """The pairs of a radar batch, before assignment. gates: chi-square gate by dimension."""
    slack = 4.0 * np.sqrt(Cpp[:, 0, 0] + Cpp[:, 1, 1])
    half_w = float(np.ptp(t)) / 2 + 0.5
    ti, mi = plot_pregate(cols, rows, t, third, o, M, pp, slack, half_w, sig_t_report, h_2d, site_alt, rn, rm)
    k = rows[ti]
    ok = (pid[mi] < 0) | (cols.ident[k] < 0) | (pid[mi] == cols.ident[k])
    k, mi = k[ok], mi[ok]
    sig_t = np.where(cols.ident[k] >= 0, sig_t_report, 0.0)
    d2, ll = radar_gate(
        cols, k, t[mi] - cols.t[k], o[mi], M[mi], third[mi], z[mi], R[mi], sig_t, site_alt, rn, rm, accel
    )
    gate = np.where(third[mi] == 0, gates[2], gates[3])
    cost = -2.0 * (ll + np.log(pd / (1 - pd + 1e-9)) - np.log(lam[mi]))
    gain = ll + np.log(pd) - np.log(lam[mi])
    return Pairs(k, mi, d2, ll, gate, cost, gain, (d2 < gate) & (cost < 0.0))


__all__ = ["Pairs", "as_2d_plot", "near", "plot_pregate", "predicted", "pregate", "radar_gate", "radar_pairs"]
