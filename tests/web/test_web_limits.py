"""Request limits (issue 13, defect 5; and HEAD, defect 12): a huge body is refused at once with 413,
before anything parses it, whether announced by Content-Length or streamed in chunks; a 422 does
not echo its input; the server keeps answering meanwhile. HEAD answers like GET, without a body."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator

import pytest
from web_helpers import Server, run_server

from airpicture.sinks.web.guard import MAX_BODY_BYTES


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    yield from run_server()


def _conn(server: Server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)


def test_an_announced_huge_body_is_refused_before_it_is_sent(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        t0 = time.monotonic()
        s.sendall(
            b"POST /api/zones HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200000000\r\n\r\n" + b"[" * 1000
        )
        answer = s.recv(4096)
        took = time.monotonic() - t0
    assert answer.startswith(b"HTTP/1.1 413") and took < 1.0


def test_a_streamed_huge_body_is_cut_off(server: Server) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(100):  # 100 MB if nobody stops it
            sent += 1 << 20
            yield b'{"action": "' + b"x" * (1 << 20) + b'"}'

    c = _conn(server)
    try:
        c.request("POST", "/api/replay", body=chunks(), encode_chunked=True,
                  headers={"Content-Type": "application/json"})  # fmt: skip
        status = c.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        status = 413  # the server answered and closed while we were still sending
    finally:
        c.close()
    assert status == 413 and sent < 20 << 20
    h = _conn(server)
    h.request("GET", "/api/health")
    assert h.getresponse().status == 200
    h.close()


def test_a_422_does_not_echo_its_input(server: Server) -> None:
    c = _conn(server)
    body = '{"action": "' + "x" * (MAX_BODY_BYTES // 2) + '"}'
    c.request("POST", "/api/replay", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read()
    c.close()
    assert r.status == 422 and len(text) < 1000 and b"xxxx" not in text


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/tracks"])
def test_head_answers_like_get_without_a_body(server: Server, path: str) -> None:
    c = _conn(server)
    c.request("HEAD", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    assert r.status == 200 and body == b"" and r.getheader("content-type")
    assert r.getheader("x-content-type-options") == "nosniff"
