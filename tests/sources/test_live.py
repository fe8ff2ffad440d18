"""Live feeds over real TCP: a replay server killed mid-stream and restarted, frames cut by
socket boundaries, and a slow consumer behind a bounded queue."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from airpicture.sources.beast import encode_beast
from airpicture.sources.live import FeedClient, ModesStream, format_stats, run_feeds

DATA = Path(__file__).parent.parent / "data" / "modes"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _frames(n: int) -> tuple[np.ndarray, list[str]]:
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        rows = [json.loads(next(f)) for _ in range(n)]
    return np.array([r["timestamp"] for r in rows]), [r["frame"] for r in rows]


def _server(path: Path, port: int, speed: float) -> subprocess.Popen[bytes]:
    """The replay CLI in its own process (so it can be killed like a crashing receiver)."""
    cmd = [
        sys.executable,
        "-m",
        "airpicture",
        "replay",
        "--serve-beast",
        str(port),
        str(path),
        "--speed",
        str(speed),
    ]
    log = path.with_suffix(f".{speed}.log")
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stderr=err)
    deadline = time.monotonic() + 20
    while b"serving" not in log.read_bytes():  # printed once it listens (a probe would start playback)
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"replay server did not start: {log.read_text()}")
        time.sleep(0.02)
    return proc


async def _stop(task: asyncio.Task[None]) -> None:
    """Cancel and wait, so the client's connection is closed inside the loop."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _until(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _closing(writer: asyncio.StreamWriter):  # type: ignore[no-untyped-def]
    """A test server's connection, closed (and waited for) however its handler ends: a socket
    left to the garbage collector after the loop is gone is a ResourceWarning in a later test."""
    try:
        yield
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _finished(handlers: list[asyncio.Task[None]]) -> None:
    """Wait for the test server's connection handlers (Python 3.11's wait_closed does not)."""
    if handlers:
        _, pending = await asyncio.wait(handlers, timeout=10)
        for t in pending:
            t.cancel()
        assert not pending, "a server handler did not finish"


def test_server_killed_mid_stream_and_restarted(tmp_path: Path) -> None:
    times, hexes = _frames(2000)  # ~170 s of real traffic
    rec = tmp_path / "rec.bin"
    rec.write_bytes(encode_beast(times, hexes))
    port = _free_port()

    async def main() -> tuple[int, int]:
        client = FeedClient("beast", "127.0.0.1", port, receiver=(49.0097, 2.5479), backoff_s=0.05,
                            max_backoff_s=0.2)  # fmt: skip
        reports: list[np.ndarray] = []

        async def consume() -> None:
            async for r in client.abatches():
                reports.append(r)

        first = _server(rec, port, speed=300)  # 2000 frames (960 s) in ~3 s
        task = asyncio.create_task(consume())
        try:
            await _until(lambda: client.stream.messages > 300)
            first.kill()  # mid-stream, as a receiver that crashes
            first.wait()
            await _until(lambda: client.stats.status.startswith("down"))
            at_drop = client.stream.messages
            assert 300 < at_drop < len(hexes)
            second = _server(rec, port, speed=3000)
            try:
                await _until(lambda: client.stream.messages >= at_drop + len(hexes))
                await asyncio.sleep(0.3)  # nothing more, nothing twice
                assert second.wait(timeout=10) == 0
            finally:
                second.kill()
            assert client.stats.reconnects >= 1
            assert client.connections >= 2
            return at_drop, client.stream.messages
        finally:
            first.kill()
            await _stop(task)

    at_drop, total = asyncio.run(main())
    assert total - at_drop == 2000  # every frame sent after the restart was decoded


def test_frames_cut_by_socket_boundaries() -> None:
    times, hexes = _frames(400)
    data = encode_beast(times, hexes)
    port = _free_port()

    async def main() -> FeedClient:
        handlers: list[asyncio.Task[None]] = []

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.append(asyncio.current_task())  # type: ignore[arg-type]
            async with _closing(writer):
                for i in range(0, len(data), 13):  # 13-byte pieces: nearly every frame is cut
                    writer.write(data[i : i + 13])
                    await writer.drain()
                    await asyncio.sleep(0.0005)

        server = await asyncio.start_server(handler, "127.0.0.1", port)
        client = FeedClient("beast", "127.0.0.1", port, read_size=16)
        got = 0

        async def consume() -> None:
            nonlocal got
            async for r in client.abatches():
                got += len(r)

        task = asyncio.create_task(consume())
        await _until(lambda: client.stream.messages >= len(hexes), 20)
        await _stop(task)
        server.close()
        await server.wait_closed()
        await _finished(handlers)
        return client

    client = asyncio.run(main())
    assert client.stream.messages == 400
    assert client.stream.rejects.total == 0


def test_slow_consumer_loses_oldest_batches_counted() -> None:
    times, hexes = _frames(3000)
    data = encode_beast(times, hexes)
    port = _free_port()
    delivered: list[int] = []

    def slow(reports: np.ndarray) -> None:
        time.sleep(0.05)
        delivered.append(len(reports))

    async def main() -> FeedClient:
        handlers: list[asyncio.Task[None]] = []

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.append(asyncio.current_task())  # type: ignore[arg-type]
            async with _closing(writer):
                for i in range(0, len(data), 500):
                    writer.write(data[i : i + 500])
                    await writer.drain()
                    await asyncio.sleep(0.001)
                await reader.read()  # until the client hangs up

        server = await asyncio.start_server(handler, "127.0.0.1", port)
        client = FeedClient("beast", "127.0.0.1", port, receiver=(49.0097, 2.5479), read_size=512)
        await run_feeds([client], slow, duration_s=1.5, stats_every_s=0.5, stats_out=None, queue_size=2)
        server.close()
        await server.wait_closed()
        await _finished(handlers)  # the server side has seen the hang-up and closed its socket
        return client

    client = asyncio.run(main())
    dropped = client.stream.rejects.counts["queue_dropped"]
    assert dropped > 0
    assert "queue_dropped" in format_stats([client])
    assert sum(delivered) + dropped == client.reports > 0  # every report delivered or counted


def test_connection_refused_backs_off_and_counts() -> None:
    port = _free_port()

    async def main() -> FeedClient:
        client = FeedClient("beast", "127.0.0.1", port, backoff_s=0.01, max_backoff_s=0.05)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(run_feeds([client], lambda r: None, stats_out=None), 0.5)
        return client

    client = asyncio.run(main())
    assert client.stats.status.startswith("down")
    assert client.connections == 0 and client.stream.messages == 0


def test_a_failing_message_listener_does_not_stop_the_stream(caplog: pytest.LogCaptureFixture) -> None:
    data = gzip.decompress((DATA / "raw_frames_cdg.jsonl.gz").read_bytes())
    stream = ModesStream("jsonl")
    seen: list[int] = []

    def listener(table: object) -> None:
        seen.append(len(table))  # type: ignore[arg-type]
        raise RuntimeError("listener bug")

    stream.on_messages = listener
    first = stream.feed(data[:200_000])
    assert len(first) > 0 and seen == [len(first)]
    assert len(stream.feed(data[200_000:400_000])) > 0 and len(seen) == 2
    assert "message listener failed" in caplog.text
