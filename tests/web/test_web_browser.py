"""What an operator sees: the real server driven through Debian's Chromium with Playwright."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from web_helpers import ARTIFACTS, Server, grid_picture, make_picture, run_server

from airpicture.sinks.web import Frame, Player, Timeline
from airpicture.types import Alert, icao_ident, remoteid_ident

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUNDLED = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"

pytestmark = [
    pytest.mark.browser,
    # CI installs Chromium (.ci/run) and must not skip; a clone without it skips.
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="needs Debian's chromium (apt-get install chromium)",
    ),
]


class Page:
    """A Playwright page plus what the browser complained about."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def server() -> Iterator[Server]:
    yield from run_server()


@pytest.fixture
def browser() -> Iterator[Callable[[], Page]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            viewport={"width": 1400, "height": 850},
        )
        try:
            yield lambda: Page(ctx.new_page())
        finally:
            ctx.close()


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def screen_xy(p: Any, track: int) -> tuple[float, float]:
    """Where the page draws `track`, in page pixels (the map canvas' offset added)."""
    xy = p.evaluate(
        """(id) => { const a = window.airpicture, r = a.tracks.get(id);
            const q = a.map.project([r.lon, r.lat]), b = a.map.getCanvas().getBoundingClientRect();
            return [q.x + b.left, q.y + b.top]; }""",
        track,
    )
    return float(xy[0]), float(xy[1])


def test_the_filter_lists_what_the_picture_does_not_believe(server: Server, browser) -> None:
    """Tracks marked suspect or spoofed by the integrity stage are drawn (magenta ring) and the
    operator finds them by typing the mark in the filter."""
    ids = [1, 2, 3, 4, 5]
    lat = [48.8 + 0.01 * i for i in ids]
    pic = make_picture(0.0, ids, lat, [2.3] * 5, ident=[0x3C6440 + i for i in ids], integrity=[0, 1, 2, 2, 0])
    pic.integrity_reason = np.array([0, 2, 1, 3, 0], np.int8)
    server.state.publish_picture(pic)
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='5']", timeout=20_000)
    pg.page.fill("#filter", "spoofed")
    pg.page.wait_for_selector("body[data-tracks='2']", timeout=5_000)
    pg.page.fill("#filter", "suspect")
    pg.page.wait_for_selector("body[data-tracks='1']", timeout=5_000)
    # the track panel says why: the strongest evidence against the broadcast
    says = "(text) => document.getElementById('track-panel').textContent.includes(text)"
    pg.page.evaluate("window.airpicture.select(2)")
    pg.page.wait_for_selector("#track-panel:not([hidden])")
    pg.page.wait_for_function(says, arg="suspect (replay twin)")
    pg.page.evaluate("window.airpicture.select(3)")
    pg.page.wait_for_function(says, arg="spoofed (radar silent)")
    assert pg.errors == []


def test_page_loads_shows_every_track_and_follows_updates(server: Server, browser) -> None:
    server.state.publish_picture(grid_picture(0, 40))
    pg = browser()
    resp = pg.page.goto(server.url)
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    pg.page.wait_for_selector("body[data-tracks='40']", timeout=20_000)
    server.state.publish_picture(grid_picture(1, 35))  # five tracks deleted, the others moved
    pg.page.wait_for_selector("body[data-tracks='35']", timeout=10_000)
    assert pg.page.locator("#conn").inner_text() == "live"
    pg.page.fill("#filter", "T1")  # T1, T10..T19, T30..T35 minus nothing: ids containing "t1"
    pg.page.wait_for_selector("body[data-tracks='11']", timeout=5_000)
    pg.page.fill("#filter", "")
    pg.page.wait_for_selector("body[data-tracks='35']", timeout=5_000)
    pg.page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.page.screenshot(path=str(ARTIFACTS / "console-grid.png"))
    assert pg.errors == []
    # Everything (page, map library, its worker, basemap, data) came from this server: no CDN, no tiles.
    assert any(u.endswith("maplibre-gl-worker.mjs") or "maplibre-gl-worker.mjs?" in u for u in pg.requests)
    assert any(u.endswith("countries-50m.geojson") for u in pg.requests)
    foreign = [
        u
        for u in pg.requests
        if not u.startswith((server.url, f"ws://127.0.0.1:{server.port}", "data:", "blob:"))
    ]
    assert foreign == []


def test_click_on_a_track_opens_its_panel(server: Server, browser) -> None:
    icao = icao_ident("39c4a7")
    for t in range(3):
        server.state.publish_picture(
            make_picture(
                t,
                [11, 12],
                [48.86, 48.95],
                [2.29 + 0.01 * t, 2.6],
                alt_m=[3000.0, 900.0],
                vel=[(150.0, 0.0), (0.0, 80.0)],
                ident=[icao, -1],
                names={icao: "AFR1234"},
                sensors=0b11,
            )
        )
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='2']", timeout=20_000)
    pg.page.wait_for_timeout(300)  # the symbol layer is placed after the data arrives
    x, y = screen_xy(pg.page, 11)
    pg.page.mouse.click(x, y)
    pg.page.wait_for_selector("#track-panel:not([hidden])", timeout=5_000)
    assert pg.page.locator("#tp-title").inner_text() == "AFR1234"
    fields = pg.page.locator("#tp-fields").inner_text()
    assert "39c4a7" in fields and "aircraft 90%" in fields and "TMA1, SITE1" in fields and "3000 m" in fields
    assert pg.page.evaluate("window.airpicture.selected") == 11
    pg.page.click("#tp-close")
    pg.page.wait_for_selector("#track-panel[hidden]", state="attached", timeout=5_000)
    assert pg.errors == []


def test_alert_appears_and_is_acknowledged(server: Server, browser) -> None:
    server.state.publish_picture(make_picture(0, [5], [48.86], [2.29], alt_m=80.0, cls=2))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='1']", timeout=20_000)
    server.state.publish_alerts(
        [
            Alert(
                0.0,
                "AP-1",
                5,
                "site-A core",
                "zone_entry",
                "raised",
                48.86,
                2.29,
                80.0,
                "",
                "drone",
                "entered",
            )
        ]
    )
    item = pg.page.locator("#alerts li[data-alert='AP-1']")
    item.wait_for(timeout=5_000)
    assert "zone entry" in item.inner_text().lower() and pg.page.locator("#alert-count").inner_text() == "1"
    item.locator("button.al-ack").click()
    wait_for(lambda: server.state.alert_list()[0]["acknowledged"])
    pg.page.wait_for_selector("#alerts li.acked[data-alert='AP-1']", timeout=5_000)
    assert pg.page.locator("#alert-count").inner_text() == "0"
    assert pg.errors == []


HOSTILE = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '"><svg onload="window.__xss=3">',
]


def test_hostile_text_from_the_air_renders_as_text(server: Server, browser) -> None:
    rid = remoteid_ident("EVIL-1")
    icao = icao_ident("abcdef")
    server.state.publish_picture(
        make_picture(
            0,
            [1, 2],
            [48.86, 48.9],
            [2.29, 2.35],
            cls=[2, 1],
            ident=[rid, icao],
            names={rid: HOSTILE[0], icao: HOSTILE[1]},
        )
    )
    server.state.publish_alerts(
        [
            Alert(
                0.0,
                "AP-9",
                1,
                HOSTILE[2],
                "zone_entry",
                "raised",
                48.86,
                2.29,
                50.0,
                HOSTILE[0],
                "drone",
                f"operator id {HOSTILE[1]}",
            )
        ]
    )
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='2']", timeout=20_000)
    pg.page.evaluate("window.airpicture.select(1)")
    pg.page.wait_for_selector("#track-panel:not([hidden])")
    assert pg.page.locator("#tp-title").text_content() == HOSTILE[0]
    li = pg.page.locator("#alerts li[data-alert='AP-9']")
    li.wait_for()
    text = li.text_content()
    assert HOSTILE[0] in text and HOSTILE[1] in text and HOSTILE[2] in text
    n = pg.page.evaluate(
        "document.querySelectorAll('#alerts img, #alerts svg, #alerts script, #track-panel img').length"
    )
    assert n == 0
    pg.page.evaluate("window.airpicture.select(2)")
    pg.page.wait_for_function("() => document.getElementById('tp-title').textContent.includes('script')")
    assert pg.page.locator("#tp-title").text_content() == HOSTILE[1]
    pg.page.wait_for_timeout(300)
    assert pg.page.evaluate("window.__xss === undefined")
    assert pg.errors == []


def test_replay_seek_pause_and_speed_from_the_page(server: Server, browser) -> None:
    tl = Timeline()
    for t in range(120):
        tl.add_frame(Frame.from_picture(grid_picture(float(t), 10, seed=3)))
    tl.finish()
    player = Player(server.state, tl, speed=1.0)
    player.command("pause")
    player.seek(0.0)
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("#replay:not([hidden])", timeout=20_000)
    assert pg.page.locator("#rp-play").inner_text() == "Play"
    pg.page.evaluate(
        """() => { const s = document.getElementById('rp-slider'); s.value = '75';
            s.dispatchEvent(new Event('change')); }"""
    )
    wait_for(lambda: player.t == 75.0)
    clock = "() => document.getElementById('clock').textContent === '00:01:15Z'"
    pg.page.wait_for_function(clock, timeout=5_000)
    pg.page.select_option("#rp-speed", "5")
    wait_for(lambda: player.speed == 5.0)
    pg.page.click("#rp-play")
    wait_for(lambda: not player.paused)
    assert pg.errors == []


@pytest.mark.slow
def test_paris_scenario_in_the_console_shows_aircraft_and_a_drone_alert(server: Server, browser) -> None:
    from airpicture.cli.console import scenario_state, track_into
    from airpicture.cli.warm import ensure_compiled
    from airpicture.sources.scenario import load_scenario

    ensure_compiled()  # a cold numba cache compiles here, before any deadline starts
    scn = load_scenario(BUNDLED)
    base = scenario_state(scn)  # sensors, zones and site of the scenario into the served state
    server.state.sites, server.state.zones, server.state.site = base.sites, base.zones, base.site
    tl = Timeline(scn.start_s, scn.end_s)
    stop = threading.Event()
    th = threading.Thread(target=track_into, args=(scn, tl, stop), daemon=True)
    th.start()
    try:
        wait_for(lambda: tl.available_s >= scn.start_s + 700, timeout=120)
        player = Player(server.state, tl, speed=1.0)
        player.command("pause")
        player.seek(scn.start_s + 690)  # the loitering drone is inside the zone
        pg = browser()
        pg.page.goto(server.url)
        pg.page.wait_for_function("() => Number(document.body.dataset.tracks) >= 10", timeout=20_000)
        pg.page.wait_for_selector("#alerts li.raised, #alerts li.updated", timeout=10_000)
        alerts = pg.page.locator("#alerts").inner_text().lower()
        assert "drone" in alerts and "zone entry" in alerts
        assert pg.page.locator("#sensors tbody tr").count() == 3
        pg.page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.page.screenshot(path=str(ARTIFACTS / "console-paris.png"))
        assert pg.errors == []
    finally:
        stop.set()
        th.join(timeout=30)
    assert json.loads(server.state.snapshot().text)["zones"][0]["name"] == "site-A core"


def test_a_stale_sensor_is_not_shown_live(server: Server, browser) -> None:
    """Issue 13, defect 3: the page said "live" while a sensor had stopped delivering."""
    from airpicture.types import SourceStats

    server.state.publish_picture(grid_picture(0, 5))
    pg = browser()
    pg.page.goto(server.url)
    pg.page.wait_for_selector("body[data-tracks='5']", timeout=20_000)
    assert pg.page.locator("#conn").inner_text() == "live"
    server.state.publish_stats([SourceStats("TMA1", "radar", 100, 0.0, 0.0, "stale", silent_s=12.4)])
    pg.page.wait_for_function(
        "() => document.getElementById('conn').textContent === 'stale: TMA1'", timeout=5_000
    )
    row = pg.page.locator("#sensors tbody tr", has_text="TMA1").inner_text()
    assert "stale" in row and "12 s" in row
    server.state.publish_stats([SourceStats("TMA1", "radar", 130, 12.0, 1.0, "connected", silent_s=0.2)])
    pg.page.wait_for_function("() => document.getElementById('conn').textContent === 'live'", timeout=5_000)
    assert pg.errors == []


def test_the_about_page_says_what_to_expect_on_a_site_like_yours(server: Server, browser) -> None:
    """From the map, the brand opens the about page: the published campaign's figures, and the
    same figures by the site's radars (what a site like the user's should expect), in the browser
    with nothing blocked by the page's policy and no script error."""
    from airpicture.sinks.web.about import published

    by = published()["by_site_radars"]
    pg = browser()
    pg.page.goto(server.url)
    pg.page.click("a.brand")
    pg.page.wait_for_selector("#by-site-radars")
    assert pg.page.url.endswith("/about")
    rows = pg.page.eval_on_selector_all("#by-site-radars tr", "rs => rs.map(r => r.innerText)")
    assert len(rows) == 1 + len(by)  # the header, then a row per group
    assert [r.split("\t")[0] for r in rows[1:]] == list(by)
    assert pg.page.locator("#campaign tr").count() == 8  # the seven goals and the header
    assert pg.errors == []
