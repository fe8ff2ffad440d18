"""Numpy oracle of the vertical channel (src/airpicture/track/vertical.py), written from its
docstring: per mode a 1-D constant-velocity model [h, vz] with white acceleration, IMM mixing by
mean sojourn times, a scalar Kalman update with the measured height, mode likelihoods from that
update alone; the published height is the combined modes predicted with the mixture's noise."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from airpicture.types import FloatArray

#: the modes of the docstring: steady (level or a held climb) and manoeuvre, and their sojourns
ACCEL = np.array([0.05, 0.5])
SOJOURN_S = np.array([120.0, 15.0])
PRIOR = np.array([0.5, 0.5])


def predict(x: FloatArray, P: FloatArray, dt: FloatArray, a2: FloatArray) -> tuple[FloatArray, FloatArray]:
    """x (K, 2), P (K, 2, 2) by dt (K,) with acceleration variances a2 (K,)."""
    F = np.zeros((len(dt), 2, 2))
    F[:, 0, 0] = F[:, 1, 1] = 1.0
    F[:, 0, 1] = dt
    t = np.abs(dt)
    Q = a2[:, None, None] * np.stack([np.stack([t**4 / 4, t**3 / 2], -1), np.stack([t**3 / 2, t**2], -1)], -2)
    return np.einsum("kij,kj->ki", F, x), F @ P @ F.transpose(0, 2, 1) + Q


class Vertical(NamedTuple):
    x: FloatArray  # (K, V, 2)
    P: FloatArray  # (K, V, 2, 2)
    mu: FloatArray  # (K, V)
    t: FloatArray  # (K,)


def update(
    x: FloatArray,
    P: FloatArray,
    mu: FloatArray,
    vt: FloatArray,
    t: FloatArray,
    h: FloatArray,
    r2: FloatArray,
    v_var: float,
) -> Vertical:
    """Rows (x (K, V, 2), P (K, V, 2, 2), mu (K, V), time vt (K,)) updated with heights h of
    variance r2 at t (K,); a row with vt NaN starts at its height, climb rate 0 +- sqrt(v_var)."""
    V = mu.shape[1]
    x, P, mu = x.copy(), P.copy(), mu.copy()
    start = ~np.isfinite(vt)
    x[start] = np.stack([h[start], np.zeros(start.sum())], -1)[:, None, :]
    P[start] = 0.0
    P[start, :, 0, 0] = r2[start, None]
    P[start, :, 1, 1] = v_var
    mu[start] = PRIOR
    go = ~start
    dt = t[go] - vt[go]
    stay = np.exp(-np.abs(dt)[:, None] / SOJOURN_S)  # (k, V)
    Pi = np.where(np.eye(V, dtype=bool), stay[:, :, None], ((1 - stay) / (V - 1))[:, :, None])
    c = np.einsum("ki,kij->kj", mu[go], Pi)
    w = mu[go][:, :, None] * Pi / np.maximum(c[:, None, :], 1e-300)
    x0 = np.einsum("kij,kid->kjd", w, x[go])
    d = x[go][:, :, None, :] - x0[:, None, :, :]
    P0 = np.einsum("kij,kiab->kjab", w, P[go]) + np.einsum("kij,kija,kijb->kjab", w, d, d)
    n = len(dt)
    xp, Pp = predict(x0.reshape(n * V, 2), P0.reshape(n * V, 2, 2), np.repeat(dt, V), np.tile(ACCEL**2, n))
    s = Pp[:, 0, 0] + np.repeat(r2[go], V)
    y = np.repeat(h[go], V) - xp[:, 0]
    K_ = Pp[:, :, 0] / s[:, None]
    xu = xp + K_ * y[:, None]
    Pu = Pp - K_[:, :, None] * Pp[:, 0, None, :]
    ll = (-0.5 * (y * y / s + np.log(2 * np.pi * s))).reshape(n, V)
    lik = c * np.exp(ll - ll.max(axis=1, keepdims=True))
    x[go], P[go] = xu.reshape(n, V, 2), Pu.reshape(n, V, 2, 2)
    mu[go] = lik / lik.sum(axis=1, keepdims=True)
    return Vertical(x, P, mu, t.astype(float))


def height_at(
    x: FloatArray, P: FloatArray, mu: FloatArray, vt: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(K,) heights of rows' channels at t (K,) and their variances: modes combined, predicted
    with the mixture's noise."""
    xc = np.einsum("kv,kvd->kd", mu, x)
    d = x - xc[:, None, :]
    Pc = np.einsum("kv,kvab->kab", mu, P) + np.einsum("kv,kva,kvb->kab", mu, d, d)
    xo, Po = predict(xc, Pc, t - vt, mu @ ACCEL**2)
    return xo[:, 0], Po[:, 0, 0]


__all__ = ["ACCEL", "PRIOR", "SOJOURN_S", "Vertical", "height_at", "predict", "update"]
