"""The city-scale basemap (rivers, runways, towns under the tracks), the units setting as the page
shows it, the classifier's evidence in the track panel, and optional online tiles, in Chromium."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from test_web_browser import CHROMIUM, browser, server, wait_for  # noqa: F401  (fixtures)
from web_helpers import ARTIFACTS, Server, grid_picture, make_picture

from airpicture.units import table

STATIC = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "sinks" / "web" / "static"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="needs Debian's chromium (apt-get install chromium)",
    ),
]


def rendered(pg, layer: str) -> int:
    """How many features of a map layer the map library drew in the viewport."""
    return int(
        pg.page.evaluate(
            f"() => window.airpicture.map.queryRenderedFeatures({{ layers: ['{layer}'] }}).length"
        )
    )


def test_the_region_file_has_the_seine_and_the_paris_runways() -> None:
    fc = json.loads(gzip.decompress((STATIC / "basemap" / "region.geojson.gz").read_bytes()))
    runways = {
        (f["properties"]["code"], f["properties"]["name"])
        for f in fc["features"]
        if f["properties"]["kind"] == "runway"
    }
    assert {("LFPG", "09L/27R"), ("LFPG", "08R/26L"), ("LFPO", "07/25"), ("LFPB", "07/25")} <= runways
    rivers = [
        np.array(f["geometry"]["coordinates"]) for f in fc["features"] if f["properties"]["kind"] == "river"
    ]
    # the Seine runs through Paris: a river point within 1 km of the Pont Neuf (48.857, 2.341)
    near = min(np.hypot((r[:, 0] - 2.341) * 0.66, r[:, 1] - 48.857).min() for r in rivers)
    assert near * 111_000 < 1000


def test_city_zoom_draws_rivers_runways_and_towns_under_the_tracks(server: Server, browser) -> None:  # noqa: F811
    # tracks around Orly at city scale: the Seine, Orly's runways and the towns around them beneath
    pic = grid_picture(0, 12, spread_deg=0.05)
    pic.lat += 48.73 - 48.86
    pic.lon += 2.37 - 2.29
    server.state.publish_picture(pic)
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='12']", timeout=20_000)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.38, 48.73], zoom: 12 }); }")
    wait_for(lambda: rendered(pg, "rivers") > 0 and rendered(pg, "runways") > 0, timeout=20)
    names: list[str] = []

    def towns() -> bool:
        names[:] = pg.page.evaluate("() => window.airpicture.placeNames")
        return len(names) >= 5

    wait_for(towns, timeout=20)
    assert any(n.startswith("LFPO ") for n in names), names
    codes = pg.page.evaluate(
        "() => window.airpicture.map.queryRenderedFeatures({ layers: ['runways'] })"
        ".map((f) => f.properties.code)"
    )
    assert "LFPO" in codes
    # the tracks are drawn over the basemap: the overlay canvas holds the 12 track symbols
    shown = pg.page.evaluate(
        "() => { const b = window.airpicture.map.getBounds(); return [...window.airpicture.tracks.values()]"
        ".filter((r) => b.contains([r.lon, r.lat])).length; }"
    )
    assert shown >= 6
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "console-city-basemap.png"
    pg.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000  # a map with lines, names and tracks, not a blank page
    assert pg.errors == []


UNIT_CASES = [
    ("metric", ["m", "m/s"], "3000", "3000m 150m/s"),
    ("aviation", ["FL", "kt"], "098", "098 292kt"),
]


@pytest.mark.parametrize(("units", "head", "alt", "label"), UNIT_CASES)
def test_the_units_setting_applies_to_list_labels_and_panel(
    server: Server,  # noqa: F811
    browser,  # noqa: F811
    units,
    head,
    alt,
    label,
) -> None:
    server.state.display = {"units": table(units), "tiles": None}
    server.state.publish_picture(make_picture(0.0, [31], [48.9], [2.45], [3000.0], [(150.0, 0.0)]))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("#track-list tbody tr", timeout=20_000)
    ths = [t.strip() for t in pg.page.locator("#track-list th").all_inner_texts()]
    assert ths[2:] == head
    assert pg.page.locator("#track-list tbody td:nth-child(3)").inner_text().strip() == alt
    pg.page.click("#track-list tbody tr[data-track='31']")
    pg.page.wait_for_selector("#track-panel:not([hidden])", timeout=5_000)
    panel = pg.page.locator("#tp-fields").inner_text()
    if units == "aviation":
        assert "9843 ft (FL098)" in panel and "292 kt" in panel
    else:
        assert "3000 m" in panel and "150.0 m/s" in panel and " ft" not in panel and " kt" not in panel
    # the labels are drawn on the map, which may load after the list (a slow software renderer)
    wait_for(lambda: label in pg.page.evaluate("() => window.airpicture.labelLines"), timeout=20)
    assert pg.errors == []


def test_the_track_list_follows_the_feed_while_the_basemap_is_still_loading(server: Server, browser) -> None:  # noqa: F811
    """A slow basemap (a loaded machine's software renderer, a slow disk) holds back the map, not the
    list: the operator reads the tracks from the first message; the map draws them once it is ready."""
    held, released = [], []

    def hold(route) -> None:
        route.continue_() if released else held.append(route)

    server.state.publish_picture(make_picture(0.0, [31, 32], [48.9, 48.95], [2.45, 2.5], [3000.0, 900.0]))
    pg = browser()
    pg.page.route("**/static/basemap/**", hold)  # answered only at the end
    pg.page.goto(server.url)
    pg.page.wait_for_selector("#track-list tbody tr[data-track='32']", timeout=20_000)
    assert pg.page.locator("#counts").inner_text() == "2 tracks"
    assert held, "the page asked for its basemap"
    assert pg.page.evaluate("() => document.body.dataset.tracks") is None  # not drawn: no map yet
    server.state.publish_picture(make_picture(2.0, [31], [48.9], [2.46], [3000.0]))
    pg.page.wait_for_selector("#track-list tbody tr[data-track='32']", state="detached", timeout=10_000)
    released.append(True)
    for route in held:
        route.continue_()
    pg.page.wait_for_selector("body[data-tracks='1']", timeout=20_000)
    assert pg.errors == []


def test_the_track_panel_explains_the_class_with_the_classifiers_terms(server: Server, browser) -> None:  # noqa: F811
    """A real assessor classifies a Remote ID drone; the panel lists the terms that made it so."""
    from airpicture.assess import TrackAssessor
    from airpicture.types import remoteid_ident

    paris = STATIC.parents[2] / "data" / "paris"
    sensors = json.loads((paris / "sensors.json").read_text())  # the bundled scenario's real sheets
    site = json.loads((paris / "meta.json").read_text())["site"]
    a = TrackAssessor(sensors, site, [])
    for t in range(40):
        # 12 m/s at 80 m, a Remote ID, seen by the site radar (sensor bit 1) alone
        pic = make_picture(float(t), [41], [48.86], [2.29 + t * 12 / 73_000], [80.0], [(12.0, 0.0)],
                           cls=0, ident=[remoteid_ident("1581F4XYZ")], sensors=2)  # fmt: skip
        a.update(pic)
    assert pic.cls_terms is not None
    server.state.publish_picture(pic)
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("#track-list tbody tr", timeout=20_000)
    pg.page.click("#track-list tbody tr[data-track='41']")
    pg.page.wait_for_selector("#tp-evidence:not([hidden]) li", timeout=10_000)
    text = pg.page.locator("#tp-evidence").inner_text()
    assert text.startswith("why drone, not ") and "identity +" in text
    api = pg.page.evaluate("() => fetch('/api/tracks/41').then((r) => r.json())")
    assert api["evidence"]["kind"] == "drone" and api["evidence"]["factors"][0]["term"] == "identity"
    assert pg.errors == []


def png_tile() -> bytes:
    """A 256 x 256 solid PNG (what a tile server sends), made with zlib alone."""
    raw = b"".join(b"\x00" + bytes((200, 120, 40)) * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    head = (256).to_bytes(4, "big") * 2 + bytes((8, 2, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A tile server on loopback: any /z/x/y.png is one orange tile; the paths asked are kept."""
    asked: list[str] = []
    body = png_tile()

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/{{z}}/{{x}}/{{y}}.png", asked
    srv.shutdown()
    srv.server_close()
    th.join(timeout=5)


def test_online_tiles_when_configured_with_the_offline_map_beneath(
    server: Server,  # noqa: F811
    browser,  # noqa: F811
    tile_server,
) -> None:
    url, asked = tile_server
    server.state.display = {"units": table("metric"), "tiles": {"url": url, "attribution": "test tiles"}}
    server.state.publish_picture(grid_picture(0, 5, spread_deg=0.05))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tiles='on']", timeout=20_000)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.35, 48.86], zoom: 11 }); }")
    # 256-px tiles at zoom 11 are asked at z 12 (MapLibre's tiles are 512 px), within its CSP
    wait_for(lambda: any(p.startswith("/12/") and p.endswith(".png") for p in asked), timeout=20)
    wait_for(lambda: pg.page.evaluate("() => window.airpicture.map.isSourceLoaded('tiles')"), timeout=20)
    order = pg.page.evaluate("() => window.airpicture.map.getStyle().layers.map((l) => l.id)")
    # over the offline layers (the fallback, still drawn where a tile fails), under the places
    assert order.index("rivers") < order.index("tiles") < order.index("places-towns-big")
    assert rendered(pg, "rivers") > 0
    assert "test tiles" in pg.page.locator(".maplibregl-ctrl-attrib").inner_text()
    assert pg.errors == []


def test_a_sites_own_extract_with_roads_is_drawn_instead_of_the_bundled_one(
    server: Server,  # noqa: F811
    browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    # a site's region file (as tools/build_region.py --roads writes it) with one road across the view
    road = {"type": "Feature", "properties": {"kind": "road", "rank": 3},
            "geometry": {"type": "LineString", "coordinates": [[2.25, 48.84], [2.45, 48.88]]}}  # fmt: skip
    fc = {"type": "FeatureCollection", "features": [road]}
    (tmp_path / "region.geojson.gz").write_bytes(gzip.compress(json.dumps(fc).encode()))
    server.state.basemap_dir = str(tmp_path)
    server.state.publish_picture(grid_picture(0, 5, spread_deg=0.05))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='5']", timeout=20_000)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.35, 48.86], zoom: 11 }); }")
    wait_for(lambda: rendered(pg, "roads") > 0, timeout=20)
    assert rendered(pg, "rivers") == 0  # the site's file replaced the bundled one (no rivers in it)
    assert pg.errors == []
