"""Mode S / ADS-B streams: bytes of any feed format -> decoded messages -> tracker reports.

`ModesStream` glues one framing (Beast, AVR, JSON lines) to a `ModesDecoder`, or reads SBS,
for files and sockets alike. `FeedClient` is a live TCP source (asyncio streams): it reconnects
with exponential backoff when the feed drops, keeps its CPR / velocity / registry state across
reconnects, and counts everything in its `SourceStats`. `run_feeds` runs several feeds into one
bounded queue (a slow consumer loses the oldest batches, counted as "queue_dropped" rejects of
the feed they came from) and prints per-feed stats to stderr periodically.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import TextIO

import numpy as np
import numpy.typing as npt

from airpicture.config import FeedSettings
from airpicture.errors import ConfigError
from airpicture.sources.avr import AvrParser
from airpicture.sources.base import Frames
from airpicture.sources.beast import BeastParser
from airpicture.sources.jsonl import JsonlParser
from airpicture.sources.modes import (
    MESSAGE_DTYPE,
    AircraftInfo,
    MessageArray,
    ModesDecoder,
    describe,
    reports_from_table,
)
from airpicture.sources.remoteid_live import RemoteIdStream
from airpicture.sources.sbs import SbsDecoder
from airpicture.types import REMOTEID_BIT, Rejects, SourceStats

FORMATS = ("beast", "avr", "sbs", "jsonl")
#: What a live feed may carry: a Mode S format, or Remote ID JSON lines (sources/remoteid_live.py).
LIVE_FORMATS = (*FORMATS, "remoteid")
log = logging.getLogger(__name__)


class ModesStream:
    """One feed's bytes in, `MESSAGE_DTYPE` rows out. `feed` and `close` never raise on bad input."""

    def __init__(
        self,
        fmt: str,
        *,
        receiver: tuple[float, float] | None = None,
        sensor: int = 0,
        name: str = "",
        live: bool = False,
        t0: float | None = 0.0,
        feeds: FeedSettings | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown Mode S feed format {fmt!r} (one of {', '.join(FORMATS)})")
        self.fmt = fmt
        self.name = name or fmt
        self.sensor = sensor
        self.rejects = Rejects(self.name)
        self.messages = 0
        self.last_message_s = math.nan
        self._sbs: SbsDecoder | None = None
        self._parser: BeastParser | AvrParser | JsonlParser | None = None
        self._decoder: ModesDecoder | None = None
        #: called with every decoded table (from the thread that feeds the stream), e.g. a
        #: GnssWatch's add: the quality fields (NIC, NACp) stay in the table, not in the reports
        self.on_messages: Callable[[MessageArray], object] | None = None
        if fmt == "sbs":
            self._sbs = SbsDecoder(live=live, source=self.name)
            self._sbs.rejects = self.rejects
        else:
            if fmt == "beast":
                self._parser = BeastParser(t0=t0, live=live, source=self.name, clock=feeds)
            elif fmt == "avr":
                self._parser = AvrParser(t0=t0, live=live, source=self.name, clock=feeds)
            else:
                self._parser = JsonlParser(source=self.name)
            self._decoder = ModesDecoder(receiver=receiver, sensor=sensor, source=self.name)
            self._parser.rejects = self._decoder.rejects = self.rejects

    @property
    def registry(self) -> dict[int, AircraftInfo]:
        """icao -> latest callsign / category / squawk / quality of every aircraft heard."""
        return self._sbs.registry if self._sbs is not None else self._decoder.registry  # type: ignore[union-attr]

    @property
    def notes(self) -> Counter[str]:
        """Counts of events that are not rejects (status frames, unresolved CPR...)."""
        parts = [p.notes for p in (self._sbs, self._parser, self._decoder) if p is not None]
        return sum(parts, Counter())

    @property
    def decoder(self) -> ModesDecoder | None:
        """The Mode S decoder (None for an SBS feed, decoded upstream): its receiver check,
        surface back-fill and Comm-B state."""
        return self._decoder

    def feed(self, data: bytes) -> MessageArray:
        if self._sbs is not None:
            return self._seen(self._sbs.feed(data))
        return self._decode(self._parser.feed(data))  # type: ignore[union-attr]

    def close(self) -> MessageArray:
        """End of input (or of a connection): flush or count a partial last frame."""
        if self._sbs is not None:
            return self._seen(self._sbs.close())
        return self._decode(self._parser.close())  # type: ignore[union-attr]

    def reanchor(self) -> None:
        """A new connection: the receiver's clock is tied to the wall clock again."""
        if isinstance(self._parser, BeastParser | AvrParser):
            self._parser.reanchor()

    def reports(self, table: MessageArray, include_surface: bool = False) -> npt.NDArray[np.void]:
        return reports_from_table(table, self.sensor, include_surface)

    def feed_reports(self, data: bytes) -> npt.NDArray[np.void]:
        """A live feed's bytes -> its airborne position reports (FeedClient's use of a stream)."""
        return self.reports(self.feed(data))

    def close_reports(self) -> npt.NDArray[np.void]:
        return self.reports(self.close())

    def describe(self, idents: npt.NDArray[np.int64]) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
        """Callsigns and Mode S data of this batch's aircraft (modes.describe)."""
        return describe([self.registry], idents)

    def _decode(self, frames: Frames) -> MessageArray:
        if len(frames) == 0:
            return np.empty(0, MESSAGE_DTYPE)
        return self._seen(self._decoder.decode(frames.time_s, frames.hex))  # type: ignore[union-attr]

    def _seen(self, table: MessageArray) -> MessageArray:
        if len(table):
            self.messages += len(table)
            self.last_message_s = float(table["time_s"][-1])
            if self.on_messages is not None:
                try:
                    self.on_messages(table)
                except Exception:  # supervisor boundary: a listener's bug must not stop the feed
                    log.exception("%s: message listener failed on %d messages", self.name, len(table))
        return table


class FeedClient:
    """A live feed over TCP (a `LiveSource`): `abatches()` yields REPORT_DTYPE batches forever.
    fmt: a Mode S format (FORMATS) or "remoteid" (JSON lines of Remote ID frames)."""

    def __init__(
        self,
        fmt: str,
        host: str,
        port: int,
        *,
        receiver: tuple[float, float] | None = None,
        sensor: int = 0,
        name: str = "",
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        read_size: int = 1 << 16,
        feeds: FeedSettings | None = None,
    ) -> None:
        self.name = name or f"{fmt}@{host}:{port}"
        self.host, self.port = host, port
        self.feeds = feeds or FeedSettings()
        self.stream: ModesStream | RemoteIdStream
        if fmt == "remoteid":
            self.stream = RemoteIdStream(sensor=sensor, name=self.name, feeds=self.feeds)
        else:
            self.stream = ModesStream(
                fmt, receiver=receiver, sensor=sensor, name=self.name, live=True, feeds=self.feeds
            )
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.read_size = read_size
        self.connections = 0
        self.reports = 0  # REPORT rows yielded
        kind = "remoteid" if fmt == "remoteid" else f"modes-{fmt}"
        self._stats = SourceStats(self.name, kind, rejects=self.stream.rejects)
        self._rate_mark = (time.monotonic(), 0)
        self._heard = (time.monotonic(), 0)  # host time the message count last grew, and that count

    @property
    def stats(self) -> SourceStats:
        """Current stats. A connected feed that has sent nothing for feeds.stale_s (host clock: a
        stopped receiver keeps its connection open) is "stale"; `silent_s` says for how long."""
        s = self._stats
        s.messages = self.stream.messages
        s.last_message_s = self.stream.last_message_s
        now = time.monotonic()
        t0, m0 = self._rate_mark
        if now - t0 >= 1.0:
            s.rate_per_s = (s.messages - m0) / (now - t0)
            self._rate_mark = (now, s.messages)
        if s.messages != self._heard[1]:
            self._heard = (now, s.messages)
        s.silent_s = now - self._heard[0]
        if s.silent_s > self.feeds.stale_s and s.status in ("connected", "stale"):
            s.status = "stale"
        elif s.status == "stale":
            s.status = "connected"
        return s

    async def abatches(self) -> AsyncIterator[npt.NDArray[np.void]]:
        delay = self.backoff_s
        while True:
            self._stats.status = "connecting"
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 10.0)
            except (OSError, TimeoutError) as e:
                self._stats.status = f"down ({type(e).__name__})"
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            self.connections += 1
            self.stream.reanchor()
            if self.connections > 1:
                self._stats.reconnects += 1
            self._stats.status = "connected"
            self._heard = (time.monotonic(), self.stream.messages)  # silence counts from here
            try:
                while data := await reader.read(self.read_size):
                    delay = self.backoff_s  # the feed works again: next drop starts a fresh backoff
                    reports = self.stream.feed_reports(data)
                    if len(reports):
                        self.reports += len(reports)
                        yield reports
            except OSError as e:  # reset by peer and the like: a drop, not a failure
                log.info("%s: connection lost: %s", self.name, e)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            reports = self.stream.close_reports()  # a frame cut by the drop is lost
            if len(reports):
                self.reports += len(reports)
                yield reports
            self._stats.status = "down (closed)"
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)


def describe_feeds(
    feeds: list[FeedClient], idents: npt.NDArray[np.int64]
) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
    """Names and what the sources say of one batch's identities (Picture.info): callsigns and Mode
    S data from the Mode S feeds (the first feed that knows an aircraft), serials and operator data
    from the Remote ID feeds."""
    names, info = describe([f.stream.registry for f in feeds if isinstance(f.stream, ModesStream)], idents)
    rid = [f.stream for f in feeds if isinstance(f.stream, RemoteIdStream)]
    drones = idents[idents >= REMOTEID_BIT] if rid else idents[:0]
    for stream in rid if len(drones) else []:
        n, i = stream.describe(drones)
        names.update(n)
        info.update(i)
    return names, info


def format_stats(feeds: list[FeedClient]) -> str:
    """One line per feed: status, messages, rate, CRC failures, rejects by reason, reconnects,
    aircraft (drones) held and expired."""
    lines = []
    for f in feeds:
        s = f.stats
        rej = s.rejects.counts if s.rejects is not None else Counter()
        other = ", ".join(f"{k}={v}" for k, v in sorted(rej.items()) if k != "crc") or "none"
        age = max(0.0, time.time() - s.last_message_s) if math.isfinite(s.last_message_s) else math.nan
        held = "drones" if isinstance(f.stream, RemoteIdStream) else "aircraft"
        lines.append(
            f"{s.name}: {s.status}, {s.messages} msgs, {s.rate_per_s:.0f}/s, crc={rej.get('crc', 0)}, "
            f"rejects: {other}, last msg {age:.1f} s ago, reconnects={s.reconnects}, "
            f"{held}={len(f.stream.registry)} (expired {f.stream.notes['expired']}, "
            f"evicted {f.stream.notes['evicted']})"
        )
    return "\n".join(lines)


async def run_feeds(
    feeds: list[FeedClient],
    on_reports: Callable[[npt.NDArray[np.void]], object],
    *,
    duration_s: float | None = None,
    stats_every_s: float = 10.0,
    stats_out: TextIO | None = sys.stderr,
    queue_size: int = 256,
) -> None:
    """Run live feeds into `on_reports(reports)` until `duration_s` (or forever)."""
    queue: asyncio.Queue[tuple[FeedClient, npt.NDArray[np.void]]] = asyncio.Queue(queue_size)

    async def pump(feed: FeedClient) -> None:
        async for reports in feed.abatches():
            while True:
                try:
                    queue.put_nowait((feed, reports))
                    break
                except asyncio.QueueFull:
                    old_feed, old = queue.get_nowait()
                    old_feed.stream.rejects.add("queue_dropped", len(old))

    lock = threading.Lock()  # a cancelled consumer's thread may still be in on_reports

    def deliver(reports: npt.NDArray[np.void]) -> None:
        try:
            with lock:
                on_reports(reports)
        except Exception:  # supervisor boundary: a consumer bug must not stop the feeds
            log.exception("report consumer failed; batch of %d reports lost", len(reports))

    async def consume() -> None:
        while True:
            _, reports = await queue.get()
            # in a worker thread: the feeds keep reading while the tracker works on a batch
            await asyncio.to_thread(deliver, reports)

    async def report() -> None:
        while True:
            await asyncio.sleep(stats_every_s)
            if stats_out is not None:
                print(format_stats(feeds), file=stats_out, flush=True)

    tasks = [asyncio.create_task(pump(f)) for f in feeds]
    tasks += [asyncio.create_task(consume()), asyncio.create_task(report())]
    try:
        if duration_s is None:
            await asyncio.gather(*tasks)
        else:
            await asyncio.sleep(duration_s)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        while not queue.empty():
            deliver(queue.get_nowait()[1])
        with lock:  # wait for a batch still in a cancelled consumer's thread
            pass
        if stats_out is not None:
            print(format_stats(feeds), file=stats_out, flush=True)


__all__ = [
    "FORMATS",
    "LIVE_FORMATS",
    "FeedClient",
    "ModesStream",
    "describe_feeds",
    "format_stats",
    "run_feeds",
]
