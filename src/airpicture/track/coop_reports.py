"""Cooperative reports (ADS-B, Remote ID) into the track table, one receiver at a time
(Tracker.update_reports): a report goes to the track holding its identity (a report far outside
that track's gate restarts it: the identity is authoritative); a new identity is first offered to
identity-less tracks that gate with it (fusion: one aircraft, one track), else starts a track.

The compiled path runs in coop_batch.py; the numpy code here is the reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from airpicture.sensors import CooperativeSheet
from airpicture.track import associate, coop_batch, imm, kernels, models
from airpicture.track.associate import GATE
from airpicture.track.measure import (
    MODE_C_STEP_M,
    SensorGeometry,
    report_to_enu,
)
from airpicture.track.params import COOP_GAIN, V_MAX_CLIMB_MPS, V_MAX_MPS
from airpicture.track.table import SUSPECT
from airpicture.types import NO_IDENT, FloatArray, IntArray

if TYPE_CHECKING:
    from airpicture.track.tracker import Tracker

_COOP_ANGULAR = np.zeros(6, bool)


def batch(trk: Tracker, g: SensorGeometry, rp: np.ndarray) -> None:
    """One receiver's reports (at most one per identity) into the tracker (see the module doc)."""
    tb, spec = trk.table, cast(CooperativeSheet, g.spec)
    t = rp["time_s"]
    alt = rp["altitude_m"]
    has_alt = np.isfinite(alt)
    sp = float(spec.sigma_position_m)
    sa2 = float(spec.sigma_alt_m) ** 2 + MODE_C_STEP_M**2 / 12
    sv = float(spec.sigma_velocity_mps)
    sig2 = np.array([sp * sp, sp * sp, sa2, sv * sv, sv * sv, sv * sv])
    if trk.compiled:
        z, R, mask = coop_batch.prepare(
            rp["lat"], rp["lon"], alt, rp["speed_mps"], rp["track_rad"], rp["vrate_mps"],
            trk.site_alt, trk.frame.R, trk.frame.origin_ecef, sig2,
        )  # fmt: skip
        p = z[:, :3]
    else:
        p, v = report_to_enu(
            trk.frame,
            rp["lat"],
            rp["lon"],
            np.where(has_alt, alt, trk.site_alt),
            rp["speed_mps"],
            rp["track_rad"],
            rp["vrate_mps"],
        )
        z = np.concatenate([p, v], axis=1)
        mask = np.isfinite(z)
        mask[:, 2] &= has_alt
        R = np.zeros((len(rp), 6, 6))
        idx = np.arange(6)
        R[:, idx, idx] = np.where(mask, sig2, 1.0)
        z = np.where(mask, z, 0.0)
    ident = rp["ident"]
    rows = tb.rows()
    # 1. the track that already holds the identity
    known = tb.ident[rows]
    order = np.argsort(known)
    pos = np.clip(np.searchsorted(known[order], ident), 0, max(len(rows) - 1, 0))
    has = (len(rows) > 0) & (known[order][pos] == ident) if len(rows) else np.zeros(len(rp), bool)
    k_known = rows[order][pos] if len(rows) else np.zeros(0, np.int64)
    done = np.zeros(len(rp), bool)
    if has.any():
        sel = np.flatnonzero(has)
        _update(trk, g, k_known[has], sel, t, z, R, mask, jump_check=True)
        done[sel] = True
    # 2. a new identity: fuse with an identity-less track that gates, else start a track
    left = np.flatnonzero(~done)
    if len(left):
        free_rows = rows[tb.ident[rows] == NO_IDENT]
        if len(free_rows):
            xc, Pc = trk._combined(free_rows)
            ti, mi = trk._candidates(
                free_rows, xc, Pc, float(t[left].mean()), 1.0, p[left, :2], np.full(len(left), 3 * sp)
            )
            if len(ti):
                k = free_rows[ti]
                m = left[mi]
                dt = t[m] - tb.t[k]
                c = imm.predicted_mode_probs(tb.mu[k], dt)
                xp, Pp = models.predict(xc[ti], Pc[ti], dt, models.mixed_accel(c))
                y = np.where(mask[m], z[m] - xp, 0.0)
                S = Pp + R[m]
                S = np.where(mask[m][:, :, None] & mask[m][:, None, :], S, np.eye(6))
                d2 = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y)
                dim = mask[m].sum(axis=1)
                gate = np.array([GATE[max(d, 1)] for d in range(7)])[dim]
                cost = np.where(d2 < gate, d2 + np.linalg.slogdet(S)[1] - 60.0, np.inf)
                pick = associate.assign(ti, m, cost)
                if len(pick):
                    kk, mm = k[pick], m[pick]
                    tb.ident[kk] = ident[mm]
                    _update(trk, g, kk, mm, t, z, R, mask, jump_check=False)
                    done[mm] = True
                    trk.stats.fused += len(pick)
    new = np.flatnonzero(~done)
    if len(new):
        Cp = np.zeros((len(new), 3, 3))
        Cp[:, [0, 1, 2], [0, 1, 2]] = sig2[:3]
        Cp[~mask[new, 2], 2, 2] = 1000.0**2
        Cv = np.zeros((len(new), 3, 3))
        vmask = mask[new, 3:]
        Cv[:, [0, 1, 2], [0, 1, 2]] = np.where(
            vmask, sig2[3:], [(V_MAX_MPS / 2) ** 2] * 2 + [(V_MAX_CLIMB_MPS / 2) ** 2]
        )
        rows_new = trk._new_tracks(
            t[new],
            z[new, :3],
            Cp,
            z[new, 3:],
            Cv,
            np.full(len(new), COOP_GAIN),
            g.index,
            ident[new],
            has_alt[new],
            has_alt[new],
        )
        tb.integrity[rows_new] = SUSPECT  # until the integrity check has looked at it


def _update(
    trk: Tracker,
    g: SensorGeometry,
    k: IntArray,
    m: IntArray,
    t: FloatArray,
    z: FloatArray,
    R: FloatArray,
    mask: np.ndarray,
    jump_check: bool,
) -> None:
    tb = trk.table
    if trk.compiled:
        bad, jumps = coop_batch.commit(
            k, m, t, z, R, mask, COOP_GAIN, g.index, jump_check, GATE[3] * 4, (V_MAX_MPS / 2) ** 2,
            tb.x, tb.P, tb.mu, tb.xc, tb.Pc, tb.t, tb.t_update, tb.score, tb.peak, tb.hits, tb.miss_lp,
            tb.sensors,
            tb.t_seen, tb.mode_c, tb.h_known, tb.alive, *kernels._motion(),
        )  # fmt: skip
        trk.stats.quarantined += bad
        trk.stats.identity_jumps += jumps
        trk.stats.report_updates += len(k)
        return
    x, P, mu = tb.x[k], tb.P[k], tb.mu[k]
    nm = models.N_MODES
    mk = np.repeat(mask[m], nm, axis=0)
    zr = np.repeat(z[m], nm, axis=0)

    def measure(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
        H = np.zeros((len(xs), 6, 6))
        H[:, np.arange(6), np.arange(6)] = mk
        return np.where(mk, xs, zr), H

    x, P, mu, _ = imm.step(x, P, mu, t[m] - tb.t[k], z[m], R[m], measure, _COOP_ANGULAR)
    if jump_check:  # the identity is authoritative: a report far outside the gate restarts the state
        xp, Pp = trk.predicted(k, t[m])
        y = np.where(mask[m, :3], z[m, :3] - xp[:, :3], 0.0)
        S = Pp[:, :3, :3] + R[m, :3, :3]
        d2 = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y)
        jump = d2 > GATE[3] * 4
        if jump.any():
            trk.stats.identity_jumps += int(jump.sum())
            x[jump] = np.where(mask[m[jump]], z[m[jump]], xp[jump])[:, None, :]
            Pj = np.zeros((int(jump.sum()), 6, 6))
            Pj[:, np.arange(6), np.arange(6)] = np.where(
                mask[m[jump]], R[m[jump]][:, np.arange(6), np.arange(6)], (V_MAX_MPS / 2) ** 2
            )
            P[jump] = Pj[:, None]
    trk._commit(k, t[m], x, P, mu, np.full(len(k), COOP_GAIN), g, radar=False)
    tb.mode_c[k] |= mask[m, 2]
    tb.h_known[k] |= mask[m, 2]
    trk.stats.report_updates += len(k)


__all__ = ["batch"]
