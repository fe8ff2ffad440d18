"""What a tracker is: an object that takes the measurements of one window and gives the air
picture at the window's end (Stone Soup's `MultiTargetTracker.__next__`, without its detector
plumbing). Every driver — a recorded scenario, a live feed, the console, a Ray actor — uses a
tracker this way and no other.

The path of a measurement through `ImmGnnTracker` (tracker.py), by module:

  radar plot:   measurement.screen_plots -> measurement.prepare_plots -> gate.radar_pairs
                -> associate.assign -> update.update_with_plots, or initiate.start_from_plots
  report:       measurement.prepare_reports -> (track of its identity) update.update_with_reports,
                or gate.report_pairs -> associate.assign (fusion with a radar track),
                or initiate.start_from_reports
  every window: manage.judge (confirm / delete) -> manage.stitch, manage.merge -> publish.publish

State lives in table.TrackTable; motion.py predicts it, measurement.py says what sensors measure
of it, geometry.py where the sensors are. Integrity (is a broadcast believable?) and assessment
(what is it, does it matter?) are later stages that read the picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from airpicture.types import PLOT_DTYPE, REPORT_DTYPE, Picture


def _no_plots() -> np.ndarray:
    return np.zeros(0, PLOT_DTYPE)


def _no_reports() -> np.ndarray:
    return np.zeros(0, REPORT_DTYPE)


@dataclass(frozen=True)
class Measurements:
    """Everything measured in one window. until: the window's end (s), the picture's time;
    plots: radar plots (PLOT_DTYPE), any sensors, each sensor's no longer than its revisit period;
    reports: cooperative reports (REPORT_DTYPE), time-ordered; names, info: what the sources know
    of the identities reported (display name; anything beyond position)."""

    until: float
    plots: np.ndarray = field(default_factory=_no_plots)
    reports: np.ndarray = field(default_factory=_no_reports)
    names: Mapping[int, str] = field(default_factory=dict)
    info: Mapping[int, Mapping[str, object]] = field(default_factory=dict)


@runtime_checkable
class Tracker(Protocol):
    """Takes measurements, gives pictures."""

    def step(self, window: Measurements) -> Picture:
        """Track one window's measurements; the picture at window.until."""
        ...

    def track(self, windows: Iterable[Measurements]) -> Iterator[Picture]:
        """step() over a stream of windows, yielding each picture."""
        ...


@dataclass
class TrackerStats:
    """What a tracker has done so far (counts since it started)."""

    plots: int = 0
    reports: int = 0
    radar_updates: int = 0
    report_updates: int = 0
    started: int = 0
    confirmed: int = 0
    deleted: int = 0
    merged: int = 0
    stitched: int = 0
    handed_over: int = 0  # shown tentative tracks' numbers taken over (existence.py)
    fused: int = 0
    quarantined: int = 0
    identity_jumps: int = 0


__all__ = ["Measurements", "Tracker", "TrackerStats"]
