"""`airpicture console --beast`: a real replay server stands in for a receiver; the console's REST
API then shows the aircraft of the recording, tracked, with its callsign.

No wall-clock guess covers numba's first compile (75-90 s on 2 cores, or more on a loaded
machine): each process is waited for by the line it prints when it is ready (the replay server
once it listens, the console once its kernels are compiled and it serves), and only then does the
60 s deadline for a track start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


def wait_for_line(stream: IO[str] | None, start: str, timeout_s: float = 480.0) -> str:
    """The first line of `stream` that starts with `start` (the process's ready signal); fails if
    the stream ends first or after timeout_s (a generous bound for a cold compile on a busy CI)."""
    assert stream is not None
    got: list[str] = []

    def read() -> None:
        for line in stream:
            if line.startswith(start):
                got.append(line)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout_s)
    assert got, f"no line starting {start!r} within {timeout_s} s"
    return got[0]


def test_live_console_shows_the_tracked_feed(tmp_path: Path) -> None:
    feed, web = free_port(), free_port()
    cmd = [sys.executable, "-m", "airpicture"]
    server = subprocess.Popen([*cmd, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "2000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    console = None
    try:
        wait_for_line(server.stderr, "serving ")
        console = subprocess.Popen([*cmd, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097",
                                    "--lon", "2.5479", "--port", str(web)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        wait_for_line(console.stdout, "airpicture console: ")
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
        # the feed's stats are published on the console's heartbeat, not with each picture: a burst
        # of windows (the recording at 2000x) can show tracks before the next stats
        end = time.time() + 15
        while True:
            sensors = get(f"http://127.0.0.1:{web}/api/sensors")
            assert isinstance(sensors, list)
            feeds = [s for s in sensors if s["name"].startswith("beast@")]
            if (feeds and feeds[0]["messages"] > 0) or time.time() > end:
                break
            time.sleep(0.5)
        assert len(feeds) == 1 and feeds[0]["messages"] > 0
    finally:
        for p in (console, server):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
        for stream in (console and console.stdout, server.stderr):
            if stream is not None:
                stream.close()
