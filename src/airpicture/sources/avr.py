"""AVR raw hex framing (dump1090 / readsb port 30002), one frame per line.

    *8d4840d6202cc371c32ce0576098;          no timestamp: receive time is used
    @0000015a8877e8d4840d6202cc371c32ce0576098;   12 hex digits of 12 MHz counter first

Lines are split with bytes ops; the hex itself is checked by `ModesDecoder` (a bad frame must
never reach rs1090, which aborts on a non-hex digit). A line cut by a chunk boundary is kept
for the next chunk.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from airpicture.config import FeedSettings
from airpicture.sources.base import Frames, LineBuffer
from airpicture.sources.clock import ReceiverClock
from airpicture.types import Rejects

MAX_LINE = 256


class AvrParser:
    """Incremental AVR framing: `feed(bytes) -> Frames`; never raises on bad lines."""

    def __init__(
        self,
        t0: float | None = 0.0,
        live: bool = False,
        source: str = "avr",
        clock: FeedSettings | None = None,
    ) -> None:
        self.t0 = t0
        self.live = live
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()
        self._lines = LineBuffer(MAX_LINE, self.rejects, "avr_oversize")
        self.clock = ReceiverClock(self.notes, live, t0, clock)

    def feed(self, data: bytes) -> Frames:
        lines = self._lines.split(data)
        return self._parse(lines)

    def close(self) -> Frames:
        """End of input: a last line without its newline still counts if it ends with ';'."""
        tail = self._lines.take_tail()
        if not tail:
            return Frames()
        if not tail.endswith(b";"):
            self.rejects.add("truncated")
            return Frames()
        return self._parse([tail])

    def _parse(self, lines: list[bytes]) -> Frames:
        hexes: list[str] = []
        ticks: list[int] = []
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            head, end = line[:1], line[-1:]
            if end != b";" or head not in (b"*", b"@"):
                self.rejects.add("avr_syntax")
                continue
            body = line[1:-1]
            if head == b"@":
                try:
                    ticks.append(int(body[:12], 16))
                except ValueError:
                    self.rejects.add("avr_syntax")
                    continue
                body = body[12:]
            else:
                ticks.append(-1)
            try:
                hexes.append(body.decode("ascii").lower())
            except UnicodeDecodeError:
                ticks.pop()
                self.rejects.add("avr_syntax")
        if not hexes:
            return Frames()
        times, keep = self.clock.times(np.array(ticks, np.int64), self.rejects)
        if not keep.all():
            hexes = [h for h, k in zip(hexes, keep.tolist(), strict=True) if k]
            times = times[keep]
        return Frames(times, hexes, np.full(len(hexes), np.nan, np.float32))

    def reanchor(self) -> None:
        """A new connection: tie the counter to the wall clock again at its next frame."""
        self.clock.reset()


__all__ = ["AvrParser"]
