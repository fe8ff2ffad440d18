"""What the classifier remembers of each track: the class shown (averaged, with hysteresis) and
the evidence only a track's past or its neighbours give (formation, hovering, company).

The classifier's own evidence (classify.py) is recomputed every picture from the track's current
features; what is here needs memory of the track or a look at the tracks around it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airpicture.assess.base import AssessSettings
from airpicture.assess.features import Features
from airpicture.assess.slots import SlotTable
from airpicture.types import FloatArray, IntArray, ObjectClass, Picture

#: the classes of the posterior's columns (classify.KINDS)
KIND_CODES = np.array([ObjectClass.AIRCRAFT, ObjectClass.DRONE, ObjectClass.BIRD], dtype=np.int8)
DRONE, BIRD = 1, 2


class ClassMemory:
    """What the classifier remembers per track id (SlotTable rows, kept grace_s after a track's
    last picture): the kind shown and the last posterior.

    The class shown is decided on the posterior averaged over the track's recent past: the mean
    of its log-posteriors since birth, then an exponential average over class_memory_s (the
    kinematic evidence is what the track does now; one turn or one speed-up should not recast a
    bird as a drone). Its probability, the softmax of that average, is the one shown. And it has
    hysteresis: a track shown as one kind is shown as another only once that kind's averaged
    probability reaches switch_p; until then it keeps its class, with that class's own
    probability, unless that falls to 1 - switch_p: a class nobody believes is not held (it is
    then shown the best kind, or "unknown" below unknown_below_p). A track shown "unknown" takes
    the best kind once its averaged probability reaches unknown_below_p. Without these, a track
    whose evidence hovers near a tie (a hovering drone and a bird seen with equal Pd) flips on
    every scan. The alert rules read the posterior
    itself: they must not wait for an average.

    Formation: objects that fly together, close and at the same velocity, are of one kind (a
    flock, or a track that restarted beside its own object). A young track (age < young_s) flying
    in formation with an established one takes that track's evidence, log(posterior / prior)
    capped at cap nats, weighted 1 - age / young_s, so its own evidence takes over as it ages.
    Birds make most new tracks (a flock gives many plots a scan), and without this each starts
    from the prior and is shown "unknown", or the wrong small kind, for its first seconds.

    Lineage: a young track with no formation that starts where a track lost at most lineage_s ago
    would be now takes that track's evidence as a formation's (the same weight and cap): it is
    most likely the same object, picked up again.

    Behaviour: time spent hovering (a smoothed speed below hover_speed_mps, the loitering rule's
    hovering) and time spent in
    formation with another track, each faded over behaviour_memory_s. Birds do not hover (a few
    species wind-hover, briefly): hovering counts against a bird, up to behaviour_cap nats once
    it has lasted behaviour_evidence_s. Drones do not fly in flocks: company counts against a
    drone the same way. A drone seen hovering once stays unlike a bird while it flies straight.
    """

    def __init__(self, s: AssessSettings, log_prior: FloatArray) -> None:
        self.slots = SlotTable(s.history_grace_s)
        self.kind = np.full(self.slots.capacity, -1, dtype=np.int64)  # index into KINDS, -1: unknown
        self.post = np.zeros((self.slots.capacity, 3))
        self.avg = np.zeros((self.slots.capacity, 3))  # the averaged log-posterior
        self.since = np.zeros(self.slots.capacity)  # first and last picture time
        self.last = np.zeros(self.slots.capacity)
        self.hover_s = np.zeros(self.slots.capacity)  # faded time spent hovering
        self.company_s = np.zeros(self.slots.capacity)  # ... and in formation with another track
        self.seen = np.zeros(self.slots.capacity)  # when the behaviour was last updated
        self.xy = np.zeros((self.slots.capacity, 4))  # the last [e n ve vn], for lineage
        self.s = s
        self.log_prior = log_prior
        self.rows, self.known = np.zeros(0, np.int64), np.zeros(0, bool)

    _FIELDS = ("kind", "post", "avg", "since", "last", "hover_s", "company_s", "seen", "xy")

    def assign(self, pic: Picture) -> None:
        ids = np.asarray(pic.track, dtype=np.int64)
        self.rows, self.known = self.slots.assign(self, self._FIELDS, ids, float(pic.time_s))

    def evidence(self, pic: Picture, f: Features) -> FloatArray:
        """(N, 3) log-likelihoods of the rows (after assign): formation and behaviour."""
        s, N, t = self.s, len(pic), float(pic.time_s)
        i, j = self._formations(pic)
        # behaviour: faded time hovering and time in company
        rows, known = self.rows, self.known
        dt = np.where(known, np.maximum(t - self.seen[rows], 0.0), 0.0)
        fade = np.exp(-dt / s.behaviour_memory_s)
        company = np.zeros(N, bool)
        company[i] = True
        hover = np.where(known, self.hover_s[rows], 0.0) * fade + dt * (f.speed < s.hover_speed_mps)
        comp = np.where(known, self.company_s[rows], 0.0) * fade + dt * company
        self.hover_s[rows], self.company_s[rows], self.seen[rows] = hover, comp, t
        out = np.zeros((N, 3))
        out[:, BIRD] -= s.behaviour_cap * np.minimum(hover / s.behaviour_evidence_s, 1.0)
        out[:, DRONE] -= s.behaviour_cap * np.minimum(comp / s.behaviour_evidence_s, 1.0)
        out += self._inherited(i, j, f.age_s, N)
        out += self._lineage(pic, f.age_s, i)
        self.xy[rows] = pic.x[:, [0, 1, 3, 4]]
        return out

    def _formations(self, pic: Picture) -> tuple[IntArray, IntArray]:
        """Pairs (i, j), both ways round, of rows flying in formation (close, alike)."""
        s, x = self.s, pic.x
        if len(pic) < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        from scipy.spatial import cKDTree

        pairs = cKDTree(x[:, :2]).query_pairs(s.formation_radius_m, output_type="ndarray")
        pairs = np.concatenate([pairs, pairs[:, ::-1]]).reshape(-1, 2)
        i, j = pairs[:, 0], pairs[:, 1]
        alike = np.hypot(x[i, 3] - x[j, 3], x[i, 4] - x[j, 4]) <= s.formation_speed_mps
        alike &= np.abs(x[i, 2] - x[j, 2]) <= s.formation_radius_m
        return i[alike], j[alike]

    def _inherited(self, i: IntArray, j: IntArray, age: FloatArray, N: int) -> FloatArray:
        """(N, 3) evidence each young row takes from an established track it flies with."""
        s = self.s
        out = np.zeros((N, 3))
        young = age < s.formation_young_s
        old = ~young & self.known
        take = young[i] & old[j]
        i, j = i[take], j[take]
        if not len(i):
            return out
        order = np.lexsort((-age[j], i))  # per young row, its oldest companion first
        i, j = i[order], j[order]
        first = np.r_[True, i[1:] != i[:-1]]
        i, j = i[first], j[first]
        llr = np.log(np.maximum(self.post[self.rows[j]], 1e-12)) - self.log_prior
        llr -= llr.max(axis=1, keepdims=True)
        w = 1.0 - age[i] / s.formation_young_s
        out[i] = w[:, None] * np.maximum(llr, -s.formation_cap)
        return out

    def _lineage(self, pic: Picture, age: FloatArray, in_formation: IntArray) -> FloatArray:
        """(N, 3) evidence each young row without a formation takes from the track it most likely
        continues: one shown as a kind, last in a picture at most lineage_s ago, whose position
        then, carried on at its velocity, is within formation_radius_m (+ formation_speed_mps per
        second since) of the row. Weighted and capped as a formation's (_inherited).

        A radar that misses a slow object for a few scans loses its track, and the track that
        picks the object up again starts from the prior: on the development campaigns half the
        new tracks start within 300 m and 30 s of one just lost, and their first guesses were
        most of the class flips of birds."""
        s, t, N = self.s, float(pic.time_s), len(pic)
        out = np.zeros((N, 3))
        young = (age < s.formation_young_s) & ~np.isin(np.arange(N), in_formation)
        if not young.any():
            return out
        here = np.zeros(self.slots.capacity, dtype=bool)
        here[self.rows] = True
        last = self.last
        lost = self.slots.used & ~here & (last < t) & (last >= t - s.lineage_s) & (self.kind >= 0)
        if not lost.any():
            return out
        y, d = np.flatnonzero(young), np.flatnonzero(lost)
        gap = t - last[d]  # (D,)
        at = self.xy[d, 0:2] + self.xy[d, 2:4] * gap[:, None]  # (D, 2) where each would be now
        dist = np.linalg.norm(pic.x[y, None, 0:2] - at[None, :, :], axis=2)  # (Y, D)
        reach = s.formation_radius_m + s.formation_speed_mps * gap  # (D,)
        k = np.argmin(dist / reach, axis=1)
        ok = dist[np.arange(len(y)), k] <= reach[k]
        y, k = y[ok], d[k[ok]]
        if not len(y):
            return out
        llr = np.log(np.maximum(self.post[k], 1e-12)) - self.log_prior
        llr -= llr.max(axis=1, keepdims=True)
        w = 1.0 - age[y] / s.formation_young_s
        out[y] = w[:, None] * np.maximum(llr, -s.formation_cap)
        return out

    def show(self, t: float, post: FloatArray) -> tuple[npt.NDArray[np.int8], FloatArray]:
        """(cls, cls_p) shown for the picture's rows at time t, from their posteriors (N, 3)."""
        rows, known, N, s = self.rows, self.known, len(post), self.s
        if N == 0:
            return np.zeros(0, np.int8), np.zeros(0)
        logp = np.log(np.maximum(post, 1e-300))
        since = np.where(known, self.since[rows], t)
        dt = np.where(known, t - self.last[rows], 0.0)
        # the mean since birth, then an exponential average over class_memory_s
        a = np.where(known, np.minimum(dt / np.maximum(t - since, 1e-9), 1.0), 1.0)
        a = np.where(known & (t - since > s.class_memory_s), -np.expm1(-dt / s.class_memory_s), a)
        avg = np.where(known[:, None], self.avg[rows], logp)
        avg += a[:, None] * (logp - avg)
        sm = np.exp(avg - avg.max(axis=1, keepdims=True))
        sm /= sm.sum(axis=1, keepdims=True)
        best = np.argmax(sm, axis=1)
        p_best = sm[np.arange(N), best]
        prev = np.where(known, self.kind[rows], -1)
        p_prev = sm[np.arange(N), np.maximum(prev, 0)]
        # a kind shown is left for a kind as probable as switch_p, or once it is itself no more
        # probable than 1 - switch_p: then for the best kind, or unknown if none is probable
        named = np.where(p_best >= s.unknown_below_p, best, -1)
        held = np.where(p_prev <= 1.0 - s.class_switch_p, named, prev)
        left = np.where(p_best >= s.class_switch_p, best, held)
        kind = np.where(best == prev, best, np.where(prev >= 0, left, named))
        self.kind[rows], self.post[rows], self.avg[rows] = kind, post, avg
        self.since[rows], self.last[rows] = since, t
        unknown = int(ObjectClass.UNKNOWN)
        out_cls = np.where(kind >= 0, KIND_CODES[np.maximum(kind, 0)], unknown).astype(np.int8)
        out_p = np.where(kind >= 0, sm[np.arange(N), np.maximum(kind, 0)], p_best)
        return out_cls, out_p


__all__ = ["ClassMemory"]
