"""The console never stalls (issue 13, defect 1): a real server, a replay player running in its own
thread, churning websocket clients (each one asks for a snapshot) and replay commands, with a
watchdog that fails on any answer slower than 2 s."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Iterator

import pytest
from web_helpers import Server, free_port, grid_picture, run_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from airpicture.sinks.web import Frame, Player, Timeline

STALL_S = 2.0


@pytest.fixture
def server() -> Iterator[Server]:
    yield from run_server()


def _timeline(n_frames: int, n_tracks: int) -> Timeline:
    tl = Timeline()
    for t in range(n_frames):
        tl.add_frame(Frame.from_picture(grid_picture(float(t), n_tracks, seed=1)))
    tl.finish()
    return tl


def _stacks() -> str:
    """Where each thread waits (what a stall report needs to name the lock)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    return "\n".join(
        f"{names.get(k, k)}: "
        + " <- ".join(f"{f.name}:{f.lineno}" for f in traceback.extract_stack(fr)[-4:][::-1])
        for k, fr in sys._current_frames().items()
    )


def _churn(url: str, stop: threading.Event, rng: random.Random, errors: list[str]) -> None:
    """Open a client, read a few messages (or none: a never-reading client), send a command, close."""
    while not stop.is_set():
        try:
            with connect(url, origin=url.replace("ws://", "http://").rsplit("/", 1)[0], open_timeout=5) as ws:
                for _ in range(rng.randrange(0, 4)):
                    try:
                        ws.recv(timeout=5)
                    except TimeoutError:  # another client's "pause" stops the frames: resume, then
                        ws.send(json.dumps({"cmd": "play"}))  # a silent server is a stall
                        ws.recv(timeout=5)
                cmd = rng.choice(
                    [{"cmd": "pause"}, {"cmd": "play"}, {"cmd": "seek", "t": rng.uniform(0, 60)},
                     {"cmd": "speed", "speed": rng.choice([1, 20, 100])}]
                )  # fmt: skip
                ws.send(json.dumps(cmd))
        except TimeoutError as exc:
            errors.append(f"websocket: {exc!r}")
        except (OSError, ConnectionClosed):
            pass  # the server closing a connection (shutdown, a cut-off client) is not a stall


def test_churning_clients_and_replay_commands_never_stall_the_console(server: Server) -> None:
    player = Player(server.state, _timeline(60, 300), speed=50.0, loop=True, tick_s=0.05)
    player.start()
    stop = threading.Event()
    errors: list[str] = []
    ws_url = f"ws://127.0.0.1:{server.port}/ws"
    workers = [
        threading.Thread(target=_churn, args=(ws_url, stop, random.Random(i), errors), daemon=True)
        for i in range(6)
    ]
    for w in workers:
        w.start()
    worst = 0.0
    polls = 0
    try:
        end = time.monotonic() + 15
        while time.monotonic() < end and not errors:
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(f"{server.url}/api/health", timeout=STALL_S) as r:
                    assert json.loads(r.read())["status"] in ("ok", "waiting", "degraded")
            except TimeoutError:
                errors.append(f"/api/health stalled over {STALL_S} s after {polls} polls\n{_stacks()}")
                break
            worst = max(worst, time.monotonic() - t0)
            polls += 1
            time.sleep(0.05)
    finally:
        stop.set()
        player.stop()
        for w in workers:
            w.join(timeout=10)
    assert not errors, "\n".join(errors)
    assert polls > 50 and worst < STALL_S
    assert server.state.pictures > 100  # the player kept publishing throughout


HUNG_CONSOLE = """
import sys, threading
from airpicture.sinks.web import LiveState, serve_console

class HungState(LiveState):
    def snapshot(self):  # the event loop blocks here, as it did in the lock cycle of issue 13
        threading.Event().wait()

serve_console(HungState(), port=int(sys.argv[1]))
"""


def _wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {proc.communicate()[1]}") from None
            time.sleep(0.1)


def test_sigterm_stops_a_console_whose_event_loop_is_stuck() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", HUNG_CONSOLE, str(port)], stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_up(f"http://127.0.0.1:{port}/api/health", proc)
        # the client's snapshot blocks the server's event loop
        with pytest.raises(TimeoutError), connect(f"ws://127.0.0.1:{port}/ws", open_timeout=2) as ws:
            ws.recv(timeout=1)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - t0
    finally:
        proc.kill()
    assert took < 5.0, took
    assert proc.returncode == 3 and "shutdown took over" in err, err


def test_sigterm_stops_the_demo_console_cleanly() -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "airpicture", "console", "--speed", "50", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(f"http://127.0.0.1:{port}/api/health", proc)
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - t0
    finally:
        proc.kill()
    assert took < 5.0 and "Traceback" not in err, err
