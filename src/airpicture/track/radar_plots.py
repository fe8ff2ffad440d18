"""Radar plots into the track table, one sensor and window at a time (Tracker.update_plots).

The compiled path runs the window in a few calls of radar_batch.py; the numpy code here is the
reference it is tested against: pre-gate, gate in each plot's own measurement space at the plot's
own time, global nearest neighbour, IMM update, and a tentative track from every plot left over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from airpicture.sensors import RadarSheet
from airpicture.track import associate, imm, kernels, models, radar_batch
from airpicture.track.associate import GATE
from airpicture.track.measure import (
    MODE_C_SPAN_M,
    MODE_C_STEP_M,
    P_CLUTTER_MODE_C,
    PRIMARY_HEIGHT_M,
    PRIMARY_HEIGHT_SIGMA_M,
    SensorGeometry,
    altitude_of,
    clutter_density,
    plot_thirds,
    plot_to_enu,
    radar_noise,
    radar_predict,
)
from airpicture.track.params import JUMP_MODE, REPORT_SIGMA_TIME_S
from airpicture.types import FloatArray, IntArray

if TYPE_CHECKING:
    from airpicture.track.tracker import Tracker

_RADAR_ANGULAR = np.array([False, True, False])


def batch(trk: Tracker, g: SensorGeometry, pl: np.ndarray) -> None:
    """One radar's plots of one window into the tracker (see the module doc)."""
    if trk.compiled:
        _batch_compiled(trk, g, pl)
        return
    spec, tb = cast(RadarSheet, g.spec), trk.table
    t, r, az = pl["time_s"], pl["range_m"], pl["azimuth_rad"]
    o, M = g.at(trk.frame, t)
    third = plot_thirds(spec, pl["elevation_rad"], pl["altitude_m"])
    zthird = np.where(third == 1, pl["elevation_rad"], np.where(third == 2, pl["altitude_m"], 0.0))
    z = np.column_stack([r, az, zthird])
    R = radar_noise(spec, third)
    el, alt = pl["elevation_rad"], pl["altitude_m"]
    pp, Cpp = plot_to_enu(r, az, el, alt, third, o, M, spec, trk.site_alt, trk.rn, trk.rm)
    lam = clutter_density(spec, r, third)
    pd = trk._pd(spec)
    slack = 4.0 * np.sqrt(Cpp[:, 0, 0] + Cpp[:, 1, 1])
    rows = tb.rows()
    taken = np.zeros(len(pl), bool)
    if len(rows):
        xc, Pc = trk._combined(rows)
        ti, mi = trk._candidates(rows, xc, Pc, float(t.mean()), float(np.ptp(t)) / 2 + 0.5, pp[:, :2], slack)
        # a plot carrying a Mode S address only pairs with that identity or with none
        pid, tid = pl["ident"][mi], tb.ident[rows[ti]]
        ok = (pid < 0) | (tid < 0) | (pid == tid)
        ti, mi = ti[ok], mi[ok]
        if len(ti):
            k = rows[ti]
            sig_t = np.where(tb.ident[k] >= 0, REPORT_SIGMA_TIME_S, 0.0)
            d2, ll = _gate(
                trk, xc, Pc, tb.mu[rows], ti, t[mi] - tb.t[k], o[mi], M[mi], third[mi], z[mi], R[mi], sig_t
            )
            gate = np.where(third[mi] == 0, GATE[2], GATE[3])
            cost = -2.0 * (ll + np.log(pd / (1 - pd + 1e-9)) - np.log(lam[mi]))
            cost[~(d2 < gate)] = np.inf
            pick = associate.assign(ti, mi, cost)
            if len(pick):
                gain = ll[pick] + np.log(pd) - np.log(lam[mi[pick]])
                _update(trk, g, rows[ti[pick]], mi[pick], z, R, o, M, third, gain, pl)
                taken[mi[pick]] = True
    new = ~taken
    if new.any():
        score = np.where(third[new] == 2, np.log(1.0 / P_CLUTTER_MODE_C), 0.0)
        trk._new_tracks(
            t[new], pp[new], Cpp[new], None, None, score, g.index, pl["ident"][new], third[new] == 2,
            third[new] > 0,
        )  # fmt: skip


def _batch_compiled(trk: Tracker, g: SensorGeometry, pl: np.ndarray) -> None:
    """batch() in a few compiled calls (radar_batch.py); the same results."""
    spec, tb = cast(RadarSheet, g.spec), trk.table
    t = pl["time_s"]
    o, M = g.at(trk.frame, t)
    third, z, R, pp, Cpp, lam = radar_batch.prepare(
        pl["range_m"], pl["azimuth_rad"], pl["elevation_rad"], pl["altitude_m"], g.three_d, o, M,
        *_sheet(trk, g), trk.site_alt, trk.rn, trk.rm,
    )  # fmt: skip
    pid = pl["ident"]
    taken = np.zeros(len(pl), bool)
    rows = tb.rows()
    if len(rows):
        accel2, sojourn = kernels._motion()
        pd = trk._pd(spec)
        k, m, cost, gain, ambiguous = radar_batch.pairs(
            rows, tb.xc, tb.Pc, tb.mu, tb.t, tb.ident, t, z, R, o, M, third, pp, Cpp, lam, pid,
            pd, REPORT_SIGMA_TIME_S, GATE[2], GATE[3],
            trk.site_alt, trk.rn, trk.rm, accel2, sojourn,
        )  # fmt: skip
        if ambiguous:
            pick = associate.assign(k, m, cost)
            k, m, gain = k[pick], m[pick], gain[pick]
        if len(k):
            trk.stats.quarantined += radar_batch.commit(
                k, m, gain, t, z, R, o, M, third, pid, g.index,
                tb.x, tb.P, tb.mu, tb.xc, tb.Pc, tb.t, tb.t_update, tb.score, tb.peak, tb.hits,
                tb.radar_hits, tb.miss_lp, tb.sensors, tb.t_seen, tb.mode_c, tb.h_known, tb.ident,
                tb.alive,
                JUMP_MODE, PRIMARY_HEIGHT_M, PRIMARY_HEIGHT_SIGMA_M**2, trk.site_alt, trk.rn, trk.rm,
                accel2, sojourn,
            )  # fmt: skip
            trk.stats.radar_updates += len(k)
            taken[m] = True
    n_new = len(pl) - int(taken.sum())
    if n_new:  # every plot left over starts a tentative track
        rows_new = tb.allocate(n_new)
        trk.stats.started += n_new
        radar_batch.start(
            rows_new, ~taken, t, pp, Cpp, third, pid, g.index, np.log(1.0 / P_CLUTTER_MODE_C),
            models.MODE_PRIOR, trk._v_var,
            tb.x, tb.P, tb.mu, tb.xc, tb.Pc, tb.t, tb.t_first, tb.t_update, tb.t_cov, tb.score, tb.peak,
            tb.hits,
            tb.radar_hits, tb.ident, tb.sensors, tb.mode_c, tb.h_known, tb.t_seen,
        )  # fmt: skip


def _sheet(trk: Tracker, g: SensorGeometry) -> tuple[FloatArray, FloatArray]:
    """A radar's sigmas and clutter figures as radar_batch.prepare takes them (kept)."""
    sheet = trk._sheets.get(g.index)
    if sheet is None:
        sheet = trk._sheets[g.index] = (_sigmas(g), _clutter(g))
    return sheet


def _sigmas(g: SensorGeometry) -> FloatArray:
    """A radar's sigmas as radar_batch.prepare takes them."""
    spec = cast(RadarSheet, g.spec)
    sr2 = float(spec.sigma_range_m) ** 2
    sa2 = np.radians(float(spec.sigma_azimuth_deg)) ** 2
    se2_r = np.radians(float(spec.sigma_elevation_deg or 0.0)) ** 2
    se2_s = np.radians(float(spec.sigma_elevation_deg or 1.0)) ** 2
    sh2 = float(spec.sigma_alt_m) ** 2
    return np.array(
        [
            sr2,
            sa2,
            se2_r,
            se2_s,
            sh2,
            sh2 + MODE_C_STEP_M**2 / 12,
            PRIMARY_HEIGHT_M,
            PRIMARY_HEIGHT_SIGMA_M**2,
        ]
    )


def _clutter(g: SensorGeometry) -> FloatArray:
    """A radar's clutter figures as radar_batch.prepare takes them (see measure.clutter_density)."""
    spec = cast(RadarSheet, g.spec)
    return np.array(
        [
            max(float(spec.clutter_per_scan), 1e-3),
            float(spec.max_range_m),
            float(spec.min_range_m),
            np.radians(float(spec.clutter_max_elevation_deg)),
            P_CLUTTER_MODE_C / MODE_C_SPAN_M,
        ]
    )


def _update(
    trk: Tracker,
    g: SensorGeometry,
    k: IntArray,
    m: IntArray,
    z: FloatArray,
    R: FloatArray,
    o: FloatArray,
    M: FloatArray,
    third: IntArray,
    gain: FloatArray,
    pl: np.ndarray,
) -> None:
    """IMM update of tracks k with plots m. A track that has never had a height measurement,
    updated by a plot without one, also takes the primary-target height prior as a weak
    pseudo-measurement: range alone would let the EKF trade ground range for height without bound."""
    tb = trk.table
    t = pl["time_s"][m]
    th = third[m].copy()
    zm, Rm = z[m].copy(), R[m].copy()
    prior = (th == 0) & ~tb.h_known[k]
    if prior.any():
        h_s, _ = altitude_of(o[m[prior]], trk.site_alt, trk.rn, trk.rm)
        th[prior] = 2
        zm[prior, 2] = h_s + PRIMARY_HEIGHT_M
        Rm[prior, 2, 2] = PRIMARY_HEIGHT_SIGMA_M**2
    # the jump mode is for report streams that step; a radar-only track has none to follow
    radar_only = tb.ident[k] < 0
    if radar_only.any():
        mu_k = tb.mu[k]
        mu_k[radar_only, JUMP_MODE] = 1e-6
        tb.mu[k] = mu_k / mu_k.sum(axis=1, keepdims=True)
    x, P, mu = _imm(trk, k, t - tb.t[k], zm, Rm, o[m], M[m], th)
    trk._commit(k, t, x, P, mu, gain, g, radar=True)
    tb.mode_c[k] |= third[m] == 2
    tb.h_known[k] |= third[m] > 0
    pid = pl["ident"][m]
    adopt = (pid >= 0) & (tb.ident[k] < 0)
    tb.ident[k[adopt]] = pid[adopt]
    trk.stats.radar_updates += len(k)


def _gate(
    trk: Tracker,
    xc: FloatArray,
    Pc: FloatArray,
    mu: FloatArray,
    ti: IntArray,
    dt: FloatArray,
    o: FloatArray,
    M: FloatArray,
    third: IntArray,
    z: FloatArray,
    R: FloatArray,
    sig_t: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Mahalanobis d2 and log-likelihood of pairs (combined state ti predicted by dt to plot n)."""
    xp, Pp = models.predict(xc[ti], Pc[ti], dt, models.mixed_accel(imm.predicted_mode_probs(mu[ti], dt)))
    v = xp[:, 3:]
    Pp[:, :3, :3] += (sig_t**2)[:, None, None] * v[:, :, None] * v[:, None, :]
    zhat, Hp = radar_predict(xp[:, :3], o, M, third, trk.site_alt, trk.rn, trk.rm)
    y = z - zhat
    y[:, 1] = (y[:, 1] + np.pi) % (2 * np.pi) - np.pi
    y[:, 2] = np.where(third == 0, 0.0, y[:, 2])
    S = Hp @ Pp[:, :3, :3] @ Hp.transpose(0, 2, 1) + R
    d2 = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y)
    dim = np.where(third == 0, 2, 3)
    return d2, -0.5 * (d2 + np.linalg.slogdet(S)[1] + dim * np.log(2 * np.pi))


def _imm(
    trk: Tracker,
    k: IntArray,
    dt: FloatArray,
    z: FloatArray,
    R: FloatArray,
    o: FloatArray,
    M: FloatArray,
    third: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    tb = trk.table
    x, P, mu = tb.x[k], tb.P[k], tb.mu[k]
    nm = models.N_MODES
    o_m, M_m, th_m = np.repeat(o, nm, axis=0), np.repeat(M, nm, axis=0), np.repeat(third, nm)
    z_rep = np.repeat(z, nm, axis=0)

    def measure(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
        zhat, Hp = radar_predict(xs[:, :3], o_m, M_m, th_m, trk.site_alt, trk.rn, trk.rm)
        H = np.zeros((len(xs), 3, 6))
        H[:, :, :3] = Hp
        zhat[:, 2] = np.where(th_m == 0, z_rep[:, 2], zhat[:, 2])  # padded row: zero innovation
        return zhat, H

    x, P, mu, _ = imm.step(x, P, mu, dt, z, R, measure, _RADAR_ANGULAR)
    return x, P, mu


__all__ = ["batch"]
