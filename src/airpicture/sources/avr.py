"""AVR raw hex framing (dump1090 / readsb port 30002), one frame per line.

    *8d4840d6202cc371c32ce0576098;          no timestamp: receive time is used
    @0000015a8877e8d4840d6202cc371c32ce0576098;   12 hex digits of 12 MHz counter first

Lines are split with bytes ops; the hex itself is checked by `ModesDecoder` (a bad frame must
never reach rs1090, which aborts on a non-hex digit). A line cut by a chunk boundary is kept
for the next chunk.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from airpicture.sources.base import Frames, LineBuffer
from airpicture.types import Rejects

TICKS_PER_S = 12e6
MAX_LINE = 256


class AvrParser:
    """Incremental AVR framing: `feed(bytes) -> Frames`; never raises on bad lines."""

    def __init__(self, t0: float | None = 0.0, live: bool = False, source: str = "avr") -> None:
        self.t0 = t0
        self.live = live
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()
        self._lines = LineBuffer(MAX_LINE, self.rejects, "avr_oversize")
        self._anchor: tuple[int, float] | None = None

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
        return Frames(self._times(np.array(ticks, np.int64)), hexes, np.full(len(hexes), np.nan, np.float32))

    def reanchor(self) -> None:
        """A new connection: tie the counter to the wall clock again at its next frame."""
        self._anchor = None

    def _times(self, ticks: np.ndarray) -> np.ndarray:
        now = time.time()
        base = now if (self.live or self.t0 is None) else self.t0
        out = np.full(len(ticks), base, np.float64)
        has = ticks >= 0
        if has.any():
            t = ticks[has]
            if self._anchor is None or (self.live and t[0] < self._anchor[0]):
                self._anchor = (int(t[0]), base)
            out[has] = self._anchor[1] + (t - self._anchor[0]) / TICKS_PER_S
        return out


__all__ = ["AvrParser"]
