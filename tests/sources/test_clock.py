"""A receiver's clock is not trusted blindly (issue 13, defect 2): over a real TCP feed, one frame
with the MLAT marker, a counter far in the future or one going backwards is rejected and counted and
never moves feed time; a receiver that really restarts its counter is re-based after a few frames."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from airpicture.config import FeedSettings
from airpicture.sources.beast import BeastParser, encode_beast
from airpicture.sources.clock import MLAT_MAGIC, TICKS_PER_S
from airpicture.sources.live import FeedClient

DATA = Path(__file__).parent.parent / "data" / "modes"


def _frames(n: int) -> tuple[np.ndarray, list[str]]:
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        rows = [json.loads(next(f)) for _ in range(n)]
    return np.array([r["timestamp"] for r in rows]), [r["frame"] for r in rows]


def _beast(ticks: list[int], hexes: list[str]) -> bytes:
    """Beast frames with exactly these 12 MHz counters."""
    return encode_beast(np.array(ticks, np.float64) / TICKS_PER_S, hexes, t_first=0.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _feed(data: bytes) -> tuple[FeedClient, np.ndarray, float]:
    """Serve `data` once over TCP to a FeedClient; the times of every message it decoded and the
    host time at connection."""
    port = _free_port()

    async def main() -> tuple[FeedClient, np.ndarray, float]:
        async def handle(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(data)
            await w.drain()
            w.close()
            await w.wait_closed()

        server = await asyncio.start_server(handle, "127.0.0.1", port)
        client = FeedClient("beast", "127.0.0.1", port, receiver=(49.0097, 2.5479), backoff_s=5.0)
        times: list[np.ndarray] = []
        decode = client.stream.feed

        def feed(data: bytes) -> np.ndarray:  # every decoded message, not only position reports
            table = decode(data)
            times.append(table["time_s"])
            return table

        client.stream.feed = feed  # type: ignore[method-assign]
        t_connect = time.time()

        async def consume() -> None:
            async for _ in client.abatches():
                pass

        task = asyncio.create_task(consume())
        deadline = time.monotonic() + 20
        while not (client.connections and client.stats.status.startswith("down")):
            assert time.monotonic() < deadline, client.stats.status
            await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        server.close()
        await server.wait_closed()
        return client, np.concatenate(times), t_connect

    return asyncio.run(main())


def test_one_bad_counter_never_moves_feed_time() -> None:
    t, hexes = _frames(600)
    ticks = np.round((t - t[0]) * TICKS_PER_S).astype(np.int64).tolist()
    span = t[-1] - t[0]
    bad = {
        150: MLAT_MAGIC,  # an MLAT result from dump1090 / readsb
        300: ticks[300] + int(86_400 * TICKS_PER_S),  # a day ahead
        450: max(ticks[450] - int(3_600 * TICKS_PER_S), 1),  # an hour back (not a restart: one frame)
    }
    for i, k in bad.items():
        ticks[i] = k
    client, times, t_connect = _feed(_beast(ticks, hexes))
    rej = client.stream.rejects.counts
    assert rej["mlat"] == 1 and rej["clock_jump"] == 2
    assert client.stream.notes["clock_rebase"] == 0
    assert len(times) == 600 - 3
    # every report on the receiver's own timeline, anchored at the connection
    assert times.min() >= t_connect - 1 and times.max() <= t_connect + span + 1
    assert np.all(np.diff(times) >= -FeedSettings().clock_back_s)


def test_a_receiver_restart_is_rebased_after_a_sustained_step() -> None:
    t, hexes = _frames(400)
    ticks = np.round((t - t[0]) * TICKS_PER_S).astype(np.int64) + int(86_431 * TICKS_PER_S)  # a day up
    ticks[200:] -= ticks[200] - 12_000  # the receiver restarts: its counter starts again near zero
    client, times, t_connect = _feed(_beast(ticks.tolist(), hexes))
    k = FeedSettings().clock_rebase_frames
    assert client.stream.rejects.counts["clock_jump"] == k - 1  # the frames before the step was sure
    assert client.stream.notes["clock_rebase"] == 1
    # after the restart the feed's time starts again from the host clock, not a day ahead
    span = t[-1] - t[0]
    assert times.max() <= t_connect + span + 1 and times.min() >= t_connect - 1
    assert len(times) == 400 - (k - 1)


def test_a_file_with_an_mlat_frame_keeps_its_timeline() -> None:
    t, hexes = _frames(100)
    ticks = np.round((t - t[0]) * TICKS_PER_S).astype(np.int64).tolist()
    ticks[50] = MLAT_MAGIC
    p = BeastParser(t0=1000.0)
    f = p.feed(_beast(ticks, hexes))
    assert len(f) == 99 and p.rejects.counts["mlat"] == 1
    assert f.time_s.max() == pytest.approx(1000.0 + (t[-1] - t[0]), abs=1e-6)


def test_a_reconnection_keeps_the_timeline_when_the_counter_continues() -> None:
    t, hexes = _frames(200)
    ticks = np.round((t - t[0]) * TICKS_PER_S).astype(np.int64) + 1
    p = BeastParser(live=True)
    first = p.feed(_beast(ticks[:100].tolist(), hexes[:100]))
    p.reanchor()  # the connection dropped; the same receiver (or a replay at N x) answers again
    again = p.feed(_beast(ticks[100:].tolist(), hexes[100:]))
    assert again.time_s[0] - first.time_s[0] == pytest.approx(t[100] - t[0], abs=1e-6)
    p.reanchor()  # a restarted receiver: its counter starts again; tied to the host clock
    now = time.time()
    restarted = p.feed(_beast([12_000 + int(k - ticks[0]) for k in ticks[:50]], hexes[:50]))
    assert abs(restarted.time_s[0] - now) < 1.0 and p.rejects.total == 0
