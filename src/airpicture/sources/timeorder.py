"""A CSV file's rows put in time order as they are read, in bounded memory (issue 13: `track` on
a long recording must not hold every parsed row).

A row more than MAX_DISORDER_S ahead of the median of the NEIGHBOURS rows before it and of the
NEIGHBOURS after it is a garbled stamp (a real gap moves the rows after it too, so it is not one);
once those are set aside, a row more than MAX_DISORDER_S behind the newest time before it is late.
Setting stamps aside first keeps a few bad ones from making every row after them look late. Both
are counted as `time_out_of_order` and dropped.

`TimeOrder.push(rows)` judges the rows whose NEIGHBOURS successors have been read, and gives back
the kept rows that can no longer be overtaken: a row that is kept later is at most MAX_DISORDER_S
behind the newest time so far, so every row older than that is final. What it holds is the last
MAX_DISORDER_S of data and NEIGHBOURS rows, whatever the file's length. Rows of equal time keep
the file's order, so the rows given out are the file's rows, stably sorted by time.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from airpicture.types import Rejects

#: A row more than this many seconds older than the newest row before it is "far out of order".
MAX_DISORDER_S = 30.0
#: Rows on each side whose median judges whether a row's time is a garbled stamp.
NEIGHBOURS = 8


class TimeOrder:
    """Rows (a structured array with `time_s`, all finite) in, kept rows in time order out.
    drop: an extra test on the judged rows, given (rows, out-of-order mask), returning the rows to
    drop besides the out-of-order ones (and counting them)."""

    def __init__(
        self, rejects: Rejects, drop: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    ) -> None:
        self.rejects, self.drop = rejects, drop
        self._before = np.full(NEIGHBOURS, np.nan)  # times of the last judged rows, spikes too
        self._waiting: np.ndarray | None = None  # read, not judged yet (their successors unread)
        self._newest = -np.inf  # newest time judged, stamps set aside
        self._held: list[np.ndarray] = []  # kept, not final yet
        self._dtype: np.dtype | None = None

    def push(self, rows: np.ndarray) -> np.ndarray:
        """Take the next rows of the file; the rows now final, in time order (maybe none)."""
        self._dtype = rows.dtype
        rows = rows if self._waiting is None else np.concatenate([self._waiting, rows])
        if len(rows) <= NEIGHBOURS:
            self._waiting = rows
            return rows[:0]
        self._waiting = rows[-NEIGHBOURS:]
        self._judge(rows, len(rows) - NEIGHBOURS)
        return self._release(self._newest - MAX_DISORDER_S)

    def close(self) -> np.ndarray | None:
        """End of the file: the rest, in time order (None if the file gave no rows at all)."""
        rows, self._waiting = self._waiting, None
        if rows is not None and len(rows):
            self._judge(rows, len(rows))
        return self._release(np.inf) if self._held or rows is not None else None

    def _judge(self, rows: np.ndarray, n: int) -> None:
        """Judge rows[:n]; rows[n:] (at most NEIGHBOURS) are their successors, if read."""
        t = rows["time_s"]
        k = NEIGHBOURS
        after = t[n:]
        pad = np.concatenate([self._before, t, np.full(k - len(after), np.nan)])
        win = np.lib.stride_tricks.sliding_window_view(pad, k)
        tn = t[:n]
        if (np.diff(t) >= 0).all() and tn[0] >= self._newest:
            out = np.zeros(n, bool)  # in order: no row can be ahead of the rows after it, or late
        else:
            with warnings.catch_warnings():  # a window with no finite neighbour has no median: not judged
                warnings.simplefilter("ignore", RuntimeWarning)
                before = np.nanmedian(win[:n], axis=1)
                later = np.nanmedian(win[k + 1 : k + 1 + n], axis=1)
            spike = (tn > before + MAX_DISORDER_S) & (tn > later + MAX_DISORDER_S)
            newest = np.maximum.accumulate(np.concatenate([[self._newest], np.where(spike, -np.inf, tn)]))
            late = ~spike & (tn < newest[:-1] - MAX_DISORDER_S)
            out = spike | late
        self.rejects.add("time_out_of_order", int(out.sum()))
        self._newest = max(self._newest, float(tn[~out].max(initial=-np.inf)))
        self._before = np.concatenate([self._before, tn])[-k:]
        judged = rows[:n]
        gone = out if self.drop is None else out | self.drop(judged, out)
        if not gone.all():
            self._held.append(judged[~gone] if gone.any() else judged)

    def _release(self, before_s: float) -> np.ndarray:
        if not self._held:
            return np.zeros(0, self._dtype)
        held = self._held[0] if len(self._held) == 1 else np.concatenate(self._held)
        if len(held) > 1 and not (np.diff(held["time_s"]) >= 0).all():
            held = held[np.argsort(held["time_s"], kind="stable")]
        cut = int(np.searchsorted(held["time_s"], before_s, "left"))
        self._held = [held[cut:]] if cut < len(held) else []
        return held[:cut]


__all__ = ["MAX_DISORDER_S", "NEIGHBOURS", "TimeOrder"]
