"""A recorded scenario as a stream of measurement windows, and the tracker run over it.

A window is no longer than the shortest revisit period of the sensors in use, so one sensor gives
an object at most one plot per window; the picture is published at the end of every window.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator

import numpy as np
from tqdm import tqdm

from airpicture.sources.scenario import Scenario
from airpicture.track.base import Measurements, Tracker
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import Picture


def window_s(scn: Scenario, period_s: float | None = None) -> float:
    used = set(np.unique(scn.plots["sensor"]).tolist()) | set(np.unique(scn.reports["sensor"]).tolist())
    periods = [
        float(s.get("scan_period_s") or s.get("update_period_s") or 1.0)
        for i, s in enumerate(scn.sensors)
        if i in used
    ]
    w = min(periods, default=1.0)
    return min(w, period_s) if period_s else w


def scenario_windows(scn: Scenario, period_s: float | None = None, progress: bool | None = None) -> Iterator[Measurements]:
    """The scenario's measurements, window by window (the first window also carries what the
    scenario knows of its identities). `progress`: show a bar (default: when stderr is a terminal)."""
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
    for k in range(n):
        yield Measurements(
            float(edges[k + 1]),
            scn.plots[pi[k] : pi[k + 1]],
            scn.reports[ri[k] : ri[k + 1]],
            scn.names if k == 0 else {},
            scn.info if k == 0 else {},
        )
        bar.update(1)
    bar.close()


def run_scenario(
    scn: Scenario, tracker: Tracker | None = None, period_s: float | None = None, progress: bool | None = None
) -> Iterator[Picture]:
    """Track the scenario (with a new ImmGnnTracker unless one is given); yields the picture at
    the end of each window."""
    trk = tracker or ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    return trk.track(scenario_windows(scn, period_s, progress))


__all__ = ["run_scenario", "scenario_windows", "window_s"]
