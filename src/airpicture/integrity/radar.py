"""Integrity of cooperative tracks from what the radars make of them.

Two checks, both on evidence the picture carries (radar plots per track, state, IMM mode share):
 * radar corroboration: a track with an identity that sits inside a radar's coverage (range,
   elevation, the radar sees that kind of object: an ICAO address claims an aircraft, a Remote ID
   serial a drone) is judged by the radar's looks since it entered: a real object is hit with the
   sheet's Pd, a broadcast that nothing echoes only by a stray false plot (`p_stray_hit`). When the
   likelihood ratio spoofed : real of the hits and misses passes `suspect_lr` the track is
   `suspect`, past `spoofed_lr` `spoofed` (with Pd 0.9: four looks without a plot, then five;
   radars of different periods and Pd add their looks). It is corroborated, and cleared, once
   `corroborated_hits` plots have hit it and the evidence favours a real object. No evidence is
   no suspicion: a track no radar has looked at yet is `ok`. Only radars that surely cover the
   track judge it: near a sheet's nominal range or elevation limit, Pd falls off;
 * replay: a spoofer that replays a recorded flight elsewhere gives a second track with the same
   altitude and velocity as a real one, kilometres away, for minutes. Two tracks that agree to
   `twin_alt_m` and `twin_speed_mps` while more than `twin_separation_m` apart, and keep agreeing
   for `twin_s` seconds while manoeuvring (climbing, descending or turning: in-trail traffic at one level
   also agrees, but not through manoeuvres), are twins: the one no radar has seen is spoofed when
   its twin has radar plots.
Found out once, a track stays spoofed when it leaves the coverage; only a radar seeing it as a
real object clears it. An identity found out stays found out in a new track of it (a spoofer's
track is cut often) for `spoof_memory_s`.

The check remembers per track id when it was last outside every radar's coverage, whether it was
found out and its twin; that memory expires `forget_s` after the track was last in a picture (the
tracker deletes a track after at most a minute without measurements). The values are
airpicture.config.IntegritySettings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.config import IntegritySettings
from airpicture.geo import EnuFrame
from airpicture.integrity.kernels import corroborate, replay
from airpicture.sensors import RadarSheet, SensorSheet, covers, load_sheets
from airpicture.track.geometry import SensorGeometry, build_geometry, curvature_radii
from airpicture.types import REMOTEID_BIT, FloatArray, IntArray, Picture

#: How often (s of picture time) the memory of tracks long gone and old spoofed identities is swept.
FORGET_EVERY_S = 10.0


class RadarIntegrity:
    #: The per-track memory, one array each, kept sorted by track id.
    MEMORY = ("ids", "expected", "looks", "hits0", "flagged", "twin", "twin_s", "last_s")

    """The integrity stage (an `IntegrityCheck`) for the sensors of a scenario or feed. `active`:
    indices of the sensors in use (default all): only they count for coverage; `settings`: the
    checks' thresholds (the defaults when not given)."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None = None,
        active: list[int] | None = None,
        settings: IntegritySettings | None = None,
    ) -> None:
        self.settings = st = settings if settings is not None else IntegritySettings()
        self.frame = EnuFrame(*site)
        use = set(range(len(sensors)) if active is None else active)
        geo = build_geometry(load_sheets(sensors), self.frame, platforms)
        self.radars = [g for g in geo if g.kind == "radar" and g.index in use]
        self.site_alt = float(site[2])
        self.rn, self.rm = curvature_radii(site[0])
        # what each radar needs per picture, read from its sheet once
        self._judges = [
            (
                g,
                sheet,
                None if g.moving else self._antenna(g, 0.0),
                st.coverage_edge * sheet.max_range_m,
                sheet.pd_of("aircraft"),
                sheet.pd_of("drone"),
                1.0 / sheet.revisit_s,
            )
            for g in self.radars
            if isinstance(sheet := g.spec, RadarSheet)
        ]
        self.ids = np.zeros(0, np.int64)  # memory per track id, sorted by id
        self.expected = np.zeros(0)
        self.looks = np.zeros(0)
        self.hits0 = np.zeros(0, np.int64)
        self.flagged = np.zeros(0, bool)
        self.twin = np.zeros(0, np.int64)
        self.twin_s = np.zeros(0)
        self.last_s = np.zeros(0)
        self.spoofed: dict[int, float] = {}  # identity -> last time found spoofed
        self._t_prev = -np.inf
        self._t_forgot = -np.inf
        self._rules_c = (
            st.corroborated_hits,
            st.p_stray_hit,
            float(np.log(st.suspect_lr)),
            float(np.log(st.spoofed_lr)),
        )
        self._rules_r = (
            st.twin_alt_m,
            st.twin_speed_mps,
            st.twin_separation_m,
            st.twin_s,
            st.manoeuvre_vrate_mps,
            st.corroborated_hits,
        )

    def judge(self, picture: Picture) -> Picture:
        t = picture.time_s
        dt = t - self._t_prev if np.isfinite(self._t_prev) else 0.0
        self._t_prev = t
        if not t - self._t_forgot < FORGET_EVERY_S:  # memory ages slowly: no need to look each picture
            self._t_forgot = t
            self._forget(t)
        picture.integrity = np.zeros(len(picture), np.int8)
        if not (picture.ident >= 0).any():  # no cooperative track: nothing to judge
            return picture
        rows = self._rows(picture)
        memory = (self.expected[rows], self.looks[rows], self.hits0[rows], self.flagged[rows])
        hits = _hits(picture)
        spoofed = np.array(sorted(self.spoofed), np.int64)
        integrity, seen, changed = corroborate(
            picture.ident, hits, self._coverage(picture), dt, memory, spoofed, self._rules_c
        )
        twin, twin_s = self.twin[rows], self.twin_s[rows]
        p_man = picture.manoeuvre_p if picture.manoeuvre_p is not None else np.zeros(len(picture))
        replay(
            picture.x,
            picture.ident,
            picture.track,
            hits,
            p_man,
            (twin, twin_s, memory[3]),
            integrity,
            dt,
            self._rules_r,
        )
        self.expected[rows], self.looks[rows], self.hits0[rows], self.flagged[rows] = memory
        self.twin[rows], self.twin_s[rows] = twin, twin_s
        self.last_s[rows] = t
        if changed or memory[3].any():
            for i in picture.ident[memory[3] & (picture.ident >= 0)].tolist():
                self.spoofed[int(i)] = t
            for i in picture.ident[seen].tolist():
                self.spoofed.pop(int(i), None)
        picture.integrity = integrity
        return picture

    def _rows(self, picture: Picture) -> IntArray:
        """Memory rows of the picture's tracks; a track seen for the first time gets a fresh one
        (no radar looks counted yet, its radar hits so far not evidence of this entry)."""
        ids = picture.track
        pos = np.searchsorted(self.ids, ids)
        known = np.zeros(len(ids), bool)
        if len(self.ids):
            known = (pos < len(self.ids)) & (self.ids[np.minimum(pos, len(self.ids) - 1)] == ids)
        if not known.all():
            new = ~known
            n = int(new.sum())
            fresh = {
                "ids": ids[new],
                "expected": np.zeros(n),
                "looks": np.zeros(n),
                "hits0": np.zeros(n, np.int64),
                "flagged": np.zeros(n, bool),
                "twin": np.full(n, -1, np.int64),
                "twin_s": np.zeros(n),
                "last_s": np.full(n, picture.time_s),
            }
            for name in self.MEMORY:
                setattr(self, name, np.concatenate([getattr(self, name), fresh[name]]))
            order = np.argsort(self.ids, kind="stable")
            for name in self.MEMORY:
                setattr(self, name, getattr(self, name)[order])
            pos = np.searchsorted(self.ids, ids)
        return pos

    def _forget(self, t: float) -> None:
        old = self.last_s < t - self.settings.forget_s
        if old.any():
            for name in self.MEMORY:
                setattr(self, name, getattr(self, name)[~old])
        for i in [i for i, ts in self.spoofed.items() if ts < t - self.settings.spoof_memory_s]:
            del self.spoofed[i]

    def _coverage(self, picture: Picture) -> tuple[FloatArray, FloatArray]:
        """Plots per second each of the picture's tracks should get from the active radars if it
        is real (sum of Pd / scan period), and looks per second (sum of 1 / scan period), over the
        radars that surely cover it for what its identity claims to be (an ICAO address an
        aircraft, a Remote ID serial a drone; sensors.covers, away from the sheet's nominal edges
        by coverage_edge of the range and coverage_edge_deg of elevation)."""
        n = len(picture)
        hit_rate, look_rate = np.zeros(n), np.zeros(n)
        coop = np.flatnonzero(picture.ident >= 0)
        drone = (picture.ident[coop] & REMOTEID_BIT) != 0
        x, alt = picture.x[coop, :3], picture.alt_m[coop]
        for g, sheet, fixed, inside_m, pd_air, pd_drone, look in self._judges:
            o, M, sensor_alt = fixed if fixed is not None else self._antenna(g, picture.time_s)
            cov = covers(
                sheet, o, M, x, alt_m=alt, sensor_alt_m=sensor_alt, inside_m=inside_m,
                inside_deg=self.settings.coverage_edge_deg,
            )  # fmt: skip
            # only a radar that sees what the identity claims to be can judge it
            pd = np.where(drone, pd_drone, pd_air)
            cov &= pd > 0
            hit_rate[coop[cov]] += pd[cov] * look
            look_rate[coop[cov]] += look
        return hit_rate, look_rate

    def _antenna(self, g: SensorGeometry, t: float) -> tuple[FloatArray, FloatArray, float]:
        """A radar's antenna position, rotation and height above the ellipsoid at time t."""
        o, M = g.at(self.frame, np.full(1, t))
        alt = self.site_alt + o[0, 2] + o[0, 0] ** 2 / (2 * self.rn) + o[0, 1] ** 2 / (2 * self.rm)
        return o[0], M[0], float(alt)


def _hits(picture: Picture) -> IntArray:
    if picture.radar_hits is not None:
        return picture.radar_hits
    return np.zeros(len(picture), np.int32)


__all__ = ["RadarIntegrity"]
