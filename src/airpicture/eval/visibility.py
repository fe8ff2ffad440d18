"""Which targets some sensor could see: only those count as missed when no track has them.

Per sensor sheet (FORMAT.md): a radar sees kinds it has a detection probability for, where
`airpicture.sensors.covers` says it looks (between its minimum and maximum slant range, above its
minimum elevation, or within the radar horizon for a moving, airborne sensor); an ADS-B receiver
sees transponder-equipped aircraft within its ground range and no more than 200 m below its
antenna (other receivers: any object there).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airpicture.geo import geodetic_to_ecef, geodetic_to_enu, rotation
from airpicture.sensors import EARTH_RADIUS_M, K_FACTOR, RadarSheet, SensorSheet, covers, radar_horizon
from airpicture.types import BoolArray, FloatArray


def observable(
    sensors: Sequence[SensorSheet],
    platforms: dict[str, tuple[FloatArray, FloatArray]],
    kind: np.ndarray,
    silent: BoolArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    time_s: FloatArray,
) -> BoolArray:
    """(N,) bool: whether some sensor could see each object.

    kind : (N,) str; silent : (N,) bool (no transponder); lat, lon (deg), alt (m), time_s : (N,) where
    and when; platforms: sensor id -> (t (T,), [lat lon alt] (3, T)) for the sensors that move.
    """
    seen = np.zeros(len(kind), bool)
    for s in sensors:
        if s.id in platforms:
            pt, pv = platforms[s.id]
            slat, slon, salt = (np.interp(time_s, pt, v) for v in pv)
        else:
            slat, slon, salt = (np.full(len(kind), float(v)) for v in (s.lat, s.lon, s.alt_m))
        if isinstance(s, RadarSheet):
            can = np.array([s.sees(str(k)) for k in kind], dtype=bool)
        elif s.kind == "adsb":
            can = (kind == "aircraft") & ~silent
        else:  # any other receiver (e.g. Remote ID): everything in its ground range, as score.py has it
            can = np.ones(len(kind), bool)
        can &= ~seen
        if not can.any():
            continue
        i = np.flatnonzero(can)
        if isinstance(s, RadarSheet):
            ok = covers(
                s,
                geodetic_to_ecef(slat[i], slon[i], salt[i]),
                rotation(slat[i], slon[i]),
                geodetic_to_ecef(lat[i], lon[i], alt[i]),
                alt_m=alt[i],
                sensor_alt_m=salt[i],
            )
        else:
            enu = geodetic_to_enu(lat[i], lon[i], alt[i], slat[i], slon[i], salt[i])
            rmax = np.inf if s.max_range_m is None else s.max_range_m
            ok = (np.hypot(enu[:, 0], enu[:, 1]) <= rmax) & (enu[:, 2] > -200)
        seen[i[ok]] = True
    return seen


__all__ = ["EARTH_RADIUS_M", "K_FACTOR", "observable", "radar_horizon"]
