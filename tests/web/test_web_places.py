"""The console's map has geography at city scale: towns and airfields of the bundled region drawn
under the tracks, with names that keep clear of the track labels and of each other; a screenshot
of the demo region at city zoom goes to artifacts/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_web_browser import CHROMIUM, browser, server, wait_for  # noqa: F401  (fixtures)
from web_helpers import ARTIFACTS, Server, grid_picture

STATIC = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "sinks" / "web" / "static"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="needs Debian's chromium (apt-get install chromium)",
    ),
]


def test_the_place_file_covers_the_bundled_region() -> None:
    fc = json.loads((STATIC / "basemap" / "places.geojson").read_text())
    names = {f["properties"]["name"] for f in fc["features"]}
    codes = {f["properties"].get("code") for f in fc["features"]}
    assert {"Paris", "Versailles", "Saint-Denis"} <= names and {"LFPG", "LFPO", "LFPB"} <= codes


def test_city_zoom_shows_towns_and_airfields_under_the_tracks(server: Server, browser) -> None:  # noqa: F811
    server.state.publish_picture(grid_picture(0, 12, spread_deg=0.08))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='12']", timeout=20_000)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.33, 48.86], zoom: 11 }); }")
    names: list[str] = []

    def drawn() -> bool:
        names[:] = pg.page.evaluate("() => window.airpicture.placeNames")
        return len(names) >= 10

    wait_for(drawn, timeout=20)
    assert "Paris" in names
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.45, 48.85], zoom: 9 }); }")

    def airfield() -> bool:
        drawn()
        return any(n.startswith(("LFPO ", "LFPB ", "LFPG ")) for n in names)

    wait_for(airfield, timeout=20)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [2.33, 48.86], zoom: 11 }); }")
    wait_for(drawn, timeout=20)
    pg.page.screenshot(path=str(ARTIFACTS / "console-city-zoom.png"))
    assert pg.errors == []


def test_the_first_tracks_are_brought_into_view(server: Server, browser) -> None:  # noqa: F811
    # a live feed's first aircraft 150 km from the site: out of the first view, then fitted in
    from web_helpers import SITE, make_picture

    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='0']", timeout=20_000)
    server.state.publish_picture(make_picture(0.0, [7], [50.2], [2.35]))
    pg.page.wait_for_selector("body[data-tracks='1']", timeout=20_000)

    def in_view() -> bool:
        return bool(pg.page.evaluate(
            "([lat, lon]) => { const b = window.airpicture.map.getBounds();"
            " return b.contains([2.35, 50.2]) && b.contains([lon, lat]); }", [SITE[0], SITE[1]]
        ))  # fmt: skip

    wait_for(in_view, timeout=10)
    pg.page.evaluate("() => { window.airpicture.map.jumpTo({ center: [10, 40], zoom: 9 }); }")
    pg.page.click("#fit")
    wait_for(in_view, timeout=10)
    assert pg.errors == []


def test_the_track_list_sorts_and_selects(server: Server, browser) -> None:  # noqa: F811
    from web_helpers import make_picture

    from airpicture.units import table

    server.state.display = {"units": table("aviation"), "tiles": None}
    alt = [3000.0, 9000.0, 500.0]
    server.state.publish_picture(make_picture(0.0, [21, 22, 23], [48.8, 48.9, 48.85], [2.2, 2.3, 2.4], alt))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("#track-list tbody tr:nth-child(3)", timeout=20_000)

    def column(i: int) -> list[str]:
        return [t.strip() for t in pg.page.locator(f"#track-list tbody td:nth-child({i})").all_inner_texts()]

    assert column(1) == ["T21", "T22", "T23"]  # by track name first
    pg.page.click("#track-list th[data-key='alt']")  # highest first
    wait_for(lambda: column(1) == ["T22", "T21", "T23"])
    assert column(3) == ["295", "098", "016"]  # flight levels
    pg.page.click("#track-list th[data-key='alt']")  # and back
    wait_for(lambda: column(1) == ["T23", "T21", "T22"])
    pg.page.click("#track-list tbody tr[data-track='21']")
    wait_for(lambda: pg.page.evaluate("() => window.airpicture.selected") == 21)
    pg.page.wait_for_selector("#track-panel:not([hidden])", timeout=5_000)
    assert pg.errors == []
