"""Numpy oracle of the motion kernels (src/airpicture/track/motion.py: `transition`,
`cv_predict`, `predict_combined`, `predict_rows`, the prediction inside `mix_predict`): the same
models written as batched array expressions, for the tests to check the compiled kernels against.

Motion models: near-constant velocity in 3-D with piecewise-constant white acceleration, and a
coordinated turn (`predict_turn`, `ct_predict`). The straight modes differ only in their process
noise, so they share one transition matrix F(dt) and a prediction can be done on the block
structure instead of with 6x6 products:

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
  turn left / right: a coordinated turn at 4 m/s^2 of lateral acceleration, the rate from the
  mode's own speed, the quiet mode's white acceleration around it.
Mode switching follows mean sojourn times (quiet 60 s, manoeuvre 15 s: a turn lasts tens of
seconds, jump 4 s, turns 20 s), so transition probabilities are right for any gap between
measurements; where a switch goes is MODE_SWITCH.
"""

from __future__ import annotations

import numpy as np

from airpicture.track import motion
from airpicture.types import FloatArray

# the modes' physical figures are the product's (track/motion.py): what this oracle checks is the
# arithmetic that uses them
MODE_ACCEL = motion.MODE_ACCEL  # (horizontal, vertical) acceleration sigma of each mode, m/s^2
MODE_TURN = motion.MODE_TURN  # lateral acceleration of each mode, m/s^2 (+: left turn; 0: straight)
MODE_SOJOURN_S = motion.MODE_SOJOURN_S  # mean time in each mode before switching, s
MODE_PRIOR = motion.MODE_PRIOR  # initial mode probabilities of a new track
MODE_SWITCH = motion.MODE_SWITCH  # where a mode goes when it switches (row: from)
N_MODES = len(MODE_ACCEL)
#: the modes for radar plots: the jump mode moves vertically as the manoeuvre mode (a Mode C
#: height is read every scan, it does not step)
PLOT_ACCEL = MODE_ACCEL.copy()
PLOT_ACCEL[2, 1] = MODE_ACCEL[1, 1]


def straight_switch() -> FloatArray:
    """Where a mode switches for a sensor that looks often (no turns): the turn columns emptied,
    each row renormalised."""
    sw = MODE_SWITCH.copy()
    sw[:, MODE_TURN != 0.0] = 0.0
    return sw / sw.sum(axis=1, keepdims=True)


#: the switch matrix transition_probs uses: MODE_SWITCH, or straight_switch() while the Paris
#: run's harness checks an update by a sensor that looks often
ACTIVE = {"switch": MODE_SWITCH}


def transition_probs(dt: FloatArray) -> FloatArray:
    """Mode transition matrices for gaps dt (K,) -> (K, M, M), row i = from mode i."""
    M = len(MODE_SOJOURN_S)
    stay = np.exp(-np.abs(dt)[:, None] / MODE_SOJOURN_S[None, :])  # (K, M)
    out = (1.0 - stay)[:, :, None] * ACTIVE["switch"][None]
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


def predict_turn(
    x: FloatArray, P: FloatArray, dt: FloatArray, a_lat: FloatArray, accel: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Coordinated-turn prediction of a batch at lateral accelerations a_lat (K,) m/s^2, the
    rate a_lat / speed of each state's own horizontal speed (under 1 m/s: straight), then the
    white-acceleration noise of `predict` (accel (K, 2)); vertical as `predict`."""
    speed = np.hypot(x[:, 3], x[:, 4])
    turning = speed >= 1.0
    w = np.where(turning, a_lat / np.maximum(speed, 1.0), 0.0)
    wt = w * dt
    s, c = np.sin(wt), np.cos(wt)
    safe = np.where(turning, w, 1.0)
    F = np.repeat(np.eye(6)[None], len(x), axis=0)
    F[:, 2, 5] = dt
    F[:, 0, 3] = np.where(turning, s / safe, dt)
    F[:, 1, 4] = np.where(turning, s / safe, dt)
    F[:, 0, 4] = np.where(turning, -(1 - c) / safe, 0.0)
    F[:, 1, 3] = np.where(turning, (1 - c) / safe, 0.0)
    F[:, 3, 3] = F[:, 4, 4] = np.where(turning, c, 1.0)
    F[:, 3, 4] = np.where(turning, -s, 0.0)
    F[:, 4, 3] = np.where(turning, s, 0.0)
    xo = np.einsum("kab,kb->ka", F, x)
    Po = F @ P @ F.transpose(0, 2, 1)
    _, Q = predict(np.zeros_like(x), np.zeros_like(P), dt, accel)  # the noise alone
    return xo, Po + Q


def mixed_accel(mu: FloatArray, accel: FloatArray | None = None) -> FloatArray:
    """Acceleration sigmas of the moment-matched mixture with mode probabilities mu (K, M) -> (K, 2).

    Q is linear in a^2, so the mixture's noise is the mu-weighted sum of the modes' a^2.
    """
    return np.sqrt(mu @ (MODE_ACCEL if accel is None else accel) ** 2)


__all__ = [
    "ACTIVE",
    "MODE_ACCEL",
    "MODE_PRIOR",
    "MODE_SOJOURN_S",
    "MODE_SWITCH",
    "MODE_TURN",
    "N_MODES",
    "PLOT_ACCEL",
    "mixed_accel",
    "predict",
    "predict_turn",
    "straight_switch",
    "transition_probs",
]
