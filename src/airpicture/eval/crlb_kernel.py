"""The posterior Cramér–Rao bound's numeric parts: the information-reduction factor of a detection
in clutter, and the information recursion of one target over its measurement events.

Letters: x = [e n u ve vn vu] (site ENU), P (6, 6) the bound on the error covariance (the inverse
of the Fisher information J), F (6, 6) the constant-velocity transition, Q (6, 6) its process noise
(piecewise-constant white acceleration, sigma a_h horizontal and a_v vertical), H (m, 6) the
measurement's Jacobian at the true state, R (m, m) its noise, q in [0, 1] the information-reduction
factor (what survives of H^T R^-1 H after missed detections and plots of unknown origin).

    P_pred = F P F^T + Q                      (Tichavsky et al. 1998: linear Gaussian motion)
    J      = P_pred^-1 + sum_s q_s H_s^T R_s^-1 H_s
    P      = J^-1
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from airpicture.types import FloatArray

#: Gate of the IRF integral, in sigmas: the validation region of the Niu et al. (2001) formula.
IRF_GATE_SIGMA = 4.0
#: Monte Carlo draws behind one IRF value (relative error about 1 %), with a fixed seed.
IRF_DRAWS = 20_000
#: Below this many false plots per whitened unit volume, the reduction is Pd to better than 1e-4.
IRF_NEGLIGIBLE = 1e-7


def transition(dt: float) -> FloatArray:
    """F (6, 6) of constant velocity over dt seconds."""
    F = np.eye(6)
    F[0, 3] = F[1, 4] = F[2, 5] = dt
    return F


def process_noise(dt: float, accel_h: float, accel_v: float) -> FloatArray:
    """Q (6, 6) of piecewise-constant white acceleration over dt (the tracker's quiet-mode form)."""
    Q = np.zeros((6, 6))
    for axis, a in ((0, accel_h), (1, accel_h), (2, accel_v)):
        a2 = a * a
        Q[axis, axis] = a2 * dt**4 / 4
        Q[axis, axis + 3] = Q[axis + 3, axis] = a2 * dt**3 / 2
        Q[axis + 3, axis + 3] = a2 * dt**2
    return Q


def predict(P: FloatArray, dt: float, accel_h: float, accel_v: float) -> FloatArray:
    """P_pred = F P F^T + Q over dt."""
    F = transition(dt)
    return F @ P @ F.T + process_noise(dt, accel_h, accel_v)


def information_update(P_pred: FloatArray, info: FloatArray) -> FloatArray:
    """P = (P_pred^-1 + info)^-1, info (6, 6) the measurements' summed q H^T R^-1 H."""
    J = np.linalg.inv(P_pred) + info
    P = np.linalg.inv(J)
    return (P + P.T) / 2


def bound_over_events(
    P0: FloatArray,
    times: FloatArray,
    infos: FloatArray,
    accel_h: float,
    accel_v: float,
    height_var_max: float = np.inf,
) -> FloatArray:
    """The bound P (E, 6, 6) just after each of E measurement events (time-ordered), starting
    from the prior P0 (6, 6) at times[0]; infos (E, 6, 6) the information each event brings.
    height_var_max: the population's height variance, which the height's prediction may not
    exceed (a height nobody measures does not wander off without limit as white acceleration
    would have it: the target stays among the heights its kind flies at)."""
    out = np.empty((len(times), 6, 6))
    P, t = P0, float(times[0]) if len(times) else 0.0
    for i in range(len(times)):
        P_pred = predict(P, float(times[i]) - t, accel_h, accel_v)
        info = infos[i]
        if P_pred[2, 2] > height_var_max:
            info = info.copy()
            info[2, 2] += 1 / height_var_max - 1 / P_pred[2, 2]
        P = information_update(P_pred, info)
        t = float(times[i])
        out[i] = P
    return out


@lru_cache(maxsize=4096)
def _irf_cached(pd: float, log_lam: float, d: int) -> float:
    lam = float(np.exp(log_lam))
    g = IRF_GATE_SIGMA
    rng = np.random.default_rng(20010701)
    n = IRF_DRAWS
    # volume of the d-ball of radius g (whitened units)
    vol = np.pi ** (d / 2) / _gamma_half(d + 2) * g**d
    m = rng.poisson(lam * vol, n)
    m_max = max(int(m.max()), 1)
    # clutter uniform in the ball: direction uniform, radius g u^(1/d)
    dirs = rng.normal(size=(n, m_max, d))
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    clutter = dirs * (g * rng.random((n, m_max, 1)) ** (1 / d))
    real = np.arange(m_max)[None, :] < m[:, None]
    target = rng.normal(size=(n, 1, d))
    detected = rng.random(n) < pd
    z = np.concatenate([target, clutter], axis=1)
    present = np.concatenate([detected[:, None], real], axis=1)
    phi = np.exp(-0.5 * np.sum(z * z, axis=-1)) / (2 * np.pi) ** (d / 2) * present
    # score of the mixture likelihood (1 - pd) lam + pd sum_i phi(z_i - x), at x = 0
    num = pd * np.einsum("ni,nij->nj", phi, z)
    den = (1 - pd) * lam + pd * phi.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(den[:, None] > 0, num / den[:, None], 0.0)
    return float(np.mean(np.sum(s * s, axis=-1)) / d)


def _gamma_half(k: int) -> float:
    """Gamma(k / 2) for a positive integer k."""
    from math import gamma

    return gamma(k / 2)


def information_reduction(pd: float, lam_white: float, d: int) -> float:
    """The information-reduction factor q of one scan (Niu, Willett and Bar-Shalom 2001): the
    Fisher information of the plots in the gate about the target's measurement, over that of one
    sure measurement, for detection probability pd and lam_white false plots per unit of
    whitened measurement volume (false plots per unit volume x sqrt(det R)), d measured
    components. q = pd without clutter; it falls as clutter rises. The defining integral is
    evaluated by Monte Carlo (fixed seed, so a value is reproducible), on a grid of 1/8 decades
    of clutter density."""
    if pd <= 0:
        return 0.0
    if lam_white < IRF_NEGLIGIBLE:
        return pd
    log_lam = round(np.log(lam_white) * 8 / np.log(10)) * np.log(10) / 8
    return min(_irf_cached(round(pd, 4), log_lam, d), pd)


__all__ = [
    "IRF_GATE_SIGMA",
    "bound_over_events",
    "information_reduction",
    "information_update",
    "predict",
    "process_noise",
    "transition",
]
