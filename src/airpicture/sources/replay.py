"""Recordings of Mode S feeds: read them (any format, gzip or not) and serve them as a receiver would.

`ModesFileSource` is the file `Source`: REPORT_DTYPE batches plus the decoded message table.
`serve_beast` plays a recording (Beast file, or JSON-lines frames re-encoded as Beast) on TCP at
its recorded pace or `speed` times faster, to every connected client, like readsb's port 30005.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from airpicture.errors import SourceError
from airpicture.sources.beast import BeastParser, encode_beast
from airpicture.sources.jsonl import JsonlParser
from airpicture.sources.live import ModesStream
from airpicture.sources.modes import MESSAGE_DTYPE, MessageArray
from airpicture.types import SourceStats

CHUNK = 1 << 20
_SBS_HEADS = (b"MSG,", b"SEL,", b"ID,", b"AIR,", b"STA,", b"CLK,")


def _open(path: Path) -> gzip.GzipFile | object:
    with path.open("rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def read_chunks(path: str | Path, size: int = CHUNK) -> Iterator[bytes]:
    """The bytes of a file (gunzipped when it is gzip) in chunks; SourceError if unreadable."""
    p = Path(path)
    try:
        f = _open(p)
        with f:  # type: ignore[attr-defined]
            while chunk := f.read(size):  # type: ignore[attr-defined]
                yield chunk
    except (OSError, EOFError) as e:  # EOFError: a gzip stream cut short
        raise SourceError(f"{p}: {e}") from e


def guess_format(head: bytes, name: str = "the recording") -> str:
    """beast / avr / sbs / jsonl from the first bytes of a recording (`name`: for the error)."""
    if not head:
        raise SourceError(f"{name}: empty file")
    s = head.lstrip()
    if head[:1] == b"\x1a" and head[1:2] in b"1234":
        return "beast"
    if s.startswith(b"{"):
        return "jsonl"
    if s[:1] in (b"*", b"@"):
        return "avr"
    if s.startswith(_SBS_HEADS):
        return "sbs"
    if b"\x1a2" in head or b"\x1a3" in head:
        return "beast"
    raise SourceError(f"{name}: cannot tell its format (Beast, AVR, SBS or JSON lines) from its first bytes")


class ModesFileSource:
    """A recording as a `Source`: `batches()` yields REPORT_DTYPE arrays, one per file chunk."""

    def __init__(
        self,
        path: str | Path,
        fmt: str | None = None,
        *,
        receiver: tuple[float, float] | None = None,
        sensor: int = 0,
        t0: float = 0.0,
        include_surface: bool = False,
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        if fmt is None:
            first = next(read_chunks(self.path, 4096), b"")
            fmt = guess_format(first, str(self.path))
        self.stream = ModesStream(fmt, receiver=receiver, sensor=sensor, name=self.name, t0=t0)
        if self.stream.decoder is not None:  # a file is decoded whole: late surface fixes are written in
            self.stream.decoder.backfill = True
        self.include_surface = include_surface
        self.tables: list[MessageArray] = []
        self.keep_tables = True

    @property
    def stats(self) -> SourceStats:
        return SourceStats(
            self.name,
            f"modes-{self.stream.fmt}",
            messages=self.stream.messages,
            last_message_s=self.stream.last_message_s,
            status="file",
            rejects=self.stream.rejects,
        )

    def batches(self) -> Iterator[npt.NDArray[np.void]]:
        try:
            for chunk in read_chunks(self.path):
                yield self._reports(self.stream.feed(chunk))
        except SourceError as e:
            if not isinstance(e.__cause__, EOFError):
                raise
            self.stream.rejects.add("truncated")  # a gzip file cut short: keep what was read
        yield self._reports(self.stream.close())

    def table(self) -> MessageArray:
        """Every decoded message so far (read the whole file through `batches()` first), with the
        surface positions resolved after their message was decoded (cpr 5) written in."""
        table = np.concatenate(self.tables) if self.tables else np.empty(0, MESSAGE_DTYPE)
        dec = self.stream.decoder
        fills = dec.pop_backfill() if dec is not None else []
        if fills and self.keep_tables:
            rows = np.array([f[0] for f in fills], np.int64)
            table["lat"][rows] = [f[1] for f in fills]
            table["lon"][rows] = [f[2] for f in fills]
            table["cpr"][rows] = 5
            self.tables = [table]
        return table

    def _reports(self, table: MessageArray) -> npt.NDArray[np.void]:
        if self.keep_tables:
            self.tables.append(table)
        return self.stream.reports(table, self.include_surface)


def decode_file(
    path: str | Path, fmt: str | None = None, receiver: tuple[float, float] | None = None
) -> tuple[MessageArray, ModesFileSource]:
    """Decode a whole recording: (message table, the source with its stats and registry)."""
    src = ModesFileSource(path, fmt, receiver=receiver)
    for _ in src.batches():
        pass
    return src.table(), src


def load_recording(path: str | Path) -> tuple[npt.NDArray[np.float64], list[str]]:
    """(times, hex frames) of a Beast or JSON-lines recording, for replay."""
    first = next(read_chunks(path, 4096), b"")
    fmt = guess_format(first, str(path))
    parser: BeastParser | JsonlParser
    if fmt == "beast":
        parser = BeastParser(t0=0.0)
    elif fmt == "jsonl":
        parser = JsonlParser()
    else:
        raise SourceError(f"{path}: replay serves Beast or JSON-lines recordings, not {fmt}")
    times, hexes = [], []
    for chunk in read_chunks(path):
        f = parser.feed(chunk)
        times.append(f.time_s)
        hexes += f.hex
    f = parser.close()
    times.append(f.time_s)
    hexes += f.hex
    return np.concatenate(times), hexes


class BeastReplayServer:
    """Plays frames to every connected client; playback starts when the first client connects."""

    def __init__(
        self,
        times: npt.NDArray[np.float64],
        hexes: list[str],
        port: int,
        *,
        host: str = "127.0.0.1",
        speed: float = 1.0,
        slice_s: float = 0.05,
    ) -> None:
        order = np.argsort(times, kind="stable")
        self.times = np.asarray(times)[order]
        self.hexes = [hexes[i] for i in order.tolist()]
        self.host, self.port, self.speed, self.slice_s = host, port, speed, slice_s
        self.clients: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.sent = 0
        self._first_client = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.host, self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self.clients.add(writer)
        self._first_client.set()
        try:
            with contextlib.suppress(OSError):
                await reader.read()  # clients send nothing; returns when they hang up
        finally:
            self.clients.discard(writer)
            if task is not None:
                self._handlers.discard(task)

    async def play(self) -> None:
        await self._first_client.wait()
        n = len(self.hexes)
        if n == 0:
            return
        t_rec0, wall0 = float(self.times[0]), time.monotonic()
        step = self.slice_s * self.speed  # recording seconds per slice
        edges = np.searchsorted(self.times, np.arange(t_rec0, float(self.times[-1]) + step, step), "left")
        edges = np.append(edges[1:], n)
        lo = 0
        for hi in edges.tolist():
            if hi <= lo:
                continue
            due = wall0 + (float(self.times[lo]) - t_rec0) / self.speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            # the counter keeps the recording's timeline: at N x, the feed's clock runs N x faster
            data = encode_beast(self.times[lo:hi], self.hexes[lo:hi], t_first=t_rec0)
            for w in list(self.clients):
                if w.transport.get_write_buffer_size() > 1 << 22:  # a client that stopped reading
                    w.close()
                    self.clients.discard(w)
                    continue
                w.write(data)
            self.sent = hi
            lo = hi

    async def close(self) -> None:
        for w in list(self.clients):
            w.close()
        self.clients.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        # Let each connection's handler see its socket closed and return: a handler still waiting
        # when the loop ends is cancelled, and asyncio's streams print that as a traceback.
        pending = {t for t in self._handlers if not t.done()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=2.0)
            for t in late:
                t.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._handlers.clear()


async def serve_beast(
    path: str | Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    speed: float = 1.0,
    loop: bool = False,
    ready: Callable[[int], object] | None = None,
) -> int:
    """Serve a recording as Beast on host:port until it has been played (forever with `loop`).

    `ready(n_frames)` is called once the port listens. Returns the number of frames played.
    """
    times, hexes = load_recording(path)
    server = BeastReplayServer(times, hexes, port, host=host, speed=speed)
    await server.start()
    if ready is not None:
        ready(len(hexes))
    try:
        while True:
            await server.play()
            if not loop:
                break
        for w in list(server.clients):
            with contextlib.suppress(OSError):
                await w.drain()
    finally:
        await server.close()
    return server.sent


__all__ = [
    "BeastReplayServer",
    "ModesFileSource",
    "decode_file",
    "guess_format",
    "load_recording",
    "read_chunks",
    "serve_beast",
]
