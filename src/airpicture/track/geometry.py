"""Where the sensors are: the site's East-North-Up frame as kernels take it, and each sensor's
antenna position and orientation in it (fixed, or from a moving platform's navigation).

Sensor frames: `M` rotates site-ENU vectors into the sensor's own local ENU (its north and up),
`o` is the antenna in site ENU. For a moving sensor both come per plot from its navigation data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from airpicture.geo import E2, A, EnuFrame, rotation
from airpicture.sensors import RadarSheet, SensorSheet, radar_horizon
from airpicture.types import FloatArray


class Earth(NamedTuple):
    """The site frame as kernels take it: site_alt (m above the ellipsoid), rn, rm (prime-vertical
    and meridian radii of curvature at the site, m), rot (3, 3) ECEF -> site ENU, origin (3,) the
    site in ECEF."""

    site_alt: float
    rn: float
    rm: float
    rot: FloatArray
    origin: FloatArray


def earth(frame: EnuFrame, site_alt: float, lat_deg: float) -> Earth:
    rn, rm = curvature_radii(lat_deg)
    return Earth(
        float(site_alt), rn, rm, np.ascontiguousarray(frame.R), np.ascontiguousarray(frame.origin_ecef)
    )


def curvature_radii(lat_deg: float) -> tuple[float, float]:
    """Prime-vertical (N) and meridian (M) radii of curvature of WGS-84 at a latitude, m."""
    s2 = np.sin(np.radians(lat_deg)) ** 2
    n = A / np.sqrt(1 - E2 * s2)
    return float(n), float(n * (1 - E2) / (1 - E2 * s2))


@dataclass
class SensorGeometry:
    """One sensor's place and sheet, prepared for the kernels."""

    index: int
    spec: SensorSheet
    origin: FloatArray  # (3,) antenna in site ENU
    M: FloatArray  # (3, 3) site ENU -> sensor ENU
    nav_t: FloatArray | None = None  # moving sensor: navigation times
    nav_lla: FloatArray | None = None  # (T, 3) lat lon alt
    _o_rep: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    _M_rep: FloatArray = field(default_factory=lambda: np.zeros((0, 3, 3)))

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def three_d(self) -> bool:
        return isinstance(self.spec, RadarSheet) and self.spec.three_d

    @property
    def moving(self) -> bool:
        return self.nav_t is not None and len(self.nav_t) > 0

    def at(self, frame: EnuFrame, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Antenna position (K, 3) and rotation (K, 3, 3) at times t (K,)."""
        if self.nav_t is None or self.nav_lla is None or len(self.nav_t) == 0:
            # a fixed sensor: contiguous copies kept and sliced (the kernels take per-plot arrays)
            if len(self._o_rep) < len(t):
                n = max(len(t), 2 * len(self._o_rep), 64)
                self._o_rep = np.ascontiguousarray(np.broadcast_to(self.origin, (n, 3)))
                self._M_rep = np.ascontiguousarray(np.broadcast_to(self.M, (n, 3, 3)))
            return self._o_rep[: len(t)], self._M_rep[: len(t)]
        lla = np.column_stack([np.interp(t, self.nav_t, self.nav_lla[:, k]) for k in range(3)])
        o = frame.to_enu(lla[:, 0], lla[:, 1], lla[:, 2])
        M = rotation(lla[:, 0], lla[:, 1]) @ frame.R.T
        return o, M


def build_geometry(
    sensors: list[SensorSheet],
    frame: EnuFrame,
    platforms: dict[int, tuple[FloatArray, FloatArray]] | None = None,
) -> list[SensorGeometry]:
    out = []
    for i, s in enumerate(sensors):
        o = frame.to_enu(np.array([s.lat]), np.array([s.lon]), np.array([s.alt_m]))[0]
        M = rotation(s.lat, s.lon) @ frame.R.T
        nav = (platforms or {}).get(i)
        out.append(SensorGeometry(i, s, o, M, nav[0] if nav else None, nav[1] if nav else None))
    return out


def beyond_horizon(
    geo: list[SensorGeometry], frame: EnuFrame, reports: np.ndarray, max_alt_m: float
) -> np.ndarray:
    """(R,) the reports farther from their receiver than 1.5 times its 4/3-Earth radio horizon
    (heights above the ellipsoid; a report without altitude: max_alt_m). Only a receiver whose
    sheet gives a range is one antenna: a feed without one (a network's merged feed) hears from
    anywhere."""
    sensor = reports["sensor"].astype(np.int64)
    one = np.array([getattr(g.spec, "max_range_m", None) is not None for g in geo])[sensor]
    if not one.any():
        return np.zeros(len(reports), bool)
    origin = np.array([g.origin for g in geo])[sensor]
    rx_alt = np.array([float(g.spec.alt_m) for g in geo])[sensor]
    alt = reports["altitude_m"]
    alt = np.where(np.isfinite(alt), alt, max_alt_m)
    at = frame.to_enu(reports["lat"], reports["lon"], alt)
    return one & (np.linalg.norm(at - origin, axis=1) > 1.5 * radar_horizon(alt, rx_alt))
