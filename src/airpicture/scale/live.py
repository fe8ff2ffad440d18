"""The partitioned live picture: a Tracker (track/base.py) that splits each window by region, has
every region's tracker step it, and fans the regions' pictures in to one global picture.

    PartitionedTracker(sensors, site, platforms, settings, regions=None, ray_address=None)
        .step(window) -> Picture            the global picture (FanIn: one copy, one id per aircraft)
        .stats() -> dict                     fan-in, regions, restarts (for stats lines)
    QueuedOutput(deliver, maxsize)           a picture sink behind a bounded queue, drops counted

Where the regions run is a `RegionPool`: `LocalRegions` in this process (`run --partitions N`),
or `RayRegions` (live_ray.py: one Ray actor per region, checkpointed, restarted on failure) with
`run --ray [ADDRESS] --partitions N`. The driver is the same either way; it is a Tracker, so `run`
judges integrity, classifies and writes the global picture as it would a single tracker's.

Backpressure: the regions of one window step in parallel and the next window is routed when they
have answered, so a region that falls behind slows the intake (the feeds' TCP flow control), and
nothing is dropped on the way in. Behind the fan-in, each sink sits behind a QueuedOutput: a slow
sink loses its oldest pictures (counted), never the regions' time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from airpicture.config import Settings
from airpicture.scale.fanin import FanIn
from airpicture.scale.partition import Tiling, route
from airpicture.scale.region import Region
from airpicture.sensors import SensorSheet, load_sheets
from airpicture.sinks.queue import QueueWorker
from airpicture.track.base import Measurements
from airpicture.types import FloatArray, Picture


class RegionPool(Protocol):
    """Runs one tracker per region."""

    def step(self, windows: Sequence[Measurements]) -> list[Picture]:
        """Each region steps its window (index = region); their pictures."""
        ...

    def stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class LocalRegions:
    """The regions in this process, one after the other."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions

    def step(self, windows: Sequence[Measurements]) -> list[Picture]:
        return [r.step(w)[1] for r, w in zip(self.regions, windows, strict=True)]

    def stats(self) -> dict[str, Any]:
        tracks = [len(r.tracker.table) for r in self.regions]
        return {"region_tracks": tracks, "restarts": 0}

    def close(self) -> None:
        return None


class PartitionedTracker:
    """The tracker of a picture split into `settings.partition`-configured regions (see module doc).
    `tiling`: the regions (default: n tiles over the sensors' coverage); `ray_address`: run the
    regions as Ray actors ("local": start a Ray here; None: in this process)."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Any],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None,
        settings: Settings,
        tiling: Tiling,
        ray_address: str | None = None,
    ) -> None:
        self.sensors = load_sheets(sensors)
        self.tiling = tiling
        ps = settings.partition
        build = [
            (r, self.sensors, (*tiling.centre(r), 0.0), platforms, settings.track, settings.registration)
            for r in range(tiling.n)
        ]
        if ray_address is None:
            self.pool: RegionPool = LocalRegions([Region(*b) for b in build])
        else:
            from airpicture.scale.live_ray import RayRegions

            self.pool = RayRegions(build, ps, None if ray_address == "local" else ray_address)
        self.fanin = FanIn(tiling, site, ps)
        self.latency_s: list[float] = []  # window handed in -> global picture out, wall s (last 10,000)
        self.sinks: list[QueuedOutput] = []  # their drops are part of the stats
        self.report: tuple[float, Callable[[str], None]] | None = None  # (every s, print a stats line)
        self._t_report = time.monotonic()

    def step(self, window: Measurements) -> Picture:
        t0 = time.perf_counter()
        pictures = self.pool.step(route(window, self.tiling, self.sensors))
        pic = self.fanin.publish(window.until, pictures)
        self.latency_s.append(time.perf_counter() - t0)
        if len(self.latency_s) > 20_000:
            del self.latency_s[:10_000]
        if self.report is not None and time.monotonic() >= self._t_report + self.report[0]:
            self._t_report = time.monotonic()
            self.report[1](stats_text(self.stats()))
        return pic

    def track(self, windows: Iterable[Measurements]) -> Iterator[Picture]:
        for w in windows:
            yield self.step(w)

    def stats(self) -> dict[str, Any]:
        lat = np.array(self.latency_s[-10_000:]) * 1e3
        p50, p99 = np.percentile(lat, [50, 99]) if len(lat) else (np.nan, np.nan)
        return {
            "regions": self.tiling.n,
            "step_ms_p50": round(float(p50), 1),
            "step_ms_p99": round(float(p99), 1),
            **vars(self.fanin.stats),
            **self.pool.stats(),
            "sink_dropped": sum(q.dropped for q in self.sinks),
        }

    def close(self) -> None:
        self.pool.close()


class QueuedOutput:
    """A picture sink behind a bounded queue: `write` (and `send_picture`) never block; when the
    sink is slower than the pictures come, the oldest queued picture is dropped and counted."""

    def __init__(
        self,
        deliver: Callable[[Picture], None],
        maxsize: int,
        name: str = "picture-sink",
        alerts: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self._deliver, self._alerts = deliver, alerts
        self.worker: QueueWorker[Picture | list[Any]] = QueueWorker(
            self._one, name=name, maxsize=maxsize, attempts=1
        )

    def _one(self, item: Picture | list[Any]) -> None:
        if isinstance(item, list):
            if self._alerts is not None:
                self._alerts(item)
        else:
            self._deliver(item)

    def write(self, pic: Picture) -> None:
        self.worker.put(pic)

    send_picture = write

    def send_alerts(self, alerts: list[Any]) -> None:
        """A network sink's alert steps, queued behind the pictures they came with."""
        if alerts and self._alerts is not None:
            self.worker.put(list(alerts))

    @property
    def dropped(self) -> int:
        return self.worker.stats.dropped

    def close(self, timeout: float = 30.0) -> None:
        """Deliver what is queued (up to timeout s), then stop."""
        self.worker.close(timeout)


def stats_text(stats: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in stats.items())


__all__ = ["LocalRegions", "PartitionedTracker", "QueuedOutput", "RegionPool", "stats_text"]
