"""Sensor health for the operator (issue 13, defect 3): a sensor that stops delivering raises a
"sensor_stale" alert, and the same alert is cleared ("sensor back") when it delivers again.

A sensor is stale when `SourceStats.stopped(stale_s)`: its silence (host seconds since its last
message) exceeds `stale_s`, or its source says so (`status` "stale" / "down..."). Alerts go to
humans; nothing else changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from airpicture.types import Alert, SourceStats

#: Alert.kind of a sensor alert (a sensor has no track: track = -1, identity = the sensor's name).
SENSOR_STALE = "sensor_stale"


class SensorWatch:
    """Turns successive `SourceStats` into sensor_stale alert steps (raised / cleared).

    stale_s: silence before a sensor is stale, s; sites: sensor name -> (lat, lon) for the alert's
    position (NaN when unknown). Only sources of kind "file" are not watched (they are not sensors).
    """

    def __init__(self, stale_s: float, sites: Mapping[str, tuple[float, float]] | None = None) -> None:
        self.stale_s = stale_s
        self.sites = dict(sites or {})
        self.stale: set[str] = set()

    def update(self, stats: Iterable[SourceStats], t: float) -> list[Alert]:
        """Alert steps for the sensors whose state changed at time `t` (picture time, s)."""
        out = []
        for s in stats:
            if s.kind == "file":
                continue
            now_stale = s.stopped(self.stale_s)
            if now_stale == (s.name in self.stale):
                continue
            lat, lon = self.sites.get(s.name, (math.nan, math.nan))
            silent = s.silent_s if math.isfinite(s.silent_s) else -1.0
            if now_stale:
                self.stale.add(s.name)
                msg = f"sensor {s.name} stale: {s.status}, nothing received for {max(silent, 0):.0f} s"
                state = "raised"
            else:
                self.stale.discard(s.name)
                msg = f"sensor {s.name} back: {s.status}, {s.rate_per_s:.1f} msg/s"
                state = "cleared"
            out.append(
                Alert(
                    t,
                    f"sensor:{s.name}",
                    -1,
                    "",
                    SENSOR_STALE,
                    state,
                    lat,
                    lon,
                    math.nan,
                    identity=s.name,
                    cls="",
                    message=msg,
                    evidence={"silent_s": silent, "status": s.status},
                )
            )
        return out


__all__ = ["SENSOR_STALE", "SensorWatch"]
