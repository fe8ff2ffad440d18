"""Numpy oracle of the IMM kernels (src/airpicture/track/motion.py `mix`, `mix_predict`,
`combine`; src/airpicture/track/update.py `imm_radar`, `imm_linear`, `mode_probs`, and so
`update_with_plots` / `update_with_reports`): the textbook IMM cycle as batched array
expressions, with any measurement function.

Interacting Multiple Model (IMM) steps for a batch of tracks, each to its own measurement time.

The straight modes share F and differ in Q, the turn modes turn (see oracle_models.py). Per
track k with mode probabilities mu (M,):
    c_j = sum_i p_ij(dt) mu_i                 predicted mode probabilities
    w_ij = p_ij mu_i / c_j                    mixing weights
    x0_j = sum_i w_ij x_i,  P0_j = sum_i w_ij (P_i + (x_i - x0_j)(x_i - x0_j)^T)
    x_j, P_j = predict(x0_j, P0_j, dt, mode j);  update each with the same measurement
    mu_j+ ~ c_j L_j (L_j: the mode's measurement likelihood)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import oracle_kalman as kalman
import oracle_models as models

from airpicture.types import BoolArray, FloatArray

#: measure(x (K, 6)) -> (zhat (K, m), H (K, m, 6))
MeasureFn = Callable[[FloatArray], tuple[FloatArray, FloatArray]]


def combine(x: FloatArray, P: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched single Gaussian of the modes: x (K, M, 6), P (K, M, 6, 6), mu (K, M)."""
    xc = np.einsum("km,kmd->kd", mu, x)
    dx = x - xc[:, None, :]
    Pc = np.einsum("km,kmab->kab", mu, P + dx[:, :, :, None] * dx[:, :, None, :])
    return xc, Pc


def predicted_mode_probs(mu: FloatArray, dt: FloatArray) -> FloatArray:
    return np.einsum("ki,kij->kj", mu, models.transition_probs(dt))


def mix_predict(
    x: FloatArray, P: FloatArray, mu: FloatArray, dt: FloatArray, accel: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mix and predict every mode by dt (K,): x (K, M, 6), P (K, M, 6, 6), mu (K, M) -> the
    predicted modes xp (K, M, 6), Pp (K, M, 6, 6) and mode probabilities c (K, M)."""
    K, M = mu.shape
    Pi = models.transition_probs(dt)
    c = np.einsum("ki,kij->kj", mu, Pi)
    w = mu[:, :, None] * Pi / np.maximum(c[:, None, :], 1e-300)
    x0 = np.einsum("kij,kid->kjd", w, x)
    dx = x[:, :, None, :] - x0[:, None, :, :]  # (K, i, j, 6)
    P0 = np.einsum("kij,kiab->kjab", w, P) + np.einsum("kij,kija,kijb->kjab", w, dx, dx)
    a = np.broadcast_to(models.MODE_ACCEL if accel is None else accel, (K, M, 2)).reshape(K * M, 2)
    x0, P0, d = x0.reshape(K * M, 6), P0.reshape(K * M, 6, 6), np.repeat(dt, M)
    xp, Pp = models.predict(x0, P0, d, a)
    lat = np.tile(models.MODE_TURN, K)
    turn = lat != 0.0
    xp[turn], Pp[turn] = models.predict_turn(x0[turn], P0[turn], d[turn], lat[turn], a[turn])
    return xp.reshape(K, M, 6), Pp.reshape(K, M, 6, 6), c


def step(
    x: FloatArray,
    P: FloatArray,
    mu: FloatArray,
    dt: FloatArray,
    z: FloatArray,
    R: FloatArray,
    measure: MeasureFn,
    angular: BoolArray,
    accel: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Mix, predict by dt (K,) and update with z (K, m), R (K, m, m). Returns x, P, mu and the
    mixture's measurement log-likelihood (K,)."""
    K, M = mu.shape
    xp, Pp, c = mix_predict(x, P, mu, dt, accel)
    xp, Pp = xp.reshape(K * M, 6), Pp.reshape(K * M, 6, 6)
    zhat, H = measure(xp)
    y = kalman.innovation(np.repeat(z, M, axis=0), zhat, angular)
    xu, Pu, ll = kalman.update(xp, Pp, y, H, np.repeat(R, M, axis=0))
    ll = ll.reshape(K, M)
    top = ll.max(axis=1, keepdims=True)
    lik = c * np.exp(ll - top)
    tot = lik.sum(axis=1, keepdims=True)
    mu_new = np.where(c > 0.0, np.maximum(lik / tot, 1e-6), 0.0)  # a mode never switched into: 0
    mu_new /= mu_new.sum(axis=1, keepdims=True)
    return xu.reshape(K, M, 6), Pu.reshape(K, M, 6, 6), mu_new, (np.log(tot) + top)[:, 0]


__all__ = ["MeasureFn", "combine", "mix_predict", "predicted_mode_probs", "step"]
