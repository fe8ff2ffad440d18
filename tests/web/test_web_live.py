"""LiveState deltas, alerts and history; the hub's bounded queues; the replay player."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from web_helpers import make_picture, paris_state

from airpicture.sinks.web import Frame, LiveState, Player, Timeline
from airpicture.sinks.web.hub import Hub
from airpicture.sinks.web.live import Message
from airpicture.types import Alert, Rejects, SourceStats, icao_ident, remoteid_ident


def listen(state: LiveState) -> list[dict]:
    got: list[dict] = []
    state.subscribe(lambda m: got.append(json.loads(m.text)))
    return got


def test_first_picture_is_a_snapshot_then_deltas_carry_only_changes() -> None:
    state = paris_state()
    got = listen(state)
    state.publish_picture(make_picture(10, [1, 2, 3], [48.8, 48.9, 49.0], [2.1, 2.2, 2.3]))
    assert got[0]["type"] == "snapshot" and got[0]["tracks"]["id"] == [1, 2, 3]
    # 1 moves, 2 stays, 3 is gone, 4 is new.
    state.publish_picture(make_picture(11, [4, 2, 1], [48.7, 48.9, 48.81], [2.0, 2.2, 2.1]))
    d = got[1]
    assert d["type"] == "delta" and d["seq"] == 2 and d["time"] == 11
    assert sorted(d["upd"]["id"]) == [1, 4]
    assert d["del"] == [3]
    assert set(d["upd"]) >= {"id", "lat", "lon", "alt", "hdg", "spd", "cls", "p", "lbl", "idn", "sen", "itg"}


def test_heading_speed_and_labels_come_from_the_picture() -> None:
    icao = icao_ident("39c4a7")
    rid = remoteid_ident("1581F5FJD239C00DW22E")
    p = make_picture(
        0,
        [7, 8, 9],
        [48.8, 48.8, 48.8],
        [2.0, 2.1, 2.2],
        vel=[(100.0, 0.0), (0.0, -50.0), (3.0, 4.0)],
        ident=[icao, rid, -1],
        names={icao: "AFR123", rid: "1581F5FJD239C00DW22E"},
    )
    f = Frame.from_picture(p)
    np.testing.assert_allclose(f.heading_deg, [90.0, 180.0, np.degrees(np.arctan2(3, 4))])
    np.testing.assert_allclose(f.speed_mps, [100.0, 50.0, 5.0])
    assert f.label == ("AFR123", "1581F5FJD239C00DW22E", "")
    assert f.ident[0] == "39c4a7" and f.ident[1].startswith("rid:") and f.ident[2] == ""


def test_rows_are_sorted_and_nan_becomes_null() -> None:
    p = make_picture(0, [5, 2], [48.8, float("nan")], [2.0, 2.1], alt_m=[float("nan"), 100.0])
    cols = Frame.from_picture(p).columns()
    assert cols["id"] == [2, 5]
    assert cols["lat"] == [None, 48.8] and cols["alt"] == [100.0, None]
    json.dumps(cols, allow_nan=False)


def _alert(aid: str, state: str, t: float = 0.0, track: int = 1) -> Alert:
    return Alert(
        t, aid, track, "site-A core", "zone_entry", state, 48.86, 2.29, 100.0, "rid:x", "drone", "in zone"
    )


def test_alerts_keep_latest_state_and_acknowledgement() -> None:
    state = paris_state()
    state.publish_alerts([_alert("a1", "raised"), _alert("a2", "raised")])
    state.publish_alerts([_alert("a1", "updated", 5.0)])
    assert [(a["alert"], a["state"]) for a in state.alert_list()] == [("a2", "raised"), ("a1", "updated")]
    assert state.acknowledge("a1")["acknowledged"] is True
    assert state.acknowledge("nope") is None
    state.publish_alerts([_alert("a1", "cleared", 9.0)])
    a1 = next(a for a in state.alert_list() if a["alert"] == "a1")
    assert a1["state"] == "cleared" and a1["acknowledged"] is True


def test_alert_list_is_bounded_forgetting_cleared_first() -> None:
    state = LiveState(max_alerts=3)
    state.publish_alerts([_alert("c", "cleared"), _alert("r1", "raised"), _alert("r2", "raised")])
    state.publish_alerts([_alert("r3", "raised")])
    assert [a["alert"] for a in state.alert_list()] == ["r1", "r2", "r3"]


def test_track_history_and_sensor_names() -> None:
    state = paris_state()
    for t in range(5):
        state.publish_picture(make_picture(t, [1, 2], [48.8 + t * 0.01, 49.0], [2.0, 2.0], sensors=0b11))
    state.publish_picture(make_picture(5, [2], [49.0], [2.0], sensors=0b10))
    row = state.track(1)
    assert row is None  # track 1 is gone from the current picture
    row = state.track(2)
    assert row is not None
    assert row["history"]["t"] == [0, 1, 2, 3, 4, 5]
    assert row["sensor_names"] == ["SITE1"]


def test_stats_show_rates_and_rejects() -> None:
    state = paris_state()
    rej = Rejects("TMA1")
    rej.add("crc", 3)
    state.publish_stats([SourceStats("TMA1", "radar", 100, 25.0, 12.0, "running", 0, rej)])
    s = {x["name"]: x for x in state.sensor_list()}
    assert s["TMA1"]["rejects"] == {"crc": 3} and s["TMA1"]["rate_per_s"] == 25.0
    assert s["SITE1"]["status"] == "unknown"


def test_slow_client_loses_oldest_counts_it_and_resyncs_with_a_snapshot() -> None:
    async def scenario() -> None:
        state = paris_state()
        hub = Hub(state, queue_size=4)
        hub.start(asyncio.get_running_loop())
        fast, slow = hub.connect(), hub.connect()
        assert json.loads(await hub.next_text(fast))["type"] == "snapshot"
        assert json.loads(await hub.next_text(slow))["type"] == "snapshot"
        for t in range(10):
            state.publish_picture(make_picture(t, [1, 2], [48.8 + t * 0.01, 49.0], [2.0, 2.0]))
            await asyncio.sleep(0)  # the hub posts from the loop
            json.loads(await hub.next_text(fast))  # the fast client keeps up
        await asyncio.sleep(0.01)
        assert slow.dropped == 6 and hub.dropped == 6 and fast.dropped == 0
        msg = json.loads(await hub.next_text(slow))
        assert msg["type"] == "snapshot" and msg["time"] == 9 and msg["seq"] == state.seq
        state.publish_picture(make_picture(10, [1], [49.5], [2.0]))
        await asyncio.sleep(0.01)
        nxt = json.loads(await hub.next_text(slow))
        assert nxt["type"] == "delta" and nxt["del"] == [2] and nxt["seq"] == state.seq
        hub.stop()

    asyncio.run(scenario())


def test_hub_skips_deltas_already_in_the_snapshot() -> None:
    async def scenario() -> None:
        state = paris_state()
        hub = Hub(state, queue_size=8)
        hub.start(asyncio.get_running_loop())
        c = hub.connect()
        state.publish_picture(make_picture(0, [1], [48.8], [2.0]))
        state.publish_picture(make_picture(1, [1], [48.9], [2.0]))
        await asyncio.sleep(0.01)  # both deltas are queued, and the snapshot will contain them
        snap = json.loads(await hub.next_text(c))
        assert snap["type"] == "snapshot" and snap["seq"] == 2
        c.queue.append(Message("alerts", 2, '{"type":"alerts"}'))
        assert json.loads(await hub.next_text(c))["type"] == "alerts"
        hub.stop()

    asyncio.run(scenario())


def _timeline(n: int = 30) -> Timeline:
    tl = Timeline()
    for t in range(n):
        tl.add_frame(Frame.from_picture(make_picture(100 + t, [1], [48.8 + t * 0.001], [2.0])))
    tl.add_alerts(
        [_alert("a1", "raised", 110.0), _alert("a1", "cleared", 120.0), _alert("a2", "raised", 115.0)]
    )
    tl.finish()
    return tl


def test_player_plays_at_speed_pauses_and_seeks() -> None:
    state = paris_state()
    player = Player(state, _timeline(), speed=10.0)
    player.step(0.05)  # 0.5 s of replay: the first frame
    assert state.frame is not None and state.frame.time_s == 100
    player.step(1.0)  # 10 s more
    assert state.frame.time_s == 110 and player.t == 110.5
    assert [a["alert"] for a in state.alert_list()] == ["a1"]
    player.command("pause")
    player.step(1.0)
    assert player.t == 110.5
    player.command("seek", t=117.2)
    assert state.frame.time_s == 117 and len(state.history) == 18
    assert {a["alert"]: a["state"] for a in state.alert_list()} == {"a1": "raised", "a2": "raised"}
    player.command("seek", t=125)
    assert {a["alert"]: a["state"] for a in state.alert_list()} == {"a1": "cleared", "a2": "raised"}
    player.command("speed", speed=2.0)
    assert player.status()["speed"] == 2.0 and player.status()["paused"] is True


def test_player_loops_at_the_end() -> None:
    state = paris_state()
    player = Player(state, _timeline(5), speed=100.0, loop=True)
    player.step(0.01)
    player.step(1.0)
    assert player.t == 100 and state.frame is not None and state.frame.time_s == 100
