"""Which radars surely cover each of a picture's cooperative tracks, and what they should see of
it if it is real: the coverage that radar corroboration (kernels.corroborate) weighs the radar's
looks by. Only radars that surely cover the track judge it: near a sheet's nominal range or
elevation limit, Pd falls off (IntegritySettings.coverage_edge, coverage_edge_deg); and only a
radar that sees what the identity claims to be (an ICAO address an aircraft, a Remote ID serial a
drone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.config import IntegritySettings
from airpicture.geo import EnuFrame
from airpicture.sensors import RadarSheet, SensorSheet, covers, load_sheets
from airpicture.track.geometry import SensorGeometry, build_geometry, curvature_radii
from airpicture.types import REMOTEID_BIT, FloatArray, Picture


class RadarCoverage:
    """The active radars of a scenario or feed (`active`: indices of the sensors in use, default
    all), read from their sheets once."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None,
        active: list[int] | None,
        settings: IntegritySettings,
    ) -> None:
        self.settings = st = settings
        self.frame = EnuFrame(*site)
        use = set(range(len(sensors)) if active is None else active)
        geo = build_geometry(load_sheets(sensors), self.frame, platforms)
        radars = [g for g in geo if g.kind == "radar" and g.index in use]
        self.site_alt = float(site[2])
        self.rn, self.rm = curvature_radii(site[0])
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
            for g in radars
            if isinstance(sheet := g.spec, RadarSheet)
        ]

    def rates(self, picture: Picture) -> tuple[FloatArray, FloatArray]:
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


__all__ = ["RadarCoverage"]
