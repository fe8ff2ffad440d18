"""Beast binary framing (readsb / dump1090 port 30005), vectorised with numpy.

    0x1a <type> <6-byte 12 MHz counter, big-endian> <signal byte> <payload>
    type '1' Mode A/C (2 bytes), '2' Mode S short (7), '3' Mode S long (14), '4' receiver status

Every 0x1a inside a frame (counter, signal, payload) is sent twice. So a frame start is the
last 0x1a of a run of odd length: escaped pairs make even runs, and the start marker adds one.
`BeastParser.feed` finds those markers, drops every second 0x1a of each run, and cuts the
frames out with fancy indexing, all without a Python loop over bytes or frames. A frame cut
by a chunk boundary is kept and completed by the next chunk.

Times: the 12 MHz counter is the receiver's clock, not UTC. Offline, time = t0 + counter / 12e6
relative to the first frame; live, the counter is anchored to the wall clock at the first frame,
and again at a new connection whose counter does not continue the last one. Between anchors the
feed's own clock is kept, so a recording replayed at N x keeps its timeline (time runs N x faster).
The counter is not covered by the CRC: `ReceiverClock` (clock.py) rejects frames whose counter
jumps and MLAT results, and re-bases after a sustained step.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from airpicture.config import FeedSettings
from airpicture.sources.base import Frames
from airpicture.sources.clock import TICKS_PER_S, ReceiverClock
from airpicture.types import Rejects

ESC = 0x1A
#: escaped-free frame length (marker + type + counter + signal + payload) by type byte
FRAME_LEN = {0x31: 11, 0x32: 16, 0x33: 23}
STATUS = 0x34
MAX_TAIL = 1 << 12
_SHIFTS = np.array([40, 32, 24, 16, 8, 0], np.uint64)


class BeastParser:
    """Incremental Beast framing. `feed(bytes) -> Frames`; never raises on bad bytes."""

    def __init__(
        self,
        t0: float | None = 0.0,
        live: bool = False,
        source: str = "beast",
        clock: FeedSettings | None = None,
    ) -> None:
        self.t0 = t0
        self.live = live
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()
        self._tail = b""
        self.clock = ReceiverClock(self.notes, live, t0, clock)

    def feed(self, data: bytes, final: bool = False) -> Frames:
        """Frames completed by `data`; `final`: no more bytes will come (end of file)."""
        buf = self._tail + data
        self._tail = b""
        a = np.frombuffer(buf, np.uint8)
        if len(a) == 0:
            return Frames()
        esc = np.concatenate(([0], (a == ESC).view(np.int8), [0]))
        edge = np.diff(esc)
        run_start, run_end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
        run_len = run_end - run_start
        markers = run_end[run_len % 2 == 1] - 1
        # a run of 0x1a at the very end may continue in the next chunk: its parity is unknown
        open_run = a[-1] == ESC and not final
        if open_run:
            markers = markers[markers < run_start[-1]]
        if len(markers) == 0:
            if run_start[-1:].size and open_run and len(a) - run_start[-1] <= MAX_TAIL:
                self._tail = buf[run_start[-1] :]
                if run_start[-1] > 0:
                    self.rejects.add("beast_sync")
            else:
                self.rejects.add("beast_sync")
            return Frames()
        if markers[0] > 0:
            self.rejects.add("beast_sync")  # bytes before the first frame: mid-frame start or junk
        # unescape: drop the 0x1a at odd offsets within each run (the marker sits at an even one)
        pos = np.flatnonzero(a == ESC)
        offset = pos - np.repeat(run_start, run_len)
        keep = np.ones(len(a), bool)
        keep[pos[offset % 2 == 1]] = False
        u = a[keep]
        new_index = np.cumsum(keep) - 1
        start = new_index[markers]
        length = np.diff(np.append(start, len(u)))
        kind = np.where(start + 1 < len(u), u[np.minimum(start + 1, len(u) - 1)], 0)
        want = np.zeros(len(start), np.int64)
        for k, n in FRAME_LEN.items():
            want[kind == k] = n
        # the last frame may be cut by the chunk boundary: keep it for the next feed
        complete = (want[-1] > 0 and length[-1] >= want[-1]) or (final and kind[-1] == STATUS)
        last_done = not open_run and complete
        if not last_done:
            tail = buf[markers[-1] :]
            if final:
                self.rejects.add("truncated")
            elif len(tail) <= MAX_TAIL:
                self._tail = tail
            else:
                self.rejects.add("beast_oversize")
            start, length, kind, want = start[:-1], length[:-1], kind[:-1], want[:-1]
        status = kind == STATUS
        if status.any():
            self.notes["status"] += int(status.sum())
        bad_type = (want == 0) & ~status
        self.rejects.add("beast_type", int(bad_type.sum()))
        short = (want > 0) & (length < want)
        self.rejects.add("beast_short", int(short.sum()))
        # a frame longer than its type says lost the next marker to corruption: keep its head
        self.rejects.add("beast_sync", int(((want > 0) & (length > want)).sum()))
        n_ac = int(((kind == 0x31) & ~short).sum())
        if n_ac:
            self.notes["mode_ac"] += n_ac
        return self._frames(u, start, kind, short)

    def close(self) -> Frames:
        """End of input: the last frame is complete or counted as truncated."""
        if not self._tail:
            return Frames()
        return self.feed(b"", final=True)

    def _frames(
        self,
        u: npt.NDArray[np.uint8],
        start: npt.NDArray[np.int64],
        kind: npt.NDArray[np.int64],
        short: npt.NDArray[np.bool_],
    ) -> Frames:
        parts = []
        for k, n_payload in ((0x32, 7), (0x33, 14)):
            sel = (kind == k) & ~short
            if not sel.any():
                continue
            rows = u[start[sel, None] + np.arange(9 + n_payload)]
            ticks = (rows[:, 2:8].astype(np.uint64) << _SHIFTS).sum(axis=1)
            h = rows[:, 9:].tobytes().hex()
            w = 2 * n_payload
            hexes = [h[i : i + w] for i in range(0, len(h), w)]
            parts.append((start[sel], ticks, rows[:, 8], hexes))
        if not parts:
            return Frames()
        at = np.concatenate([p[0] for p in parts])
        order = np.argsort(at, kind="stable")
        ticks = np.concatenate([p[1] for p in parts])[order]
        signal = (np.concatenate([p[2] for p in parts])[order] / 255.0).astype(np.float32)
        hexes = [x for p in parts for x in p[3]]
        hexes = [hexes[i] for i in order.tolist()]
        times, keep = self.clock.times(ticks.astype(np.int64), self.rejects)
        if not keep.all():
            hexes = [h for h, k in zip(hexes, keep.tolist(), strict=True) if k]
            times, signal = times[keep], signal[keep]
        return Frames(times, hexes, signal)

    def reanchor(self) -> None:
        """A new connection: tie the counter to the wall clock again at its next frame."""
        self.clock.reset()


def encode_beast(
    time_s: npt.NDArray[np.float64],
    hexes: list[str],
    t_first: float | None = None,
    signal: npt.ArrayLike = 0xFF,
) -> bytes:
    """Beast bytes for hex frames (inverse of BeastParser); see `encode_beast_frames`."""
    if not hexes:
        return b""
    lengths = np.array([len(h) // 2 for h in hexes], np.int64)
    frames = np.zeros((len(hexes), 14), np.uint8)
    raw = np.frombuffer(bytes.fromhex("".join(h.ljust(28, "0") for h in hexes)), np.uint8)
    frames[:] = raw.reshape(-1, 14)
    return encode_beast_frames(time_s, frames, t_first, signal, lengths)


def encode_beast_frames(
    time_s: npt.ArrayLike,
    frames: npt.NDArray[np.uint8],
    t_first: float | None = None,
    signal: npt.ArrayLike = 0xFF,
    lengths: npt.ArrayLike = 14,
) -> bytes:
    """Beast bytes for frames, vectorised: counter = (time - t_first) * 12 MHz mod 2^48.

    time_s : (N,) float64; frames : (N, 14) uint8 payloads (a short frame in its first 7 bytes,
    with lengths 7); signal : (N,) or scalar signal byte; t_first : counter origin (default the
    first frame's time: BeastParser(t0=T) then gives back time_s when T is that origin's time).
    Each frame is type '3' (14 bytes) or '2' (7); every 0x1a after the marker is doubled.
    """
    t = np.asarray(time_s, np.float64)
    n = len(t)
    if n == 0:
        return b""
    t_first = float(t[0]) if t_first is None else t_first
    ticks = (np.round((t - t_first) * TICKS_PER_S).astype(np.int64) % (1 << 48)).astype(np.uint64)
    size = np.broadcast_to(np.asarray(lengths, np.int64), (n,))
    rows = np.empty((n, 23), np.uint8)
    rows[:, 0] = ESC
    rows[:, 1] = np.where(size == 14, 0x33, 0x32)
    rows[:, 2:8] = (ticks[:, None] >> _SHIFTS) & np.uint64(0xFF)
    rows[:, 8] = np.broadcast_to(np.asarray(signal, np.uint8), (n,))
    rows[:, 9:] = frames
    count = np.where(rows == ESC, 2, 1)
    count[:, 0] = 1  # the frame marker
    count[:, 9:][np.arange(14) >= size[:, None]] = 0  # past a short frame's payload
    return np.repeat(rows.ravel(), count.ravel()).tobytes()


__all__ = ["BeastParser", "encode_beast", "encode_beast_frames"]
