"""The role contract of a source, and the frame batch that Mode S framings hand the decoder.

A source turns bytes (a file, a socket) into batches of measurements: REPORT_DTYPE rows for
cooperative reports, PLOT_DTYPE rows for radar plots. It never raises on bad input: each reject
is counted in its `SourceStats.rejects`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

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


__all__ = ["Frames", "LineBuffer", "LiveSource", "Source"]
