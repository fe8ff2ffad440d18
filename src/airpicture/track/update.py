"""Update: the IMM-EKF step of a track with the measurement assigned to it, and the bookkeeping
of a measured track (score, hits, sensors, times).

Per track and measurement: mix and predict every mode to the measurement's time (motion.py),
update each mode (a radar plot through its EKF Jacobian, a report with its linear H), weigh the
modes by their measurement likelihood, and keep the combined state up to date in the table.
A state that turns non-finite frees its row (quarantine, counted, never raised).

Letters as in motion.py and measurement.py; y innovation, S its covariance, K gain. The numpy
oracle of these kernels is tests/track/oracle_imm.py and oracle_kalman.py.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.track.geometry import Earth
from airpicture.track.linalg import LOG2PI, inv_logdet, mahalanobis
from airpicture.track.measurement import Plots, RadarSheetRecord, Reports, radar_h
from airpicture.track.motion import Motion, combine_one, mix_predict, predict_combined
from airpicture.track.table import TrackColumns


@jit
def apply_gain(xp, Pp, PHt, Si, y, n, xo, Po):
    """The Kalman step from P H^T (6, n) and S^-1 (n, n): xo = xp + K y, Po = Pp - K H Pp with
    K = P H^T S^-1. Returns the innovation's squared Mahalanobis distance y S^-1 y."""
    K = np.empty((6, n))
    for a in range(6):
        for j in range(n):
            s = 0.0
            for i in range(n):
                s += PHt[a, i] * Si[i, j]
            K[a, j] = s
    q = mahalanobis(y, Si, n)
    for a in range(6):
        s = xp[a]
        for i in range(n):
            s += K[a, i] * y[i]
        xo[a] = s
    for a in range(6):
        for b in range(a, 6):
            s = Pp[a, b]
            for i in range(n):
                s -= K[a, i] * PHt[b, i]
            Po[a, b] = s
            Po[b, a] = s
    return q


@jit
def kalman_update(xp, Pp, y, H, R, n_z, xo, Po):
    """EKF update of one state with innovation y (n_z,), Jacobian H (n_z, 6); returns loglik."""
    PHt = np.zeros((6, n_z))
    for a in range(6):
        for i in range(n_z):
            s = 0.0
            for b in range(6):
                s += Pp[a, b] * H[i, b]
            PHt[a, i] = s
    S = np.empty((n_z, n_z))
    for i in range(n_z):
        for j in range(n_z):
            s = R[i, j]
            for b in range(6):
                s += H[i, b] * PHt[b, j]
            S[i, j] = s
    Si = np.empty((n_z, n_z))
    logdet = inv_logdet(S, n_z, Si)
    q = apply_gain(xp, Pp, PHt, Si, y, n_z, xo, Po)
    return -0.5 * (q + logdet + n_z * LOG2PI)


@jit
def radar_update(xp, Pp, y, Hp, R, n, xo, Po):
    """kalman_update for a radar plot: H = [Hp 0] touches the position only, and a 2-D plot
    without height has n = 2 components (the padded third row of the generic form adds nothing).
    The same numbers as kalman_update with half the work; the log-likelihood keeps its constant."""
    PHt = np.empty((6, n))
    for a in range(6):
        for i in range(n):
            PHt[a, i] = Pp[a, 0] * Hp[i, 0] + Pp[a, 1] * Hp[i, 1] + Pp[a, 2] * Hp[i, 2]
    S = np.empty((3, 3))
    for i in range(n):
        for j in range(n):
            S[i, j] = R[i, j] + Hp[i, 0] * PHt[0, j] + Hp[i, 1] * PHt[1, j] + Hp[i, 2] * PHt[2, j]
    Si = np.empty((n, n))
    if n == 2:
        det = S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]
        Si[0, 0], Si[1, 1] = S[1, 1] / det, S[0, 0] / det
        Si[0, 1], Si[1, 0] = -S[0, 1] / det, -S[1, 0] / det
    else:
        c00 = S[1, 1] * S[2, 2] - S[1, 2] * S[2, 1]
        c01 = S[1, 2] * S[2, 0] - S[1, 0] * S[2, 2]
        c02 = S[1, 0] * S[2, 1] - S[1, 1] * S[2, 0]
        det = S[0, 0] * c00 + S[0, 1] * c01 + S[0, 2] * c02
        Si[0, 0], Si[1, 0], Si[2, 0] = c00 / det, c01 / det, c02 / det
        Si[0, 1] = (S[0, 2] * S[2, 1] - S[0, 1] * S[2, 2]) / det
        Si[1, 1] = (S[0, 0] * S[2, 2] - S[0, 2] * S[2, 0]) / det
        Si[2, 1] = (S[0, 1] * S[2, 0] - S[0, 0] * S[2, 1]) / det
        Si[0, 2] = (S[0, 1] * S[1, 2] - S[0, 2] * S[1, 1]) / det
        Si[1, 2] = (S[0, 2] * S[1, 0] - S[0, 0] * S[1, 2]) / det
        Si[2, 2] = (S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]) / det
    if not det > 0.0:  # not positive definite: as kalman_update (via inv_logdet), a NaN state
        xo[:] = np.nan
        return np.nan
    q = apply_gain(xp, Pp, PHt, Si, y, n, xo, Po)
    return -0.5 * (q + np.log(det) + 3 * LOG2PI)


@jit
def mode_probs(c, ll, mu_out):
    """Posterior mode probabilities from the predicted ones c (M,) and each mode's log-likelihood
    ll (M,), floored at 1e-6 so that no mode dies; a mode nothing switched into (c 0: the turn
    modes of a track only sensors that look often have measured) stays at 0."""
    m = c.shape[0]
    top = ll[0]
    for j in range(1, m):
        top = max(top, ll[j])
    tot = 0.0
    for j in range(m):
        mu_out[j] = c[j] * np.exp(ll[j] - top)
        tot += mu_out[j]
    s = 0.0
    for j in range(m):
        mu_out[j] = max(mu_out[j] / tot, 1e-6) if c[j] > 0.0 else 0.0
        s += mu_out[j]
    for j in range(m):
        mu_out[j] /= s


@jit
def imm_radar(x, P, mu, dt, o, Mr, third, z, R, earth, motion):
    """IMM cycle of one track (x (M, 6), P (M, 6, 6), mu (M,), in place) with one radar plot."""
    m = mu.shape[0]
    xp = np.empty((m, 6))
    Pp = np.empty((m, 6, 6))
    c = np.empty(m)
    mix_predict(x, P, mu, dt, motion, xp, Pp, c)
    ll = np.empty(m)
    zh = np.empty(3)
    Hp = np.empty((3, 3))
    y = np.empty(3)
    for j in range(m):
        radar_h(xp[j], o, Mr, third, earth, zh, Hp)
        for i in range(3):
            y[i] = z[i] - zh[i]
        y[1] = (y[1] + np.pi) % (2 * np.pi) - np.pi
        ll[j] = radar_update(xp[j], Pp[j], y, Hp, R, 2 if third == 0 else 3, x[j], P[j])
    mode_probs(c, ll, mu)


@jit
def imm_linear(x, P, mu, dt, z, R, mask, motion):
    """IMM cycle of one track (in place) with a report: H picks the parts present in mask (6,)."""
    m = mu.shape[0]
    xp = np.empty((m, 6))
    Pp = np.empty((m, 6, 6))
    c = np.empty(m)
    mix_predict(x, P, mu, dt, motion, xp, Pp, c)
    idx = np.flatnonzero(mask)
    nz = idx.shape[0]
    H = np.zeros((nz, 6))
    Rs = np.empty((nz, nz))
    for i in range(nz):
        H[i, idx[i]] = 1.0
        for j in range(nz):
            Rs[i, j] = R[idx[i], idx[j]]
    ll = np.empty(m)
    y = np.empty(nz)
    for j in range(m):
        for i in range(nz):
            y[i] = z[idx[i]] - xp[j, idx[i]]
        ll[j] = kalman_update(xp[j], Pp[j], y, H, Rs, nz, x[j], P[j])
    mode_probs(c, ll, mu)


@jit
def book(cols, r, xs, Ps, mus, t, gain, sensor, mode_c_seen, h_seen):
    """Write an updated state (and its combined moments) into table row r and book the
    measurement (time, score, sensor)."""
    cols.x[r], cols.P[r], cols.mu[r] = xs, Ps, mus
    combine_one(xs, Ps, mus, cols.xc[r], cols.Pc[r])
    cols.t[r] = cols.t_update[r] = t
    cols.score[r] += gain
    cols.peak[r] = max(cols.peak[r], cols.score[r])
    cols.hits[r] += 1
    cols.miss_lp[r] = 0.0
    cols.sensors[r] |= 1 << sensor
    cols.t_seen[r, sensor] = t
    cols.n_seen[r, sensor] += 1
    cols.mode_c[r] |= mode_c_seen
    cols.h_known[r] |= h_seen
    if h_seen:
        cols.t_height[r] = t


@jit
def hold_height(xs, Ps, h_prior, h_var, earth):
    """A track's height as a consider parameter (update_with_plots): each mode's height set to the
    prior's (h_prior above the site's ground, variance h_var) and level, both uncorrelated with the
    rest of the state (xs (M, 6), Ps (M, 6, 6), in place)."""
    for j in range(xs.shape[0]):
        e, n = xs[j, 0], xs[j, 1]
        xs[j, 2] = h_prior - e * e / (2 * earth.rn) - n * n / (2 * earth.rm)
        xs[j, 5] = 0.0
        for b in range(6):
            Ps[j, 2, b] = 0.0
            Ps[j, b, 2] = 0.0
            Ps[j, 5, b] = 0.0
            Ps[j, b, 5] = 0.0
        Ps[j, 2, 2] = h_var


def update_with_plots(cols, k, m, gain, plots, sheet, sensor, earth, motion):
    """IMM update of table rows k with plots m, and their bookkeeping (in place). A track never
    measured in height, updated by a plot without height, is held to the primary-target height prior
    (above the site's ground). Range alone does not tell ground range from height:
     * from a fixed antenna, nothing ever measures the height. It is a consider parameter
       (hold_height): before each such update it is the prior's, level and uncorrelated, so the
       prior's uncertainty reaches the ground position through the slant range and the height is
       never estimated. An EKF left to estimate it traded one for the other as the object moved
       (meandering birds 150-300 m up were taken 1.2 km up or 0.9 km below the ground, and
       placed 150 m RMS from where they flew);
     * from a flying antenna, ranges from different places do measure it (an airborne radar). The
       prior is one piece of knowledge, not a fresh measurement each scan, so a pseudo-measurement
       only tops the height's information up to the prior's (its variance is
       1/(1/prior - 1/predicted) when the predicted height is less certain than the prior, and it
       is left out otherwise).
    A track without identity has its jump mode held off (radar plots do not step); a plot's Mode S
    address names a track that has none. Returns the number of rows quarantined."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _update_with_plots(cols[:], k, m, gain, plots[:], sheet[:], sensor, earth[:], motion[:])


@jit
def _update_with_plots(cols_f, k, m, gain, plots_f, sheet_f, sensor, earth_f, motion_f):
    cols, plots, sheet, earth, motion = (
        TrackColumns(*cols_f),
        Plots(*plots_f),
        RadarSheetRecord(*sheet_f),
        Earth(*earth_f),
        Motion(*motion_f),
    )
    bad = 0
    nm = cols.mu.shape[1]
    xs = np.empty((nm, 6))
    Ps = np.empty((nm, 6, 6))
    mus = np.empty(nm)
    zm = np.empty(3)
    Rm = np.empty((3, 3))
    # the records' fields once, not per update
    x, P, mu, t_trk, ident, h_known = cols.x, cols.P, cols.mu, cols.t, cols.ident, cols.h_known
    thirds, z, R, o, Mr, t_pl, pids = plots.third, plots.z, plots.R, plots.o, plots.Mr, plots.t, plots.pid
    h_prior, h_var, jump = sheet.sigmas[6], sheet.sigmas[7], motion.jump_mode
    for n in range(k.shape[0]):
        r, p = k[n], m[n]
        th = thirds[p]
        zm[:] = z[p]
        Rm[:, :] = R[p]
        xs[:, :] = x[r]
        Ps[:, :, :] = P[r]
        mus[:] = mu[r]
        if th == 0 and not h_known[r] and not sheet.moving:
            hold_height(xs, Ps, h_prior, h_var, earth)
        elif th == 0 and not h_known[r]:  # from a flying antenna: top the prior up
            dt = t_pl[p] - t_trk[r]
            Pc = cols.Pc[r]
            pzz = Pc[2, 2] + 2 * dt * Pc[2, 5] + dt * dt * Pc[5, 5]  # height variance, predicted
            if pzz > 1.01 * h_var:
                th = 2
                zm[2] = earth.site_alt + h_prior
                Rm[2, 2] = 1.0 / (1.0 / h_var - 1.0 / pzz)
        if ident[r] < 0:
            mus[jump] = 1e-6
            mus /= mus.sum()
        t = t_pl[p]
        imm_radar(xs, Ps, mus, t - t_trk[r], o[p], Mr[p], th, zm, Rm, earth, motion)
        if not (np.isfinite(xs).all() and np.isfinite(Ps).all() and np.isfinite(mus).all()):
            cols.alive[r] = False  # numerically broken: quarantine, never raise
            bad += 1
            continue
        book(cols, r, xs, Ps, mus, t, gain[n], sensor, thirds[p] == 2, thirds[p] > 0)
        cols.radar_hits[r] += 1
        if pids[p] >= 0 and ident[r] < 0:
            ident[r] = pids[p]
    return bad


def update_with_reports(cols, k, m, reports, gain, sensor, jump_gate, motion):
    """IMM update of table rows k with reports m, in place. With jump_gate > 0 (the row holds the
    report's identity, which is authoritative), a report far outside the predicted position
    (d2 > jump_gate) restarts the state at the report, its mode probabilities as they were (so far
    off, every mode's likelihood underflows: the update's probabilities are 0/0). Returns (rows
    quarantined, restarts)."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _update_with_reports(cols[:], k, m, reports[:], gain, sensor, jump_gate, motion[:])


@jit
def _update_with_reports(cols_f, k, m, reports_f, gain, sensor, jump_gate, motion_f):
    cols, reports, motion = TrackColumns(*cols_f), Reports(*reports_f), Motion(*motion_f)
    bad = 0
    jumps = 0
    nm = cols.mu.shape[1]
    xs = np.empty((nm, 6))
    Ps = np.empty((nm, 6, 6))
    mus = np.empty(nm)
    xp = np.empty(6)
    Pp = np.empty((6, 6))
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    y = np.empty(3)
    z, R, mask = reports.z, reports.R, reports.mask
    for n in range(k.shape[0]):
        r, p = k[n], m[n]
        dt = reports.t[p] - cols.t[r]
        xs[:, :] = cols.x[r]
        Ps[:, :, :] = cols.P[r]
        mus[:] = cols.mu[r]
        imm_linear(xs, Ps, mus, dt, z[p], R[p], mask[p], motion)
        if jump_gate > 0.0:
            predict_combined(cols.xc[r], cols.Pc[r], cols.mu[r], dt, motion.accel2, xp, Pp)
            for a in range(3):
                y[a] = z[p, a] - xp[a] if mask[p, a] else 0.0
                for b in range(3):
                    S[a, b] = Pp[a, b] + R[p, a, b]
            inv_logdet(S, 3, Si)
            if mahalanobis(y, Si, 3) > jump_gate:
                jumps += 1
                mus[:] = cols.mu[r]  # a restart: the report that far off judges no mode
                for j in range(nm):
                    Ps[j, :, :] = 0.0
                    for a in range(6):
                        xs[j, a] = z[p, a] if mask[p, a] else xp[a]
                        Ps[j, a, a] = R[p, a, a] if mask[p, a] else motion.v_var[0]
        if not (np.isfinite(xs).all() and np.isfinite(Ps).all() and np.isfinite(mus).all()):
            cols.alive[r] = False  # numerically broken: quarantine, never raise
            bad += 1
            continue
        book(cols, r, xs, Ps, mus, reports.t[p], gain, sensor, mask[p, 2], mask[p, 2])
    return bad, jumps


__all__ = [
    "apply_gain",
    "book",
    "imm_linear",
    "imm_radar",
    "kalman_update",
    "mode_probs",
    "radar_update",
    "update_with_plots",
    "update_with_reports",
]
