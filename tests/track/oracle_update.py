"""Numpy oracle of the update kernels (src/airpicture/track/update.py `update_with_plots`,
`update_with_reports`): the IMM-EKF cycle of the tracks assigned a measurement, as the tracker's
numpy path ran it before the kernels, through oracle_imm.step with the oracle measurement models.
Returns the new modes of the updated rows and their predicted covariances (the scale of the
rounding in P+ = Pp - K H Pp); the bookkeeping (score, hits, times) is
simple enough for the tests to state directly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import oracle_imm as imm
import oracle_manage as manage
import oracle_measure as measure

from airpicture.track.table import TrackColumns
from airpicture.types import BoolArray, FloatArray, IntArray

RADAR_ANGULAR = np.array([False, True, False])
REPORT_ANGULAR = np.zeros(6, bool)


class Updated(NamedTuple):
    """Rows after an update: x (K, M, 6), P (K, M, 6, 6), mu (K, M); Pp (K, M, 6, 6) the modes'
    predicted covariances before the update; jump (K,) the state was restarted at the report."""

    x: FloatArray
    P: FloatArray
    mu: FloatArray
    Pp: FloatArray
    jump: BoolArray


def radar_step(
    cols: TrackColumns,
    k: IntArray,
    t: FloatArray,
    z: FloatArray,
    R: FloatArray,
    o: FloatArray,
    M: FloatArray,
    third: IntArray,
    site_alt: float,
    rn: float,
    rm: float,
    h_prior: float,
    h_prior_var: float,
    moving: bool,
    jump_mode: int,
    accel: FloatArray | None = None,
) -> Updated:
    """Rows k updated with plots (t, z, R, o, M, third) (K,). A row never measured in height
    (h_known False) updated by a plot without height: from a fixed antenna, each mode's height is
    set to the prior (h_prior above the site's ground, variance h_prior_var), level, uncorrelated
    with the rest of the state, before the cycle; from a moving antenna (`moving`), when its height
    variance predicted (without process noise) from its combined state exceeds 1.01 h_prior_var, it
    takes the height prior (site height + h_prior) as the third component with the variance that
    tops its information up to the prior's, 1 / (1 / h_prior_var - 1 / predicted). A row without
    identity has its jump mode held off (probability 1e-6, renormalised) before the cycle."""
    z, R, third = z.copy(), R.copy(), third.copy()
    x0, P0 = cols.x[k].copy(), cols.P[k].copy()
    dt = t - cols.t[k]
    Pc = cols.Pc[k]
    pzz = Pc[:, 2, 2] + 2 * dt * Pc[:, 2, 5] + dt * dt * Pc[:, 5, 5]
    unmeasured = (third == 0) & ~cols.h_known[k]
    if not moving and unmeasured.any():
        e, n = x0[unmeasured, :, 0], x0[unmeasured, :, 1]
        x0[unmeasured, :, 2] = h_prior - e * e / (2 * rn) - n * n / (2 * rm)
        x0[unmeasured, :, 5] = 0.0
        for a in (2, 5):
            P0[unmeasured, :, a, :] = 0.0
            P0[unmeasured, :, :, a] = 0.0
        P0[unmeasured, :, 2, 2] = h_prior_var
    pseudo = unmeasured & moving & (pzz > 1.01 * h_prior_var)
    if pseudo.any():
        third[pseudo] = 2
        z[pseudo, 2] = site_alt + h_prior
        R[pseudo, 2, 2] = 1.0 / (1.0 / h_prior_var - 1.0 / pzz[pseudo])
    mu = cols.mu[k].copy()
    anon = cols.ident[k] < 0
    mu[anon, jump_mode] = 1e-6
    mu[anon] /= mu[anon].sum(axis=1, keepdims=True)
    nm = mu.shape[1]
    o_m, M_m, th_m = np.repeat(o, nm, axis=0), np.repeat(M, nm, axis=0), np.repeat(third, nm)
    z_rep = np.repeat(z, nm, axis=0)

    def measure_fn(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
        zhat, Hp = measure.radar_predict(xs[:, :3], o_m, M_m, th_m, site_alt, rn, rm)
        H = np.zeros((len(xs), 3, 6))
        H[:, :, :3] = Hp
        zhat[:, 2] = np.where(th_m == 0, z_rep[:, 2], zhat[:, 2])  # padded row: zero innovation
        return zhat, H

    _, Pp, _ = imm.mix_predict(x0, P0, mu, t - cols.t[k], accel)
    x, P, mu, _ = imm.step(x0, P0, mu, t - cols.t[k], z, R, measure_fn, RADAR_ANGULAR, accel)
    return Updated(x, P, mu, Pp, np.zeros(len(k), bool))


def report_step(
    cols: TrackColumns,
    k: IntArray,
    t: FloatArray,
    z: FloatArray,
    R: FloatArray,
    mask: BoolArray,
    jump_gate: float,
    v_var: float,
) -> Updated:
    """Rows k updated with reports (t, z (K, 6), R, mask) through a linear H of the parts
    present. With jump_gate > 0, a report whose position is further than jump_gate (squared
    Mahalanobis, 3-D) from the row's prediction restarts every mode at the report (the parts it
    lacks from the prediction, with variance v_var), the mode probabilities as before the update."""
    nm = cols.mu.shape[1]
    mk = np.repeat(mask, nm, axis=0)
    zr = np.repeat(z, nm, axis=0)

    def measure_fn(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
        H = np.zeros((len(xs), 6, 6))
        H[:, np.arange(6), np.arange(6)] = mk
        return np.where(mk, xs, zr), H

    _, Pp, _ = imm.mix_predict(cols.x[k], cols.P[k], cols.mu[k], t - cols.t[k])
    x, P, mu, _ = imm.step(cols.x[k], cols.P[k], cols.mu[k], t - cols.t[k], z, R, measure_fn, REPORT_ANGULAR)
    jump = np.zeros(len(k), bool)
    if jump_gate > 0:
        xc, Pc = manage.predicted(cols, k, t)
        y = np.where(mask[:, :3], z[:, :3] - xc[:, :3], 0.0)
        S = Pc[:, :3, :3] + R[:, :3, :3]
        jump = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y) > jump_gate
        x[jump] = np.where(mask[jump], z[jump], xc[jump])[:, None, :]
        Pj = np.zeros((int(jump.sum()), 6, 6))
        Pj[:, np.arange(6), np.arange(6)] = np.where(
            mask[jump], R[jump][:, np.arange(6), np.arange(6)], v_var
        )
        P[jump] = Pj[:, None]
        mu[jump] = cols.mu[k][jump]  # the modes as they were: a report that far off judges none
    return Updated(x, P, mu, Pp, jump)


__all__ = ["RADAR_ANGULAR", "REPORT_ANGULAR", "Updated", "radar_step", "report_step"]
