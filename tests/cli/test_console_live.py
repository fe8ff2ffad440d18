"""`airpicture console --beast`: a real replay server stands in for a receiver; the console's REST
API then shows the aircraft of the recording, tracked, with its callsign."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


def test_live_console_shows_the_tracked_feed(tmp_path: Path) -> None:
    feed, web = free_port(), free_port()
    cmd = [sys.executable, "-m", "airpicture"]
    server = subprocess.Popen([*cmd, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "2000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    console = None
    try:
        time.sleep(1.5)
        console = subprocess.Popen([*cmd, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097",
                                    "--lon", "2.5479", "--port", str(web)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        tracks: list[dict[str, object]] = []
        deadline = time.time() + 60
        while time.time() < deadline and not tracks:
            time.sleep(1.0)
            try:
                got = get(f"http://127.0.0.1:{web}/api/tracks")
            except OSError:
                continue
            assert isinstance(got, list)
            tracks = got
        assert tracks, "no track reached the live console"
        assert {t["label"] for t in tracks} == {"AFR34ZG"}  # the one flight of the recording, by callsign
        assert all(t["class_name"] == "aircraft" for t in tracks)
        sensors = get(f"http://127.0.0.1:{web}/api/sensors")
        assert isinstance(sensors, list) and sensors[0]["messages"] > 0
    finally:
        for p in (console, server):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
        if console is not None and console.stderr is not None:
            console.stderr.close()
