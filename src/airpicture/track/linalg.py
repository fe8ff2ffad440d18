"""Small dense linear algebra for the kernels (per track or pair, written out: a few 3x3 or 6x6
matrices at a time, where a numpy call would cost more than the arithmetic)."""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit

LOG2PI = float(np.log(2 * np.pi))


@jit
def inv_logdet(S, n, Si):
    """Inverse Si (n, n) and log-determinant of the symmetric positive-definite S (Cholesky);
    NaN when S is not positive definite."""
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


@jit
def mahalanobis(y, Si, n):
    """y^T Si y for the first n components."""
    q = 0.0
    for a in range(n):
        for b in range(n):
            q += y[a] * Si[a, b] * y[b]
    return q


__all__ = ["LOG2PI", "inv_logdet", "mahalanobis"]
