"""Initiate: tentative tracks from the measurements no track took.

A plot starts a track at its position (its covariance from the radar's noise, a height prior for
a 2-D plot without altitude), at rest with a wide velocity prior; a plot with a Mode C altitude
starts with the score of not being clutter (few false plots carry one). A report of a new
identity starts a track at its position and reported velocity, with half the confirmation score:
a second report that agrees confirms it.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.track.measurement import Plots, Reports
from airpicture.track.motion import Motion
from airpicture.track.table import TrackColumns

#: Height variance (m^2) of a report-started track whose report carries no altitude.
NO_ALTITUDE_VAR_M2 = 1000.0**2


@jit
def open_row(cols, r, t, p, Cp, sensor, motion):
    """Row r (fresh, at its defaults) becomes a track measured by `sensor` at time t: every mode
    at position p (3,) with covariance Cp (3, 3), at rest with the velocity prior."""
    for j in range(cols.mu.shape[1]):
        cols.x[r, j, :] = 0.0
        cols.P[r, j, :, :] = 0.0
        for a in range(3):
            cols.x[r, j, a] = p[a]
            for b in range(3):
                cols.P[r, j, a, b] = Cp[a, b]
            cols.P[r, j, 3 + a, 3 + a] = motion.v_var[a]
        cols.mu[r, j] = motion.prior[j]
    cols.t[r] = cols.t_first[r] = cols.t_update[r] = t
    cols.hits[r] = 1
    cols.sensors[r] = 1 << sensor
    cols.t_seen[r, sensor] = t
    cols.n_seen[r, sensor] = 1


@jit
def close_row(cols, r):
    """The combined state of a new row (every mode is the same)."""
    cols.xc[r], cols.Pc[r] = cols.x[r, 0], cols.P[r, 0]


def start_from_plots(cols, rows, plots, new, score_mode_c, sensor, motion):
    """Tentative tracks in fresh rows from the plots flagged new (measurement.Plots)."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _start_from_plots(cols[:], rows, plots[:], new, score_mode_c, sensor, motion[:])


@jit
def _start_from_plots(cols_f, rows, plots_f, new, score_mode_c, sensor, motion_f):
    cols, plots, motion = TrackColumns(*cols_f), Plots(*plots_f), Motion(*motion_f)
    idx = np.flatnonzero(new)
    for i in range(rows.shape[0]):
        r, p = rows[i], idx[i]
        third = plots.third[p]
        open_row(cols, r, plots.t[p], plots.pp[p], plots.Cpp[p], sensor, motion)
        close_row(cols, r)
        cols.score[r] = cols.peak[r] = score_mode_c if third == 2 else 0.0
        cols.radar_hits[r] = 1
        cols.ident[r] = plots.pid[p]
        cols.mode_c[r] = third == 2
        cols.h_known[r] = third > 0
        if third > 0:
            cols.t_height[r] = plots.t[p]


def start_from_reports(cols, rows, reports, sel, sig2, score, sensor, motion):
    """Tracks in fresh rows from the reports sel (measurement.Reports) at their position and
    velocity, with the receiver's variances sig2 (6,) for the parts present."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _start_from_reports(cols[:], rows, reports[:], sel, sig2, score, sensor, motion[:])


@jit
def _start_from_reports(cols_f, rows, reports_f, sel, sig2, score, sensor, motion_f):
    cols, reports, motion = TrackColumns(*cols_f), Reports(*reports_f), Motion(*motion_f)
    Cp = np.zeros((3, 3))
    for i in range(rows.shape[0]):
        r, p = rows[i], sel[i]
        mask = reports.mask[p]
        for a in range(3):
            Cp[a, a] = sig2[a]
        if not mask[2]:
            Cp[2, 2] = NO_ALTITUDE_VAR_M2
        open_row(cols, r, reports.t[p], reports.z[p, :3], Cp, sensor, motion)
        for j in range(cols.mu.shape[1]):
            for a in range(3):
                cols.x[r, j, 3 + a] = reports.z[p, 3 + a]
                cols.P[r, j, 3 + a, 3 + a] = sig2[3 + a] if mask[3 + a] else motion.v_var[a]
        close_row(cols, r)
        cols.score[r] = cols.peak[r] = score
        cols.ident[r] = reports.ident[p]
        cols.mode_c[r] = cols.h_known[r] = mask[2]
        if mask[2]:
            cols.t_height[r] = reports.t[p]


__all__ = ["NO_ALTITUDE_VAR_M2", "close_row", "open_row", "start_from_plots", "start_from_reports"]
