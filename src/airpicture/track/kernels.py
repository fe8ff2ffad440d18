"""Compiled (numba) pieces of the tracker's hot path: the same mathematics as models.py,
kalman.py, imm.py and measure.py, one track or pair at a time, with the 6x6 algebra written out.
radar_batch.py, coop_batch.py and upkeep.py compose them into one loop per batch.

Why: a profile of the numpy path on the Paris scenario showed its time going into the fixed cost
of many small array operations on (pairs, 6, 6) stacks (a few hundred pairs per batch), not into
arithmetic. The numpy modules remain the readable reference; tests check that both agree.

Letters (per pair or track): x (6,) [e n u ve vn vu], P (6, 6), mu (M,) mode probabilities,
dt gap to the measurement time, z (m,) measurement, R (m, m) its noise, o (3,) sensor in site ENU,
Mr (3, 3) site-ENU -> sensor-ENU rotation, third 0 none / 1 elevation / 2 altitude (radar).
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.track import models

LOG2PI = float(np.log(2 * np.pi))

_jit = jit


@_jit
def _transition(dt, sojourn, out):
    m = sojourn.shape[0]
    for i in range(m):
        stay = np.exp(-abs(dt) / sojourn[i])
        for j in range(m):
            out[i, j] = stay if i == j else (1.0 - stay) / (m - 1)


@_jit
def _predict(x, P, dt, a2h, a2v, xo, Po):
    """CV prediction with piecewise-constant white acceleration (variances a2h, a2v)."""
    for i in range(3):
        xo[i] = x[i] + dt * x[i + 3]
        xo[i + 3] = x[i + 3]
    for i in range(3):
        for j in range(3):
            pp, pv, vp, vv = P[i, j], P[i, j + 3], P[i + 3, j], P[i + 3, j + 3]
            Po[i, j] = pp + dt * (pv + vp) + dt * dt * vv
            Po[i, j + 3] = pv + dt * vv
            Po[i + 3, j] = vp + dt * vv
            Po[i + 3, j + 3] = vv
    t = abs(dt)
    t2 = t * t
    for i in range(3):
        a2 = a2h if i < 2 else a2v
        Po[i, i] += a2 * t2 * t2 / 4
        Po[i, i + 3] += a2 * t2 * t / 2
        Po[i + 3, i] += a2 * t2 * t / 2
        Po[i + 3, i + 3] += a2 * t2


@_jit
def _inv_logdet(S, n, Si):
    """Inverse and log-determinant of a symmetric positive-definite n x n (Cholesky)."""
    L = np.zeros((n, n))
    logdet = 0.0
    for j in range(n):
        s = S[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if s <= 0.0:
            return np.nan
        L[j, j] = np.sqrt(s)
        logdet += 2.0 * np.log(L[j, j])
        for i in range(j + 1, n):
            s = S[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / L[j, j]
    Li = np.zeros((n, n))  # inverse of the lower triangle
    for i in range(n):
        Li[i, i] = 1.0 / L[i, i]
        for j in range(i):
            s = 0.0
            for k in range(j, i):
                s -= L[i, k] * Li[k, j]
            Li[i, j] = s / L[i, i]
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(max(i, j), n):
                s += Li[k, i] * Li[k, j]
            Si[i, j] = s
    return logdet


@_jit
def _radar_h(p, o, Mr, third, site_alt, rn, rm, zh, Hp):
    """Predicted [range, azimuth, third] and dz/dp (3, 3) of position p (see measure.radar_predict)."""
    d0 = p[0] - o[0]
    d1 = p[1] - o[1]
    d2 = p[2] - o[2]
    de = Mr[0, 0] * d0 + Mr[0, 1] * d1 + Mr[0, 2] * d2
    dn = Mr[1, 0] * d0 + Mr[1, 1] * d1 + Mr[1, 2] * d2
    du = Mr[2, 0] * d0 + Mr[2, 1] * d1 + Mr[2, 2] * d2
    rho2 = max(de * de + dn * dn, 1e-6)
    rho = np.sqrt(rho2)
    r = np.sqrt(rho2 + du * du)
    zh[0] = r
    zh[1] = np.arctan2(de, dn)
    J = np.zeros((3, 3))
    J[0, 0], J[0, 1], J[0, 2] = de / r, dn / r, du / r
    J[1, 0], J[1, 1] = dn / rho2, -de / rho2
    zh[2] = 0.0
    if third == 1:
        zh[2] = np.arctan2(du, rho)
        r2 = r * r
        J[2, 0], J[2, 1], J[2, 2] = -de * du / (r2 * rho), -dn * du / (r2 * rho), rho / r2
    for i in range(3):
        for j in range(3):
            Hp[i, j] = J[i, 0] * Mr[0, j] + J[i, 1] * Mr[1, j] + J[i, 2] * Mr[2, j]
    if third == 2:
        zh[2] = site_alt + p[2] + p[0] * p[0] / (2 * rn) + p[1] * p[1] / (2 * rm)
        Hp[2, 0], Hp[2, 1], Hp[2, 2] = p[0] / rn, p[1] / rm, 1.0


@_jit
def _radar_innov(zh, Hp, Ppp, z, R, third, y, S):
    for i in range(3):
        y[i] = z[i] - zh[i]
    y[1] = (y[1] + np.pi) % (2 * np.pi) - np.pi
    if third == 0:
        y[2] = 0.0
    HP = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            s = 0.0
            for k in range(3):
                s += Hp[i, k] * Ppp[k, j]
            HP[i, j] = s
    for i in range(3):
        for j in range(3):
            s = R[i, j]
            for k in range(3):
                s += HP[i, k] * Hp[j, k]
            S[i, j] = s


@_jit
def _mix(mu, dt, sojourn, c, w):
    """Predicted mode probabilities c (M,) and mixing weights w (M, M) [from i, to j]."""
    m = mu.shape[0]
    Pi = np.empty((m, m))
    _transition(dt, sojourn, Pi)
    for j in range(m):
        s = 0.0
        for i in range(m):
            s += Pi[i, j] * mu[i]
        c[j] = s
    for i in range(m):
        for j in range(m):
            w[i, j] = Pi[i, j] * mu[i] / max(c[j], 1e-300)


@_jit
def _mix_predict(x, P, mu, dt, accel2, sojourn, xp, Pp, c):
    """IMM mixing then per-mode prediction of one track: x (M, 6), P (M, 6, 6) -> xp, Pp."""
    m = mu.shape[0]
    w = np.empty((m, m))
    _mix(mu, dt, sojourn, c, w)
    x0 = np.zeros(6)
    P0 = np.zeros((6, 6))
    for j in range(m):
        x0[:] = 0.0
        for i in range(m):
            for a in range(6):
                x0[a] += w[i, j] * x[i, a]
        P0[:, :] = 0.0
        for i in range(m):
            for a in range(6):
                da = x[i, a] - x0[a]
                for b in range(6):
                    P0[a, b] += w[i, j] * (P[i, a, b] + da * (x[i, b] - x0[b]))
        _predict(x0, P0, dt, accel2[j, 0], accel2[j, 1], xp[j], Pp[j])


@_jit
def combine(x, P, mu):
    """Moment-matched Gaussian of each track's modes: (K, M, 6), (K, M, 6, 6), (K, M) -> (K, 6), (K, 6, 6)."""
    K = mu.shape[0]
    xc = np.zeros((K, 6))
    Pc = np.zeros((K, 6, 6))
    for k in range(K):
        _combine_one(x[k], P[k], mu[k], xc[k], Pc[k])
    return xc, Pc


@_jit
def book_update(
    r, xs, Ps, mus, t, gain, sensor, mode_c_seen, h_seen,
    x, P, mu, xc, Pc, t_trk, t_update, score, peak, hits, miss_lp, sensors, t_seen, mode_c, h_known,
):  # fmt: skip
    """Write an updated state (and its combined moments) into table row r and book the
    measurement (time, score, sensor)."""
    x[r], P[r], mu[r] = xs, Ps, mus
    _combine_one(xs, Ps, mus, xc[r], Pc[r])
    t_trk[r] = t_update[r] = t
    score[r] += gain
    peak[r] = max(peak[r], score[r])
    hits[r] += 1
    miss_lp[r] = 0.0
    sensors[r] |= 1 << sensor
    t_seen[r, sensor] = t
    mode_c[r] |= mode_c_seen
    h_known[r] |= h_seen


@_jit
def predict_combined(xc, Pc, mu, dt, accel2, xo, Po):
    """One track's combined state xc, Pc predicted by dt with the mode-mixed process noise into
    xo, Po (models.predict with models.mixed_accel(mu))."""
    a2h = 0.0
    a2v = 0.0
    for j in range(mu.shape[0]):
        a2h += mu[j] * accel2[j, 0]
        a2v += mu[j] * accel2[j, 1]
    _predict(xc, Pc, dt, a2h, a2v, xo, Po)


@_jit
def _combine_one(x, P, mu, xc, Pc):
    """combine() of one track into xc (6,), Pc (6, 6)."""
    m = mu.shape[0]
    xc[:] = 0.0
    Pc[:, :] = 0.0
    for j in range(m):
        for a in range(6):
            xc[a] += mu[j] * x[j, a]
    for j in range(m):
        for a in range(6):
            da = x[j, a] - xc[a]
            for b in range(6):
                Pc[a, b] += mu[j] * (P[j, a, b] + da * (x[j, b] - xc[b]))


def predict_mixed(xc, Pc, mu, dt):
    """Combined states (K, 6), (K, 6, 6) predicted by dt (K,) with the mode-mixed process noise of
    mode probabilities mu (K, M): models.predict(xc, Pc, dt, models.mixed_accel(mu)), compiled."""
    return _predict_mixed(xc, Pc, mu, dt, _motion()[0])


@_jit
def _predict_mixed(xc, Pc, mu, dt, accel2):
    K, m = mu.shape
    xo = np.empty((K, 6))
    Po = np.empty((K, 6, 6))
    for k in range(K):
        a2h = 0.0
        a2v = 0.0
        for j in range(m):
            a2h += mu[k, j] * accel2[j, 0]
            a2v += mu[k, j] * accel2[j, 1]
        _predict(xc[k], Pc[k], dt[k], a2h, a2v, xo[k], Po[k])
    return xo, Po


def _motion() -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(models.MODE_ACCEL**2), np.ascontiguousarray(models.MODE_SOJOURN_S, np.float64)


@_jit
def radar_gate_one(xc, Pc, mu, dt, o, Mr, third, z, R, sig_t, site_alt, rn, rm, accel2, sojourn):
    """Mahalanobis d2 and log-likelihood of one plot against one track's combined state.

    The state is predicted to the plot's time with the mode-mixed process noise; a track built
    from reports (sig_t > 0) gets its time uncertainty along the velocity added."""
    m = mu.shape[0]
    c = np.empty(m)
    w = np.empty((m, m))
    _mix(mu, dt, sojourn, c, w)
    a2h = 0.0
    a2v = 0.0
    for j in range(m):
        a2h += c[j] * accel2[j, 0]
        a2v += c[j] * accel2[j, 1]
    xp = np.empty(6)
    Pp = np.empty((6, 6))
    _predict(xc, Pc, dt, a2h, a2v, xp, Pp)
    if sig_t > 0.0:
        s2 = sig_t * sig_t
        for a in range(3):
            for b in range(3):
                Pp[a, b] += s2 * xp[3 + a] * xp[3 + b]
    zh = np.empty(3)
    Hp = np.empty((3, 3))
    _radar_h(xp, o, Mr, third, site_alt, rn, rm, zh, Hp)
    y = np.empty(3)
    S = np.empty((3, 3))
    _radar_innov(zh, Hp, Pp[:3, :3], z, R, third, y, S)
    Si = np.empty((3, 3))
    logdet = _inv_logdet(S, 3, Si)
    q = 0.0
    for a in range(3):
        for b in range(3):
            q += y[a] * Si[a, b] * y[b]
    dim = 3 if third > 0 else 2
    return q, -0.5 * (q + logdet + dim * LOG2PI)


@_jit
def _update(xp, Pp, y, H, R, n_z, xo, Po):
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
    logdet = _inv_logdet(S, n_z, Si)
    q = _apply_gain(xp, Pp, PHt, Si, y, n_z, xo, Po)
    return -0.5 * (q + logdet + n_z * LOG2PI)


@_jit
def _apply_gain(xp, Pp, PHt, Si, y, n, xo, Po):
    """The Kalman step from P H^T (6, n) and S^-1 (n, n): xo = xp + K y, Po = Pp - K H Pp with
    K = P H^T S^-1. Returns the innovation's squared Mahalanobis distance y S^-1 y."""
    K = np.empty((6, n))
    for a in range(6):
        for j in range(n):
            s = 0.0
            for i in range(n):
                s += PHt[a, i] * Si[i, j]
            K[a, j] = s
    q = 0.0
    for i in range(n):
        for j in range(n):
            q += y[i] * Si[i, j] * y[j]
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


@_jit
def _mode_probs(c, ll, mu_out):
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
        mu_out[j] = max(mu_out[j] / tot, 1e-6)
        s += mu_out[j]
    for j in range(m):
        mu_out[j] /= s


@_jit
def imm_radar_one(x, P, mu, dt, o, Mr, third, z, R, site_alt, rn, rm, accel2, sojourn):
    """IMM cycle of one track (x (M, 6), P (M, 6, 6), mu (M,), in place) with one radar plot."""
    m = mu.shape[0]
    xp = np.empty((m, 6))
    Pp = np.empty((m, 6, 6))
    c = np.empty(m)
    _mix_predict(x, P, mu, dt, accel2, sojourn, xp, Pp, c)
    ll = np.empty(m)
    zh = np.empty(3)
    Hp = np.empty((3, 3))
    y = np.empty(3)
    for j in range(m):
        _radar_h(xp[j], o, Mr, third, site_alt, rn, rm, zh, Hp)
        for i in range(3):
            y[i] = z[i] - zh[i]
        y[1] = (y[1] + np.pi) % (2 * np.pi) - np.pi
        ll[j] = _update_radar(xp[j], Pp[j], y, Hp, R, 2 if third == 0 else 3, x[j], P[j])
    _mode_probs(c, ll, mu)


@_jit
def _update_radar(xp, Pp, y, Hp, R, n, xo, Po):
    """_update for a radar plot: H = [Hp 0] touches the position only, and a 2-D plot without
    height has n = 2 components (the padded third row of the generic form adds nothing). The
    same numbers as _update with half the work; the log-likelihood keeps _update's constant."""
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
    if not det > 0.0:  # not positive definite: as _update (via _inv_logdet), a NaN state
        xo[:] = np.nan
        return np.nan
    q = _apply_gain(xp, Pp, PHt, Si, y, n, xo, Po)
    return -0.5 * (q + np.log(det) + 3 * LOG2PI)


@_jit
def imm_linear_one(x, P, mu, dt, z, R, mask, accel2, sojourn):
    """_imm_linear of one track: x (M, 6), P (M, 6, 6), mu (M,) in place."""
    m = mu.shape[0]
    xp = np.empty((m, 6))
    Pp = np.empty((m, 6, 6))
    c = np.empty(m)
    _mix_predict(x, P, mu, dt, accel2, sojourn, xp, Pp, c)
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
        ll[j] = _update(xp[j], Pp[j], y, H, Rs, nz, x[j], P[j])
    _mode_probs(c, ll, mu)


@_jit
def plots_to_enu(r, az, el, alt, third, o, Mr, sr2, sa2, se2, sh2, h_prior, sh2_prior, site_alt, rn, rm):
    """Plots -> site-ENU positions (K, 3) and covariances (K, 3, 3): measure.plot_to_enu fused."""
    K = r.shape[0]
    p = np.empty((K, 3))
    C = np.empty((K, 3, 3))
    for k in range(K):
        h_s = site_alt + o[k, 2] + o[k, 0] ** 2 / (2 * rn) + o[k, 1] ** 2 / (2 * rm)
        rk, ak = r[k], az[k]
        saz, caz = np.sin(ak), np.cos(ak)
        J = np.zeros((3, 3))
        if third[k] == 1:
            ce, se = np.cos(el[k]), np.sin(el[k])
            rho, du = rk * ce, rk * se
            drho_dr, drho_dq, ddu_dr, ddu_dq = ce, -rk * se, se, rk * ce
            q2 = se2
        else:
            h = alt[k] if third[k] == 2 else h_s + h_prior
            q2 = sh2 if third[k] == 2 else sh2_prior
            rho = rk
            du = 0.0
            for _ in range(3):
                du = min(max(h - h_s - rho * rho / (2 * rn), -0.95 * rk), 0.95 * rk)
                rho = np.sqrt(rk * rk - du * du)
            drho_dr, drho_dq, ddu_dr, ddu_dq = rk / rho, -du / rho, 0.0, 1.0
        d = np.array([rho * saz, rho * caz, du])
        J[0, 0], J[1, 0], J[2, 0] = drho_dr * saz, drho_dr * caz, ddu_dr
        J[0, 1], J[1, 1] = rho * caz, -rho * saz
        J[0, 2], J[1, 2], J[2, 2] = drho_dq * saz, drho_dq * caz, ddu_dq
        # Cd = J diag(sr2, sa2, q2) J^T, then rotate to the site frame: M^T Cd M
        Cd = np.empty((3, 3))
        for i in range(3):
            for j in range(3):
                Cd[i, j] = J[i, 0] * J[j, 0] * sr2 + J[i, 1] * J[j, 1] * sa2 + J[i, 2] * J[j, 2] * q2
        for i in range(3):
            p[k, i] = o[k, i] + Mr[k, 0, i] * d[0] + Mr[k, 1, i] * d[1] + Mr[k, 2, i] * d[2]
        T = np.empty((3, 3))
        for i in range(3):
            for j in range(3):
                T[i, j] = Mr[k, 0, i] * Cd[0, j] + Mr[k, 1, i] * Cd[1, j] + Mr[k, 2, i] * Cd[2, j]
        for i in range(3):
            for j in range(3):
                C[k, i, j] = T[i, 0] * Mr[k, 0, j] + T[i, 1] * Mr[k, 1, j] + T[i, 2] * Mr[k, 2, j]
    return p, C


__all__ = ["combine", "imm_linear_one", "imm_radar_one", "plots_to_enu", "predict_mixed", "radar_gate_one"]
