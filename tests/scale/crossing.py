"""A stream of ADS-B reports from aircraft flying east-west across the line where the two tiles of
`tiling()` meet (lon 2.29): what the partitioned live tests feed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from airpicture.scale.partition import Tiling
from airpicture.sensors import load_sheets
from airpicture.track.base import Measurements
from airpicture.types import REPORT_DTYPE

SITE = (48.86, 2.29, 0.0)
SENSORS = load_sheets(
    [{"id": "ADSB1", "kind": "adsb", "lat": SITE[0], "lon": SITE[1], "max_range_m": 250_000.0,
      "update_period_s": 1.0, "sigma_position_m": 30.0}]
)  # fmt: skip
T0 = 1.7e9


def tiling(n: int = 2, margin_m: float = 30_000.0) -> Tiling:
    """n tiles of a box wider than tall around the site: with n = 2, the line is lon 2.29."""
    return Tiling(47.5, -1.0, 50.2, 5.58, n, margin_m)


def crossing(n: int, duration_s: float, seed: int = 0) -> Iterator[Measurements]:
    """n aircraft at 200-250 m/s, half eastbound, half westbound, each crossing lon 2.29 within the
    run; one report a second each (30 m noise), windows of 1 s."""
    rng = np.random.default_rng(seed)
    speed = rng.uniform(200, 250, n)
    east = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    lat = SITE[0] + rng.uniform(-1.0, 1.0, n)
    m_lon = 111_195.0 * np.cos(np.radians(lat))
    cross_s = rng.uniform(0.2, 0.8, n) * duration_s  # when each crosses the line
    alt = rng.uniform(3000, 11000, n)
    for k in range(int(duration_s)):
        t = T0 + k + rng.uniform(0, 1, n)
        lon = SITE[1] + east * speed * (t - T0 - cross_s) / m_lon
        rows = np.zeros(n, REPORT_DTYPE)
        rows["time_s"], rows["sensor"], rows["ident"] = t, 0, 0x400000 + np.arange(n)
        rows["lat"] = lat + rng.normal(0, 30, n) / 111_195.0
        rows["lon"] = lon + rng.normal(0, 30, n) / m_lon
        rows["altitude_m"], rows["speed_mps"] = alt, speed
        rows["track_rad"] = np.where(east > 0, np.pi / 2, 3 * np.pi / 2)
        rows["vrate_mps"] = 0.0
        rows = rows[np.argsort(rows["time_s"])]
        yield Measurements(T0 + k + 1, reports=rows)
