"""Cooperative reports (ADS-B, Remote ID) of one sensor and window in compiled calls: `prepare`
(reports to site-ENU measurements) and `commit` (IMM update of the tracks holding the reported
identities, with the identity-jump check, and their bookkeeping). coop_reports.batch keeps the
lookup of identities and the fusion of new identities with radar tracks in Python; the numpy path
in coop_reports.py (measure.report_to_enu, imm.step, Tracker._commit) is the reference.
"""

from __future__ import annotations

import numpy as np

from airpicture.geo import E2, A
from airpicture.track.kernels import _inv_logdet, _jit, book_update, imm_linear_one, predict_combined


@_jit
def prepare(lat, lon, alt, speed, track, vrate, site_alt, Rf, origin, sig2):
    """Reports -> z (K, 6) [position, velocity] in site ENU, R (K, 6, 6) and mask (K, 6) of the
    parts present (measure.report_to_enu: a missing part stays out, never leaks into others;
    a report without altitude is placed at the site's height and its height is not measured).
    sig2: variances of [e n u ve vn vu]."""
    K = lat.shape[0]
    z = np.zeros((K, 6))
    R = np.zeros((K, 6, 6))
    mask = np.zeros((K, 6), np.bool_)
    for k in range(K):
        la, lo = np.radians(lat[k]), np.radians(lon[k])
        sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
        h = alt[k] if np.isfinite(alt[k]) else site_alt
        n = A / np.sqrt(1.0 - E2 * sla * sla)
        d0 = (n + h) * cla * clo - origin[0]
        d1 = (n + h) * cla * slo - origin[1]
        d2 = (n * (1.0 - E2) + h) * sla - origin[2]
        for i in range(3):
            z[k, i] = Rf[i, 0] * d0 + Rf[i, 1] * d1 + Rf[i, 2] * d2
        ve, vn, vu = speed[k] * np.sin(track[k]), speed[k] * np.cos(track[k]), vrate[k]
        h_ok = np.isfinite(ve) and np.isfinite(vn)
        v_ok = np.isfinite(vu)
        ve, vn, vu = (ve if h_ok else 0.0), (vn if h_ok else 0.0), (vu if v_ok else 0.0)
        # local ENU -> ECEF (transpose of the rotation at lat, lon) -> site ENU
        ex = -slo * ve - sla * clo * vn + cla * clo * vu
        ey = clo * ve - sla * slo * vn + cla * slo * vu
        ez = cla * vn + sla * vu
        for i in range(3):
            z[k, 3 + i] = Rf[i, 0] * ex + Rf[i, 1] * ey + Rf[i, 2] * ez
        mask[k, 0] = np.isfinite(z[k, 0])
        mask[k, 1] = np.isfinite(z[k, 1])
        mask[k, 2] = np.isfinite(z[k, 2]) and np.isfinite(alt[k])
        mask[k, 3] = mask[k, 4] = h_ok and np.isfinite(z[k, 3]) and np.isfinite(z[k, 4])
        mask[k, 5] = h_ok and v_ok and np.isfinite(z[k, 5])
        for i in range(6):
            R[k, i, i] = sig2[i] if mask[k, i] else 1.0
            if not mask[k, i]:
                z[k, i] = 0.0
    return z, R, mask


@_jit
def commit(
    k, m, t, z, R, mask, gain, sensor, jump_check, jump_gate, v_var,
    x, P, mu, xc, Pc, t_trk, t_update, score, peak, hits, miss_lp, sensors, t_seen, mode_c, h_known, alive,
    accel2, sojourn,
):  # fmt: skip
    """IMM update of table rows k with reports m, in place. With jump_check (the row holds the
    report's identity, which is authoritative), a report far outside the predicted position
    (d2 > jump_gate) restarts the state at the report. A state that turns non-finite frees its
    row. Returns (rows freed, restarts)."""
    bad = 0
    jumps = 0
    nm = mu.shape[1]
    xs = np.empty((nm, 6))
    Ps = np.empty((nm, 6, 6))
    mus = np.empty(nm)
    xp = np.empty(6)
    Pp = np.empty((6, 6))
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    y = np.empty(3)
    for n in range(k.shape[0]):
        r, p = k[n], m[n]
        dt = t[p] - t_trk[r]
        xs[:, :] = x[r]
        Ps[:, :, :] = P[r]
        mus[:] = mu[r]
        imm_linear_one(xs, Ps, mus, dt, z[p], R[p], mask[p], accel2, sojourn)
        if jump_check:
            predict_combined(xc[r], Pc[r], mu[r], dt, accel2, xp, Pp)
            for a in range(3):
                y[a] = z[p, a] - xp[a] if mask[p, a] else 0.0
                for b in range(3):
                    S[a, b] = Pp[a, b] + R[p, a, b]
            _inv_logdet(S, 3, Si)
            d2 = 0.0
            for a in range(3):
                for b in range(3):
                    d2 += y[a] * Si[a, b] * y[b]
            if d2 > jump_gate:
                jumps += 1
                for j in range(nm):
                    Ps[j, :, :] = 0.0
                    for a in range(6):
                        xs[j, a] = z[p, a] if mask[p, a] else xp[a]
                        Ps[j, a, a] = R[p, a, a] if mask[p, a] else v_var
        if not (np.isfinite(xs).all() and np.isfinite(Ps).all()):
            alive[r] = False  # numerically broken: quarantine, never raise
            bad += 1
            continue
        book_update(
            r, xs, Ps, mus, t[p], gain, sensor, mask[p, 2], mask[p, 2],
            x, P, mu, xc, Pc, t_trk, t_update, score, peak, hits, miss_lp, sensors, t_seen, mode_c, h_known,
        )  # fmt: skip
    return bad, jumps


__all__ = ["commit", "prepare"]
