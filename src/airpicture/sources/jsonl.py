"""JSON lines framing: one object per line with a hex `frame` and a `timestamp` (UTC s).

Other fields (a reference decode, for instance) are ignored. A line cut by a chunk boundary
is kept for the next chunk; a line that is not such an object is a counted reject.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np

from airpicture.sources.base import Frames, LineBuffer
from airpicture.types import Rejects

MAX_LINE = 1 << 16


class JsonlParser:
    """Incremental JSON-lines framing: `feed(bytes) -> Frames`; never raises on bad lines."""

    def __init__(self, source: str = "jsonl") -> None:
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()
        self._lines = LineBuffer(MAX_LINE, self.rejects, "jsonl_oversize")

    def feed(self, data: bytes) -> Frames:
        lines = self._lines.split(data)
        return self._parse(lines)

    def close(self) -> Frames:
        """End of input: a last line without its newline still counts if it is whole."""
        tail = self._lines.take_tail()
        if not tail:
            return Frames()
        try:
            json.loads(tail)
        except (ValueError, UnicodeDecodeError):
            self.rejects.add("truncated")
            return Frames()
        return self._parse([tail])

    def _parse(self, lines: list[bytes]) -> Frames:
        hexes: list[str] = []
        times: list[float] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                self.rejects.add("jsonl_syntax")
                continue
            if not isinstance(obj, dict):
                self.rejects.add("jsonl_syntax")
                continue
            frame, ts = obj.get("frame"), obj.get("timestamp")
            if not isinstance(frame, str):
                self.rejects.add("jsonl_frame")
                continue
            if not isinstance(ts, int | float) or isinstance(ts, bool) or not math.isfinite(ts):
                self.rejects.add("jsonl_timestamp")
                continue
            hexes.append(frame.lower())
            times.append(float(ts))
        if not hexes:
            return Frames()
        return Frames(np.array(times), hexes, np.full(len(hexes), np.nan, np.float32))


__all__ = ["JsonlParser"]
