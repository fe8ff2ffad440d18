"""The picture and the alerts out as a SAPIENT (BSI Flex 335 v2.0) node of a fusion node, over TCP.

    sink = SapientSink(("fusion", 12000), settings.sapient, site=(lat, lon, alt_m))
    sink.send_picture(pic); sink.send_alerts(alerts); sink.close()

On each connection the node registers first: a Registration (a child fusion node, what it reports:
WGS-84 locations in degrees, ENU velocities in m/s, classes of the standard's taxonomy) and waits
for the fusion node's RegistrationAck; rejected (its reasons kept in `status`) or unanswered in
`ack_timeout_s`, it tries again with backoff (1 s doubling to 30 s). Registered, it sends a
StatusReport every `status_interval_s` (the heartbeat the Registration promises), a
DetectionReport per confirmed track per picture, an Alert per alert step, and a StatusReport
SYSTEM_GOODBYE on close. Messages are framed as `sources.sapient.frame` says (4-byte
little-endian length, then the protobuf).

Each track keeps one object_id (a ULID) while it is in the picture and `object_hold_s` after;
when it leaves, one last report with state "lost" goes out (a track that comes back keeps its
id). Each airpicture alert keeps one alert_id across its raised /
updated (status ACTIVE) and cleared (CLEAR) steps. Classes: aircraft and drone are "Air Vehicle"
(the standard's level-1 sub-classes split manned / UAV by rotary / fixed wing, which airpicture
does not know), a bird "Animal" / "Bird", else "Unknown"; airpicture's own class is in object_info
"class" (declared in the Registration), the confidence is the class probability (picture.cls_p).

Sending never blocks the caller: a thread owns the socket; pictures are dropped while not
registered, alerts wait in a bounded queue (the oldest lost first); every loss is counted.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections import deque
from typing import Any

from airpicture.config import SapientSettings
from airpicture.sinks.sapient_messages import SapientEncoder
from airpicture.sources.sapient import Framer, frame, parse
from airpicture.types import Alert, Picture, Rejects


class SapientSink:
    """A SAPIENT node's connection to a fusion node (see the module's docstring). `status` says
    where the connection is ("connecting", "registered", "rejected: ...", "down: ...")."""

    def __init__(
        self,
        address: tuple[str, int],
        settings: SapientSettings | None = None,
        site: tuple[float, float, float] | None = None,
    ) -> None:
        self.address = address
        self.settings = settings or SapientSettings()
        self.encoder = SapientEncoder(self.settings, site)
        self.status = "connecting"
        self.sent: dict[str, int] = {}
        self.dropped = {"picture_unregistered": 0, "queue_full": 0}
        self.received = Rejects(f"sapient-out {address[0]}:{address[1]}")  # what the fusion node sends
        self.connections = 0
        self._queue: deque[tuple[str, bytes]] = deque()
        self._cv = threading.Condition()
        self._registered = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="sapient-out", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------- the caller's side

    def _put(self, msgs: list[Any]) -> None:
        frames = [(m.WhichOneof("content"), frame(m)) for m in msgs]
        with self._cv:
            for f in frames:
                if len(self._queue) >= self.settings.max_queue:
                    self._queue.popleft()
                    self.dropped["queue_full"] += 1
                self._queue.append(f)
            self._cv.notify()

    def send_picture(self, picture: Picture) -> None:
        msgs = self.encoder.detections(picture)  # always: object ids and "lost" reports stay right
        if not self._registered:
            self.dropped["picture_unregistered"] += len(msgs)
            return
        self._put(msgs)

    def send_alerts(self, alerts: list[Alert]) -> None:
        self._put([self.encoder.alert(a) for a in alerts])

    def summary(self) -> str:
        sent = ", ".join(f"{k} {v}" for k, v in sorted(self.sent.items())) or "nothing"
        lost = ", ".join(f"{k} {v}" for k, v in self.dropped.items() if v) or "none"
        where = f"{self.address[0]}:{self.address[1]}"
        got = ", ".join(f"{k} {v}" for k, v in sorted(self.received.counts.items())) or "acks only"
        return (f"SAPIENT to {where} as node {self.encoder.node_id}: {self.status}; "
                f"sent {sent}; dropped {lost}; {self.connections} connections; received {got}")  # fmt: skip

    def close(self, timeout_s: float = 2.0) -> None:
        """Send what is queued and a goodbye (within timeout_s), then stop."""
        with self._cv:
            self._closing = True
            self._cv.notify()
        self._thread.join(timeout_s)

    # ------------------------------------------------------------- the connection thread

    def _send(self, sock: socket.socket, msg: Any) -> None:
        sock.sendall(frame(msg))
        kind = msg.WhichOneof("content")
        self.sent[kind] = self.sent.get(kind, 0) + 1

    def _register(self, sock: socket.socket, framer: Framer) -> bool:
        """Register, and read up to the RegistrationAck (what follows it stays in the framer)."""
        self._send(sock, self.encoder.registration())
        deadline = time.monotonic() + self.settings.ack_timeout_s
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed before the RegistrationAck")
            bodies = framer.split(data)
            for i, body in enumerate(bodies):
                msg = parse(body)
                if msg.WhichOneof("content") == "registration_ack":
                    if msg.HasField("destination_id") and msg.destination_id != self.encoder.node_id:
                        self.received.add("ack_for_another_node")  # v2.0's ack names the node here
                        continue
                    ack = msg.registration_ack
                    if not ack.acceptance:
                        self.status = "rejected: " + "; ".join(ack.ack_response_reason)
                    self._count(bodies[i + 1 :])
                    return bool(ack.acceptance)
                self.received.add("before_ack_" + str(msg.WhichOneof("content")))
        self.status = "down: no RegistrationAck"
        return False

    def _run(self) -> None:
        backoff = 1.0
        while not self._closing:
            try:
                with socket.create_connection(self.address, timeout=self.settings.ack_timeout_s) as sock:
                    self.connections += 1
                    framer = Framer(self.received, self.settings.max_message)
                    if self._register(sock, framer):
                        self.status, self._registered, backoff = "registered", True, 1.0
                        self._serve(sock, framer)
                        return
            except (OSError, ValueError) as e:  # ValueError: a DecodeError of a garbled ack
                self.status = f"down: {e}"
            finally:
                self._registered = False
            with self._cv:
                self._cv.wait_for(lambda: self._closing, backoff)
            backoff = min(backoff * 2, 30.0)

    def _drain(self, sock: socket.socket, framer: Framer) -> None:
        """Take what the fusion node sent (tasks, acks): counted by content, not acted on. Raises
        ConnectionError when it hung up (the connection is made again)."""
        while select.select([sock], [], [], 0)[0]:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("the fusion node closed the connection")
            self._count(framer.split(data))

    def _count(self, bodies: list[bytes]) -> None:
        for body in bodies:
            try:
                self.received.add("from_fusion_node_" + str(parse(body).WhichOneof("content")))
            except ValueError:  # a DecodeError
                self.received.add("from_fusion_node_undecodable")

    def _serve(self, sock: socket.socket, framer: Framer) -> None:
        """Registered: heartbeats and the queue until closing (then a goodbye)."""
        next_status = 0.0
        sock.settimeout(self.settings.ack_timeout_s)  # a fusion node that stops reading: reconnect
        while True:
            self._drain(sock, framer)
            now = time.monotonic()
            if now >= next_status:
                self._send(sock, self.encoder.status())
                next_status = now + self.settings.status_interval_s
            with self._cv:
                # at least twice a second: what the fusion node sends, and whether it hung up
                self._cv.wait_for(lambda: self._queue or self._closing, min(0.5, max(0.0, next_status - now)))
                frames, closing = list(self._queue), self._closing
                self._queue.clear()
            for kind, f in frames:
                sock.sendall(f)
                self.sent[kind] = self.sent.get(kind, 0) + 1
            if closing:
                self._send(sock, self.encoder.status(goodbye=True))
                return


__all__ = ["SapientSink"]
