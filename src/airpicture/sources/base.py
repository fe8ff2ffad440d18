"""The role contract of a source, the frame batch that Mode S framings hand the decoder, and when
live per-identity state expires (`StateExpiry`).

A source turns bytes (a file, a socket) into batches of measurements: REPORT_DTYPE rows for
cooperative reports, PLOT_DTYPE rows for radar plots. It never raises on bad input: each reject
is counted in its `SourceStats.rejects`.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

from airpicture.types import Rejects, SourceStats


@runtime_checkable
class Source(Protocol):
    """Yields batches of measurements (structured arrays) and says how it is doing."""

    name: str

    def batches(self) -> Iterator[npt.NDArray[np.void]]: ...

    @property
    def stats(self) -> SourceStats: ...


@runtime_checkable
class LiveSource(Protocol):
    """A source fed by a connection: the same batches, awaited."""

    name: str

    def abatches(self) -> AsyncIterator[npt.NDArray[np.void]]: ...

    @property
    def stats(self) -> SourceStats: ...


@dataclass
class Frames:
    """Raw Mode S frames cut out of a byte stream, not yet decoded.

    time_s : (N,) float64 receive time (UTC s); hex : N frames as 14 or 28 lowercase hex digits;
    signal : (N,) float32 signal level 0..1 (NaN when the format has none).
    """

    time_s: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    hex: list[str] = field(default_factory=list)
    signal: npt.NDArray[np.float32] = field(default_factory=lambda: np.empty(0, np.float32))

    def __len__(self) -> int:
        return len(self.hex)


class LineBuffer:
    """Splits a byte stream into whole lines, keeping a line cut by a chunk boundary.

    A partial line longer than `max_line` is dropped (the stream is not line-based) and counted
    in `rejects` under `reason`.
    """

    def __init__(self, max_line: int, rejects: Rejects, reason: str) -> None:
        self.max_line = max_line
        self.tail = b""
        self.rejects, self.reason = rejects, reason

    def split(self, data: bytes) -> list[bytes]:
        lines = (self.tail + data).split(b"\n")
        self.tail = lines.pop()
        if len(self.tail) > self.max_line:
            self.rejects.add(self.reason)
            self.tail = b""
        return lines

    def take_tail(self) -> bytes:
        tail, self.tail = self.tail.strip(), b""
        return tail


K = TypeVar("K")
V = TypeVar("V")


class StateExpiry:
    """When live per-identity state goes (readsb's aircraft TTL, pyModeS v3 `eviction_ttl`).

    `due(now_s)` is true at most once per `sweep_s` of feed time (or when the feed's clock jumps
    back by as much): a sweep walks every entry, so it is not run per batch. `drop` removes the
    entries last heard more than `expire_s` from now_s, either way: a far-future time from a
    corrupted timestamp must not pin an entry for ever; a NaN time counts as expired.
    """

    def __init__(self, expire_s: float, sweep_s: float) -> None:
        self.expire_s = expire_s
        self.sweep_s = sweep_s
        self.swept_s = -math.inf

    def due(self, now_s: float) -> bool:
        if not math.isfinite(now_s) or abs(now_s - self.swept_s) < self.sweep_s:
            return False
        self.swept_s = now_s
        return True

    def drop(self, entries: dict[K, V], now_s: float, seen_s: Callable[[V], float]) -> int:
        """Remove the entries whose `seen_s(entry)` is more than expire_s from now_s; how many."""
        old = [k for k, v in entries.items() if not abs(now_s - seen_s(v)) <= self.expire_s]
        for k in old:
            del entries[k]
        return len(old)


__all__ = ["Frames", "LineBuffer", "LiveSource", "Source", "StateExpiry"]
