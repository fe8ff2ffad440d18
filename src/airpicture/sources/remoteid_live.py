"""A live Remote ID feed: JSON lines over TCP (`console --remoteid`, `run --remoteid`).

Each line is one received frame, the JSON-lines form `airpicture rid` reads from a file:
``{"time_s": 1700000000.1, "hex": "<message or pack>", "transport": "ble4", "address": "AA:.."}``.
A receiver's `time_s` is not trusted blindly: it goes through the same `ReceiverClock` as a Beast
counter (checked against its own recent past, tied to the host clock at the first line and at a
new connection that does not continue it, jumps counted as `clock_jump`); a line without a time
is timed by the host clock. Drones not heard for `forget_s` of feed time are forgotten
(`RemoteIdRegistry.flush`), so a receiver that runs for months holds only the drones around it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from airpicture.config import FeedSettings
from airpicture.errors import InputError
from airpicture.sources.clock import TICKS_PER_S, ReceiverClock
from airpicture.sources.remoteid import Frame, RemoteIdRegistry
from airpicture.sources.remoteid_carriers import decode_json_line
from airpicture.types import REPORT_DTYPE, Rejects

#: A line longer than this is not a frame (a pack of 9 messages is 458 hex digits): cut and counted.
MAX_LINE = 4096


class RemoteIdStream:
    """One Remote ID feed's bytes in, REPORT_DTYPE rows out (the stream role of `FeedClient`).
    `feed_reports` and `close_reports` never raise on bad input: it is counted in `rejects`."""

    def __init__(
        self,
        *,
        sensor: int = 0,
        name: str = "remoteid",
        feeds: FeedSettings | None = None,
        forget_s: float = 900.0,
    ) -> None:
        self.name, self.sensor = name, sensor
        self.registry = RemoteIdRegistry(sensor=sensor, forget_s=forget_s, name=name)
        self.rejects: Rejects = self.registry.rejects
        self.notes: Counter[str] = Counter()
        self.clock = ReceiverClock(self.notes, live=True, settings=feeds)
        self.messages = 0  # frames taken
        self.last_message_s = math.nan
        self.on_messages: Callable[[object], object] | None = None  # (Mode S only; kept for the role)
        self._buf = b""
        self._now = -math.inf  # newest accepted feed time

    def feed_reports(self, data: bytes) -> npt.NDArray[np.void]:
        lines = (self._buf + data).split(b"\n")
        self._buf = lines.pop()
        if len(self._buf) > MAX_LINE:
            self.rejects.add("jsonl_too_long")
            self._buf = b""
        return self._take(lines)

    def close_reports(self) -> npt.NDArray[np.void]:
        """End of a connection: a cut last line is counted, not parsed."""
        if self._buf.strip():
            self.rejects.add("truncated")
        self._buf = b""
        return self._drain()

    def reanchor(self) -> None:
        self.clock.reset()

    def describe(self, idents: npt.NDArray[np.int64]) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
        """Serials and what each drone of this batch said of itself (Picture.info)."""
        drones = self.registry.drones_of(np.unique(idents).tolist())
        names = {k: str(d["serial"]) for k, d in drones.items() if d.get("serial")}
        return names, drones

    def _take(self, lines: list[bytes]) -> npt.NDArray[np.void]:
        frames: list[Frame] = []
        for line in lines:
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                self.rejects.add("jsonl_too_long")
                continue
            try:
                frames.append(decode_json_line(line))
            except InputError as e:
                self.rejects.add(e.reason)
        if frames:
            t = np.array([f.time_s for f in frames])
            # ticks of the receiver's clock; 0 (no usable time) is timed by the host clock
            ok = np.isfinite(t) & (t > 0) & (t < 1e11)
            ticks = np.where(ok, np.round(np.where(ok, t, 0.0) * TICKS_PER_S), 0).astype(np.int64)
            times, keep = self.clock.times(ticks, self.rejects)
            for f, ti, k in zip(frames, times.tolist(), keep.tolist(), strict=True):
                if k:
                    self.registry.ingest(Frame(ti, f.transport, f.address, f.counter, f.messages))
                    self._now = max(self._now, ti)
                    self.messages += 1
                    self.last_message_s = ti
        return self._drain()

    def _drain(self) -> npt.NDArray[np.void]:
        if not math.isfinite(self._now):
            return np.zeros(0, REPORT_DTYPE)
        rows = self.registry.reports(self._now)
        self.notes["expired"] = self.registry.forgotten
        return rows


__all__ = ["MAX_LINE", "RemoteIdStream"]
