"""Crash safety: a writer process killed with SIGKILL mid-write loses no committed picture.

The child writes pictures in a loop and prints each committed picture time (flushed after the
commit returns). The test kills it with a real `kill -9` while it writes, reopens the file and
checks every reported picture is there, whole, and that SQLite's integrity check passes.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from airpicture.sinks.store.sqlite import SqliteStore

N_TRACKS = 400
NL = b"\n"

CHILD = """
import sys, time
import numpy as np
from airpicture.sinks.store import StoreWriter, open_store
from airpicture.types import Picture

path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(path)

def picture(t):
    ids = np.arange(n, dtype=np.int64)
    z = np.zeros(n)
    return Picture(t, ids, np.tile(z[:, None], 6), np.zeros((n, 6, 6)), t + ids * 1e-6, z, z,
                   ids.astype(np.int8) % 4, z + 1, ids, ids, z + t, np.zeros(n, np.int8), np.zeros(n, bool))

def report(t):
    sys.stdout.write(f"{t!r}\\n")
    sys.stdout.flush()

t = 0.0
if mode == "direct":
    while True:
        store.write_picture(picture(t))
        report(t)
        t += 1.0
else:
    w = StoreWriter(store, max_pictures=100_000, max_batch=8, on_commit=report)
    while True:
        w.submit_picture(picture(t))
        t += 1.0
        time.sleep(0.002)
"""


def read_reports(proc: subprocess.Popen[bytes], want: int, timeout_s: float) -> bytes:
    """Read the child's output until `want` commits were reported (the child keeps writing)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout_s
    while buf.count(b"\n") < want:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            pytest.fail(f"child reported {buf.count(NL)} commits, wanted {want} (rc={proc.poll()})")
        if select.select([fd], [], [], left)[0]:
            buf += os.read(fd, 65536)
    return buf


@pytest.mark.parametrize("mode", ["direct", "writer"])
def test_kill_9_mid_write_loses_no_committed_picture(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "history.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, str(N_TRACKS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out = read_reports(proc, want=40, timeout_s=60.0)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # mid-write: the loop never pauses
        rest, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    # Every whole line that reached the pipe before the kill is a reported commit.
    lines = (out + rest).split(NL)[:-1]
    reported = [float(x) for x in lines]
    assert len(reported) >= 40
    last = max(reported)
    assert Path(f"{path}-wal").stat().st_size > 0  # killed, not closed: reopening must replay the WAL

    store = SqliteStore(path)
    try:
        assert store.integrity_check() == "ok"
        times = store.picture_times()
        # Every picture up to the last reported one is there (the writer batches, so earlier pictures
        # of a batch are reported only through its last time); at most the unreported tail beyond.
        np.testing.assert_array_equal(times[times <= last], np.arange(0.0, last + 1.0))
        assert set(reported) <= set(times.tolist())
        assert len(times[times > last]) <= 8  # committed but not yet reported: one batch at most
        for t in (0.0, last / 2, last):
            p = store.picture_at(float(int(t)))
            assert p is not None and len(p) == N_TRACKS
            np.testing.assert_array_equal(p.lat, p.time_s + np.arange(N_TRACKS) * 1e-6)
        assert store.counts()["tracks"] == N_TRACKS * len(times)
    finally:
        store.close()
