"""The GNSS interference alert: the cells of the map near the protected site turn bad, or recover.

A cell is near when it reaches within alert_range_m of the site (its centre is closer than that
plus its own circumradius). The site has at most one alert at a time (`GN-000001`...), with raised
/ updated / cleared steps like the track alerts (assess/alerts.py), track -1 (it is an area), and
the worst cell as its identity and position. One jammer covers several cells, and the cells at
its edge see few jammed aircraft: one alert per site, listing the cells, keeps the operator from a
flurry of alerts that come and go at the jammer's edge.

  a near cell is bad     its newest bin with at least min_aircraft rated aircraft is probable
                         interference (integrity.gnss.judge), and is the current or previous bin;
  ...and has recovered   its newest clear_bins *closed* bins with min_aircraft, all later than its
                         last bad one, have a plain share degraded / aircraft below share_clear
                         (gpsjam.org's green, without the one-aircraft discount that raising uses:
                         one jammed aircraft still there holds the alert; a yellow bin holds it
                         too), or it has left the map (no aircraft for keep_s: an area nobody
                         flies through cannot be seen to recover). Two bins, not one: in sparse
                         traffic one bin's aircraft may all have crossed the cell outside the
                         jammer's circle, and a clear while the jammer is on misleads more than
                         one that comes a bin late;
  raised                 a near cell is bad;
  updated                a bad cell's newer bin, or another cell, turns bad (at most once a bin);
  cleared                every cell that was bad has recovered.

`GnssWatch` holds a map and, given a site, its alert; the live pipelines hand it every decoded
message table (`add`, from the feed thread) and call `tick()` from their consumer, which
evaluates at most once per update_s of feed time.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass

import h3
import numpy as np

from airpicture.config import GnssSettings
from airpicture.integrity.gnss import CellBins, GnssMap, cell_name
from airpicture.sources.modes import MessageArray
from airpicture.types import Alert, AlertKind, IntArray, SourceStats

KIND = AlertKind.GNSS_INTERFERENCE.label


@dataclass
class _Active:
    alert: str
    reported_s: float  # newest bad bin (start) reported in a step


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%SZ", time.gmtime(t))


def reach_m(site: tuple[float, float], cells: IntArray | np.ndarray) -> np.ndarray:
    """How far each cell (K,) is from the site: centre distance less the cell's circumradius (m;
    negative when the site is close to the centre)."""
    out = np.empty(len(cells))
    for k, c in enumerate(cells.tolist()):  # one call per distinct cell near or far: a few hundred
        centre = h3.api.numpy_int.cell_to_latlng(c)
        radius = max(_distance_m(centre, v) for v in h3.api.numpy_int.cell_to_boundary(c))
        out[k] = _distance_m(site, centre) - radius
    return out


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(h3.great_circle_distance(a, b, unit="m"))


class GnssAlerts:
    """Raises and clears the GNSS interference alert of the site (lat, lon deg): module docstring."""

    def __init__(self, site: tuple[float, float], settings: GnssSettings | None = None) -> None:
        self.site = (float(site[0]), float(site[1]))
        self.s = settings or GnssSettings()
        self.active: _Active | None = None
        #: near cells that were bad and have not recovered: cell -> start of their newest bad bin
        self.hot: dict[int, float] = {}
        self._seq = itertools.count(1)

    def update(self, cells: CellBins, now_s: float) -> list[Alert]:
        """The alert steps the map `cells` causes at feed time `now_s`."""
        s = self.s
        decisive = np.flatnonzero(cells.aircraft >= s.min_aircraft)
        last = _last_per_cell(cells, decisive)
        closed = decisive[cells.closed[decisive]]
        present = np.unique(cells.cell)
        near = present[reach_m(self.site, present) <= s.alert_range_m] if len(present) else present
        bad_now: dict[int, int] = {}  # cell -> row of its bad bin
        for c in near.tolist():
            r = last.get(c)
            if r is not None and cells.interference[r] and cells.end_s[r] > now_s - s.bin_s:
                bad_now[c] = r
                self.hot[c] = float(cells.start_s[r])
        in_map = set(present.tolist())
        for c, bad_s in list(self.hot.items()):
            if c in bad_now:
                continue
            # its last clear_bins closed decisive bins, all after its last bad one, all below green
            rc = closed[cells.cell[closed] == c][-s.clear_bins :]
            recovered = len(rc) == s.clear_bins and bool(
                np.all((cells.start_s[rc] > bad_s) & (cells.share[rc] < s.share_clear))
            )
            if c not in in_map or recovered:
                del self.hot[c]
        act = self.active
        if act is None and bad_now:
            newest = max(self.hot.values())
            self.active = _Active(f"GN-{next(self._seq):06d}", newest)
            return [self._step(cells, bad_now, self.active, "raised", now_s)]
        if act is not None and not self.hot:
            self.active = None
            return [self._cleared(act.alert, now_s)]
        if act is not None and bad_now and max(self.hot.values()) > act.reported_s:
            act.reported_s = max(self.hot.values())
            return [self._step(cells, bad_now, act, "updated", now_s)]
        return []

    def _step(self, cells: CellBins, bad: dict[int, int], act: _Active, state: str, now_s: float) -> Alert:
        worst = max(bad, key=lambda c: (cells.share[bad[c]], cells.degraded[bad[c]]))
        r = bad[worst]
        lat, lon = h3.api.numpy_int.cell_to_latlng(worst)
        dist = _distance_m(self.site, (lat, lon))
        n, d = int(cells.aircraft[r]), int(cells.degraded[r])
        names = sorted(cell_name(c) for c in self.hot)
        what = (
            f"in cell {cell_name(worst)}, {dist / 1000:.0f} km from the site, {d} of {n} aircraft report "
            f"degraded GNSS position quality (NIC/NACp) in {_clock(cells.start_s[r])}-"
            f"{_clock(cells.end_s[r])}; {len(names)} cell(s) affected within "
            f"{self.s.alert_range_m / 1000:.0f} km"
        )
        lead = (
            "Probable GNSS interference near the site" if state == "raised" else "GNSS interference goes on"
        )
        return Alert(
            time_s=now_s,
            alert=act.alert,
            track=-1,
            zone="",
            kind=KIND,
            state=state,
            lat=float(lat),
            lon=float(lon),
            alt_m=math.nan,
            identity=cell_name(worst),
            message=f"{lead}: {what}.",
            evidence={
                "h3": cell_name(worst),
                "cells": " ".join(names),
                "aircraft": n,
                "degraded": d,
                "share": round(d / max(n, 1), 3),
                "distance_m": round(dist),
                "bin_start_s": float(cells.start_s[r]),
                "bin_end_s": float(cells.end_s[r]),
            },
        )

    def _cleared(self, aid: str, now_s: float) -> Alert:
        return Alert(
            time_s=now_s,
            alert=aid,
            track=-1,
            zone="",
            kind=KIND,
            state="cleared",
            lat=self.site[0],
            lon=self.site[1],
            alt_m=math.nan,
            identity="",
            message=(
                f"cleared: every cell within {self.s.alert_range_m / 1000:.0f} km of the site that was "
                f"bad has recovered ({self.s.clear_bins} full bins below {self.s.share_clear:.0%} "
                f"degraded) or has had no aircraft for {self.s.keep_s:.0f} s."
            ),
            evidence={},
        )


def _last_per_cell(cells: CellBins, rows: np.ndarray) -> dict[int, int]:
    """cell -> the newest of `rows` (indices into the cell/bin-sorted map) of that cell."""
    if not len(rows):
        return {}
    c = cells.cell[rows]
    last = rows[np.r_[c[1:] != c[:-1], True]]
    return dict(zip(cells.cell[last].tolist(), last.tolist(), strict=True))


class GnssWatch:
    """A GNSS interference map and, with a site (lat, lon), its alert, for a pipeline to feed."""

    def __init__(self, settings: GnssSettings | None = None, site: tuple[float, float] | None = None) -> None:
        self.s = settings or GnssSettings()
        self.map = GnssMap(self.s)
        self.alerts = GnssAlerts(site, self.s) if site is not None else None
        self._due_s = -math.inf
        self._lock = threading.Lock()

    def add(self, table: MessageArray) -> None:
        """Take a batch of decoded messages (a `ModesStream.on_messages` hook)."""
        self.map.add(table)

    @property
    def stats(self) -> SourceStats:
        """The map as a stats row: positions mapped, newest feed time, rejects (late, off the globe)."""
        return SourceStats(
            "gnss map",
            "gnss",
            messages=self.map.positions,
            last_message_s=self.map.now_s if math.isfinite(self.map.now_s) else math.nan,
            status="mapping" if self.map.positions else "idle",
            rejects=self.map.rejects,
        )

    def tick(self, force: bool = False) -> tuple[list[Alert], CellBins] | None:
        """Evaluate the map and its alert if update_s of feed time passed since the last time (or
        `force`): (alert steps, the map); None when not due or nothing mapped yet."""
        now = self.map.now_s
        with self._lock:
            if not math.isfinite(now) or (now < self._due_s and not force):
                return None
            self._due_s = now + self.s.update_s
            cells = self.map.cells()
            steps = self.alerts.update(cells, now) if self.alerts is not None else []
        return steps, cells


__all__ = ["GnssAlerts", "GnssWatch", "reach_m"]
