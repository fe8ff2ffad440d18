"""A websocket client that never reads is disconnected (issue 13, defect 12): its socket is dropped
after the send timeout, unsent data and all, and the hub forgets it; the others go on."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import urllib.request

from web_helpers import free_port, grid_picture, paris_state
from websockets.sync.client import connect

from airpicture.sinks.web import create_app


def _never_reading_client(port: int) -> socket.socket:
    """A websocket handshake over a raw socket with a small receive buffer, then nothing read."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert s.recv(12) == b"HTTP/1.1 101"
    return s


def test_a_client_that_never_reads_is_cut_off_and_the_others_go_on() -> None:
    import uvicorn

    state = paris_state()
    port = free_port()
    app = create_app(state, send_timeout_s=1.0)
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.02)
    hub = app.state.hub
    stuck = _never_reading_client(port)
    try:
        with connect(f"ws://127.0.0.1:{port}/ws") as good:
            assert json.loads(good.recv(timeout=5))["type"] == "snapshot"
            deadline = time.monotonic() + 30
            t = 0.0
            while hub.timed_out == 0:  # big pictures until the stuck client's buffers are full
                assert time.monotonic() < deadline, "the never-reading client was not cut off"
                state.publish_picture(grid_picture(t, 2000, seed=int(t)))
                t += 1.0
                got = json.loads(good.recv(timeout=5))  # the good client keeps up
                assert got["type"] in ("delta", "snapshot")
                time.sleep(0.05)
        # never-reading client: gone from the hub, its connection reset (not held half-open)
        deadline = time.monotonic() + 5
        while len(hub.clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(hub.clients) == 0 and hub.timed_out == 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/metrics", timeout=5) as r:
            assert json.loads(r.read())["ws_timeouts"] == 1
        stuck.setblocking(False)
        try:
            for _ in range(100):
                stuck.send(b"\x00" * 1024)
                time.sleep(0.01)
            reset = False
        except (ConnectionResetError, BrokenPipeError):
            reset = True
        assert reset
    finally:
        stuck.close()
        srv.should_exit = True
        th.join(timeout=10)
