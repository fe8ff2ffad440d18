"""ASTERIX over the network: receive it (UDP unicast or multicast, as ATC networks carry it; TCP)
and serve a recording (`airpicture replay --serve-asterix`).

    src = AsterixUdpSource(AsterixStream(sheets), "239.10.10.48", 8600)   # joins the group
    async for plots, reports in src.abatches(): ...

Each datagram (or, on TCP, each run of whole data blocks) goes through `AsterixStream.feed` with
its receive time. The queue between the socket and the consumer is bounded: a slow consumer
loses the oldest datagrams, counted as `queue_dropped` rejects. A TCP feed that drops is
reconnected with exponential backoff (0.5 s doubling to 30 s), keeping the stream's state.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import socket
import struct
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np

from airpicture.errors import DecodeError, SourceError
from airpicture.sources.asterix import decode_block
from airpicture.sources.asterix_feed import AsterixStream, BlockFramer, read_datagrams
from airpicture.types import Rejects, SourceStats

Batch = tuple[np.ndarray, np.ndarray]  # PLOT_DTYPE rows, REPORT_DTYPE rows


def udp_socket(host: str, port: int, interface: str = "0.0.0.0") -> socket.socket:
    """A UDP socket bound to port: on host, or for a multicast group on every address, joined
    to the group on `interface` (IPv4)."""
    multicast = ipaddress.ip_address(host).is_multicast if host else False
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)  # a burst of a whole scan
    try:
        sock.bind(("" if multicast else host, port))
        if multicast:
            mreq = struct.pack("4s4s", socket.inet_aton(host), socket.inet_aton(interface))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    except OSError as e:
        sock.close()
        raise SourceError(f"ASTERIX UDP {host}:{port}: {e}") from e
    sock.setblocking(False)
    return sock


class _Queue(asyncio.DatagramProtocol):
    def __init__(self, q: asyncio.Queue[tuple[bytes, float]], rejects: Rejects) -> None:
        self.q, self.rejects = q, rejects

    def datagram_received(self, data: bytes, addr: object) -> None:
        if self.q.full():
            self.q.get_nowait()
            self.rejects.add("queue_dropped")
        self.q.put_nowait((data, time.time()))


class AsterixUdpSource:
    """ASTERIX datagrams from a UDP port (unicast) or group (multicast) -> (plots, reports)."""

    def __init__(
        self, stream: AsterixStream, host: str, port: int, interface: str = "0.0.0.0", max_queue: int = 4096
    ) -> None:
        self.stream, self.host, self.port = stream, host, port
        self.name = f"asterix-udp:{host}:{port}"
        self.sock = udp_socket(host, port, interface)
        self.max_queue = max_queue
        self.messages = 0

    @property
    def stats(self) -> SourceStats:
        return SourceStats(self.name, "asterix", self.messages, last_message_s=self.stream.last_s,
                           status="live", rejects=self.stream.rejects)  # fmt: skip

    async def abatches(self) -> AsyncIterator[Batch]:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue(self.max_queue)
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Queue(q, self.stream.rejects), sock=self.sock
        )
        try:
            while True:
                data, t = await q.get()
                self.messages += 1
                yield self.stream.feed(data, t)
        finally:
            transport.close()


class AsterixTcpSource:
    """ASTERIX data blocks from a TCP server (a radar head or a gateway) -> (plots, reports)."""

    def __init__(self, stream: AsterixStream, host: str, port: int) -> None:
        self.stream, self.host, self.port = stream, host, port
        self.name = f"asterix-tcp:{host}:{port}"
        self.framer = BlockFramer(stream.rejects)
        self.messages = self.reconnects = 0
        self.status = "connecting"

    @property
    def stats(self) -> SourceStats:
        return SourceStats(
            self.name, "asterix", self.messages, last_message_s=self.stream.last_s, status=self.status,
            reconnects=self.reconnects, rejects=self.stream.rejects,
        )  # fmt: skip

    async def abatches(self) -> AsyncIterator[Batch]:
        backoff = 0.5
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as e:
                self.status = f"down: {e.strerror or e}"
                await asyncio.sleep(backoff)
                backoff, self.reconnects = min(backoff * 2, 30.0), self.reconnects + 1
                continue
            self.status, backoff = "live", 0.5
            try:
                while data := await reader.read(65536):
                    blocks = self.framer.split(data)
                    if blocks:
                        self.messages += len(blocks)
                        yield self.stream.feed(b"".join(blocks), time.time())
            except OSError as e:
                self.status = f"down: {e.strerror or e}"
            finally:
                writer.close()
            self.framer.tail = b""  # a block cut by the drop is lost; the next connection starts clean
            self.status = "down: closed"
            await asyncio.sleep(backoff)
            self.reconnects += 1


# ----------------------------------------------------------------------------- replay


def recording_times(path: str | Path, rejects: Rejects) -> list[tuple[float, bytes]]:
    """A recording's datagrams with the time to send each: the capture time (pcap), else the
    time of day of the block's first record (raw), carried over midnight; undecodable blocks of
    a raw file keep the time before them."""
    out: list[tuple[float, bytes]] = []
    last = day = 0.0
    for t, data in read_datagrams(path, rejects):
        if math.isnan(t):
            try:
                recs = decode_block(data)
                tod = recs[0].tod_s if recs and recs[0].tod_s == recs[0].tod_s else math.nan
            except DecodeError:
                tod = math.nan
            if tod == tod:
                day += 86400.0 if out and tod + day < last - 43200 else 0.0
                t = tod + day
            else:
                t = last
        last = t
        out.append((t, data))
    return out


async def serve_asterix(
    path: str | Path,
    *,
    udp: tuple[str, int] | None = None,
    tcp_port: int | None = None,
    host: str = "127.0.0.1",
    speed: float = 1.0,
    ttl: int = 1,
    ready: Callable[[int], None] | None = None,
) -> int:
    """Play a recording at its pace times `speed`: datagrams to a UDP address (multicast with
    `ttl` hops), or blocks to every client of a TCP server on tcp_port (playback starts when the
    first client connects). Returns the datagrams sent."""
    items = recording_times(path, Rejects(str(path)))
    if not items:
        raise SourceError(f"{path}: no ASTERIX data blocks")
    clients: list[asyncio.StreamWriter] = []
    first = asyncio.Event()

    async def client(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.append(writer)
        first.set()

    server = await asyncio.start_server(client, host, tcp_port) if tcp_port is not None else None
    sock = None
    if udp is not None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    if ready is not None:
        ready(len(items))
    try:
        if server is not None:
            await first.wait()
        t0, wall0 = items[0][0], time.monotonic()
        for n, (t, data) in enumerate(items):
            wait = (t - t0) / speed - (time.monotonic() - wall0)
            if wait > 0:
                await asyncio.sleep(wait)
            elif n % 64 == 0:
                await asyncio.sleep(0)  # let the receivers run
            if sock is not None and udp is not None:
                sock.sendto(data, udp)
            for w in list(clients):
                if w.is_closing():
                    clients.remove(w)
                else:
                    w.write(data)
                    await w.drain()
        return len(items)
    finally:
        if sock is not None:
            sock.close()
        for w in clients:
            w.close()
        if server is not None:
            server.close()
            await server.wait_closed()


__all__ = ["AsterixTcpSource", "AsterixUdpSource", "recording_times", "serve_asterix", "udp_socket"]
