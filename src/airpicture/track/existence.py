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

An aircraft shown at its first plot and then missed twice loses its tentative track (a tentative
track is dropped 4 nats below its best score); its next plot starts another. The operator saw
one number, and would see another for the same aircraft: so the number of a shown tentative
track that is dropped is kept for max_coast_s, with where it was, and a new shown tentative track
that it could have flown to in the time between (at v_max_mps horizontally and v_max_climb_mps
vertically, plus three sigmas of both positions) takes it over (`hand_over`).

State: two numbers per sensor, whatever runs for months, and the numbers of the shown tentative
tracks dropped in the last max_coast_s.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from airpicture.config import TrackSettings
from airpicture.track.table import TENTATIVE, TrackTable
from airpicture.types import BoolArray, FloatArray, IntArray


class ModeCEvidence:
    """Per sensor, how often a tentative track from a Mode C plot turns out to be an object.

    n_sensors: sensors of the tracker; st: p_show_tentative (share of confirmations that shows
    such tracks at once), show_memory (decisions remembered, older ones forgotten exponentially),
    and the reach of a hand-over (v_max_mps, v_max_climb_mps, max_coast_s)."""

    def __init__(self, n_sensors: int, st: TrackSettings) -> None:
        self.p_show = st.p_show_tentative
        self.keep = 1.0 - 1.0 / st.show_memory
        self.confirmed: FloatArray = np.zeros(n_sensors)
        self.dropped: FloatArray = np.zeros(n_sensors)
        self.speed = np.array([st.v_max_mps, st.v_max_climb_mps])
        self.memory_s = st.max_coast_s
        # dropped shown tentative tracks: number, last measurement time, position (e n u), variances
        self.retired_id = np.zeros(0, np.int64)
        self.retired = np.zeros((0, 6))  # t, e, n, u, var horizontal (per axis), var u

    def share(self) -> FloatArray:
        """(S,) posterior mean share of confirmations of each sensor's Mode C tentative tracks."""
        return (self.confirmed + 1.0) / (self.confirmed + self.dropped + 2.0)

    def show(self) -> BoolArray:
        """(S,) whether each sensor's Mode C tentative tracks are published."""
        return self.share() >= self.p_show

    def observe(self, tb: TrackTable, rows: IntArray, confirm: BoolArray, drop: BoolArray, t: float) -> int:
        """Count the decisions of one judgement at time t (manage.judge's masks over rows):
        tentative tracks that may be shown (started by a Mode C plot no track gated, table column
        show), credited to the sensor that started them (the lowest bit of their sensor mask).
        Keeps the numbers of the shown ones dropped; a track confirmed now that was never shown
        may take one over (hand_over). Returns how many did."""
        tent = (tb.status[rows] == TENTATIVE) & tb.show[rows]
        shown = tent & self._shown_by(tb, rows)
        self._retire(tb, rows[drop & shown & ~confirm], t)
        taken = self.hand_over(tb, rows[confirm & ~shown])
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
        return taken

    def _shown_by(self, tb: TrackTable, rows: IntArray) -> BoolArray:
        """(K,) whether the sensor that started each row shows its Mode C tentative tracks."""
        bits = tb.sensors[rows]
        first = np.log2(np.maximum(bits & -bits, 1)).astype(np.int64)
        return (bits != 0) & self.show()[first]

    def _retire(self, tb: TrackTable, rows: IntArray, t: float) -> None:
        """Keep the numbers of dropped shown tentative tracks (rows) at time t, and forget those
        last measured more than max_coast_s ago."""
        keep = self.retired[:, 0] >= t - self.memory_s
        self.retired_id, self.retired = self.retired_id[keep], self.retired[keep]
        if len(rows):
            Pc = tb.Pc[rows]
            add = np.column_stack(
                [tb.t_update[rows], tb.xc[rows, :3], (Pc[:, 0, 0] + Pc[:, 1, 1]) / 2, Pc[:, 2, 2]]
            )
            self.retired_id = np.r_[self.retired_id, tb.id[rows]]
            self.retired = np.r_[self.retired, add]

    def hand_over(self, tb: TrackTable, rows: IntArray) -> int:
        """Tracks that the picture has not shown yet (rows: new shown tentative ones, or ones
        confirmed now) take the number of a dropped shown one they could continue (the nearest in
        units of the reach). Returns how many."""
        if not len(rows) or not len(self.retired):
            return 0
        old = self.retired
        dt = np.maximum(tb.t_update[rows][:, None] - old[None, :, 0], 0.0)  # (N, R)
        Pc = tb.Pc[rows]
        var_h = (Pc[:, 0, 0] + Pc[:, 1, 1])[:, None] / 2 + old[None, :, 4]
        var_u = Pc[:, 2, 2][:, None] + old[None, :, 5]
        d_h = np.hypot(tb.xc[rows, 0][:, None] - old[None, :, 1], tb.xc[rows, 1][:, None] - old[None, :, 2])
        d_u = np.abs(tb.xc[rows, 2][:, None] - old[None, :, 3])
        cost = (d_h / (self.speed[0] * dt + 3 * np.sqrt(var_h))) ** 2
        cost += (d_u / (self.speed[1] * dt + 3 * np.sqrt(var_u))) ** 2
        cost[(dt > self.memory_s) | (tb.t_update[rows][:, None] <= old[None, :, 0])] = np.inf
        ok = np.isfinite(cost) & (cost <= 2.0)  # within the reach both ways
        if not ok.any():
            return 0
        r, c = linear_sum_assignment(np.where(ok, cost, 1e6))
        pick = ok[r, c]
        r, c = r[pick], c[pick]
        tb.id[rows[r]] = self.retired_id[c]
        gone = np.ones(len(old), bool)
        gone[c] = False
        self.retired_id, self.retired = self.retired_id[gone], self.retired[gone]
        return len(r)


def apart(x: FloatArray, row_time: FloatArray, tentative: BoolArray, reach_m: float) -> BoolArray:
    """(K,) which rows of a picture to keep: a tentative row within reach_m (horizontally) of a
    confirmed one is more likely a split of that track's object, or its close neighbour, than a
    new object, and waits for its confirmation (or merge) to be shown. x: (K, 6) the rows' states
    at row_time (K,): a tentative row is at its plot, a confirmed one may be predicted to the
    picture's time, so each confirmed row is carried at its velocity to the tentative row's time
    (a track that missed the look the plot came from is a look further on)."""
    keep = np.ones(len(x), bool)
    if tentative.any() and not tentative.all():
        ti, ci = np.flatnonzero(tentative), np.flatnonzero(~tentative)
        # rows of one picture are at most a few seconds apart: a wider first search, then exact
        dt_max = float(row_time.max() - row_time.min())
        v_max = float(np.hypot(x[ci, 3], x[ci, 4]).max())
        cand = cKDTree(x[ci, :2]).query_ball_point(x[ti, :2], reach_m + v_max * dt_max)
        n = np.array([len(js) for js in cand], np.int64)
        if n.any():
            i = np.repeat(ti, n)  # (tentative, confirmed) candidate pairs
            c = ci[np.concatenate([js for js in cand if js]).astype(np.int64)]
            at = x[c, :2] + x[c, 3:5] * (row_time[i] - row_time[c])[:, None]
            keep[i[np.hypot(*(at - x[i, :2]).T) <= reach_m]] = False
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
