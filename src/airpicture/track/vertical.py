"""Vertical: a radar-measured height and climb rate, filtered apart from the horizontal motion.

The 6-state IMM (motion.py) judges its modes on the whole residual, which for a radar plot is
mostly horizontal: at a 10 s revisit with 0.2 deg of azimuth noise a turn and straight flight
look alike, the modes stay mixed, and the manoeuvre modes' vertical noise (3 m/s^2: 30 m/s of
climb rate per look) lets the height follow each Mode C reply. Between looks the picture then
extrapolates a climb rate made of noise: on paris-aew the rows predicted between plots had 42 m
RMS of height error where the rows at plots had 15 m. ATC trackers (ARTAS) keep a vertical
channel of their own, whose modes are judged on heights alone; so does this module:

    x = [h, vz] per mode (height above the ellipsoid, as Mode C gives it, and its rate)
    F = [[1, dt], [0, 1]],  Q = a^2 [[dt^4/4, dt^3/2], [dt^3/2, dt^2]]
    modes: steady (a = 0.05 m/s^2: level flight, or a climb at a held rate)
           manoeuvre (a = 0.5 m/s^2, 0.05 g: a level-off, the start of a climb or descent)
    mean sojourn: steady 120 s, manoeuvre 15 s (transition probabilities for any gap).

An airliner changes its climb rate at about 0.05 g (passenger comfort); a manoeuvre mode of 0.1 g
let one reply 4-5 sigma off (noise on a climb the filter lags) kick the climb rate by 10-15 m/s,
which the picture then extrapolated between looks. The three AEW scenarios' recorded flights
replayed through this channel alone (a look every 10 s, 15 m of noise, 25 ft steps) gave 1-15 %
less height error at 0.05 g on every scenario and seed tried; 0.3-0.7 m/s^2 are alike, 2-3 m/s^2
worse. Mode C's 25 ft steps add only step^2/12 (5 m^2) to a reply's variance (measurement.py).

It is fed by radar Mode C replies and gives the published height of a track whose last height
was one. A report stream's heights (ADS-B, Remote ID, once a second) stay with the 6-state IMM,
whose jump mode is made for their steps (on Paris this channel fed by ADS-B too gave 4.4 m
RMS where the 6-state gives 3.8); so do a 3-D radar's elevations. vt (C,) NaN: no Mode C yet.

Letters (per track): x (V, 2), P (V, 2, 2), mu (V,) mode probabilities, h measured height, r2
its variance, dt the gap.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from airpicture.compiled import jit
from airpicture.types import FloatArray

#: Vertical acceleration sigma of each mode (steady, manoeuvre), m/s^2.
VERTICAL_ACCEL = np.array([0.05, 0.5])
#: Mean time in each mode, s.
VERTICAL_SOJOURN_S = np.array([120.0, 15.0])
#: Mode probabilities of a height's first measurement.
VERTICAL_PRIOR = np.array([0.5, 0.5])
N_VERTICAL = len(VERTICAL_ACCEL)


class VerticalModel(NamedTuple):
    """The vertical channel as kernels take it: accel2 (V,) m^2/s^4, sojourn (V,) s, prior (V,),
    v_var the climb-rate variance of a first height (from the fastest climb expected)."""

    accel2: FloatArray
    sojourn: FloatArray
    prior: FloatArray
    v_var: float


def vertical_model(v_max_climb_mps: float) -> VerticalModel:
    """The model above, a first height's climb rate within +-v_max_climb_mps (2 sigma)."""
    return VerticalModel(
        VERTICAL_ACCEL**2, VERTICAL_SOJOURN_S.copy(), VERTICAL_PRIOR.copy(), (v_max_climb_mps / 2) ** 2
    )


@jit
def _cv1(x, P, dt, a2, xo, Po):
    """1-D constant-velocity prediction of x (2,), P (2, 2) by dt into xo, Po."""
    xo[0] = x[0] + dt * x[1]
    xo[1] = x[1]
    t = abs(dt)
    Po[0, 0] = P[0, 0] + dt * (P[0, 1] + P[1, 0]) + dt * dt * P[1, 1] + a2 * t**4 / 4
    Po[0, 1] = P[0, 1] + dt * P[1, 1] + a2 * t**3 / 2
    Po[1, 0] = Po[0, 1]
    Po[1, 1] = P[1, 1] + a2 * t * t


def vertical_update(cols, rows, t, h, r2, model):
    """IMM update of table rows' vertical channels (TrackColumns vx, vcov, vmu, vt, in place) with
    heights h (K,) of variance r2 (K,) measured at t (K,); a row without one yet starts at it."""
    # the model goes in as a plain tuple (numba types a tuple's fields in C, a NamedTuple's in Python)
    _vertical_update(cols.vx, cols.vcov, cols.vmu, cols.vt, rows, t, h, r2, model[:])


@jit
def _vertical_update(vx, vcov, vmu, vt, rows, t, h, r2, model_f):
    model = VerticalModel(*model_f)
    V = vmu.shape[1]
    c = np.empty(V)
    w = np.empty((V, V))
    xm = np.empty((V, 2))
    Pm = np.empty((V, 2, 2))
    x0 = np.empty(2)
    P0 = np.empty((2, 2))
    ll = np.empty(V)
    for i in range(rows.shape[0]):
        r = rows[i]
        if not np.isfinite(vt[r]):  # the first height: every mode at it, the climb rate unknown
            for j in range(V):
                vx[r, j, 0], vx[r, j, 1] = h[i], 0.0
                vcov[r, j, 0, 0], vcov[r, j, 0, 1], vcov[r, j, 1, 0], vcov[r, j, 1, 1] = (
                    r2[i],
                    0.0,
                    0.0,
                    model.v_var,
                )
                vmu[r, j] = model.prior[j]
            vt[r] = t[i]
            continue
        dt = t[i] - vt[r]
        for a in range(V):  # mixing: row a = from mode a
            stay = np.exp(-abs(dt) / model.sojourn[a])
            for b in range(V):
                w[a, b] = stay if a == b else (1.0 - stay) / (V - 1)
        for b in range(V):
            c[b] = 0.0
            for a in range(V):
                c[b] += w[a, b] * vmu[r, a]
        for b in range(V):
            x0[:] = 0.0
            for a in range(V):
                x0 += w[a, b] * vmu[r, a] / max(c[b], 1e-300) * vx[r, a]
            P0[:, :] = 0.0
            for a in range(V):
                d = vx[r, a] - x0
                wa = w[a, b] * vmu[r, a] / max(c[b], 1e-300)
                for u in range(2):
                    for v in range(2):
                        P0[u, v] += wa * (vcov[r, a, u, v] + d[u] * d[v])
            _cv1(x0, P0, dt, model.accel2[b], xm[b], Pm[b])
        for b in range(V):  # every mode mixed from the old states first, then each updated
            s = Pm[b, 0, 0] + r2[i]
            y = h[i] - xm[b, 0]
            ll[b] = -0.5 * (y * y / s + np.log(2 * np.pi * s))
            k0, k1 = Pm[b, 0, 0] / s, Pm[b, 1, 0] / s
            vx[r, b, 0] = xm[b, 0] + k0 * y
            vx[r, b, 1] = xm[b, 1] + k1 * y
            p00, p01, p11 = Pm[b, 0, 0], Pm[b, 0, 1], Pm[b, 1, 1]
            vcov[r, b, 0, 0] = p00 - k0 * p00
            vcov[r, b, 0, 1] = vcov[r, b, 1, 0] = p01 - k0 * p01
            vcov[r, b, 1, 1] = p11 - k1 * p01
        top = ll.max()
        tot = 0.0
        for b in range(V):
            vmu[r, b] = c[b] * np.exp(ll[b] - top)
            tot += vmu[r, b]
        for b in range(V):
            vmu[r, b] = vmu[r, b] / tot if tot > 0 else model.prior[b]
        vt[r] = t[i]


@jit
def vertical_at(vx, vcov, vmu, vt, r, t, accel2):
    """(height, its variance) of row r's vertical channel at time t: the modes combined, then
    predicted with the noise of their mixture."""
    x = np.zeros(2)
    P = np.zeros((2, 2))
    a2 = 0.0
    for j in range(vmu.shape[1]):
        x += vmu[r, j] * vx[r, j]
        a2 += vmu[r, j] * accel2[j]
    for j in range(vmu.shape[1]):
        d = vx[r, j] - x
        for u in range(2):
            for v in range(2):
                P[u, v] += vmu[r, j] * (vcov[r, j, u, v] + d[u] * d[v])
    xo = np.empty(2)
    Po = np.empty((2, 2))
    _cv1(x, P, t - vt[r], a2, xo, Po)
    return xo[0], Po[0, 0]


__all__ = [
    "N_VERTICAL",
    "VERTICAL_ACCEL",
    "VERTICAL_PRIOR",
    "VERTICAL_SOJOURN_S",
    "VerticalModel",
    "vertical_at",
    "vertical_model",
    "vertical_update",
]
