"""Websocket fan-out: every client has a bounded queue, so a slow browser never slows the tracker.

`LiveState` calls `Hub.post` from the producer's thread; the message crosses to the event loop with
`call_soon_threadsafe` and is appended to each client's deque. A full deque drops its oldest
message (counted per client and in total) and marks the client stale: its sender then sends one
full snapshot instead of the lost deltas, so the browser's picture is right again at once.
Picture deltas carry `seq`; a client skips any delta not newer than the snapshot it last got.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field

from airpicture.sinks.web.live import LiveState, Message


@dataclass
class Client:
    """One websocket connection's outgoing queue."""

    id: int
    maxlen: int
    queue: deque[Message] = field(init=False)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stale: bool = False
    dropped: int = 0
    sent: int = 0
    seq: int = 0  # newest picture seq this client has

    def __post_init__(self) -> None:
        self.queue = deque(maxlen=self.maxlen)

    def push(self, msg: Message) -> bool:
        """Queue `msg`; True if the oldest message had to be dropped to make room."""
        full = len(self.queue) == self.maxlen
        if full:
            self.dropped += 1
            self.stale = True
        self.queue.append(msg)
        self.ready.set()
        return full


class Hub:
    """Registry of connected clients for one `LiveState`; runs in the server's event loop."""

    def __init__(self, state: LiveState, queue_size: int = 32) -> None:
        self.state = state
        self.queue_size = queue_size
        self.clients: dict[int, Client] = {}
        self.dropped = 0
        self.sent = 0
        self.timed_out = 0  # clients cut off for not reading (app.SEND_TIMEOUT_S)
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.state.subscribe(self.post)

    def stop(self) -> None:
        self.state.unsubscribe(self.post)
        self._loop = None

    def post(self, msg: Message) -> None:
        """Called by LiveState from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.broadcast, msg)

    def broadcast(self, msg: Message) -> None:
        for c in list(self.clients.values()):
            if c.push(msg):
                self.dropped += 1

    def connect(self) -> Client:
        c = Client(next(self._ids), self.queue_size)
        c.stale = True  # the first thing a client gets is a snapshot
        self.clients[c.id] = c
        self.state.clients = len(self.clients)
        return c

    def disconnect(self, c: Client) -> None:
        self.clients.pop(c.id, None)
        self.state.clients = len(self.clients)

    async def next_text(self, c: Client) -> str:
        """The next JSON text to send to `c` (waits until there is one)."""
        while True:
            if c.stale:
                c.stale = False
                snap = self.state.snapshot()
                c.seq = snap.seq
                c.queue = deque((m for m in c.queue if m.kind != "delta" and m.kind != "snapshot"), c.maxlen)
                return self._count(c, snap.text)
            while c.queue:
                m = c.queue.popleft()
                if m.kind in ("delta", "snapshot"):
                    if m.seq <= c.seq:
                        continue  # already in the snapshot this client has
                    c.seq = m.seq
                return self._count(c, m.text)
            c.ready.clear()
            await c.ready.wait()

    def _count(self, c: Client, text: str) -> str:
        c.sent += 1
        self.sent += 1
        return text


__all__ = ["Client", "Hub"]
