"""Numpy oracle of the Kalman kernels (src/airpicture/track/update.py `kalman_update`,
`radar_update`, `apply_gain`; the innovation of measurement.py `radar_innovation`; the
inverse and log-determinant of linalg.py `inv_logdet`): the textbook update of a batch.

Batched Kalman filter update (one row per track-measurement pair).

x : (K, 6) state, P : (K, 6, 6) covariance, z : (K, m) measurement, zhat : (K, m) h(x),
H : (K, m, 6) Jacobian dh/dx at x, R : (K, m, m) measurement noise
y = z - zhat            innovation (angles wrapped to [-pi, pi))
S = H P H^T + R         innovation covariance
K = P H^T S^-1          gain
x+ = x + K y,  P+ = (I - K H) P (symmetrised)
d2 = y^T S^-1 y,  loglik = -(d2 + log|2 pi S|) / 2
"""

from __future__ import annotations

import numpy as np

from airpicture.types import BoolArray, FloatArray


def wrap(a: FloatArray) -> FloatArray:
    """Angles to [-pi, pi)."""
    return (a + np.pi) % (2 * np.pi) - np.pi


def innovation(z: FloatArray, zhat: FloatArray, angular: BoolArray) -> FloatArray:
    """z - zhat with the components flagged in angular (m,) wrapped."""
    y = z - zhat
    y[:, angular] = wrap(y[:, angular])
    return y


def gate_stats(y: FloatArray, S: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mahalanobis d2 (K,), log|2 pi S| (K,) and S^-1 (K, m, m) via Cholesky-free small inverses."""
    Si = np.asarray(np.linalg.inv(S), np.float64)
    d2 = np.einsum("ki,kij,kj->k", y, Si, y)
    _, logdet = np.linalg.slogdet(S)
    return d2, np.asarray(logdet + y.shape[1] * np.log(2 * np.pi), np.float64), Si


def update(
    x: FloatArray, P: FloatArray, y: FloatArray, H: FloatArray, R: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One update of a batch; returns (x+, P+, loglik)."""
    PHt = P @ H.transpose(0, 2, 1)
    S = H @ PHt + R
    d2, logdet, Si = gate_stats(y, S)
    K = PHt @ Si
    xo = x + np.einsum("kij,kj->ki", K, y)
    Po = P - K @ H @ P
    Po = 0.5 * (Po + Po.transpose(0, 2, 1))
    return xo, Po, -0.5 * (d2 + logdet)


__all__ = ["gate_stats", "innovation", "update", "wrap"]
