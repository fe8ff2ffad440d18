"""Compiled per-window upkeep of the track table: what the misses say (scores, confirmation,
deletion), the duplicate candidates, and the published picture. Tracker.maintain and
Tracker.picture call these on the compiled path; manage.py and the numpy code in tracker.py are
the reference (a test checks that both give the same pictures).

Why: each of these is ~20 small array operations per window on the numpy path, which cost more
than the tracking itself on a scenario of a few hundred tracks.
"""

from __future__ import annotations

import numpy as np

from airpicture.geo import _EP2, E2, A, B, F
from airpicture.track.grid import near_pairs
from airpicture.track.kernels import _inv_logdet, _jit, predict_combined
from airpicture.track.table import CONFIRMED, TENTATIVE


@_jit
def judge(
    rows, t, t_seen, t_update, revisit, log_miss, memory_s, score, peak, miss_lp, status, P,
    confirm_llr, tent_drop, log_p_delete, max_sig_h, max_coast_s,
):  # fmt: skip
    """Scores after the misses since each track's last measurement (see manage.miss_logp), then
    which rows confirm and which are to be deleted (in place: score, miss_lp). Returns
    (confirm mask, drop mask, confirmed tracks among the dropped)."""
    K, S = rows.shape[0], t_seen.shape[1]
    confirm = np.zeros(K, np.bool_)
    drop = np.zeros(K, np.bool_)
    lost = 0
    for i in range(K):
        r = rows[i]
        lp = 0.0
        for s in range(S):
            seen = t_seen[r, s]
            if not (t_update[r] - seen) < memory_s:  # NaN: never seen by s
                continue
            since = max(np.floor((t - seen) / revisit[s] - 0.25), 0.0)
            before = max(np.floor((t_update[r] - seen) / revisit[s] - 0.25), 0.0)
            lp += (since - before) * log_miss[s]
        score[r] += min(lp - miss_lp[r], 0.0)
        miss_lp[r] = min(lp, miss_lp[r])
        tent = status[r] == TENTATIVE
        confirm[i] = tent and score[r] >= confirm_llr
        sig_h = 0.0
        for j in range(P.shape[1]):
            sig_h = max(sig_h, np.sqrt(max(P[r, j, 0, 0] + P[r, j, 1, 1], 0.0)))
        if tent:
            bad = not confirm[i] and (score[r] < peak[r] - tent_drop or score[r] < -1.0)
        else:
            bad = miss_lp[r] < log_p_delete
        drop[i] = bad or sig_h > max_sig_h or t - t_update[r] > max_coast_s
        if drop[i] and not tent:
            lost += 1
    return confirm, drop, lost


@_jit
def predicted(rows, xc, Pc, mu, t_trk, t, accel2):
    """Combined states of table rows predicted to times t (K,) with the mode-mixed process noise
    (Tracker.predicted)."""
    K = rows.shape[0]
    xo = np.empty((K, 6))
    Po = np.empty((K, 6, 6))
    for i in range(K):
        r = rows[i]
        predict_combined(xc[r], Pc[r], mu[r], t[i] - t_trk[r], accel2, xo[i], Po[i])
    return xo, Po


@_jit
def publish(
    alive, status, miss_lp, t_trk, xc, Pc, mu, t, fresh_s, min_lp, accel2, Rf, origin, site_alt, rn, rm
):
    """The picture's rows: confirmed tracks whose misses leave them likely still there, each at its
    last measurement when that is fresher than fresh_s, else predicted to t. Returns rows,
    row_time, x (K, 6), P (K, 6, 6), lat, lon (deg), height above the ellipsoid (see
    measure.altitude_of)."""
    rows = np.flatnonzero(alive & (status == CONFIRMED) & (miss_lp >= min_lp))
    K = rows.shape[0]
    row_time = np.empty(K)
    for i in range(K):
        tr = t_trk[rows[i]]
        row_time[i] = tr if t - tr < fresh_s else t
    xo, Po = predicted(rows, xc, Pc, mu, t_trk, row_time, accel2)
    lat = np.empty(K)
    lon = np.empty(K)
    alt = np.empty(K)
    for i in range(K):
        e, n, u = xo[i, 0], xo[i, 1], xo[i, 2]
        ex = Rf[0, 0] * e + Rf[1, 0] * n + Rf[2, 0] * u + origin[0]
        ey = Rf[0, 1] * e + Rf[1, 1] * n + Rf[2, 1] * u + origin[1]
        ez = Rf[0, 2] * e + Rf[1, 2] * n + Rf[2, 2] * u + origin[2]
        lat[i], lon[i] = _geodetic(ex, ey, ez)
        alt[i] = site_alt + u + e * e / (2 * rn) + n * n / (2 * rm)
    return rows, row_time, xo, Po, lat, lon, alt


@_jit
def _geodetic(x, y, z):
    """ECEF -> (lat, lon) deg: geo.ecef_to_geodetic for one point. One Bowring step is within
    2e-11 deg (2 micrometres) from -500 m to 15 km of height, so the picture takes one."""
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    beta = np.arctan2(z, (1.0 - F) * p)
    sb, cb = np.sin(beta), np.cos(beta)
    lat = np.arctan2(z + _EP2 * B * sb**3, p - E2 * A * cb**3)
    return np.degrees(lat), np.degrees(lon)


@_jit
def duplicates(rows, xc, Pc, mu, t_trk, ident, t, reach_m, gate, accel2):
    """Pairs (a, b), a < b, indices into rows, of tracks within reach_m of each other at time t
    whose identities do not differ and whose 6-D states agree within the chi-square gate
    (manage.merge decides which one stays)."""
    K = rows.shape[0]
    pos = np.empty((K, 2))  # the mean alone first: few tracks have a neighbour to compare
    for i in range(K):
        r = rows[i]
        pos[i, 0] = xc[r, 0] + xc[r, 3] * (t - t_trk[r])
        pos[i, 1] = xc[r, 1] + xc[r, 4] * (t - t_trk[r])
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
        if ident[ra] >= 0 and ident[rb] >= 0 and ident[ra] != ident[rb]:
            continue
        predict_combined(xc[ra], Pc[ra], mu[ra], t - t_trk[ra], accel2, xa, Pa)
        predict_combined(xc[rb], Pc[rb], mu[rb], t - t_trk[rb], accel2, xb, Pb)
        for u in range(6):
            d[u] = xa[u] - xb[u]
            for v in range(6):
                S[u, v] = Pa[u, v] + Pb[u, v]
        _inv_logdet(S, 6, Si)
        d2 = 0.0
        for u in range(6):
            for v in range(6):
                d2 += d[u] * Si[u, v] * d[v]
        keep[q] = d2 < gate
    return ia[keep], ib[keep]


@_jit
def start(
    rows, t, p, Cp, v, Cv, score, sensor, ident, mode_c, h_known, radar, prior, v_var,
    x, P, mu, xc, Pc, t_trk, t_first, t_update, t_cov, score_t, peak, hits, radar_hits, ident_t, sensors,
    mode_c_t, h_known_t, t_seen,
):  # fmt: skip
    """New tracks in fresh rows (at their defaults): every mode at position p (K, 3) with
    covariance Cp and, when v has rows, velocity v with covariance Cv, else at rest with the
    velocity prior v_var (3,)."""
    for i in range(rows.shape[0]):
        r = rows[i]
        for j in range(mu.shape[1]):
            x[r, j, :] = 0.0
            P[r, j, :, :] = 0.0
            for a in range(3):
                x[r, j, a] = p[i, a]
                for b in range(3):
                    P[r, j, a, b] = Cp[i, a, b]
                if v.shape[0]:
                    x[r, j, 3 + a] = v[i, a]
                    for b in range(3):
                        P[r, j, 3 + a, 3 + b] = Cv[i, a, b]
                else:
                    P[r, j, 3 + a, 3 + a] = v_var[a]
            mu[r, j] = prior[j]
        xc[r], Pc[r] = x[r, 0], P[r, 0]  # every mode the same
        t_trk[r] = t_first[r] = t_update[r] = t_cov[r] = t[i]
        score_t[r] = peak[r] = score[i]
        hits[r] = 1
        radar_hits[r] = 1 if radar else 0
        ident_t[r] = ident[i]
        sensors[r] = 1 << sensor
        mode_c_t[r] = mode_c[i]
        h_known_t[r] = h_known[i]
        t_seen[r, sensor] = t[i]


__all__ = ["duplicates", "judge", "predicted", "publish", "start"]
