"""One region of the partitioned live picture: the ordinary tracker over the region's measurements,
with its state saved and restored whole (a checkpoint is the pickled tracker).

The same class runs in-process (`run --partitions N`) and as a Ray actor (`run --ray`, live_ray.py):
one implementation. The tracker's ENU frame is at the region's centre, so each region works in a
plane no wider than its tile and margin, however large the whole picture is.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from airpicture.config import RegistrationSettings, TrackSettings
from airpicture.sensors import SensorSheet
from airpicture.track.base import Measurements
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import FloatArray, Picture


class Region:
    """Tracks one region. `incarnation` changes when the object is built anew (a restarted actor),
    so whoever drives it can tell a fresh tracker from the one it fed. `registration`: the radar
    bias estimation settings (each region estimates from what it sees)."""

    def __init__(
        self,
        index: int,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None,
        settings: TrackSettings,
        registration: RegistrationSettings | None = None,
    ) -> None:
        self.index = index
        self._build = (sensors, site, platforms, settings, registration)
        self.tracker = ImmGnnTracker(sensors, site, platforms, settings, registration)
        self.incarnation = uuid.uuid4().hex
        self.steps = 0

    def step(self, window: Measurements) -> tuple[str, Picture]:
        """Track one window: (incarnation, the region's picture at window.until)."""
        self.steps += 1
        return self.incarnation, self.tracker.step(window)

    def checkpoint(self) -> bytes:
        """The whole tracker state (track table, identity book, counters) as bytes."""
        return pickle.dumps((self.steps, self.tracker), protocol=pickle.HIGHEST_PROTOCOL)

    def restore(self, blob: bytes | None, replay: Sequence[Measurements]) -> tuple[str, Picture | None]:
        """Back to a checkpoint (None: a fresh tracker), then the windows since it, in order:
        (incarnation, the picture of the last window replayed)."""
        if blob is None:
            self.steps, self.tracker = 0, ImmGnnTracker(*self._build)
        else:
            self.steps, self.tracker = pickle.loads(blob)
        pic = None
        for w in replay:
            _, pic = self.step(w)
        return self.incarnation, pic

    def stats(self) -> dict[str, Any]:
        return {"steps": self.steps, "tracks": len(self.tracker.table), **vars(self.tracker.stats)}


__all__ = ["Region"]
