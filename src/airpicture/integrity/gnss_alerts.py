"""The GNSS interference alert: a cell of the map near the protected site turns bad, or recovers.

A cell is near when it reaches within alert_range_m of the site (its centre is closer than that
plus its own circumradius). Each near cell has at most one alert (`GN-000001`...), with raised /
updated / cleared steps, like the track alerts (assess/alerts.py), with track -1 (it is an area)
and the H3 cell as its identity:

  raised   the cell's newest bin with at least min_aircraft rated aircraft is probable interference
           (integrity.gnss.judge) and is the current or the previous bin;
  updated  a later bin is interference too (once per bin: the operator sees the newest counts);
  cleared  the cell's newest *closed* bin with min_aircraft is below share_clear (gpsjam.org's
           green: a yellow bin holds the alert), or the cell left the map (no aircraft for keep_s:
           an area nobody flies through cannot be seen to recover).

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
from airpicture.types import Alert, AlertKind, IntArray

KIND = AlertKind.GNSS_INTERFERENCE.label


@dataclass
class _Active:
    alert: str
    bin_start_s: float  # the bin last reported


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
    """Raises and clears the GNSS interference alert of the cells near `site` (lat, lon deg)."""

    def __init__(self, site: tuple[float, float], settings: GnssSettings | None = None) -> None:
        self.site = (float(site[0]), float(site[1]))
        self.s = settings or GnssSettings()
        self.active: dict[int, _Active] = {}
        self._seq = itertools.count(1)

    def update(self, cells: CellBins, now_s: float) -> list[Alert]:
        """The alert steps the map `cells` causes at feed time `now_s`."""
        s = self.s
        decisive = np.flatnonzero(cells.aircraft >= s.min_aircraft)
        last = _last_per_cell(cells, decisive)
        last_closed = _last_per_cell(cells, decisive[cells.closed[decisive]])
        present = np.unique(cells.cell)
        near = set(present[reach_m(self.site, present) <= s.alert_range_m].tolist()) if len(present) else set()
        out: list[Alert] = []
        for c in sorted(near | set(self.active)):
            act = self.active.get(c)
            r = last.get(c)
            bad = r is not None and cells.interference[r] and cells.end_s[r] > now_s - s.bin_s
            if bad and r is not None:
                if act is None:
                    aid = f"GN-{next(self._seq):06d}"
                    self.active[c] = _Active(aid, float(cells.start_s[r]))
                    out.append(self._step(cells, r, c, aid, "raised", now_s))
                elif float(cells.start_s[r]) != act.bin_start_s:
                    act.bin_start_s = float(cells.start_s[r])
                    out.append(self._step(cells, r, c, act.alert, "updated", now_s))
                continue
            if act is None:
                continue
            rc = last_closed.get(c)
            if c not in near or c not in set(present.tolist()):
                out.append(self._gone(c, act.alert, now_s))
                del self.active[c]
            elif rc is not None and (cells.degraded[rc] - 1) / cells.aircraft[rc] < s.share_clear:
                if cells.start_s[rc] >= act.bin_start_s:
                    out.append(self._step(cells, rc, c, act.alert, "cleared", now_s))
                    del self.active[c]
        return out

    def _step(self, cells: CellBins, r: int, c: int, aid: str, state: str, now_s: float) -> Alert:
        lat, lon = h3.api.numpy_int.cell_to_latlng(c)
        dist = _distance_m(self.site, (lat, lon))
        n, d = int(cells.aircraft[r]), int(cells.degraded[r])
        span = f"{_clock(cells.start_s[r])}-{_clock(cells.end_s[r])}"
        what = (
            f"{d} of {n} aircraft report degraded GNSS position quality (NIC/NACp) in cell "
            f"{cell_name(c)}, {dist / 1000:.0f} km from the site, {span}"
        )
        msg = {
            "raised": f"Probable GNSS interference: {what}.",
            "updated": f"GNSS interference goes on: {what}.",
            "cleared": f"cleared: {what}: below {self.s.share_clear:.0%}.",
        }[state]
        return Alert(
            time_s=now_s,
            alert=aid,
            track=-1,
            zone="",
            kind=KIND,
            state=state,
            lat=float(lat),
            lon=float(lon),
            alt_m=math.nan,
            identity=cell_name(c),
            message=msg,
            evidence={
                "h3": cell_name(c),
                "aircraft": n,
                "degraded": d,
                "share": round(d / max(n, 1), 3),
                "distance_m": round(dist),
                "bin_start_s": float(cells.start_s[r]),
                "bin_end_s": float(cells.end_s[r]),
            },
        )

    def _gone(self, c: int, aid: str, now_s: float) -> Alert:
        lat, lon = h3.api.numpy_int.cell_to_latlng(c)
        return Alert(
            time_s=now_s,
            alert=aid,
            track=-1,
            zone="",
            kind=KIND,
            state="cleared",
            lat=float(lat),
            lon=float(lon),
            alt_m=math.nan,
            identity=cell_name(c),
            message=f"cleared: no aircraft rated in cell {cell_name(c)} for {self.s.keep_s:.0f} s.",
            evidence={"h3": cell_name(c)},
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
