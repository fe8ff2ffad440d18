"""SAPIENT sensor nodes over TCP: airpicture listens as their fusion node (`run --sapient-in PORT`).

    src = SapientServer(SapientStream(sheets, settings.sapient), "0.0.0.0", 12000)
    async for plots in src.abatches(): ...

Each node connects, registers (its RegistrationAck is sent back at once) and sends its
messages, framed as `sources.sapient.Framer` reads them; several nodes at once, each on its own
connection. A connection whose framing breaks is closed (the node reconnects and registers
again). The plots of every node go through one bounded queue: a slow consumer loses the oldest
batches, counted as `queue_dropped` rejects.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import numpy as np

from airpicture.errors import SourceError
from airpicture.sources.sapient import Framer, NodeSession, SapientStream
from airpicture.types import SourceStats


class SapientServer:
    """A TCP server for SAPIENT sensor nodes -> PLOT_DTYPE batches (one per message that made any)."""

    def __init__(self, stream: SapientStream, host: str, port: int, max_queue: int = 4096) -> None:
        self.stream, self.host, self.port = stream, host, port
        self.name = f"sapient-in:{host}:{port}"
        self.max_queue = max_queue
        self.frames = self.connections = 0
        self.sessions: set[NodeSession] = set()
        self.bound_port = port

    @property
    def stats(self) -> SourceStats:
        nodes = sum(s.node_id is not None for s in self.sessions)
        return SourceStats(self.name, "sapient", self.frames, last_message_s=self.stream.last_s,
                           status=f"live: {nodes} nodes", rejects=self.stream.rejects)  # fmt: skip

    async def _client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, put: Callable[[np.ndarray], None]
    ) -> None:
        session = NodeSession()
        framer = Framer(self.stream.rejects, self.stream.settings.max_message)
        self.connections += 1
        self.sessions.add(session)
        try:
            while not framer.broken and (data := await reader.read(65536)):
                for body in framer.split(data):
                    self.frames += 1
                    plots, replies = self.stream.feed(body, time.time(), session)
                    for r in replies:
                        writer.write(r)
                    if len(plots):
                        put(plots)
                await writer.drain()
        except OSError:
            pass  # the node dropped: it reconnects and registers again
        finally:
            self.sessions.discard(session)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def abatches(self, ready: Callable[[int], None] | None = None) -> AsyncIterator[np.ndarray]:
        q: asyncio.Queue[np.ndarray] = asyncio.Queue(self.max_queue)

        def put(plots: np.ndarray) -> None:
            if q.full():
                q.get_nowait()
                self.stream.rejects.add("queue_dropped")
            q.put_nowait(plots)

        try:
            server = await asyncio.start_server(lambda r, w: self._client(r, w, put), self.host, self.port)
        except OSError as e:
            raise SourceError(f"SAPIENT server {self.host}:{self.port}: {e}") from e
        self.bound_port = server.sockets[0].getsockname()[1]
        if ready is not None:
            ready(self.bound_port)
        try:
            while True:
                yield await q.get()
        finally:
            server.close()
            await server.wait_closed()


__all__ = ["SapientServer"]
