"""The math of sensor registration (track/registration.py): how a radar's systematic errors show in
its plots, and the recursive least-squares estimate of them. Pure batched numpy functions.

Measurement model. A radar with biases b = [dr, daz, dt] (range m, azimuth rad, time-stamp s)
stamps a plot of an object at true time t0 with time t = t0 + dt, and measures
    z = h(x(t0) - o(t0)) + [dr, daz] + noise
where h gives [slant range, azimuth] of a position relative to the antenna o. Against a reference
x_ref(t) (an ADS-B report moved to the plot's stamped time t) the residual is, to first order,
    y = z - h(x_ref(t) - o(t)) = H b + noise,     H = [[1, 0, -rdot], [0, 1, -azdot]]
with rdot, azdot the rates of the object's range and azimuth seen from the (possibly moving)
antenna: the time offset's Jacobian. The plots' spread over approaching and receding, left- and
right-crossing objects is what makes the three biases separable; `observability` measures it.

Estimate (information form, exponential forgetting with time constant tau):
    L <- lam L + sum_k H_k^T W_k H_k,   e <- lam e + sum_k H_k^T W_k y_k,   lam = exp(-dT / tau)
    b = (L + L0)^-1 e,                  Pb = (L + L0)^-1
L0 = diag(1 / prior sigma^2) is a zero-mean prior that is never forgotten (it keeps Pb finite
without data). W_k = w_k R_k^-1 with R_k the plot's noise plus the reference's projected noise,
and w_k a Huber weight of the normalised residual (so an occasional wrong pairing pulls little).

Letters: y (K, 2) residual [m, rad]; H (K, 2, 3); R (K, 2, 2) diagonal; L (3, 3); e (3,).
"""

from __future__ import annotations

import numpy as np

from airpicture.types import FloatArray


def wrap(a: FloatArray) -> FloatArray:
    """Angles (rad) to [-pi, pi)."""
    return np.asarray((a + np.pi) % (2 * np.pi) - np.pi)


def polar(d: FloatArray, Mr: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Relative positions d (K, 3) in site ENU, rotated by Mr (K, 3, 3) into the antenna's own
    east/north/up -> (slant range (K,), azimuth (K,) rad clockwise from north, local (K, 3))."""
    loc = np.einsum("kij,kj->ki", Mr, d)
    r = np.linalg.norm(loc, axis=1)
    return r, np.arctan2(loc[:, 0], loc[:, 1]), loc


def residuals(
    r: FloatArray,
    az: FloatArray,
    ref_p: FloatArray,
    ref_v: FloatArray,
    o: FloatArray,
    Mr: FloatArray,
    o_v: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Residuals of K plots against their references, and the model's Jacobian.

    r, az : (K,) the plots as stamped (m, rad); ref_p, ref_v : (K, 3) reference position at the
    plot's stamped time and its velocity, site ENU; o, Mr : (K, 3), (K, 3, 3) the antenna and the
    site-ENU -> antenna-ENU rotation at that time; o_v : (K, 3) the antenna's velocity.
    Returns y (K, 2) [m, rad], H (K, 2, 3), rho (K,) horizontal range (m, for projecting noise)
    and el (K,) the reference's elevation (rad, to check a 3-D radar's pairing).
    """
    rr, aa, loc = polar(ref_p - o, Mr)
    vloc = np.einsum("kij,kj->ki", Mr, ref_v - o_v)
    rho2 = np.maximum(loc[:, 0] ** 2 + loc[:, 1] ** 2, 1.0)
    r_dot = np.einsum("ki,ki->k", loc, vloc) / np.maximum(rr, 1.0)
    az_dot = (loc[:, 1] * vloc[:, 0] - loc[:, 0] * vloc[:, 1]) / rho2
    y = np.column_stack([r - rr, wrap(az - aa)])
    H = np.zeros((len(r), 2, 3))
    H[:, 0, 0] = 1.0
    H[:, 1, 1] = 1.0
    H[:, 0, 2] = -r_dot
    H[:, 1, 2] = -az_dot
    return y, H, np.sqrt(rho2), np.arctan2(loc[:, 2], np.sqrt(rho2))


def normalised(y: FloatArray, H: FloatArray, R: FloatArray, b: FloatArray, Pb: FloatArray) -> FloatArray:
    """d^2 (K,) of each residual against the current estimate b (3,), Pb (3, 3):
    (y - H b)^T S^-1 (y - H b) with S = H Pb H^T + R."""
    e = y - H @ b
    S = H @ Pb @ H.swapaxes(-1, -2) + R
    return np.asarray(np.einsum("ki,ki->k", e, np.linalg.solve(S, e[..., None])[..., 0]))


def huber(d2: FloatArray, k: float) -> FloatArray:
    """Huber weights (K,) of normalised residuals: 1 inside k sigma, k / |d| beyond."""
    d = np.sqrt(np.maximum(d2, 1e-12))
    return np.asarray(np.minimum(1.0, k / d))


def accumulate(
    L: FloatArray, e: FloatArray, lam: float, y: FloatArray, H: FloatArray, R: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One batch into the information: L (3, 3), e (3,) forgotten by lam, plus sum of H^T W H and
    H^T W y with W = w R^-1 (R diagonal)."""
    Ri = w[:, None] / np.diagonal(R, axis1=1, axis2=2)  # (K, 2)
    HtW = H.swapaxes(-1, -2) * Ri[:, None, :]  # (K, 3, 2)
    return lam * L + np.einsum("kij,kjl->il", HtW, H), lam * e + np.einsum("kij,kj->i", HtW, y)


def solve(L: FloatArray, e: FloatArray, L0: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The estimate b (3,) and its covariance Pb (3, 3) from the information and the prior."""
    Pb = np.asarray(np.linalg.inv(L + L0), dtype=np.float64)
    return Pb @ e, Pb


__all__ = ["accumulate", "huber", "normalised", "polar", "residuals", "solve", "wrap"]
