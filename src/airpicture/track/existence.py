"""Existence: when a tentative track is worth showing before it is confirmed.

The sequential likelihood-ratio test (manage.judge) confirms a track after enough plots. With a
10 s revisit that is 10-20 s after an aircraft first shows, most of it waiting for a second look.
A plot that carries a Mode C altitude comes from a transponder, and is an aircraft unless the
sensor's false plots carry Mode C too; how often they do is in no sensor sheet, and differs from
one radar to the next (SSR fruit, reflections). So the tracker counts it, per sensor: of the
tentative tracks started from its Mode C plots that no track's gate held (a plot a track wanted
and did not get is more likely a split of that track's object) and were decided (confirmed, or
dropped unconfirmed), the share that confirmed, under a Beta(1, 1) prior with exponential forgetting
(`show_memory` decisions). While that share is at least `p_show`, such a track is published at
its own measurements, never predicted (its velocity is not known yet), until it is confirmed or
dropped. Where Mode C plots are often false, nothing changes: they wait for confirmation.

State: two numbers per sensor, whatever runs for months.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from airpicture.track.table import TENTATIVE, TrackTable
from airpicture.types import BoolArray, FloatArray, IntArray


class ModeCEvidence:
    """Per sensor, how often a tentative track from a Mode C plot turns out to be an object.

    n_sensors: sensors of the tracker; p_show: share of confirmations that shows such tracks at
    once; memory: decisions remembered (older ones forgotten exponentially)."""

    def __init__(self, n_sensors: int, p_show: float, memory: float) -> None:
        self.p_show = p_show
        self.keep = 1.0 - 1.0 / memory
        self.confirmed: FloatArray = np.zeros(n_sensors)
        self.dropped: FloatArray = np.zeros(n_sensors)

    def share(self) -> FloatArray:
        """(S,) posterior mean share of confirmations of each sensor's Mode C tentative tracks."""
        return (self.confirmed + 1.0) / (self.confirmed + self.dropped + 2.0)

    def show(self) -> BoolArray:
        """(S,) whether each sensor's Mode C tentative tracks are published."""
        return self.share() >= self.p_show

    def observe(self, tb: TrackTable, rows: IntArray, confirm: BoolArray, drop: BoolArray) -> None:
        """Count the decisions of one judgement (manage.judge's masks over rows): tentative tracks
        that may be shown (started by a Mode C plot no track gated, table column show), credited
        to the sensor that started them (the lowest bit of their sensor mask)."""
        tent = (tb.status[rows] == TENTATIVE) & tb.show[rows]
        for mask, counts in ((confirm & tent, self.confirmed), (drop & tent & ~confirm, self.dropped)):
            bits = tb.sensors[rows[mask]]
            if not len(bits):
                continue
            first = np.log2(bits & -bits).astype(np.int64)  # the starting sensor
            n = np.bincount(first, minlength=len(counts))[: len(counts)].astype(float)
            hit = n > 0
            # each decision ages the sensor's memory by one step, then counts
            self.confirmed[hit] *= self.keep ** n[hit]
            self.dropped[hit] *= self.keep ** n[hit]
            counts += n


def apart(x: FloatArray, tentative: BoolArray, reach_m: float) -> BoolArray:
    """(K,) which rows of a picture to keep: a tentative row within reach_m (horizontally) of a
    confirmed one is more likely a split of that track's object, or its close neighbour, than a
    new object, and waits for its confirmation (or merge) to be shown. x: (K, 6) the rows' states."""
    keep = np.ones(len(x), bool)
    if tentative.any() and not tentative.all():
        near = cKDTree(x[~tentative, :2]).query_ball_point(x[tentative, :2], reach_m, return_length=True)
        keep[np.flatnonzero(tentative)[near > 0]] = False
    return keep


def mode_c_belied(plot_mode_c: BoolArray, track_mode_c: BoolArray, radar_hits: IntArray) -> BoolArray:
    """(P,) which track-plot pairs have a Mode C presence the track's history belies: a plot
    without Mode C for a track that has had one, or a plot with one for a track whose radar plots
    (two or more) never had. Such a pair is as likely as a transponder's reply losing its altitude
    (the sheet's p_mode_c_lost), which the tracker adds to the pair's log-likelihood: a
    primary-only aircraft and a transponder one flying close keep their own plots, and the first
    is not given the second's height."""
    return np.where(plot_mode_c, ~track_mode_c & (radar_hits >= 2), track_mode_c)


__all__ = ["ModeCEvidence", "apart", "mode_c_belied"]
