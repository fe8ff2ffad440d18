"""Tiles, margins and the routing of measurements to regions."""

from __future__ import annotations

import numpy as np
import pytest
from crossing import SENSORS, SITE, tiling

from airpicture.errors import ConfigError
from airpicture.scale.partition import M_PER_DEG, Tiling, grid, plot_positions, route
from airpicture.track.base import Measurements
from airpicture.types import PLOT_DTYPE, REPORT_DTYPE


def test_grid_makes_tiles_near_square() -> None:
    assert grid(4, 1000.0, 1000.0) == (2, 2)
    assert grid(6, 1000.0, 6000.0) == (1, 6)
    assert grid(6, 2000.0, 3000.0) == (2, 3)
    assert grid(1, 5.0, 1.0) == (1, 1)


def test_owner_touching_and_depth_at_a_boundary() -> None:
    til = Tiling(48.0, 2.0, 50.0, 4.0, 4, 20_000.0)  # 2 x 2, inner lines at lat 49 and lon 3
    m_lon = M_PER_DEG * np.cos(np.radians(48.5))
    lat = np.array([48.5, 48.5, 48.5, 48.5, 10.0])
    lon = np.array([2.5, 3.0 - 10_000 / m_lon, 3.0 + 10_000 / m_lon, 3.0 + 30_000 / m_lon, 2.5])
    assert til.owner(lat, lon).tolist() == [0, 0, 1, 1, 0]  # far south: the nearest tile
    touch = til.touching(lat, lon)
    assert touch.tolist() == [
        [True, False, False, False],
        [True, True, False, False],  # 10 km from the line: both sides track it
        [True, True, False, False],
        [False, True, False, False],  # 30 km: beyond the margin
        [True, False, False, False],
    ]
    d = til.depth_m(lat[1:3], lon[1:3], np.array([1, 1]))
    assert d[0] == pytest.approx(-10_000, rel=0.02) and d[1] == pytest.approx(10_000, rel=0.02)


def test_a_margin_as_wide_as_half_a_tile_is_refused() -> None:
    with pytest.raises(ConfigError, match="margin"):
        Tiling(48.0, 2.0, 48.2, 2.2, 4, 20_000.0)


def test_route_gives_each_region_what_its_area_holds() -> None:
    til = tiling()
    assert (til.rows, til.cols) == (1, 2)
    box = Tiling.around(SENSORS, 1, 30_000.0).box  # the receiver's 250 km around it
    assert box[0] == pytest.approx(SITE[0] - 250_000 / M_PER_DEG) and box[2] > SITE[0] + 2.2
    rep = np.zeros(3, REPORT_DTYPE)
    rep["lat"] = SITE[0]
    rep["lon"] = [SITE[1] - 1.0, SITE[1] + 0.1, SITE[1] + 1.0]
    rep["ident"] = [1, 2, 3]
    parts = route(Measurements(10.0, reports=rep, names={2: "AFR2", 3: "AFR3"}), til, SENSORS)
    assert [p.reports["ident"].tolist() for p in parts] == [[1, 2], [2, 3]]
    assert parts[0].names == {2: "AFR2"} and parts[1].names == {2: "AFR2", 3: "AFR3"}
    assert all(p.until == 10.0 for p in parts)


def test_a_plot_is_placed_from_its_radar() -> None:
    radar = [{"id": "R", "kind": "radar", "lat": 48.0, "lon": 2.0, "max_range_m": 2e5,
              "sigma_range_m": 50, "sigma_azimuth_deg": 0.1}]  # fmt: skip
    from airpicture.sensors import load_sheets

    pl = np.zeros(2, PLOT_DTYPE)
    pl["range_m"], pl["azimuth_rad"] = 100_000.0, [0.0, np.pi / 2]
    lat, lon = plot_positions(pl, load_sheets(radar))
    assert lat[0] == pytest.approx(48.0 + 100_000 / M_PER_DEG) and lon[0] == pytest.approx(2.0)
    assert lat[1] == pytest.approx(48.0) and lon[1] > 3.3


def test_a_box_across_the_antimeridian_is_one_box() -> None:
    """Radars either side of 180 (Fiji, Kamchatka-Alaska) make one box east of its west edge. Clipped
    at +-180, theirs was the whole globe cut into hemispheres at 0, the antimeridian between two
    tiles with no margin across it."""
    from airpicture.sensors import load_sheets

    def radar(rid: str, lon: float, reach_m: float = 100_000.0) -> dict:
        return {"id": rid, "kind": "radar", "lat": -17.75, "lon": lon, "max_range_m": reach_m,
                "sigma_range_m": 50, "sigma_azimuth_deg": 0.1}  # fmt: skip

    til = Tiling.around(load_sheets([radar("W", 179.6), radar("E", -179.6)]), 2, 20_000.0)
    west, east = til.box[1], til.box[3]
    reach = 100_000.0 / (M_PER_DEG * np.cos(np.radians(-17.75)))
    assert west == pytest.approx(179.6 - reach) and east == pytest.approx(180.4 + reach)
    assert (til.rows, til.cols) == (1, 2)
    lat = np.full(5, -17.75)
    lon = np.array([179.0, 179.95, -179.95, -179.0, 150.0])  # the last: far west of the box
    assert til.owner(lat, lon).tolist() == [0, 0, 1, 1, 0]
    assert til.touching(lat, lon).tolist() == [[True, False], [True, True], [True, True], [False, True],
                                                [True, False]]  # fmt: skip
    d = til.depth_m(lat[1:3], lon[1:3], np.array([0, 1]))
    m_lon = M_PER_DEG * np.cos(np.radians(-17.75))
    assert d == pytest.approx(0.05 * m_lon, rel=1e-6)  # 5.6 km either side of the line at 180
    centres = [til.centre(r)[1] for r in range(2)]
    assert centres == pytest.approx([179.8 - reach / 2, -179.8 + reach / 2])
    # radars round the globe: the whole globe once their reaches overlap, else all but one gap
    ring = [radar(f"R{i}", 3.0 * i - 180 + 1.5 * (i == 7), 300_000.0) for i in range(120)]
    assert Tiling.around(load_sheets(ring), 1, 0.0).box[1::2] == (-180.0, 180.0)
    apart_sheets = load_sheets([radar(f"R{i}", 10.0 * i - 175) for i in range(30)] + [radar("Z", 130.0)])
    apart = Tiling.around(apart_sheets, 1, 0.0).box
    assert apart[1] == pytest.approx(-175 - reach) and apart[3] == pytest.approx(130 + reach)
    with pytest.raises(ConfigError, match="bad partition box"):
        Tiling(0.0, 170.0, 1.0, 540.0, 1, 0.0)
