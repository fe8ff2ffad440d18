"""REST, websocket and access rules through the ASGI test client."""

from __future__ import annotations

import warnings

import pytest
from starlette.websockets import WebSocketDisconnect
from web_helpers import make_picture, paris_state

with warnings.catch_warnings():
    # Starlette 1.x would rather have the `httpx2` fork; the pinned httpx works the same for tests.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from airpicture.errors import ConfigError
from airpicture.sinks.web import Frame, Player, Timeline, create_app
from airpicture.sinks.web.security import check_bind
from airpicture.types import Alert, icao_ident

LOCAL = ("127.0.0.1", 50000)
REMOTE = ("192.0.2.7", 50000)  # TEST-NET address: only a label for the test client, nothing is sent
TOKEN = "s3cret"
WS = "ws://127.0.0.1:8080/ws"
ZONE = {
    "name": "pad",
    "kind": "circle",
    "lat": 48.85,
    "lon": 2.3,
    "radius_m": 300,
    "floor_m": 0,
    "ceiling_m": 150,
}


def client(
    state=None, token=TOKEN, loopback_only=True, peer=LOCAL, base="http://127.0.0.1:8080"
) -> TestClient:
    app = create_app(state or paris_state(), token=token, loopback_only=loopback_only)
    return TestClient(app, base_url=base, client=peer)


def test_tracks_list_and_one_track_with_history() -> None:
    state = paris_state()
    icao = icao_ident("39c4a7")
    for t in range(3):
        state.publish_picture(
            make_picture(
                t, [4, 9], [48.8, 48.9 + t * 0.01], [2.0, 2.1], vel=[(0, 10), (100, 0)], ident=[-1, icao]
            )
        )
    with client(state) as c:
        rows = c.get("/api/tracks").json()
        assert [r["track"] for r in rows] == [4, 9]
        assert rows[1]["ident"] == "39c4a7" and rows[1]["label"] == "39c4a7" and rows[1]["heading_deg"] == 90
        assert rows[0]["class_name"] == "aircraft"
        one = c.get("/api/tracks/9").json()
        assert one["history"]["t"] == [0, 1, 2] and one["sensor_names"] == ["TMA1"]
        assert c.get("/api/tracks/5").status_code == 404


def test_alerts_list_filter_and_acknowledge() -> None:
    state = paris_state()
    a = Alert(
        5.0,
        "a1",
        3,
        "site-A core",
        "zone_entry",
        "raised",
        48.86,
        2.29,
        90.0,
        "rid:1",
        "drone",
        "in",
        {"d_m": 12.5},
    )
    b = Alert(6.0, "a2", 4, "site-A core", "loitering", "cleared", 48.86, 2.29, 90.0, "", "drone", "gone")
    state.publish_alerts([a, b])
    with client(state) as c:
        assert [x["alert"] for x in c.get("/api/alerts").json()] == ["a1", "a2"]
        assert [x["alert"] for x in c.get("/api/alerts?active=true").json()] == ["a1"]
        r = c.post("/api/alerts/a1/ack")
        assert (
            r.status_code == 200
            and r.json()["acknowledged"] is True
            and r.json()["evidence"] == {"d_m": 12.5}
        )
        assert c.post("/api/alerts/zz/ack").status_code == 404
        assert c.get("/api/metrics").json()["alerts_unacknowledged"] == 0


def test_health_metrics_sensors_and_openapi() -> None:
    with client() as c:
        assert c.get("/api/health").json()["status"] == "waiting"
        c.app.state.live.publish_picture(make_picture(1, [1], [48.8], [2.0]))  # type: ignore[attr-defined]
        h = c.get("/api/health").json()
        assert h["status"] == "ok" and h["tracks"] == 1
        assert [s["name"] for s in c.get("/api/sensors").json()] == ["TMA1", "SITE1"]
        assert "airpicture_console_pictures 1" in c.get("/metrics").text
        spec = c.get("/openapi.json").json()
        paths = spec["paths"]
        for p in (
            "/api/tracks",
            "/api/tracks/{track_id}",
            "/api/alerts",
            "/api/alerts/{alert_id}/ack",
            "/api/sensors",
            "/api/zones",
            "/api/zones/{name}",
            "/api/health",
            "/api/metrics",
            "/api/replay",
        ):
            assert p in paths, p
        ok = paths["/api/tracks/{track_id}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        assert ok == {"$ref": "#/components/schemas/TrackDetail"}
        assert set(spec["components"]["schemas"]["Track"]["properties"]) >= {
            "track",
            "lat",
            "heading_deg",
            "label",
        }


def test_security_headers_on_page_api_and_static() -> None:
    with client() as c:
        for path in ("/", "/api/health", "/static/app.js", "/static/basemap/countries-50m.geojson"):
            r = c.get(path)
            assert r.status_code == 200, path
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "frame-ancestors 'none'" in csp
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
        page = c.get("/").text
        assert "<script>" not in page and '<script type="module" src="/static/app.js">' in page


def test_basemap_is_served_gzipped_from_the_package() -> None:
    with client() as c:
        r = c.get("/static/basemap/countries-50m.geojson")
        assert r.headers["content-encoding"] == "gzip"
        fc = r.json()
        assert fc["type"] == "FeatureCollection" and any(
            f["properties"]["name"] == "France" for f in fc["features"]
        )


def test_a_sites_own_basemap_extract_is_served_before_the_bundled_one(tmp_path) -> None:
    import gzip
    import json

    road = {"type": "Feature", "properties": {"kind": "road", "rank": 3},
            "geometry": {"type": "LineString", "coordinates": [[5.0, 45.0], [5.1, 45.1]]}}  # fmt: skip
    fc = {"type": "FeatureCollection", "features": [road]}
    (tmp_path / "region.geojson.gz").write_bytes(gzip.compress(json.dumps(fc).encode()))
    state = paris_state()
    with client(state) as c:
        bundled = c.get("/static/basemap/region.geojson").json()
        assert {f["properties"]["kind"] for f in bundled["features"]} >= {"river", "runway"}
        state.basemap_dir = str(tmp_path)
        r = c.get("/static/basemap/region.geojson")
        assert r.headers["content-encoding"] == "gzip" and r.json() == fc
        # a layer the site did not build is the bundled one
        places = c.get("/static/basemap/places.geojson").json()
        assert any(f["properties"]["name"] == "Paris" for f in places["features"])
        assert c.get("/static/basemap/nothing.geojson").status_code == 404


def test_the_csp_names_the_tile_origin_only_when_tiles_are_configured() -> None:
    state = paris_state()
    with client(state) as c:
        assert "127.0.0.1:9999" not in c.get("/").headers["content-security-policy"]
        state.display = {**state.display, "tiles": {"url": "http://127.0.0.1:9999/{z}/{x}/{y}.png"}}
        csp = c.get("/").headers["content-security-policy"]
        assert (
            "img-src 'self' http://127.0.0.1:9999 " in csp
            and "connect-src 'self' http://127.0.0.1:9999;" in csp
        )


def test_remote_requests_need_the_token() -> None:
    with client(loopback_only=False, peer=REMOTE, base="http://console.example:8080") as c:
        assert c.get("/api/tracks").status_code == 401
        assert c.get("/api/tracks", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/tracks", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        assert c.get("/api/tracks").status_code == 200  # the cookie now carries it
    with client(token=None, loopback_only=False, peer=REMOTE, base="http://console.example:8080") as c:
        assert c.get("/api/tracks").status_code == 403


def test_loopback_server_refuses_foreign_host_headers() -> None:
    with client() as c:
        assert c.get("/api/health", headers={"Host": "evil.example"}).status_code == 421
        assert c.get("/api/health", headers={"Host": "localhost:8080"}).status_code == 200


def test_binding_off_loopback_needs_a_token() -> None:
    with pytest.raises(ConfigError):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", "t")
    check_bind("127.0.0.1", None)
    check_bind("::1", None)


def test_zone_changes_always_need_the_token() -> None:
    with client() as c:
        assert c.post("/api/zones", json=ZONE).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert c.post("/api/zones", json=ZONE, headers=auth).status_code == 201
        assert c.post("/api/zones", json=ZONE, headers=auth).status_code == 409
        assert c.post("/api/zones", json={**ZONE, "name": "x", "lat": 123}, headers=auth).status_code == 422
        assert c.put("/api/zones/pad", json={**ZONE, "radius_m": 500}, headers=auth).status_code == 200
        assert {z["name"]: z["radius_m"] for z in c.get("/api/zones").json()}["pad"] == 500
        assert c.delete("/api/zones/pad").status_code == 401
        assert c.delete("/api/zones/pad", headers=auth).status_code == 204
        assert "pad" not in {z["name"] for z in c.get("/api/zones").json()}
    with client(token=None) as c:
        assert c.post("/api/zones", json=ZONE).status_code == 403


def test_websocket_snapshot_deltas_and_commands() -> None:
    state = paris_state()
    state.publish_picture(make_picture(0, [1, 2], [48.8, 48.9], [2.0, 2.1]))
    state.publish_alerts([Alert(0.0, "a1", 1, "z", "zone_entry", "raised", 48.8, 2.0, 50.0)])
    with client(state) as c, c.websocket_connect(WS) as ws:
        snap = ws.receive_json()
        assert (
            snap["type"] == "snapshot"
            and snap["tracks"]["id"] == [1, 2]
            and snap["alerts"][0]["alert"] == "a1"
        )
        state.publish_picture(make_picture(1, [2, 3], [48.95, 49.0], [2.1, 2.2]))
        d = ws.receive_json()
        assert d["type"] == "delta" and sorted(d["upd"]["id"]) == [2, 3] and d["del"] == [1]
        ws.send_json({"cmd": "ack", "alert": "a1"})
        msg = ws.receive_json()
        assert msg["type"] == "alerts" and msg["alerts"][0]["acknowledged"] is True
        ws.send_text("not json")  # ignored, the connection stays
        ws.send_json({"cmd": "ack", "alert": "a1"})
        assert ws.receive_json()["type"] == "alerts"


def test_changes_from_another_sites_page_are_refused() -> None:
    state = paris_state()
    state.publish_alerts([Alert(0.0, "a1", 1, "z", "zone_entry", "raised", 48.8, 2.0, 50.0)])
    with client(state) as c:
        assert c.post("/api/alerts/a1/ack", headers={"Origin": "http://evil.example"}).status_code == 403
        assert state.alert_list()[0]["acknowledged"] is False
        assert c.get("/api/alerts", headers={"Origin": "http://evil.example"}).status_code == 200
        assert c.post("/api/alerts/a1/ack", headers={"Origin": "http://127.0.0.1:8080"}).status_code == 200


def test_websocket_from_another_origin_is_refused() -> None:
    with client() as c:
        with (
            pytest.raises(WebSocketDisconnect),
            c.websocket_connect(WS, headers={"Origin": "http://evil.example"}) as ws,
        ):
            ws.receive_json()
        with c.websocket_connect(WS, headers={"Origin": "http://127.0.0.1:8080"}) as ws:
            assert ws.receive_json()["type"] == "snapshot"


def test_replay_control_over_rest_and_websocket() -> None:
    state = paris_state()
    tl = Timeline()
    for t in range(60):
        tl.add_frame(Frame.from_picture(make_picture(1000 + t, [1], [48.8], [2.0 + t * 0.001])))
    tl.finish()
    Player(state, tl, speed=1.0)
    with client(state) as c:
        st = c.get("/api/replay").json()
        assert st["start_s"] == 1000 and st["end_s"] == 1059 and st["paused"] is False
        st = c.post("/api/replay", json={"action": "seek", "t": 1030}).json()
        assert st["t"] == 1030 and state.frame is not None and state.frame.time_s == 1030
        assert c.post("/api/replay", json={"action": "speed", "speed": 0}).status_code == 422
        with c.websocket_connect(WS) as ws:
            assert ws.receive_json()["replay"]["t"] == 1030
            ws.send_json({"cmd": "pause"})
            assert ws.receive_json() == {"type": "replay", "seq": state.seq, "replay": state.replay.status()}
            ws.send_json({"cmd": "seek", "t": 1010})
            msgs = [ws.receive_json() for _ in range(3)]
            assert [m["type"] for m in msgs] == ["snapshot", "alerts", "replay"]
            assert msgs[0]["time"] == 1010 and msgs[2]["replay"]["paused"] is True
    with client() as c:
        assert c.get("/api/replay").status_code == 404


def test_a_looping_replay_starts_each_pass_without_the_last_ones_alerts() -> None:
    """The timeline starts before its first frame (a scenario's start): looping back there must
    drop the alerts of the pass that ended, not keep them while the next pass raises the same ids."""
    state = paris_state()
    tl = Timeline(start_s=995.0, end_s=1030.0)
    for t in range(1000, 1031):
        tl.add_frame(Frame.from_picture(make_picture(t, [1], [48.8], [2.0 + t * 0.0001])))
    tl.add_alerts(
        [Alert(1010.0, "AP-000001", 1, "", "uncooperative", "raised", 48.8, 2.1, 100.0, "drone", "raised")]
    )
    tl.finish()
    player = Player(state, tl, speed=1.0, loop=True)
    player.step(20.0)  # to 1015: the alert is up
    assert list(state.alerts) == ["AP-000001"]
    player.step(20.0)  # past the end: back to 995, before any frame and any alert
    assert player.t == 995.0 and not state.alerts
    player.step(20.0)  # the next pass raises it again, once
    assert list(state.alerts) == ["AP-000001"]


def test_the_about_page_publishes_the_campaign() -> None:
    """The about page shows the bundled campaign's figures (airpicture/data/campaign.json, the
    summary.json of `airpicture eval campaign`), escaped, with the command that reproduces them."""
    from airpicture.sinks.web.about import about_html, published

    s = published()
    for key in ("runs", "events", "recall", "latency_median_s", "latency_p90_s", "false_per_site_hour",
                "class_acc", "class_flips_per_track_hour"):  # fmt: skip
        assert key in s
    assert s["runs"] >= 200 and s["duration_s"] >= 1800 and s["runs_failed"] == 0
    with client() as c:
        r = c.get("/about")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = r.text
    assert f'<b id="runs">{s["runs"]}</b>' in page
    assert f"<td>{s['recall']:g}</td>" in page and f"<td>{s['false_per_site_hour']:g}</td>" in page
    assert "airpicture eval campaign --runs=" in page
    # what to expect on a site like the user's: the figures by site radars, each group a row
    assert s["by_site_radars"] and '<table id="by-site-radars">' in page
    for k, v in s["by_site_radars"].items():
        assert f"<tr><td>{k}</td><td>{v['runs']}</td><td>{v['recall']:g}</td>" in page
        assert f"<td>{v['false_per_site_hour']:g}</td>" in page
    # the spoofed ghosts: how many were flagged, overall and where a long-range radar reaches them
    g = s["integrity"]
    far = g["by_radar"]["with a long-range radar"]
    ghosts = page[page.index('<p id="ghosts">') :].split("</p>")[0]
    assert f"{g['flagged']} of\n{g['ghosts_heard']} heard" in ghosts
    assert f"{far['flagged']} of {far['ghosts_heard']} where a long-range radar" in ghosts
    # zone entries apart from drones first seen inside the zone, which cannot be warned beforehand
    flew = s["zone_by_origin"]["entered"]
    origin = page[page.index('<p id="zone-origin">') :].split("</p>")[0]
    assert f"{flew['detected']} of\n{flew['events']} warned, a median {flew['median_s']:g} s after" in origin
    start = s["zone_by_origin"]["inside at start"]
    assert f"inside at start: {start['detected']} of {start['events']} warned, a median" in origin
    hostile = dict(s, seed="<script>alert(1)</script>")
    assert "<script>alert" not in about_html(hostile) and "&lt;script&gt;" in about_html(hostile)
    hostile = dict(s, by_site_radars={"<img src=x onerror=alert(1)>": {"runs": 1, "recall": 0.5}})
    assert "<img" not in about_html(hostile) and "&lt;img" in about_html(hostile)
