"""Which targets some sensor could see: only those count as missed when no track has them.

Per sensor sheet (FORMAT.md): a radar sees kinds it has a detection probability for, between its
minimum and maximum slant range, above its minimum elevation (fixed site, default -0.5 deg) or
within the radar horizon (a moving, airborne sensor); an ADS-B receiver sees transponder-equipped
aircraft within its ground range and no more than 200 m below its antenna (other receivers: any
object there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from airpicture.geo import geodetic_to_enu
from airpicture.types import BoolArray, FloatArray

#: 4/3 Earth radius model of radio refraction.
K_FACTOR = 4.0 / 3.0
EARTH_RADIUS_M = 6371000.0


def radar_horizon(h_target: FloatArray | float, h_sensor: FloatArray | float) -> FloatArray:
    """Longest line of sight (m) between two heights (m) over a smooth Earth with refraction."""
    two_kr = 2 * K_FACTOR * EARTH_RADIUS_M
    return np.asarray(np.sqrt(two_kr * np.maximum(h_sensor, 0)) + np.sqrt(two_kr * np.maximum(h_target, 0)))


def observable(
    sensors: list[dict[str, Any]],
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
        if s["id"] in platforms:
            pt, pv = platforms[s["id"]]
            slat, slon, salt = (np.interp(time_s, pt, v) for v in pv)
        else:
            slat, slon, salt = (np.full(len(kind), float(s[k])) for k in ("lat", "lon", "alt_m"))
        if s["kind"] == "radar":
            pd = s.get("pd", {})
            can = np.array([pd.get(str(k), 0) > 0 for k in kind], dtype=bool)
        elif s["kind"] == "adsb":
            can = (kind == "aircraft") & ~silent
        else:  # any other receiver (e.g. Remote ID): everything in its ground range, as score.py has it
            can = np.ones(len(kind), bool)
        can &= ~seen
        if not can.any():
            continue
        i = np.flatnonzero(can)
        enu = geodetic_to_enu(lat[i], lon[i], alt[i], slat[i], slon[i], salt[i])
        e, n, u = enu[:, 0], enu[:, 1], enu[:, 2]
        if s["kind"] == "radar":
            r = np.sqrt(e * e + n * n + u * u)
            if s.get("moving"):
                above = r <= radar_horizon(alt[i], salt[i])
            else:
                el = np.degrees(np.arcsin(np.clip(u / np.maximum(r, 1), -1, 1)))
                above = el >= s.get("min_elevation_deg", -0.5)
            ok = (s.get("min_range_m", 0) <= r) & (r <= s["max_range_m"]) & above
        else:
            ok = (np.hypot(e, n) <= s["max_range_m"]) & (u > -200)
        seen[i[ok]] = True
    return seen


__all__ = ["EARTH_RADIUS_M", "K_FACTOR", "observable", "radar_horizon"]
