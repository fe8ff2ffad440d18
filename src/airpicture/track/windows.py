"""A recorded scenario as a stream of measurement windows, and the tracker run over it.

A window is no longer than the shortest revisit period of the sensors in use, so one sensor gives
an object at most one plot per window; the picture is published at the end of every window.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator, Mapping

import numpy as np
from tqdm import tqdm

from airpicture.sources.scenario import Scenario
from airpicture.track.base import Measurements, Tracker
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import PLOT_DTYPE, Picture


def window_s(scn: Scenario, period_s: float | None = None) -> float:
    used = scn.sensors_used()
    periods = [s.revisit_s for i, s in enumerate(scn.sensors) if i in used]
    w = min(periods, default=1.0)
    return min(w, period_s) if period_s else w


class _Rows:
    """Time-ordered streams of row chunks (a file read as needed, rows held) taken a window at a
    time: `take(t)` gives the rows before t, the streams merged in time order (equal times in the
    order of the streams). It holds the rows read past the window's end, no more."""

    def __init__(self, streams: list[Iterator[np.ndarray]]) -> None:
        self._streams = streams
        self._buf: list[list[np.ndarray]] = [[] for _ in streams]
        self._done = [False] * len(streams)
        self.taken = 0
        self.last_s = -np.inf
        self._dtype: np.dtype | None = None

    def _fill(self, i: int, t: float) -> None:
        """Read stream i until its newest buffered row is at or past t (or it ends)."""
        buf = self._buf[i]
        while not self._done[i] and not (buf and buf[-1]["time_s"][-1] >= t):
            chunk = next(self._streams[i], None)
            if chunk is None:
                self._done[i] = True
                continue
            self._dtype = chunk.dtype
            if len(chunk):
                buf.append(chunk)

    def first_s(self) -> float:
        for i in range(len(self._streams)):
            self._fill(i, -np.inf)
        return min((float(b[0]["time_s"][0]) for b in self._buf if b), default=np.inf)

    def take(self, t: float) -> np.ndarray:
        parts = []
        for i, buf in enumerate(self._buf):
            self._fill(i, t)
            rows = buf[0] if len(buf) == 1 else np.concatenate(buf) if buf else None
            if rows is None:
                continue
            cut = int(np.searchsorted(rows["time_s"], t, "left"))
            parts.append(rows[:cut])
            self._buf[i] = [rows[cut:]] if cut < len(rows) else []
        if not parts:
            return np.zeros(0, self._dtype)
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if len(parts) > 1:
            out = out[np.argsort(out["time_s"], kind="stable")]
        if len(out):
            self.taken += len(out)
            self.last_s = float(out["time_s"][-1])
        return out


def scenario_windows(
    scn: Scenario, period_s: float | None = None, progress: bool | None = None
) -> Iterator[Measurements]:
    """The scenario's measurements, window by window; a window carries what the scenario knows of
    the identities that report in it, as a live feed would. `progress`: show a bar (default: when
    stderr is a terminal). A streamed scenario (load_scenario(stream=True)) is read as the windows
    need it."""
    w = window_s(scn, period_s)
    n = max(1, math.ceil((scn.end_s - scn.start_s) / w))
    edges = scn.start_s + w * np.arange(n + 1)
    plots, reports = _Rows(scn.plot_chunks()), _Rows(scn.report_chunks())
    edges[0] = min(edges[0], plots.first_s(), reports.first_s())
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=n, unit="win", disable=not show, desc="tracking", leave=False)
    known = bool(scn.names or scn.info)
    for k in range(n):
        last = k == n - 1  # the last window takes every row left, and ends after the last
        pl, rep = plots.take(np.inf if last else edges[k + 1]), reports.take(np.inf if last else edges[k + 1])
        if last:
            edges[-1] = max(
                edges[-1], scn.end_s, max(plots.last_s, 0.0) + 1e-6, max(reports.last_s, 0.0) + 1e-6
            )
        names: dict[int, str] = {}
        info: dict[int, Mapping[str, object]] = {}
        if known and len(rep):
            for i in np.unique(rep["ident"]).tolist():
                if i in scn.names:
                    names[i] = scn.names[i]
                if i in scn.info:
                    info[i] = scn.info[i]
        yield Measurements(float(edges[k + 1]), pl, rep, names, info)
        bar.update(1)
    bar.close()


def run_scenario(
    scn: Scenario, tracker: Tracker | None = None, period_s: float | None = None, progress: bool | None = None
) -> Iterator[Picture]:
    """Track the scenario (with a new ImmGnnTracker unless one is given); yields the picture at
    the end of each window."""
    trk = tracker or ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    return trk.track(scenario_windows(scn, period_s, progress))


class FeedWindows:
    """Live feeds' reports (and radar feeds' plots) gathered into windows of period_s of feed time:
    `add` a batch as it arrives; it returns the window to track once feed time has passed the
    window's end. What sources say of identities (names, info) travels with the window that
    reported them. At most max_pending measurements wait (a burst closes the window early), so
    memory is bounded.

    Several feeds (a Mode S and a Remote ID receiver, say) deliver their batches at different
    moments: feed time is the watermark, the oldest newest time among the sensors still current
    (a batch within hold_s of host time, and no more than max_lag_s of feed time behind the
    newest). A window takes the reports up to the watermark; a sensor's later batch then never
    lands behind a picture already made (the tracker would start its objects anew each window and
    never confirm them). A sensor that falls silent stops holding the others back after hold_s."""

    def __init__(
        self, period_s: float = 1.0, max_pending: int = 100_000, hold_s: float = 0.5, max_lag_s: float = 30.0
    ) -> None:
        self.period_s = period_s
        self.max_pending = max_pending
        self.hold_s, self.max_lag_s = hold_s, max_lag_s
        self._parts: list[np.ndarray] = []
        self._plots: list[np.ndarray] = []
        self._names: dict[int, str] = {}
        self._info: dict[int, Mapping[str, object]] = {}
        self._n = 0
        self._end = -np.inf
        self._newest: dict[int, tuple[float, float]] = {}  # sensor -> (newest feed time, host time)

    def add(
        self,
        reports: np.ndarray,
        names: Mapping[int, str] | None = None,
        info: Mapping[int, Mapping[str, object]] | None = None,
        plots: np.ndarray | None = None,
    ) -> Measurements | None:
        now = time.monotonic()
        for batch, parts in ((reports, self._parts), (plots, self._plots)):
            if batch is None or not len(batch):
                continue
            parts.append(batch)
            self._n += len(batch)
            for s in np.unique(batch["sensor"]).tolist():
                t_s = float(batch["time_s"][batch["sensor"] == s].max())
                self._newest[s] = (max(t_s, self._newest.get(s, (-np.inf, 0.0))[0]), now)
        self._names.update(names or {})
        self._info.update(info or {})
        mark = self._watermark(now)
        if not np.isfinite(self._end) and np.isfinite(mark):
            self._end = mark  # the first batch publishes at once
        if self._n == 0 or (mark < self._end and self._n < self.max_pending):
            return None
        out = np.concatenate(self._parts) if self._parts else reports[:0]
        out = out[np.argsort(out["time_s"], kind="stable")]
        got = np.concatenate(self._plots) if self._plots else np.zeros(0, PLOT_DTYPE)
        got = got[np.argsort(got["time_s"], kind="stable")]
        until = max(mark, self._end)
        if self._n >= self.max_pending:  # a burst: everything goes now
            cut, cut_p = len(out), len(got)
            until = max([until] + [float(x["time_s"][-1]) for x in (out, got) if len(x)])
        else:
            cut = int(np.searchsorted(out["time_s"], until, "right"))
            cut_p = int(np.searchsorted(got["time_s"], until, "right"))
        window = Measurements(until, plots=got[:cut_p], reports=out[:cut], names=self._names, info=self._info)
        self._parts = [out[cut:]] if cut < len(out) else []
        self._plots = [got[cut_p:]] if cut_p < len(got) else []
        self._n = len(out) - cut + len(got) - cut_p
        self._names, self._info = {}, {}
        self._end = window.until + self.period_s
        return window

    def _watermark(self, now: float) -> float:
        if not self._newest:
            return -np.inf
        t_max = max(t for t, _ in self._newest.values())
        current = [
            t for t, at in self._newest.values() if now - at <= self.hold_s and t >= t_max - self.max_lag_s
        ]
        return min(current, default=t_max)


__all__ = ["FeedWindows", "run_scenario", "scenario_windows", "window_s"]
