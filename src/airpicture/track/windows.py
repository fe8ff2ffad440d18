"""A recorded scenario as a stream of measurement windows, and the tracker run over it.

A window is no longer than the shortest revisit period of the sensors in use, so one sensor gives
an object at most one plot per window; the picture is published at the end of every window.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping

import numpy as np
from tqdm import tqdm

from airpicture.sources.scenario import Scenario
from airpicture.track.base import Measurements, Tracker
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import PLOT_DTYPE, Picture


def window_s(scn: Scenario, period_s: float | None = None) -> float:
    used = set(np.unique(scn.plots["sensor"]).tolist()) | set(np.unique(scn.reports["sensor"]).tolist())
    periods = [s.revisit_s for i, s in enumerate(scn.sensors) if i in used]
    w = min(periods, default=1.0)
    return min(w, period_s) if period_s else w


def scenario_windows(
    scn: Scenario, period_s: float | None = None, progress: bool | None = None
) -> Iterator[Measurements]:
    """The scenario's measurements, window by window; a window carries what the scenario knows of
    the identities that report in it, as a live feed would. `progress`: show a bar (default: when
    stderr is a terminal)."""
    w = window_s(scn, period_s)
    n = max(1, math.ceil((scn.end_s - scn.start_s) / w))
    edges = scn.start_s + w * np.arange(n + 1)
    edges[-1] = max(
        edges[-1],
        scn.end_s,
        float(scn.plots["time_s"].max(initial=0)) + 1e-6,
        float(scn.reports["time_s"].max(initial=0)) + 1e-6,
    )
    edges[0] = min(
        edges[0],
        float(scn.plots["time_s"].min(initial=np.inf)),
        float(scn.reports["time_s"].min(initial=np.inf)),
    )
    pi = np.searchsorted(scn.plots["time_s"], edges, side="left")
    ri = np.searchsorted(scn.reports["time_s"], edges, side="left")
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=n, unit="win", disable=not show, desc="tracking", leave=False)
    known = bool(scn.names or scn.info)
    for k in range(n):
        reports = scn.reports[ri[k] : ri[k + 1]]
        names: dict[int, str] = {}
        info: dict[int, Mapping[str, object]] = {}
        if known and len(reports):
            for i in np.unique(reports["ident"]).tolist():
                if i in scn.names:
                    names[i] = scn.names[i]
                if i in scn.info:
                    info[i] = scn.info[i]
        yield Measurements(float(edges[k + 1]), scn.plots[pi[k] : pi[k + 1]], reports, names, info)
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
    """A live feed's reports (and a radar feed's plots) gathered into windows of period_s of feed
    time: `add` a batch as it arrives; it returns the window to track once the feed's time has
    passed the window's end. What sources say of identities (names, info) travels with the
    window that reported them. At most max_pending measurements wait (a burst closes the window
    early), so memory is bounded."""

    def __init__(self, period_s: float = 1.0, max_pending: int = 100_000) -> None:
        self.period_s = period_s
        self.max_pending = max_pending
        self._parts: list[np.ndarray] = []
        self._plots: list[np.ndarray] = []
        self._names: dict[int, str] = {}
        self._info: dict[int, Mapping[str, object]] = {}
        self._n = 0
        self._end = -np.inf

    def add(
        self,
        reports: np.ndarray,
        names: Mapping[int, str] | None = None,
        info: Mapping[int, Mapping[str, object]] | None = None,
        plots: np.ndarray | None = None,
    ) -> Measurements | None:
        if len(reports):
            self._parts.append(reports)
            self._n += len(reports)
        if plots is not None and len(plots):
            self._plots.append(plots)
            self._n += len(plots)
        self._names.update(names or {})
        self._info.update(info or {})
        t = max(
            float(reports["time_s"].max()) if len(reports) else -np.inf,
            float(plots["time_s"].max()) if plots is not None and len(plots) else -np.inf,
        )
        if not np.isfinite(self._end) and np.isfinite(t):
            self._end = t  # the first batch publishes at once
        if self._n == 0 or (t < self._end and self._n < self.max_pending):
            return None
        out = np.concatenate(self._parts) if self._parts else reports[:0]
        got = np.concatenate(self._plots) if self._plots else np.zeros(0, PLOT_DTYPE)
        window = Measurements(
            max(t, self._end),
            plots=got[np.argsort(got["time_s"], kind="stable")],
            reports=out[np.argsort(out["time_s"], kind="stable")],
            names=self._names,
            info=self._info,
        )
        self._parts, self._plots, self._names, self._info, self._n = [], [], {}, {}, 0
        self._end = window.until + self.period_s
        return window


__all__ = ["FeedWindows", "run_scenario", "scenario_windows", "window_s"]
