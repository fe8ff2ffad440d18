"""A silent sensor does not look live (issue 13, defect 3). The receiver (a real replay server) is
stopped with SIGSTOP: its connection stays open and nothing comes. The console's health degrades,
the sensor shows stale with its silence, a "sensor_stale" alert is raised, and its tracks coast and
go; after SIGCONT the alert is cleared and the health is ok again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


def wait_for(what: Callable[[], Any], timeout: float, why: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = what()
        except OSError:
            last = None
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"{why}: not within {timeout} s (last: {last})")


def test_a_stopped_receiver_is_shown_stale_alerted_and_its_tracks_go() -> None:
    feed, web = free_port(), free_port()
    py = [sys.executable, "-m", "airpicture"]
    env = {**os.environ, "AIRPICTURE_FEEDS__STALE_S": "2", "AIRPICTURE_CONSOLE__PUBLISH_S": "0.5",
           "AIRPICTURE_TRACK__MAX_COAST_S": "6"}  # fmt: skip
    server = subprocess.Popen([*py, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "20"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    console = None
    try:
        assert server.stderr is not None
        server.stderr.readline()  # "serving ..." once it listens
        console = subprocess.Popen([*py, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097",
                                    "--lon", "2.5479", "--port", str(web)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        api = f"http://127.0.0.1:{web}/api"
        wait_for(lambda: get(f"{api}/tracks"), 60, "a track from the feed")
        assert get(f"{api}/health")["status"] == "ok"

        server.send_signal(signal.SIGSTOP)  # the receiver hangs; its socket stays open
        t0 = time.monotonic()
        health = wait_for(
            lambda: (h := get(f"{api}/health"))["status"] == "degraded" and h, 6, "health degraded"
        )
        took = time.monotonic() - t0
        (sensor,) = [s for s in get(f"{api}/sensors") if s["name"] != "gnss map"]  # the feed
        assert health["stale_sensors"] == [sensor["name"]] and sensor["status"] == "stale"
        assert sensor["silent_s"] >= 2 and sensor["rate_per_s"] < 1
        (alert,) = [a for a in get(f"{api}/alerts") if a["kind"] == "sensor_stale"]
        assert alert["state"] == "raised" and alert["identity"] == sensor["name"]
        wait_for(lambda: get(f"{api}/tracks") == [], 30, "the silent sensor's tracks expire")

        server.send_signal(signal.SIGCONT)
        wait_for(lambda: get(f"{api}/health")["status"] == "ok", 15, "health ok again")
        (alert,) = [a for a in get(f"{api}/alerts") if a["kind"] == "sensor_stale"]
        assert alert["state"] == "cleared" and "back" in alert["message"]
        assert 2 <= took < 6
    finally:
        for p in (console, server):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if server.stderr is not None:
            server.stderr.close()
