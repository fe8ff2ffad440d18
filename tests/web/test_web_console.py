"""`airpicture console` / `airpicture replay --console`: stored history into the console, CLI wiring."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from web_helpers import free_port, make_picture

from airpicture.cli.console import timeline_from_store
from airpicture.cli.main import main
from airpicture.sinks.store import open_store
from airpicture.sinks.web import LiveState, Player
from airpicture.types import Alert

T0 = 1_633_611_600.0


def _store(path: Path) -> None:
    with open_store(path) as st:
        st.write(
            pictures=[make_picture(T0 + t, [1, 2], [48.8 + t * 0.001, 48.9], [2.0, 2.1]) for t in range(20)],
            alerts=[
                Alert(T0 + 5, "A1", 1, "z", "zone_entry", "raised", 48.8, 2.0, 50.0, "", "drone", "in"),
                Alert(T0 + 12, "A1", 1, "z", "zone_entry", "cleared", 48.8, 2.0, 50.0, "", "drone", "out"),
            ],
        )


def test_stored_history_becomes_a_replay_timeline(tmp_path: Path) -> None:
    _store(tmp_path / "h.db")
    with open_store(tmp_path / "h.db") as st:
        tl = timeline_from_store(st)
    assert tl.complete and tl.times == [T0 + t for t in range(20)]
    assert [(a.time_s - T0, a.state) for a in tl.alerts] == [(5, "raised"), (12, "cleared")]
    state = LiveState()
    player = Player(state, tl)
    player.seek(T0 + 8)
    assert state.frame is not None and state.frame.time_s == T0 + 8
    assert [a["state"] for a in state.alert_list()] == ["raised"]


def test_track_history_comes_from_the_store_up_to_the_replay_time(tmp_path: Path) -> None:
    _store(tmp_path / "h.db")
    with open_store(tmp_path / "h.db") as st:
        tl = timeline_from_store(st)
        state = LiveState(history_frames=3)
        state.history_store = st
        Player(state, tl).seek(T0 + 10)
        h = state.track(1)["history"]  # type: ignore[index]
        assert h["t"] == [T0 + t for t in range(11)]  # all stored rows, none after the replay time
        assert h["lat"][-1] == round(48.8 + 10 * 0.001, 5)
        state.history_store = None
        assert state.track(1)["history"]["t"] == [T0 + 8, T0 + 9, T0 + 10]  # type: ignore[index]


def test_an_acknowledgement_is_recorded_in_the_store(tmp_path: Path) -> None:
    _store(tmp_path / "h.db")
    with open_store(tmp_path / "h.db") as st:
        state = LiveState()
        state.history_store = st
        Player(state, timeline_from_store(st)).seek(T0 + 8)
        assert state.acknowledge("A1") is not None
        (stored,) = st.alerts(latest_only=True)
        assert stored.alert.alert == "A1" and stored.acknowledged and stored.ack_by == "console"


def test_console_refuses_to_bind_off_loopback_without_a_token(tmp_path: Path, capsys) -> None:
    assert main(["console", "--host", "0.0.0.0", "--port", "0"]) == 1
    assert "--token" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "x.db"), "--console", "0", "--host", "0.0.0.0"]) == 1


def test_the_token_can_be_configured_in_the_environment(monkeypatch) -> None:
    from airpicture.cli.main import build_parser

    monkeypatch.setenv("AIRPICTURE_CONSOLE_TOKEN", "from-env")
    assert build_parser("console").parse_args(["console"]).token == "from-env"
    assert build_parser("console").parse_args(["console", "--token", "x"]).token == "x"
    assert build_parser("replay").parse_args(["replay", "h.db", "--console", "1"]).token == "from-env"


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_replay_console_serves_stored_history_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    _store(tmp_path / "h.db")
    port = free_port()
    cmd = [sys.executable, "-m", "airpicture", "replay", str(tmp_path / "h.db"), "--console", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        health: object = None
        while True:  # up, and the player has published its first picture
            try:
                health = _get(f"http://127.0.0.1:{port}/api/health")
                if health["status"] == "ok":  # type: ignore[index]
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError(f"console not ready: {health}")
            time.sleep(0.1)
        rp = _get(f"http://127.0.0.1:{port}/api/replay")
        assert rp["start_s"] == T0 and rp["end_s"] == T0 + 19  # type: ignore[index]
        assert [t["track"] for t in _get(f"http://127.0.0.1:{port}/api/tracks")] == [1, 2]  # type: ignore[union-attr]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    # Ctrl-C stops the server gracefully: exit 0, no traceback.
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert f"http://127.0.0.1:{port}/" in out


BUNDLED = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


def test_scenario_stats_count_what_each_sensor_delivered_by_replay_time() -> None:
    from airpicture.cli.console import ScenarioStats, scenario_state
    from airpicture.sources.scenario import load_scenario

    scn = load_scenario(BUNDLED)
    stats = ScenarioStats(scn)
    before = {s.name: s for s in stats(scn.start_s - 1)}
    assert before["SITE1"].messages == 0 and before["SITE1"].status == "idle"
    now = {s.name: s for s in stats(scn.start_s + 120)}
    for name in ("TMA1", "SITE1", "ADSB1"):
        assert now[name].messages > 0 and now[name].rate_per_s > 0 and now[name].status == "running"
        assert scn.start_s + 110 < now[name].last_message_s <= scn.start_s + 120
    assert now["plots.csv"].kind == "file" and now["plots.csv"].rejects is not None
    state = scenario_state(scn)
    state.publish_stats(stats(scn.start_s + 120))
    rows = {r["name"]: r for r in state.sensor_list()}
    assert rows["TMA1"]["lat"] == 48.75 and rows["TMA1"]["max_range_m"] == 120_000
    assert rows["plots.csv"]["lat"] is None
