"""Numpy oracle of the radar gate (src/airpicture/track/gate.py `pregate`, `gate_plot`,
`radar_pairs`): which track/plot pairs are candidates, their Mahalanobis distance and
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
    5-sigma radius at the measurements' mid time, its motion over the window (half_w s) and, for a
    track with an identity, its time-of-applicability uncertainty along the velocity, plus the
    measurement's own radius slack (K,)."""
    xc, Pc = cols.xc[rows], cols.Pc[rows]
    dt = t.mean() - cols.t[rows]
    pos = xc[:, :2] + xc[:, 3:5] * dt[:, None]
    var = Pc[:, 0, 0] + Pc[:, 1, 1] + dt * dt * (Pc[:, 3, 3] + Pc[:, 4, 4])
    speed = np.hypot(xc[:, 3], xc[:, 4])
    lag = np.where(cols.ident[rows] >= 0, sig_t_report, 0.0) * speed
    radius = 5.0 * np.sqrt(var + lag * lag) + half_w * (speed + 30.0) + 100.0
    near = cKDTree(meas_xy).query_ball_point(pos, radius + slack.max(initial=0.0))
    ti = np.repeat(np.arange(len(rows)), [len(n) for n in near])
    mi = np.concatenate([np.sort(n) for n in near] + [np.zeros(0)]).astype(np.int64)
    d = np.hypot(pos[ti, 0] - meas_xy[mi, 0], pos[ti, 1] - meas_xy[mi, 1])
    keep = d <= radius[ti] + slack[mi]
    return ti[keep], mi[keep]


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
    ti, mi = pregate(cols, rows, t, half_w, pp[:, :2], slack, sig_t_report)
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


__all__ = ["Pairs", "pregate", "radar_gate", "radar_pairs"]
