"""The console's GNSS interference layer: the map reaches clients in the snapshot, as `gnss`
messages and at /api/gnss, and the page draws the hexagons coloured by share, toggled by the
legend's checkbox (the real server, Debian's Chromium through Playwright)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from test_web_api import client
from test_web_browser import CHROMIUM, browser, server, wait_for  # noqa: F401 (pytest fixtures)
from web_helpers import ARTIFACTS, SITE, Server, grid_picture, paris_state

from airpicture.config import GnssSettings
from airpicture.integrity.gnss import GnssMap
from airpicture.sinks.gnss import feature_collection

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integrity"))
from gnsskit import T0, Jammer, traffic


def jammed_map() -> dict[str, Any]:
    """The newest bin of each cell, 20 min into a jammer on the site (synthetic traffic)."""
    m = traffic(duration_s=1500, jammers=(Jammer(SITE[0], SITE[1], 25_000, T0 + 600, T0 + 1500),), seed=4)
    g = GnssMap(GnssSettings())
    g.add(m)
    return feature_collection(g.cells().latest())


def test_the_map_reaches_clients_in_the_snapshot_as_messages_and_over_rest() -> None:
    state = paris_state()
    got: list[dict[str, Any]] = []
    state.subscribe(lambda m: got.append(json.loads(m.text)))
    fc = jammed_map()
    assert any(f["properties"]["interference"] for f in fc["features"])
    state.publish_gnss(fc)
    assert got[-1]["type"] == "gnss" and got[-1]["gnss"] == fc
    assert json.loads(state.snapshot().text)["gnss"] == fc
    with client(state) as c:
        r = c.get("/api/gnss")
        assert r.status_code == 200 and r.json() == fc
        assert "/api/gnss" in c.get("/openapi.json").json()["paths"]


@pytest.mark.browser
@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="needs Debian's chromium"
)
def test_the_page_draws_the_cells_by_share_and_the_checkbox_hides_them(server: Server, browser) -> None:  # noqa: F811
    server.state.publish_picture(grid_picture(0, 20))
    fc = jammed_map()
    server.state.publish_gnss(fc)
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector(f"body[data-gnss='{len(fc['features'])}']", timeout=20_000)
    p = pg.page

    def drawn() -> list[dict[str, Any]]:
        return p.evaluate(
            """() => { const m = window.airpicture.map;
                return m.queryRenderedFeatures({ layers: ["gnss-fill"] }).map((f) => f.properties); }"""
        )

    wait_for(lambda: any(f.get("interference") for f in drawn()), timeout=10)
    colours = p.evaluate(
        """() => { const m = window.airpicture.map, seen = {};
            for (const f of m.queryRenderedFeatures({ layers: ["gnss-fill"] }))
              seen[f.properties.h3] = [f.properties.share, f.layer.paint["fill-color"]];
            return seen; }"""
    )
    red = [v for v in colours.values() if v[0] is not None and v[0] >= 0.10]
    green = [v for v in colours.values() if v[0] is not None and v[0] < 0.02]
    assert red and green
    assert all(v[1]["r"] > 0.8 and v[1]["g"] < 0.4 for v in red)  # #e53935
    assert all(v[1]["g"] > 0.5 and v[1]["r"] < 0.4 for v in green)  # #43a047
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "console-gnss.png"))
    p.click("#gnss-toggle")
    wait_for(lambda: drawn() == [], timeout=5)
    assert p.evaluate("window.airpicture.map.getLayoutProperty('gnss-fill', 'visibility')") == "none"
    p.click("#gnss-toggle")
    wait_for(lambda: len(drawn()) > 0, timeout=5)
    server.state.publish_gnss({"type": "FeatureCollection", "features": []})  # a live update empties it
    p.wait_for_selector("body[data-gnss='0']", timeout=5_000)
    assert pg.errors == []
