"""A receiver's 12 MHz counter turned into time, without trusting one frame (issue 13, defect 2).

The Beast / AVR counter is not covered by the CRC, MLAT results carry a marker instead of a time,
and a receiver that restarts starts counting again from zero. So each frame's counter is checked
against the last accepted one (the receiver's own recent past) and against the host clock:

    accepted   -back_s <= step <= jump_s + max_rate * (host seconds since the last accepted frame)
    rejected   otherwise, counted as `clock_jump` (the frame is dropped; feed time does not move);
               the MLAT marker 0xFF004D4C4154 is counted as `mlat` (a server's result, not a reception)
    re-based   after `rebase_frames` rejected frames in a row that agree with each other (a real
               restart or a new receiver behind the same port): the counter is tied to the host clock
               again (live) or continues from the last accepted time (files); counted in
               notes["clock_rebase"]

`max_rate` lets a recording replayed at up to that many times real time keep its own timeline
across quiet gaps. A counter of zero (feeds without a clock) is timed by the host clock, live.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import numpy.typing as npt

from airpicture.config import FeedSettings
from airpicture.types import Rejects

TICKS_PER_S = 12e6
#: dump1090 / readsb put this counter on MLAT results ("MLAT" in ASCII after 0xFF00).
MLAT_MAGIC = 0xFF004D4C4154


class ReceiverClock:
    """Counter -> UTC seconds for one feed; `times(ticks)` returns the times and which frames to keep.

    t0: the time of the first frame offline (None: the host clock); live: counters are tied to the
    host clock at the first frame, and again at a new connection whose counter does not continue.
    """

    def __init__(
        self,
        notes: Counter[str],
        live: bool = False,
        t0: float | None = 0.0,
        settings: FeedSettings | None = None,
    ) -> None:
        s = settings or FeedSettings()
        self.notes, self.live, self.t0 = notes, live, t0
        self.jump_ticks = s.clock_jump_s * TICKS_PER_S
        self.back_ticks = s.clock_back_s * TICKS_PER_S
        self.rate_ticks = s.clock_max_rate * TICKS_PER_S
        self.rebase_frames = s.clock_rebase_frames
        self._anchor: tuple[int, float] | None = None  # (counter, time)
        self._ref: tuple[int, float] = (0, 0.0)  # last accepted (counter, host time)
        self._run: tuple[int, int] = (0, 0)  # rejected frames in a row that agree: (last counter, n)
        self._fresh = False  # the next frame is a new connection's first

    def reset(self) -> None:
        """A new connection. Its first frame keeps the time base when its counter continues the
        last one (the same receiver, back after a drop: a replay at N x keeps its timeline), and
        ties the counter to the host clock again when it does not (a restarted or new receiver)."""
        self._fresh = True
        self._run = (0, 0)

    def times(
        self, ticks: npt.NDArray[np.int64], rejects: Rejects
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """ticks : (N,) int64 counters (-1: the frame has none); -> (times (N,) float64, keep (N,)
        bool); the frames not kept are counted in `rejects` by reason."""
        now = time.time()
        out = np.full(len(ticks), now if (self.live or self.t0 is None) else (self.t0 or 0.0))
        keep = np.ones(len(ticks), bool)
        # live, a zero counter means the feed has no clock: the host's stands in
        has = ticks > 0 if self.live else ticks >= 0
        if not has.any():
            return out, keep
        # One comparison per frame; a Python loop is cheaper here than the decoder that follows.
        for i in np.flatnonzero(has).tolist():
            k = int(ticks[i])
            if k == MLAT_MAGIC:
                rejects.add("mlat")
                keep[i] = False
            elif self._accept(k, now):
                c0, t0 = self._anchor  # type: ignore[misc]
                out[i] = t0 + (k - c0) / TICKS_PER_S
            else:
                rejects.add("clock_jump")
                keep[i] = False
        return out, keep

    def _accept(self, k: int, now: float) -> bool:
        if self._anchor is None:
            self._anchor = (k, now if (self.live or self.t0 is None) else self.t0 or 0.0)
            self._ref = (k, now)
            return True
        ref, ref_host = self._ref
        step = k - ref
        fresh, self._fresh = self._fresh, False
        if -self.back_ticks <= step <= self.jump_ticks + self.rate_ticks * max(now - ref_host, 0.0):
            self._ref = (max(ref, k), now)
            self._run = (0, 0)
            return True
        if fresh:  # a new connection that does not continue the old counter: a new time base
            self._anchor = (k, now if (self.live or self.t0 is None) else self.t0 or 0.0)
            self._ref = (k, now)
            return True
        last, n = self._run
        agree = n > 0 and 0 <= k - last <= self.jump_ticks
        self._run = (k, n + 1 if agree else 1)
        if self._run[1] < self.rebase_frames:
            return False
        # A sustained step: the receiver restarted (or another one answers). Start a new time base.
        c0, t0 = self._anchor
        t_ref = t0 + (ref - c0) / TICKS_PER_S
        self._anchor = (k, now if self.live else t_ref)
        self._ref = (k, now)
        self._run = (0, 0)
        self.notes["clock_rebase"] += 1
        return True


__all__ = ["MLAT_MAGIC", "TICKS_PER_S", "ReceiverClock"]
