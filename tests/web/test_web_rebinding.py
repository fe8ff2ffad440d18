"""DNS rebinding (issue 13, defect 4): a console bound to 0.0.0.0 with a token, asked from 127.0.0.1
by a page whose DNS name was rebound (Host and Origin `attacker.example:PORT`), answers nothing
without the token: no tracks, no websocket, no acknowledgement, no replay control. The operator on
the machine itself (Host 127.0.0.1 / localhost) keeps working without it."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from web_helpers import free_port, make_picture, paris_state
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from airpicture.sinks.web import Frame, Player, Timeline, create_app
from airpicture.types import Alert

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    import uvicorn

    state = paris_state()
    state.publish_picture(make_picture(1000.0, [1], [48.8], [2.0]))
    state.publish_alerts([Alert(1000.0, "A1", 1, "z", "zone_entry", "raised", 48.8, 2.0, 50.0)])
    tl = Timeline()
    for t in range(10):
        tl.add_frame(Frame.from_picture(make_picture(1000.0 + t, [1], [48.8], [2.0])))
    tl.finish()
    Player(state, tl)
    p = free_port()
    app = create_app(state, token=TOKEN, loopback_only=False)  # as serve_console does for 0.0.0.0
    srv = uvicorn.Server(
        uvicorn.Config(app, host="0.0.0.0", port=p, log_level="warning", ws="websockets-sansio")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield p
    srv.should_exit = True
    th.join(timeout=10)


def _request(port: int, method: str, path: str, host: str, body: str | None = None) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    hdrs = {"Host": host, "Origin": f"http://{host}"}
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=hdrs)
    status = c.getresponse().status
    c.close()
    return status


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/tracks", None),
        ("GET", "/api/alerts", None),
        ("POST", "/api/alerts/A1/ack", None),
        ("POST", "/api/replay", '{"action": "pause"}'),
    ],
)
def test_a_rebound_name_from_loopback_needs_the_token(
    port: int, method: str, path: str, body: str | None
) -> None:
    assert _request(port, method, path, f"attacker.example:{port}", body) == 401
    assert _request(port, method, path, f"127.0.0.1:{port}", body) == 200  # the operator on the machine
    assert _request(port, method, path, f"localhost:{port}", body) == 200


def test_a_rebound_name_cannot_open_the_websocket(port: int) -> None:
    host = f"attacker.example:{port}"
    sock = socket.create_connection(("127.0.0.1", port))
    with pytest.raises(InvalidStatus), connect(f"ws://{host}/ws", sock=sock, origin=f"http://{host}"):  # type: ignore[arg-type]
        pass
    with connect(f"ws://127.0.0.1:{port}/ws", origin=f"http://127.0.0.1:{port}") as ws:
        assert '"type":"snapshot"' in str(ws.recv(timeout=5))


def test_a_non_ascii_token_matches_and_a_wrong_one_is_refused_not_a_crash() -> None:
    """Issue 13, defect 8: hmac.compare_digest on str raised TypeError (a 500) for a non-ASCII token."""
    import uvicorn

    p = free_port()
    app = create_app(paris_state(), token="pässwort", loopback_only=False)
    srv = uvicorn.Server(uvicorn.Config(app, host="0.0.0.0", port=p, log_level="critical"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.02)
    try:

        def status(path: str, auth: bytes | None = None) -> int:
            c = http.client.HTTPConnection("127.0.0.1", p, timeout=5)
            hdrs: dict[str, str | bytes] = {"Host": f"console.example:{p}"}  # not loopback: token needed
            if auth is not None:
                hdrs["Authorization"] = b"Bearer " + auth
            c.request("GET", path, headers=hdrs)
            code = c.getresponse().status
            c.close()
            return code

        assert status("/api/tracks?token=p%C3%A4sswort") == 200
        assert status("/api/tracks", "pässwort".encode()) == 200
        assert status("/api/tracks?token=p%C3%A4ss") == 401
        assert status("/api/tracks", "wörd".encode()) == 401
        assert status("/api/tracks?token=%FF%FE") == 401
    finally:
        srv.should_exit = True
        th.join(timeout=10)
