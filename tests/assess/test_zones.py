import json

import numpy as np
import pytest

from airpicture.assess.zones import (
    CircleZone,
    PolygonZone,
    load_zones,
    zones_from_config,
    zones_from_geojson,
    zones_to_geojson,
)
from airpicture.errors import ConfigError
from airpicture.geo import EnuFrame

SITE = {"lat": 48.86, "lon": 2.29, "alt_m": 60.0}
F = EnuFrame(48.86, 2.29, 0.0)


def lonlat(e: float, n: float) -> list[float]:
    lat, lon, _ = F.to_geodetic(np.array([[e, n, 0.0]]))
    return [float(lon[0]), float(lat[0])]


def test_circle_depth_is_signed_distance() -> None:
    z = CircleZone("c", 100.0, 0.0, 500.0)
    d = z.depth(np.array([[100.0, 0.0], [600.0, 0.0], [100.0, -700.0]]))
    assert d == pytest.approx([500.0, 0.0, -200.0])


def test_polygon_with_hole_depth_and_inside() -> None:
    outer = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000]], float)
    hole = np.array([[400, 400], [600, 400], [600, 600], [400, 600]], float)
    z = PolygonZone("p", [outer, hole])
    pts = np.array([[100, 500], [500, 500], [-50, 500], [1000, 300], [200, 200]], float)
    d = z.depth(pts)
    assert d == pytest.approx([100.0, -100.0, -50.0, 0.0, 200.0])
    # broadcasting over leading axes, as the predicted paths use
    assert z.depth(pts.reshape(1, 5, 2)).shape == (1, 5)


def test_geojson_point_radius_polygon_and_multipolygon() -> None:
    square = [lonlat(0, 0), lonlat(1000, 0), lonlat(1000, 1000), lonlat(0, 1000), lonlat(0, 0)]
    far = [[lonlat(5000 + e, n) for e, n in ((0, 0), (100, 0), (100, 100), (0, 100))]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": lonlat(0, 0)},
                "properties": {"name": "core", "radius_m": 800, "floor_m": 0, "ceiling_m": 600},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [square]},
                "properties": {"name": "park", "ceiling_m": 300},
            },
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": [[square], far]},
                "properties": {},
            },
        ],
    }
    zones = zones_from_geojson(fc, SITE)
    assert [z.name for z in zones] == ["core", "park", "zone-3"]
    assert zones[0].depth(np.array([0.0, 0.0])) == pytest.approx(800.0, abs=0.5)
    assert zones[1].ceiling_m == 300 and zones[1].floor_m == 0
    assert zones[1].depth(np.array([500.0, 500.0])) == pytest.approx(500.0, abs=1.0)
    assert zones[2].depth(np.array([5050.0, 50.0])) > 0 > zones[2].depth(np.array([3000.0, 50.0]))
    # round trip through GeoJSON keeps the geometry
    again = zones_from_geojson(zones_to_geojson(zones, SITE), SITE)
    pts = np.array([[10.0, 20.0], [900.0, 900.0], [5050.0, 50.0], [-900.0, 0.0]])
    for a, b in zip(zones, again, strict=True):
        assert a.depth(pts) == pytest.approx(b.depth(pts), abs=0.5)


def test_meta_json_zones(tmp_path) -> None:
    meta = {
        "site": SITE,
        "zones": [
            {
                "name": "site-A core",
                "kind": "circle",
                "lat": 48.86,
                "lon": 2.29,
                "radius_m": 1000,
                "floor_m": 0,
                "ceiling_m": 600,
            }
        ],
    }
    p = tmp_path / "meta.json"
    p.write_text(json.dumps(meta))
    (z,) = load_zones(p, SITE)
    assert z.name == "site-A core" and z.ceiling_m == 600
    assert z.depth(np.array([0.0, 0.0])) == pytest.approx(1000.0, abs=0.1)


@pytest.mark.parametrize(
    "bad",
    [
        [{"name": "x", "lat": 48.8, "lon": 2.3}],  # no radius
        [{"name": "x", "lat": 48.8, "lon": 2.3, "radius_m": -5}],
        [{"name": "x", "lat": 48.8, "lon": 2.3, "radius_m": 5, "floor_m": 100, "ceiling_m": 50}],
        [{"name": "x", "kind": "hexagon", "lat": 48.8, "lon": 2.3, "radius_m": 5}],
        [{"name": "x", "radius_m": 5}],
    ],
)
def test_bad_zone_config_raises_config_error(bad) -> None:
    with pytest.raises(ConfigError):
        zones_from_config(bad, SITE)


def test_bad_geojson_and_files(tmp_path) -> None:
    with pytest.raises(ConfigError):
        zones_from_geojson({"type": "LineString", "coordinates": [[2.29, 48.86], [2.3, 48.87]]}, SITE)
    with pytest.raises(ConfigError):
        zones_from_geojson({"type": "Polygon", "coordinates": [[[2.29, 48.86], [2.3, 48.87]]]}, SITE)
    p = tmp_path / "z.json"
    p.write_text("{not json")
    with pytest.raises(ConfigError):
        load_zones(p, SITE)
    with pytest.raises(ConfigError):
        load_zones(tmp_path / "missing.json", SITE)
