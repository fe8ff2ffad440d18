"""Which objects a sensor sheet says could be seen."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.eval.visibility import observable, radar_horizon
from airpicture.geo import enu_to_geodetic
from airpicture.sensors import load_sheets

SITE = (48.86, 2.29, 60.0)


def _at(
    e: float, n: float, up: float, origin: tuple[float, float, float] = SITE
) -> tuple[float, float, float]:
    lat, lon, alt = enu_to_geodetic(np.array([e, n, up]), *origin)
    return float(lat), float(lon), float(alt)


def _obs(sensors, kind, where, silent=False, t=0.0, platforms=None) -> bool:
    lat, lon, alt = where
    return bool(
        observable(
            load_sheets(sensors),
            platforms or {},
            np.array([kind]),
            np.array([silent]),
            np.array([lat]),
            np.array([lon]),
            np.array([alt]),
            np.array([t]),
        )[0]
    )


def test_radar_horizon_matches_the_4_12_root_h_rule() -> None:
    # 4/3-Earth radio horizon, the textbook d[km] = 4.12 * sqrt(h[m]) for each end
    assert float(radar_horizon(0.0, 9000.0)) == pytest.approx(4120 * np.sqrt(9000), rel=2e-3)
    assert float(radar_horizon(100.0, 9000.0)) == pytest.approx(4120 * (np.sqrt(9000) + 10), rel=2e-3)


def test_fixed_radar_range_elevation_and_kind() -> None:
    radar = {
        "id": "R",
        "kind": "radar",
        "lat": SITE[0],
        "lon": SITE[1],
        "alt_m": SITE[2],
        "max_range_m": 20_000,
        "sigma_range_m": 40,
        "sigma_azimuth_deg": 0.1,
        "min_range_m": 500,
        "pd": {"aircraft": 0.9, "bird": 0.0},
    }
    assert _obs([radar], "aircraft", _at(10_000, 0, 1000))
    assert not _obs([radar], "aircraft", _at(25_000, 0, 1000))  # beyond max range
    assert not _obs([radar], "aircraft", _at(200, 0, 100))  # inside min range
    assert not _obs([radar], "bird", _at(5000, 0, 100))  # pd 0
    assert not _obs([radar], "drone", _at(5000, 0, 100))  # no pd at all
    assert not _obs([radar], "aircraft", _at(10_000, 0, -200))  # -1.1 deg: below -0.5 deg
    assert _obs([radar], "aircraft", _at(10_000, 0, -50))  # -0.29 deg
    assert not _obs([dict(radar, min_elevation_deg=1.0)], "aircraft", _at(10_000, 0, 100))


def test_adsb_sees_only_transponder_aircraft_in_ground_range() -> None:
    adsb = {
        "id": "A",
        "kind": "adsb",
        "lat": SITE[0],
        "lon": SITE[1],
        "alt_m": SITE[2],
        "max_range_m": 100_000,
    }
    assert _obs([adsb], "aircraft", _at(50_000, 0, 3000))
    assert not _obs([adsb], "aircraft", _at(50_000, 0, 3000), silent=True)
    assert not _obs([adsb], "drone", _at(5_000, 0, 100))
    assert not _obs([adsb], "aircraft", _at(150_000, 0, 8000))
    assert not _obs([adsb], "aircraft", _at(1000, 0, -300))  # more than 200 m below the antenna


def test_moving_radar_uses_its_platform_position_and_the_horizon() -> None:
    aew = {
        "id": "AEW",
        "kind": "radar",
        "lat": SITE[0],
        "lon": SITE[1],
        "alt_m": 9000.0,
        "max_range_m": 500_000,
        "sigma_range_m": 40,
        "sigma_azimuth_deg": 0.1,
        "min_range_m": 1000,
        "pd": {"aircraft": 0.9},
        "moving": True,
    }
    # a low aircraft 300 km away: beyond the horizon from 9 km (~391 km + 4.12*sqrt(h)) only if it is
    # far enough; at 300 m altitude the horizon is ~391 + 71 km: seen at 420 km, not at 480 km
    lat_far, lon_far, _ = _at(0, 480_000, 0)
    lat_ok, lon_ok, _ = _at(0, 420_000, 0)
    assert not _obs([aew], "aircraft", (lat_far, lon_far, 300.0))
    assert _obs([aew], "aircraft", (lat_ok, lon_ok, 300.0))
    # the platform flies 100 km north between t=0 and t=100: at t=100 the far aircraft is in reach
    n100 = _at(0, 100_000, 0)
    nav = (np.array([0.0, 100.0]), np.array([[SITE[0], n100[0]], [SITE[1], n100[1]], [9000.0, 9000.0]]))
    assert not _obs([aew], "aircraft", (lat_far, lon_far, 300.0), t=0.0, platforms={"AEW": nav})
    assert _obs([aew], "aircraft", (lat_far, lon_far, 300.0), t=100.0, platforms={"AEW": nav})
