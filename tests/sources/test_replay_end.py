"""`replay --serve-beast` ends quietly (issue 13, defect 12): with a client still connected when the
recording is played, it exits 0 without a CancelledError traceback, and the client got it all."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


def test_a_played_recording_ends_without_a_traceback() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "airpicture",
        "replay",
        "--serve-beast",
        str(port),
        str(FRAMES),
        "--speed",
        "5000",
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert "serving" in proc.stderr.readline()
    received = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        while chunk := client.recv(1 << 16):  # until the server closes at the end
            received += len(chunk)
    rc = proc.wait(timeout=30)
    err = proc.stderr.read()
    proc.stderr.close()
    assert rc == 0 and "Traceback" not in err and "CancelledError" not in err, err
    assert "57793 frames served" in err and received > 1_000_000
