"""Motion: how a track's state moves between measurements (the predictor), as an IMM of
near-constant-velocity and coordinated-turn models in 3-D with piecewise-constant white
acceleration.

The straight modes differ only in their process noise, so they share one transition matrix F(dt)
and a prediction works on the block structure instead of with 6x6 products:

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
  turn left, turn right: a coordinated turn at 4 m/s^2 of lateral acceleration (0.4 g: a 22 deg
  bank, an airliner's standard turns, a drone circling a point), its rate the mode's own speed
  over that (150 m/s: 1.5 deg/s; 30 m/s: 7.6 deg/s), with the quiet mode's noise: a turn mode
  wins by its arc, not by a looser noise (at 1.5 m/s^2 the turn modes explained a recorded
  track's position jitter on a straight leg better than the quiet mode and pulled the estimate
  sideways). White acceleration models a turn as a random walk of the velocity, which a sustained
  turn outruns between sparse looks: at a 10 s revisit the manoeuvre mode lagged take-off and
  approach turns by 1-2 km.
Mode switching follows mean sojourn times (quiet 60 s, manoeuvre 15 s: a turn lasts tens of
seconds, jump 4 s, turns 20 s), so transition probabilities are right for any gap between
measurements; a straight mode switches to the other straight ones as it always did, with a fifth
of its switches going into the turns, and a turn ends mostly into straight flight (MODE_SWITCH).

Letters (per track): x (6,) [e n u ve vn vu], P (6, 6), modes x (M, 6), P (M, 6, 6), mu (M,)
mode probabilities, dt gap to the target time (negative: retrodiction, noise on |dt|).
The numpy oracle of these kernels is tests/track/oracle_models.py and oracle_imm.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from airpicture.compiled import jit
from airpicture.types import FloatArray

#: (horizontal, vertical) acceleration sigma of each IMM mode, m/s^2.
MODE_ACCEL = np.array([[0.5, 0.3], [6.0, 3.0], [40.0, 10.0], [0.5, 0.3], [0.5, 0.3]])
#: Lateral acceleration of each mode, m/s^2: positive turns left, 0 flies straight.
MODE_TURN = np.array([0.0, 0.0, 0.0, 4.0, -4.0])
#: Mean time spent in each mode before switching, s.
MODE_SOJOURN_S = np.array([60.0, 15.0, 4.0, 20.0, 20.0])
#: Initial mode probabilities of a new track.
MODE_PRIOR = np.array([0.441, 0.441, 0.098, 0.01, 0.01])
#: Where each mode goes when it switches (row: from; zero diagonal, rows sum to 1): a straight
#: mode to the other straight ones, a fifth into the turns; a turn mostly back to straight flight.
MODE_SWITCH = np.array(
    [
        [0.0, 0.4, 0.4, 0.1, 0.1],
        [0.4, 0.0, 0.4, 0.1, 0.1],
        [0.4, 0.4, 0.0, 0.1, 0.1],
        [0.45, 0.45, 0.05, 0.0, 0.05],
        [0.45, 0.45, 0.05, 0.05, 0.0],
    ]
)
N_MODES = len(MODE_ACCEL)
#: Index of the manoeuvre mode and of the jump mode.
MANOEUVRE_MODE, JUMP_MODE = 1, 2


class Motion(NamedTuple):
    """The motion model as kernels take it: accel2 (M, 2) squared acceleration sigmas
    [horizontal vertical], sojourn (M,) s, prior (M,), v_var (3,) velocity variance of a track
    started from a position alone, jump_mode (index), turn (M,) lateral acceleration m/s^2 (0:
    straight), switch (M, M) where a mode goes when it switches."""

    accel2: FloatArray
    sojourn: FloatArray
    prior: FloatArray
    v_var: FloatArray
    jump_mode: int
    turn: FloatArray
    switch: FloatArray


def motion(v_max_mps: float, v_max_climb_mps: float, steps: bool = True, turns: bool = True) -> Motion:
    """The IMM above, with the velocity prior of a new track from the fastest expected object.
    steps=False: the model of a sensor that measures where the object is (a radar): its plots do
    not move in steps, so the jump mode moves as the manoeuvre mode does. Its prior share stays,
    so the modes keep one meaning whichever sensor updates a track. turns=False: the model of a
    sensor that looks often (TrackSettings.turn_min_revisit_s): nothing switches into the turn
    modes nor starts in them (a straight mode's switches go to the other straight ones, as in a
    3-mode IMM), so between such looks the straight modes follow a turn as they always did."""
    accel = MODE_ACCEL.copy()
    if not steps:
        accel[JUMP_MODE, 1] = accel[1, 1]
    switch, prior = MODE_SWITCH.copy(), MODE_PRIOR.copy()
    if not turns:
        straight = MODE_TURN == 0.0
        switch[:, ~straight] = 0.0
        prior[~straight] = 0.0
        switch /= switch.sum(axis=1, keepdims=True)
        prior /= prior.sum()
    return Motion(
        np.ascontiguousarray(accel**2),
        np.ascontiguousarray(MODE_SOJOURN_S, np.float64),
        prior,
        np.array([(v_max_mps / 2) ** 2] * 2 + [(v_max_climb_mps / 2) ** 2]),
        JUMP_MODE,
        MODE_TURN.copy(),
        np.ascontiguousarray(switch),
    )


@jit
def transition(dt, sojourn, switch, out):
    """Mode transition matrix (M, M) for a gap dt, row i = from mode i: it stays with
    exp(-dt / sojourn), else goes where switch (M, M) sends it."""
    m = sojourn.shape[0]
    for i in range(m):
        stay = np.exp(-abs(dt) / sojourn[i])
        for j in range(m):
            out[i, j] = stay if i == j else (1.0 - stay) * switch[i, j]


@jit
def add_noise(Po, dt, a2h, a2v):
    """Add the piecewise-constant white-acceleration noise of a gap dt (on |dt|) to Po (6, 6)."""
    t = abs(dt)
    t2 = t * t
    for i in range(3):
        a2 = a2h if i < 2 else a2v
        Po[i, i] += a2 * t2 * t2 / 4
        Po[i, i + 3] += a2 * t2 * t / 2
        Po[i + 3, i] += a2 * t2 * t / 2
        Po[i + 3, i + 3] += a2 * t2


@jit
def cv_predict(x, P, dt, a2h, a2v, xo, Po):
    """CV prediction of x (6,), P (6, 6) by dt with white-acceleration variances a2h, a2v."""
    for i in range(3):
        xo[i] = x[i] + dt * x[i + 3]
        xo[i + 3] = x[i + 3]
    for i in range(3):
        for j in range(3):
            pp, pv, vp, vv = P[i, j], P[i, j + 3], P[i + 3, j], P[i + 3, j + 3]
            Po[i, j] = pp + dt * (pv + vp) + dt * dt * vv
            Po[i, j + 3] = pv + dt * vv
            Po[i + 3, j] = vp + dt * vv
            Po[i + 3, j + 3] = vv
    add_noise(Po, dt, a2h, a2v)


@jit
def ct_predict(x, P, dt, a_lat, a2h, a2v, xo, Po):
    """Coordinated-turn prediction at lateral acceleration a_lat (positive: to the left), the turn
    rate a_lat / speed from x's own velocity, then CV's process noise; vertical as CV."""
    sp = np.sqrt(x[3] * x[3] + x[4] * x[4])
    if sp < 1.0:
        cv_predict(x, P, dt, a2h, a2v, xo, Po)
        return
    w = a_lat / sp
    wt = w * dt
    s, c = np.sin(wt), np.cos(wt)
    F = np.eye(6)
    F[0, 3] = s / w
    F[0, 4] = -(1.0 - c) / w
    F[1, 3] = (1.0 - c) / w
    F[1, 4] = s / w
    F[2, 5] = dt
    F[3, 3] = c
    F[3, 4] = -s
    F[4, 3] = s
    F[4, 4] = c
    for i in range(6):
        acc = 0.0
        for j in range(6):
            acc += F[i, j] * x[j]
        xo[i] = acc
    FP = F @ P
    Po[:, :] = FP @ F.T
    add_noise(Po, dt, a2h, a2v)


@jit
def mix(mu, dt, sojourn, switch, c, w):
    """Predicted mode probabilities c (M,) and mixing weights w (M, M) [from i, to j]."""
    m = mu.shape[0]
    Pi = np.empty((m, m))
    transition(dt, sojourn, switch, Pi)
    for j in range(m):
        s = 0.0
        for i in range(m):
            s += Pi[i, j] * mu[i]
        c[j] = s
    for i in range(m):
        for j in range(m):
            w[i, j] = Pi[i, j] * mu[i] / max(c[j], 1e-300)


@jit
def mix_predict(x, P, mu, dt, motion, xp, Pp, c):
    """IMM mixing then per-mode prediction of one track: x (M, 6), P (M, 6, 6) -> xp, Pp, and the
    predicted mode probabilities c (M,)."""
    m = mu.shape[0]
    w = np.empty((m, m))
    mix(mu, dt, motion.sojourn, motion.switch, c, w)
    x0 = np.zeros(6)
    P0 = np.zeros((6, 6))
    for j in range(m):
        x0[:] = 0.0
        for i in range(m):
            for a in range(6):
                x0[a] += w[i, j] * x[i, a]
        P0[:, :] = 0.0
        for i in range(m):
            for a in range(6):
                da = x[i, a] - x0[a]
                for b in range(6):
                    P0[a, b] += w[i, j] * (P[i, a, b] + da * (x[i, b] - x0[b]))
        if motion.turn[j] != 0.0:
            ct_predict(x0, P0, dt, motion.turn[j], motion.accel2[j, 0], motion.accel2[j, 1], xp[j], Pp[j])
        else:
            cv_predict(x0, P0, dt, motion.accel2[j, 0], motion.accel2[j, 1], xp[j], Pp[j])


@jit
def combine_one(x, P, mu, xc, Pc):
    """Moment-matched Gaussian of one track's modes into xc (6,), Pc (6, 6)."""
    m = mu.shape[0]
    xc[:] = 0.0
    Pc[:, :] = 0.0
    for j in range(m):
        for a in range(6):
            xc[a] += mu[j] * x[j, a]
    for j in range(m):
        for a in range(6):
            da = x[j, a] - xc[a]
            for b in range(6):
                Pc[a, b] += mu[j] * (P[j, a, b] + da * (x[j, b] - xc[b]))


@jit
def combine(x, P, mu):
    """combine_one of a stack: (K, M, 6), (K, M, 6, 6), (K, M) -> (K, 6), (K, 6, 6)."""
    K = mu.shape[0]
    xc = np.zeros((K, 6))
    Pc = np.zeros((K, 6, 6))
    for k in range(K):
        combine_one(x[k], P[k], mu[k], xc[k], Pc[k])
    return xc, Pc


@jit
def predict_combined(xc, Pc, mu, dt, accel2, xo, Po):
    """A track's combined state predicted by dt with the noise of its mode mixture (Q is linear in
    a^2, so the mixture's noise is the mu-weighted sum of the modes' a^2) into xo, Po."""
    a2h = 0.0
    a2v = 0.0
    for j in range(mu.shape[0]):
        a2h += mu[j] * accel2[j, 0]
        a2v += mu[j] * accel2[j, 1]
    cv_predict(xc, Pc, dt, a2h, a2v, xo, Po)


@jit
def predict_ahead(xc, Pc, mu, dt, motion, xo, Po):
    """A track's combined state predicted by dt with the noise of the mode probabilities expected
    at the end of the gap (what a measurement at that time is gated against)."""
    m = mu.shape[0]
    c = np.empty(m)
    w = np.empty((m, m))
    mix(mu, dt, motion.sojourn, motion.switch, c, w)
    predict_combined(xc, Pc, c, dt, motion.accel2, xo, Po)


@jit
def predict_rows(xc, Pc, mu, dt, accel2):
    """predict_combined of a stack: (K, 6), (K, 6, 6), (K, M), dt (K,) -> (K, 6), (K, 6, 6)."""
    K = mu.shape[0]
    xo = np.empty((K, 6))
    Po = np.empty((K, 6, 6))
    for k in range(K):
        predict_combined(xc[k], Pc[k], mu[k], dt[k], accel2, xo[k], Po[k])
    return xo, Po


__all__ = [
    "JUMP_MODE",
    "MANOEUVRE_MODE",
    "MODE_ACCEL",
    "MODE_PRIOR",
    "MODE_SOJOURN_S",
    "MODE_SWITCH",
    "MODE_TURN",
    "N_MODES",
    "Motion",
    "add_noise",
    "combine",
    "combine_one",
    "ct_predict",
    "cv_predict",
    "mix",
    "mix_predict",
    "motion",
    "predict_ahead",
    "predict_combined",
    "predict_rows",
    "transition",
]
