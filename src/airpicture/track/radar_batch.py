"""One radar batch (a sensor's plots of one window) against the whole track table in a few
compiled calls: `screen` (physical values), `prepare` (measurements, noise, plots in ENU, clutter
density), `pairs` (pre-gate, Mahalanobis gate, assignment costs), `commit` (IMM update and
bookkeeping of the chosen pairs) and `start` (tentative tracks from the plots left over). Only an
ambiguous assignment goes back to Python, to scipy's solvers (associate.assign).

Why: the numpy path of tracker.py does the same in ~60 small array operations per batch, and a
1-second window of the Paris TMA radar holds about 15 plots, so that path costs its fixed overhead,
not arithmetic. The numpy path stays as the readable reference; a test checks that both give the
same pictures.

The pre-gate is grid.near_pairs over the plots' horizontal positions, so a batch of N plots
against K tracks costs O(N log N + K) instead of O(N K).
"""

from __future__ import annotations

import numpy as np

from airpicture.track import upkeep
from airpicture.track.grid import near_pairs
from airpicture.track.kernels import (
    _jit,
    book_update,
    imm_radar_one,
    plots_to_enu,
    radar_gate_one,
)


@_jit
def screen(t, r, az, el, alt, sensor, n_sensors, t_lo, t_hi, max_range, max_alt):
    """Plots whose values are physical (Tracker.update_plots counts the others as rejects), and
    whether all the good ones come from one sensor."""
    K = t.shape[0]
    ok = np.empty(K, np.bool_)
    first = -1
    one = True
    for k in range(K):
        ok[k] = (
            t_lo < t[k] < t_hi
            and np.isfinite(r[k])
            and np.isfinite(az[k])
            and 0 < r[k] < max_range
            and abs(az[k]) <= 4 * np.pi
            and not abs(el[k]) > np.pi / 2
            and not abs(alt[k]) > max_alt
            and 0 <= sensor[k] < n_sensors
        )
        if ok[k]:
            if first < 0:
                first = sensor[k]
            one = one and sensor[k] == first
    return ok, one


@_jit
def prepare(r, az, el, alt, three_d, o, Mr, sigmas, clutter, site_alt, rn, rm):
    """Per-plot measurement z (K, 3), noise R (K, 3, 3), third component (0 none, 1 elevation,
    2 Mode C altitude), position (K, 3) and covariance (K, 3, 3) in site ENU, and clutter density
    (see measure.radar_noise, plot_thirds, plot_to_enu and clutter_density).

    sigmas: [range^2, azimuth^2, elevation^2 (R), elevation^2 (start), altitude^2 (start),
    altitude^2 + Mode C step^2/12 (R), primary height, primary height^2]; clutter: [per scan,
    max range, min range, elevation span, Mode C share / Mode C span]."""
    K = r.shape[0]
    third = np.zeros(K, np.int64)
    z = np.empty((K, 3))
    R = np.zeros((K, 3, 3))
    lam = np.empty(K)
    area = (clutter[1] ** 2 - clutter[2] ** 2) * 2 * np.pi
    for k in range(K):
        if three_d:
            third[k] = 1 if np.isfinite(el[k]) else 0
        else:
            third[k] = 2 if np.isfinite(alt[k]) else 0
        z[k, 0], z[k, 1] = r[k], az[k]
        z[k, 2] = el[k] if third[k] == 1 else (alt[k] if third[k] == 2 else 0.0)
        R[k, 0, 0], R[k, 1, 1] = sigmas[0], sigmas[1]
        R[k, 2, 2] = sigmas[2] if third[k] == 1 else (sigmas[5] if third[k] == 2 else 1.0)
        per = 1.0 / clutter[3] if third[k] == 1 else (clutter[4] if third[k] == 2 else 1.0)
        lam[k] = clutter[0] * 2 * max(r[k], 1.0) / area * per
    pp, Cpp = plots_to_enu(
        r, az, el, alt, third, o, Mr, sigmas[0], sigmas[1], sigmas[3], sigmas[4], sigmas[6], sigmas[7],
        site_alt, rn, rm,
    )  # fmt: skip
    return third, z, R, pp, Cpp, lam


@_jit
def pairs(
    rows, xc, Pc, mu, t_trk, ident, t, z, R, o, Mr, third, pp, Cpp, lam, pid,
    pd, sig_t_report, gate2, gate3, site_alt, rn, rm, accel2, sojourn,
):  # fmt: skip
    """Gated pairs of table rows `rows` and plots: (row, plot, cost, gain, ambiguous).

    Pre-gate: horizontal distance within the track's 5-sigma radius (its report-time uncertainty
    and motion within the window included) plus the plot's own 4-sigma. Pairs where a plot's Mode S
    address differs from the track's identity are not formed. Only pairs more likely than
    "missed + clutter" are kept (cost < 0 inside the gate); `ambiguous` says whether some track
    or plot is in more than one of them."""
    A, K = rows.shape[0], t.shape[0]
    t_mid = t.mean()
    half_w = (t.max() - t.min()) / 2 + 0.5
    pos = np.empty((A, 2))
    radius = np.empty(A)
    for i in range(A):
        k = rows[i]
        dt = t_mid - t_trk[k]
        pos[i, 0] = xc[k, 0] + xc[k, 3] * dt
        pos[i, 1] = xc[k, 1] + xc[k, 4] * dt
        var = Pc[k, 0, 0] + Pc[k, 1, 1] + dt * dt * (Pc[k, 3, 3] + Pc[k, 4, 4])
        speed = np.hypot(xc[k, 3], xc[k, 4])
        lag = sig_t_report * speed if ident[k] >= 0 else 0.0
        radius[i] = 5.0 * np.sqrt(var + lag * lag) + half_w * (speed + 30.0) + 100.0
    slack = np.empty(K)
    big = 0.0
    for m in range(K):
        slack[m] = 4.0 * np.sqrt(Cpp[m, 0, 0] + Cpp[m, 1, 1])
        big = max(big, slack[m])
    reach = np.empty(A)
    for i in range(A):
        reach[i] = radius[i] + big
    ci, cm = near_pairs(pos, reach, pp[:, :2])
    cap = ci.shape[0] + 1
    out_k = np.empty(cap, np.int64)
    out_m = np.empty(cap, np.int64)
    cost = np.empty(cap)
    gain = np.empty(cap)
    n = 0
    used_m = np.zeros(K, np.int64)
    n_track = np.zeros(A, np.int64)
    ambiguous = False
    lpd = np.log(pd / (1 - pd + 1e-9))
    for q in range(ci.shape[0]):
        i, m = ci[q], cm[q]
        k = rows[i]
        if np.hypot(pos[i, 0] - pp[m, 0], pos[i, 1] - pp[m, 1]) > radius[i] + slack[m]:
            continue
        if pid[m] >= 0 and ident[k] >= 0 and pid[m] != ident[k]:
            continue
        sig_t = sig_t_report if ident[k] >= 0 else 0.0
        d2, ll = radar_gate_one(
            xc[k], Pc[k], mu[k], t[m] - t_trk[k], o[m], Mr[m], third[m], z[m], R[m], sig_t,
            site_alt, rn, rm, accel2, sojourn,
        )  # fmt: skip
        if not d2 < (gate2 if third[m] == 0 else gate3):
            continue
        c = -2.0 * (ll + lpd - np.log(lam[m]))
        if not c < 0.0:
            continue
        out_k[n], out_m[n], cost[n] = k, m, c
        gain[n] = ll + np.log(pd) - np.log(lam[m])
        n += 1
        n_track[i] += 1
        used_m[m] += 1
        if n_track[i] > 1 or used_m[m] > 1:
            ambiguous = True
    return out_k[:n], out_m[:n], cost[:n], gain[:n], ambiguous


@_jit
def commit(
    k, m, gain, t, z, R, o, Mr, third, pid, sensor,
    x, P, mu, xc, Pc, t_trk, t_update, score, peak, hits, radar_hits, miss_lp, sensors, t_seen, mode_c,
    h_known, ident, alive, jump_mode, h_prior, sh2_prior, site_alt, rn, rm, accel2, sojourn,
):  # fmt: skip
    """IMM update of table rows k with plots m, and their bookkeeping (in place). A track never
    measured in height, updated by a plot without height, takes the primary-target height prior as
    a weak pseudo-measurement; a track without identity has its jump mode held off (radar plots
    do not step). A state that turns non-finite frees its row. Returns the number freed."""
    bad = 0
    nm = mu.shape[1]
    xs = np.empty((nm, 6))
    Ps = np.empty((nm, 6, 6))
    mus = np.empty(nm)
    zm = np.empty(3)
    Rm = np.empty((3, 3))
    for n in range(k.shape[0]):
        r, p = k[n], m[n]
        th = third[p]
        zm[:] = z[p]
        Rm[:, :] = R[p]
        if th == 0 and not h_known[r]:
            h_s = site_alt + o[p, 2] + o[p, 0] ** 2 / (2 * rn) + o[p, 1] ** 2 / (2 * rm)
            th = 2
            zm[2] = h_s + h_prior
            Rm[2, 2] = sh2_prior
        xs[:, :] = x[r]
        Ps[:, :, :] = P[r]
        mus[:] = mu[r]
        if ident[r] < 0:
            mus[jump_mode] = 1e-6
            mus /= mus.sum()
        imm_radar_one(
            xs, Ps, mus, t[p] - t_trk[r], o[p], Mr[p], th, zm, Rm, site_alt, rn, rm, accel2, sojourn
        )
        if not (np.isfinite(xs).all() and np.isfinite(Ps).all()):
            alive[r] = False  # numerically broken: quarantine, never raise
            bad += 1
            continue
        book_update(
            r, xs, Ps, mus, t[p], gain[n], sensor, third[p] == 2, third[p] > 0,
            x, P, mu, xc, Pc, t_trk, t_update, score, peak, hits, miss_lp, sensors, t_seen, mode_c, h_known,
        )  # fmt: skip
        radar_hits[r] += 1
        if pid[p] >= 0 and ident[r] < 0:
            ident[r] = pid[p]
    return bad


@_jit
def start(
    rows, new, t, pp, Cpp, third, pid, sensor, score_mode_c, prior, v_var,
    x, P, mu, xc, Pc, t_trk, t_first, t_update, t_cov, score, peak, hits, radar_hits, ident, sensors,
    mode_c, h_known, t_seen,
):  # fmt: skip
    """Tentative tracks in fresh rows from the plots flagged new: at the plot's position, at rest
    with the velocity prior; a plot with a Mode C altitude starts with the score of not being
    clutter (few false plots carry one)."""
    idx = np.flatnonzero(new)
    th = third[idx]
    score0 = np.where(th == 2, score_mode_c, 0.0)
    upkeep.start(
        rows, t[idx], pp[idx], Cpp[idx], np.zeros((0, 3)), np.zeros((0, 3, 3)), score0, sensor, pid[idx],
        th == 2, th > 0, True, prior, v_var,
        x, P, mu, xc, Pc, t_trk, t_first, t_update, t_cov, score, peak, hits, radar_hits, ident, sensors,
        mode_c, h_known, t_seen,
    )  # fmt: skip


__all__ = ["commit", "pairs", "prepare", "start"]
