"""Integrity of cooperative tracks from what the radars make of them.

Two checks, both on evidence the picture carries (radar plots per track, state, IMM mode share):
 * radar corroboration: a track with an identity that sits inside a radar's coverage (range,
   elevation, the radar sees that kind of object: an ICAO address claims an aircraft, a Remote ID
   serial a drone) and that fewer than `corroborated_hits` radar plots have joined is `suspect`;
   once `spoof_looks` revisits of that radar have passed with fewer hits than `min_hit_share` of
   them it is `spoofed` (a real aircraft is missed that often in a row with probability
   (1 - Pd)^spoof_looks);
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
from typing import Any, cast

import numpy as np

from airpicture.config import IntegritySettings
from airpicture.geo import EnuFrame
from airpicture.integrity.kernels import corroborate, replay
from airpicture.sensors import RadarSheet, SensorSheet, covers, load_sheets
from airpicture.track.geometry import build_geometry, curvature_radii
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray, Picture


class RadarIntegrity:
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
        self.ids = np.zeros(0, np.int64)  # memory per track id, sorted by id
        self.t_cov = np.zeros(0)
        self.flagged = np.zeros(0, bool)
        self.twin = np.zeros(0, np.int64)
        self.twin_s = np.zeros(0)
        self.last_s = np.zeros(0)
        self.spoofed: dict[int, float] = {}  # identity -> last time found spoofed
        self._t_prev = -np.inf
        self._rules_c = (st.corroborated_hits, st.min_hit_share, float(st.spoof_looks))
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
        self._forget(t)
        picture.integrity = np.zeros(len(picture), np.int8)
        if not (picture.ident >= 0).any():  # no cooperative track: nothing to judge
            return picture
        rows = self._rows(picture)
        memory = (self.t_cov[rows], self.flagged[rows])
        hits = _hits(picture)
        spoofed = np.array(sorted(self.spoofed), np.int64)
        integrity, seen, changed = corroborate(
            picture.ident, hits, self._coverage(picture), t, memory, spoofed, self._rules_c
        )
        twin, twin_s = self.twin[rows], self.twin_s[rows]
        p_man = picture.manoeuvre_p if picture.manoeuvre_p is not None else np.zeros(len(picture))
        replay(
            picture.x,
            picture.ident,
            picture.track,
            hits,
            p_man,
            (twin, twin_s, memory[1]),
            integrity,
            dt,
            self._rules_r,
        )
        self.t_cov[rows], self.flagged[rows], self.twin[rows], self.twin_s[rows] = (
            memory[0],
            memory[1],
            twin,
            twin_s,
        )
        self.last_s[rows] = t
        if changed or memory[1].any():
            for i in picture.ident[memory[1] & (picture.ident >= 0)].tolist():
                self.spoofed[int(i)] = t
            for i in picture.ident[seen].tolist():
                self.spoofed.pop(int(i), None)
        picture.integrity = integrity
        return picture

    def _rows(self, picture: Picture) -> IntArray:
        """Memory rows of the picture's tracks; a track seen for the first time gets one, as last
        outside coverage when it started."""
        ids = picture.track
        pos = np.searchsorted(self.ids, ids)
        known = np.zeros(len(ids), bool)
        if len(self.ids):
            known = (pos < len(self.ids)) & (self.ids[np.minimum(pos, len(self.ids) - 1)] == ids)
        if not known.all():
            new = ~known
            start = (
                picture.first_s[new]
                if picture.first_s is not None
                else np.full(int(new.sum()), picture.time_s)
            )
            self.ids = np.concatenate([self.ids, ids[new]])
            self.t_cov = np.concatenate([self.t_cov, start])
            self.flagged = np.concatenate([self.flagged, np.zeros(int(new.sum()), bool)])
            self.twin = np.concatenate([self.twin, np.full(int(new.sum()), -1, np.int64)])
            self.twin_s = np.concatenate([self.twin_s, np.zeros(int(new.sum()))])
            self.last_s = np.concatenate([self.last_s, np.full(int(new.sum()), picture.time_s)])
            order = np.argsort(self.ids, kind="stable")
            for name in ("ids", "t_cov", "flagged", "twin", "twin_s", "last_s"):
                setattr(self, name, getattr(self, name)[order])
            pos = np.searchsorted(self.ids, ids)
        return pos

    def _forget(self, t: float) -> None:
        old = self.last_s < t - self.settings.forget_s
        if old.any():
            for name in ("ids", "t_cov", "flagged", "twin", "twin_s", "last_s"):
                setattr(self, name, getattr(self, name)[~old])
        for i in [i for i, ts in self.spoofed.items() if ts < t - self.settings.spoof_memory_s]:
            del self.spoofed[i]

    def _coverage(self, picture: Picture) -> tuple[BoolArray, FloatArray]:
        """Which of the picture's tracks some active radar covers, for what each identity claims
        to be (an ICAO address an aircraft, a Remote ID serial a drone; sensors.covers), and the
        shortest scan period of those radars (inf where none)."""
        n = len(picture)
        in_cov, look = np.zeros(n, bool), np.full(n, np.inf)
        coop = picture.ident >= 0
        drone = coop & ((picture.ident & REMOTEID_BIT) != 0)
        x = picture.x[:, :3]
        t = np.full(1, picture.time_s)
        for g in self.radars:
            sheet = cast(RadarSheet, g.spec)
            o, M = g.at(self.frame, t)
            sensor_alt = self.site_alt + o[0, 2] + o[0, 0] ** 2 / (2 * self.rn) + o[0, 1] ** 2 / (2 * self.rm)
            cov = np.zeros(n, bool)
            for kind, who in (("aircraft", coop & ~drone), ("drone", drone)):
                if who.any() and sheet.sees(kind):
                    cov[who] = covers(
                        sheet, o[0], M[0], x[who], kind, alt_m=picture.alt_m[who], sensor_alt_m=sensor_alt
                    )
            in_cov |= cov
            look = np.where(cov, np.minimum(look, sheet.revisit_s), look)
        return in_cov, look


def _hits(picture: Picture) -> IntArray:
    if picture.radar_hits is not None:
        return picture.radar_hits
    return np.zeros(len(picture), np.int32)


__all__ = ["RadarIntegrity"]
