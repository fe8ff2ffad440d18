"""--store in every console (issue 13, defect 10) and a failing store shown, not shouted (defect 11).

A live console records pictures and its feeds' stats; a scenario console records its sensors'
stats. A store on a full disk (RLIMIT_FSIZE: the kernel refuses to grow the file, as a full disk
does) logs one traceback, not one per batch, and /api/health, /api/sensors and /metrics say so."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from airpicture.cli.console import BUNDLED, track_into
from airpicture.sinks.store import open_store
from airpicture.sinks.web import Timeline
from airpicture.sources.scenario import load_scenario

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
PY = [sys.executable, "-m", "airpicture"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as r:
        body = r.read()
        return json.loads(body) if r.headers.get_content_type() == "application/json" else body.decode()


def wait_for(what: Any, timeout: float, why: str) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = what()
        except OSError:
            last = None
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"{why}: not within {timeout} s (last: {last})")


def stop(p: subprocess.Popen[Any] | None) -> None:
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_the_live_console_records_pictures_and_feed_stats(tmp_path: Path) -> None:
    feed, web, db = free_port(), free_port(), tmp_path / "live.db"
    env = {**os.environ, "AIRPICTURE_CONSOLE__PUBLISH_S": "0.5"}
    server = subprocess.Popen([*PY, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "50"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    console = None
    try:
        assert server.stderr is not None
        server.stderr.readline()  # listening
        console = subprocess.Popen([*PY, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097",
                                    "--lon", "2.5479", "--port", str(web), "--store", str(db)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(lambda: get(f"http://127.0.0.1:{web}/api/tracks"), 60, "a track")
        time.sleep(2.0)  # a few more pictures and stats
    finally:
        stop(console)
        stop(server)
        if server.stderr is not None:
            server.stderr.close()
    with open_store(db) as st:
        counts = st.counts()
        names = {s.name for s in st.latest_stats()}
    assert counts["pictures"] > 0 and counts["source_stats"] > 0, counts
    assert names == {f"beast@127.0.0.1:{feed}"}


def test_a_scenario_console_records_its_sensors_stats(tmp_path: Path) -> None:
    scn = load_scenario(BUNDLED)
    tl, halt = Timeline(scn.start_s, scn.end_s), threading.Event()
    th = threading.Thread(target=track_into, args=(scn, tl, halt, str(tmp_path / "s.db")), daemon=True)
    th.start()
    wait_for(lambda: len(tl.times) >= 40, 120, "40 pictures tracked")
    halt.set()
    th.join(timeout=30)
    with open_store(tmp_path / "s.db") as st:
        counts = st.counts()
        names = {s.name for s in st.latest_stats()}
    assert counts["source_stats"] > 0 and {"TMA1", "SITE1", "ADSB1"} <= names, counts


def _small_disk() -> None:  # in the child: files may not grow past 1.5 MB, as on a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_500_000, 1_500_000))


def test_a_full_disk_is_one_traceback_and_a_degraded_health(tmp_path: Path) -> None:
    web = free_port()
    cmd = [*PY, "console", "--speed", "50", "--port", str(web), "--store", str(tmp_path / "full.db")]
    console = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_small_disk)  # fmt: skip
    api = f"http://127.0.0.1:{web}/api"
    try:
        health = wait_for(lambda: (h := get(f"{api}/health"))["faults"] and h, 90, "the store's fault shown")
        time.sleep(5.0)  # many more failed batches
        sensors = {s["name"]: s for s in get(f"{api}/sensors")}
        metrics = get(f"http://127.0.0.1:{web}/metrics")
    finally:
        stop(console)
    assert console.stderr is not None
    err = console.stderr.read()
    console.stderr.close()
    assert health["status"] == "degraded" and health["faults"] == ["store"]
    store = sensors["store"]
    assert store["status"].startswith("failing") and store["rejects"]["failed_batches"] >= 1
    assert store["rejects"]["lost_pictures"] >= 1
    assert "airpicture_console_faults 1" in metrics
    # one logged failure (its traceback chains the SinkError to the sqlite error), not one per batch
    assert err.count("history store write failed") == 1, err[-3000:]
    assert err.count("Traceback") <= 2
