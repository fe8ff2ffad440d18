"""Tracking: measurements in, air pictures out. `base.py` says what a tracker is and the path of a
measurement through this package's modules; `tracker.py` holds the tracker."""

from airpicture.track.base import Measurements, Tracker
from airpicture.track.tracker import ImmGnnTracker, TrackerStats
from airpicture.track.warm import warm_up
from airpicture.track.windows import FeedWindows, run_scenario, scenario_windows

__all__ = [
    "FeedWindows",
    "ImmGnnTracker",
    "Measurements",
    "Tracker",
    "TrackerStats",
    "run_scenario",
    "scenario_windows",
    "warm_up",
]
