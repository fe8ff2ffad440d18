import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_jsonl_samples import sample_alert, sample_picture

from airpicture.errors import SinkError
from airpicture.sinks.webhook import WebhookSink


class Recorder(ThreadingHTTPServer):
    """A real local HTTP server that answers 503 to the first `fail` POSTs, then 204."""

    def __init__(self, fail: int = 0) -> None:
        self.bodies: list[dict] = []
        self.fail = fail
        self.seen = 0
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen += 1
        if self.server.seen <= self.server.fail:
            self.send_response(503)
        else:
            self.server.bodies.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    def start(fail: int = 0) -> Recorder:
        srv = Recorder(fail)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        started.append(srv)
        return srv

    started: list[Recorder] = []
    yield start
    for s in started:
        s.shutdown()
        s.server_close()


def test_webhook_posts_each_alert_step(server) -> None:
    srv = server()
    sink = WebhookSink(f"http://127.0.0.1:{srv.server_port}/hook", tracks=True)
    sink.send_alerts([sample_alert(), sample_alert("cleared")])
    sink.send_picture(sample_picture())
    assert sink.flush(10.0)
    sink.close()
    assert [b["type"] for b in srv.bodies] == ["alert", "alert", "picture"]
    assert [b.get("state") for b in srv.bodies[:2]] == ["raised", "cleared"]
    assert len(srv.bodies[2]["tracks"]) == 4
    assert sink.stats.sent == 3 and sink.stats.failed == 0


def test_webhook_retries_a_failing_endpoint_with_backoff(server) -> None:
    srv = server(fail=2)
    sink = WebhookSink(f"http://127.0.0.1:{srv.server_port}/", backoff_s=0.05)
    sink.send_alerts([sample_alert()])
    assert sink.flush(10.0)
    sink.close()
    assert srv.seen == 3 and len(srv.bodies) == 1
    assert sink.stats.retries == 2 and "503" in sink.stats.last_error


def test_webhook_down_never_blocks_and_counts_losses() -> None:
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = WebhookSink(f"http://127.0.0.1:{port}/", queue_size=5, attempts=2, backoff_s=0.05)
    t0 = time.perf_counter()
    for _ in range(200):
        sink.send_alerts([sample_alert()])
    assert time.perf_counter() - t0 < 0.5
    assert sink.flush(10.0)
    sink.close()
    st = sink.stats
    assert st.dropped >= 190 and st.failed >= 1 and st.sent == 0
    assert st.dropped + st.failed == 200


def test_webhook_rejects_a_non_http_url() -> None:
    with pytest.raises(SinkError):
        WebhookSink("ftp://example.invalid/")
