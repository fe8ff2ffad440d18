"""`airpicture run --asterix-out`: a real Beast replay server plays the recorded CDG flight, `run`
tracks it live and sends each picture as CAT062 over UDP to a socket of this test."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

from test_console_live import free_port
from test_gnss_live import stop

from airpicture.sources.asterix import decode_block

CDG = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
CMD = [sys.executable, "-m", "airpicture"]


def test_run_sends_the_live_picture_as_cat062() -> None:
    feed = free_port()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.5)
    server = subprocess.Popen([*CMD, "replay", "--serve-beast", str(feed), str(CDG), "--speed", "100"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(1.5)
        run = subprocess.Popen(
            [*CMD, "run", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097", "--lon", "2.5479",
             "--duration", "20", "--stats-every", "60", "--asterix-out", f"127.0.0.1:{rx.getsockname()[1]}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        records = []
        while run.poll() is None:
            with contextlib.suppress(TimeoutError):
                records += decode_block(rx.recv(65536))
        _, err = run.communicate(timeout=30)
    finally:
        stop(server)
        rx.close()
    assert run.returncode == 0, err
    assert records, err
    assert all(r.category == 62 and r.sac == 0 and r.sic == 100 for r in records)
    assert {r.address for r in records} == {0x393322}  # the one flight of the recording
    assert len({r.track_number for r in records}) == 1  # one track, one number for its life
    assert all(43 < r.lat < 50 and 1 < r.lon < 3 for r in records)  # on its way to Toulouse
