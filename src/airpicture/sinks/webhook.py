"""HTTP webhook: each alert step is POSTed as JSON to an operator's endpoint.

Delivery runs on the shared QueueWorker (sinks/queue.py): a failed POST (connection refused,
timeout, HTTP status >= 300) is retried with exponential backoff; when the endpoint stays down the
queue keeps only the newest `queue_size` alerts and counts what it dropped. The standard library's
urllib is enough for one JSON POST; no extra dependency.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from airpicture.errors import SinkError
from airpicture.sinks.base import picture_to_dicts
from airpicture.sinks.queue import QueueStats, QueueWorker
from airpicture.types import Alert, Picture


class WebhookSink:
    """POSTs `{"type": "alert", ...}` per alert step (and, with tracks=True, one
    `{"type": "picture", "time_s", "tracks": [...]}` per picture) to `url`."""

    def __init__(
        self,
        url: str,
        *,
        tracks: bool = False,
        timeout_s: float = 5.0,
        queue_size: int = 1000,
        attempts: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise SinkError(f"webhook url must be http(s): {url!r}")
        self.url, self.tracks, self.timeout_s = url, tracks, timeout_s
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.worker: QueueWorker[bytes] = QueueWorker(
            self._post,
            name="webhook",
            maxsize=queue_size,
            attempts=attempts,
            base_s=backoff_s,
            max_s=max_backoff_s,
        )

    @property
    def stats(self) -> QueueStats:
        return self.worker.stats

    def _post(self, body: bytes) -> None:
        req = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                if resp.status >= 300:
                    raise SinkError(f"webhook answered HTTP {resp.status}")
        except urllib.error.HTTPError as e:  # raised for 4xx/5xx; an OSError, but say what it was
            raise SinkError(f"webhook answered HTTP {e.code}") from e

    def send_alerts(self, alerts: list[Alert]) -> None:
        for a in alerts:
            self.worker.put(json.dumps({"type": "alert", **a.to_record(json_safe=True)}).encode())

    def send_picture(self, picture: Picture) -> None:
        if self.tracks:
            body = {"type": "picture", "time_s": picture.time_s, "tracks": picture_to_dicts(picture)}
            self.worker.put(json.dumps(body).encode())

    def flush(self, timeout: float = 5.0) -> bool:
        return self.worker.flush(timeout)

    def close(self) -> None:
        self.worker.close()


__all__ = ["WebhookSink"]
