"""Run the tracker over a recorded scenario, window by window, yielding the published picture.

A window is no longer than the shortest revisit period of the sensors in use, so one sensor gives
an object at most one plot per window; the picture is published at the end of every window.
"""

from __future__ import annotations

import math
import queue
import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
from tqdm import tqdm

from airpicture.sources.scenario import Scenario
from airpicture.track.tracker import Tracker
from airpicture.types import Picture


def window_s(scn: Scenario, period_s: float | None = None) -> float:
    used = set(np.unique(scn.plots["sensor"]).tolist()) | set(np.unique(scn.reports["sensor"]).tolist())
    periods = [float(s.revisit_s) for i, s in enumerate(scn.sensors) if i in used]
    w = min(periods, default=1.0)
    return min(w, period_s) if period_s else w


def run_scenario(
    scn: Scenario,
    tracker: Tracker | None = None,
    period_s: float | None = None,
    progress: bool | None = None,
    fresh_s: float = 0.0,
) -> Iterator[Picture]:
    """Track the scenario; yields the picture at the end of each window. `progress`: show a bar
    (default: when stderr is a terminal); `fresh_s`: see Tracker.picture."""
    trk = tracker or Tracker(scn.sensors, scn.site_lla, scn.platforms, scn.active)
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
        trk.update_reports(scn.reports[ri[k] : ri[k + 1]])
        trk.update_plots(scn.plots[pi[k] : pi[k + 1]])
        trk.maintain(float(edges[k + 1]))
        bar.update(1)
        yield trk.picture(float(edges[k + 1]), fresh_s=fresh_s)
    bar.close()


def consume_behind(pictures: Iterator[Picture], consume: Callable[[Picture], None], depth: int = 64) -> None:
    """Hand each picture to `consume` in a second thread, in order, while the next ones are
    tracked: the tracker's and the assessment's compiled kernels release the GIL, so on two
    cores tracking and what follows it (assessment, writing) overlap. At most `depth` pictures
    wait; an error in `consume` stops the run and is raised here."""
    q: queue.Queue[Picture | None] = queue.Queue(maxsize=depth)
    failed: list[BaseException] = []

    def work() -> None:
        while (pic := q.get()) is not None:
            if failed:
                continue  # drain, so the producer never blocks on a full queue
            try:
                consume(pic)
            except BaseException as e:
                failed.append(e)

    th = threading.Thread(target=work, name="consume-pictures", daemon=True)
    th.start()
    try:
        for pic in pictures:
            if failed:
                break
            q.put(pic)
    finally:
        q.put(None)
        th.join()
    if failed:
        raise failed[0]


__all__ = ["consume_behind", "run_scenario", "window_s"]
