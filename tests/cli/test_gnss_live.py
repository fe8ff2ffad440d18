"""The live paths: a real replay server plays the bundled Paris trajectories with a GNSS jammer on
the site (encoded by `airpicture sim --modes-out`) as a receiver would; `airpicture console
--beast` shows the jammed cells in /api/gnss and raises the site's alert, and `airpicture run
--beast` prints the alert and writes the map."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_console_live import free_port, get

from airpicture.cli.main import main

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
CMD = [sys.executable, "-m", "airpicture"]


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gnss_live") / "jammed.bin"
    args = [
        "sim",
        "--from-scenario",
        str(PARIS),
        "--modes-out",
        str(out),
        "--jammer",
        "48.86,2.29,25,120,1500",
    ]
    assert main(args) == 0
    return out


def stop(*procs: subprocess.Popen[bytes] | None) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()


def serve(frames: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CMD, "replay", "--serve-beast", str(port), str(frames), "--speed", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def test_the_live_console_maps_the_jammer_and_alerts(frames: Path) -> None:
    feed, web = free_port(), free_port()
    server, console = serve(frames, feed), None
    try:
        time.sleep(1.5)
        console = subprocess.Popen([*CMD, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "48.86",
                                    "--lon", "2.29", "--port", str(web)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        alerts: list[dict[str, object]] = []
        cells: list[dict[str, object]] = []
        deadline = time.time() + 150  # a cold numba cache compiles the tracker first
        while time.time() < deadline and not (alerts and any(c["interference"] for c in cells)):
            time.sleep(1.0)
            try:
                got = get(f"http://127.0.0.1:{web}/api/alerts")
                fc = get(f"http://127.0.0.1:{web}/api/gnss")
            except OSError:
                continue
            assert isinstance(got, list) and isinstance(fc, dict)
            alerts = [a for a in got if a["kind"] == "gnss_interference"]
            cells = [f["properties"] for f in fc["features"]]
        assert alerts, "no GNSS alert reached the live console"
        assert alerts[0]["track"] == -1 and "GNSS interference" in str(alerts[0]["message"])
        sensors = get(f"http://127.0.0.1:{web}/api/sensors")
        assert isinstance(sensors, list)
        assert any(s["name"] == "gnss map" and s["messages"] > 0 for s in sensors)
        lit = [c for c in cells if c["interference"]]
        assert lit and {"h3", "start_s", "end_s", "aircraft", "degraded", "share"} <= lit[0].keys()
    finally:
        stop(console, server)


def test_run_prints_the_alert_and_writes_the_map(frames: Path, tmp_path: Path) -> None:
    feed = free_port()
    server = serve(frames, feed)
    out = tmp_path / "live.geojson"
    try:
        time.sleep(1.5)
        run = subprocess.run([*CMD, "run", "--beast", f"127.0.0.1:{feed}", "--lat", "48.86", "--lon", "2.29",
                              "--duration", "20", "--stats-every", "60", "--gnss", str(out)],
                             capture_output=True, text=True, timeout=90)  # fmt: skip
    finally:
        stop(server)
    assert run.returncode == 0, run.stderr
    assert "gnss_interference raised: Probable GNSS interference near the site" in run.stderr
    assert "GNSS map: " in run.stderr and "gnss: no rejects" in run.stderr
    feats = json.loads(out.read_text())["features"]
    assert any(f["properties"]["interference"] for f in feats)
