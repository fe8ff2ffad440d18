"""Numpy oracle of the motion kernels (src/airpicture/track/motion.py: `transition`,
`cv_predict`, `predict_combined`, `predict_rows`, the prediction inside `mix_predict`): the same
models written as batched array expressions, for the tests to check the compiled kernels against.

Motion models: near-constant velocity in 3-D with piecewise-constant white acceleration.
The IMM runs modes that differ only in their process noise, so both share one transition
matrix F(dt) and a prediction can be done on the block structure instead of with 6x6 products:

    x = [p v] (p, v: 3-vectors)      F = [[I, dt I], [0, I]]
    P' = F P F^T + Q :  Ppp' = Ppp + dt (Ppv + Pvp) + dt^2 Pvv,  Ppv' = Ppv + dt Pvv,  Pvv' = Pvv
    Q per axis with acceleration sigma a:  a^2 [[dt^4/4, dt^3/2], [dt^3/2, dt^2]]

The sigmas are physical limits, not fitted to a scenario:
  quiet: 0.5 m/s^2 horizontal (turbulence, gentle speed changes), 0.3 m/s^2 vertical;
  manoeuvre: 6 m/s^2 horizontal (a 0.6 g turn: a steep airliner turn, a multirotor changing
  direction), 3 m/s^2 vertical (a level-off or a pull-up);
  jump: 40 m/s^2 horizontal, 10 m/s^2 vertical, for a few seconds: not a motion of the object but
  of its reported position. Broadcast and recorded positions are held and then jump (a position
  message repeated until a new one is decoded, late time stamps), so a measurement stream can
  move in steps that no airframe flies; this mode lets the filter follow such a step instead of
  treating it as a lost target.
Mode switching follows mean sojourn times (quiet 60 s, manoeuvre 15 s: a turn lasts tens of
seconds, jump 4 s), so transition probabilities are right for any gap between measurements.
"""

from __future__ import annotations

import numpy as np

from airpicture.types import FloatArray

#: (horizontal, vertical) acceleration sigma of each IMM mode, m/s^2.
MODE_ACCEL = np.array([[0.5, 0.3], [6.0, 3.0], [40.0, 10.0]])
#: mean time spent in each mode before switching, s.
MODE_SOJOURN_S = np.array([60.0, 15.0, 4.0])
#: initial mode probabilities of a new track (a switch goes to the other modes evenly).
MODE_PRIOR = np.array([0.45, 0.45, 0.1])
N_MODES = len(MODE_ACCEL)
#: the modes for radar plots: the jump mode moves vertically as the manoeuvre mode (a Mode C
#: height is read every scan, it does not step)
PLOT_ACCEL = MODE_ACCEL.copy()
PLOT_ACCEL[2, 1] = MODE_ACCEL[1, 1]


def transition_probs(dt: FloatArray) -> FloatArray:
    """Mode transition matrices for gaps dt (K,) -> (K, M, M), row i = from mode i."""
    M = len(MODE_SOJOURN_S)
    stay = np.exp(-np.abs(dt)[:, None] / MODE_SOJOURN_S[None, :])  # (K, M)
    out = np.repeat(((1.0 - stay) / (M - 1))[:, :, None], M, axis=2)
    idx = np.arange(M)
    out[:, idx, idx] = stay
    return out


def predict(x: FloatArray, P: FloatArray, dt: FloatArray, accel: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction of a batch.

    x : (K, 6) [e n u ve vn vu];  P : (K, 6, 6);  dt : (K,) s (negative: retrodiction, noise on |dt|);
    accel : (K, 2) [horizontal vertical] acceleration sigma, m/s^2.  Returns new (x, P).
    """
    d = dt[:, None]
    xo = x.copy()
    xo[:, :3] += d * x[:, 3:]
    d3 = dt[:, None, None]
    Ppp, Ppv, Pvp, Pvv = P[:, :3, :3], P[:, :3, 3:], P[:, 3:, :3], P[:, 3:, 3:]
    Po = np.empty_like(P)
    Po[:, :3, :3] = Ppp + d3 * (Ppv + Pvp) + d3 * d3 * Pvv
    Po[:, :3, 3:] = Ppv + d3 * Pvv
    Po[:, 3:, :3] = Pvp + d3 * Pvv
    Po[:, 3:, 3:] = Pvv
    a2 = np.repeat(accel**2, (2, 1), axis=1)  # (K, 3): e n u
    t = np.abs(dt)[:, None]
    idx = np.arange(3)
    Po[:, idx, idx] += a2 * t**4 / 4
    Po[:, idx, idx + 3] += a2 * t**3 / 2
    Po[:, idx + 3, idx] += a2 * t**3 / 2
    Po[:, idx + 3, idx + 3] += a2 * t**2
    return xo, Po


def mixed_accel(mu: FloatArray, accel: FloatArray | None = None) -> FloatArray:
    """Acceleration sigmas of the moment-matched mixture with mode probabilities mu (K, M) -> (K, 2).

    Q is linear in a^2, so the mixture's noise is the mu-weighted sum of the modes' a^2.
    """
    return np.sqrt(mu @ (MODE_ACCEL if accel is None else accel) ** 2)


__all__ = [
    "MODE_ACCEL",
    "MODE_PRIOR",
    "MODE_SOJOURN_S",
    "N_MODES",
    "PLOT_ACCEL",
    "mixed_accel",
    "predict",
    "transition_probs",
]
