"""Recorded real trajectories as cooperative reports, as receivers would hear them.

    read_recorded(path) -> REPORT_DTYPE     the recording's own positions, one report per new fix
    receive(reports, sheets, rng)            each ADS-B sheet's copy: its losses, noise and range

The recordings are the JSON sample files of the `traffic` library (OpenSky state vectors: a list of
records or a dict of columns; timestamp in ms or s, latitude / longitude in degrees, altitude in
ft, groundspeed in kt, track in degrees, vertical_rate in ft/min, optional last_position). A state
vector repeats its last position until a new one is heard: a report is made only for a new fix,
timed at `last_position` when the file has it (else at the first row that carries the fix), so the
real positions keep their real errors and their real timing jitter. Unlike make_scenario.py's
truth, nothing is despiked or resampled.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.geo import wrap_lon
from airpicture.sensors import AdsbSheet, SensorSheet, radar_horizon
from airpicture.sim.sensors import metres_to_degrees
from airpicture.types import REPORT_DTYPE

FT = 0.3048
KT = 1852.0 / 3600.0
FPM = FT / 60.0


def _column(cols: dict[str, list[Any]], name: str, n: int) -> np.ndarray:
    v = cols.get(name)
    if v is None:
        return np.full(n, np.nan)
    return np.array([np.nan if x is None else x for x in v], dtype=np.float64)


def read_recorded(path: str | Path) -> np.ndarray:
    """The recording's fixes as REPORT_DTYPE rows (sensor 0), time-ordered."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        data = json.load(f)
    if isinstance(data, dict):
        cols = {k: list(v.values()) if isinstance(v, dict) else list(v) for k, v in data.items()}
    else:
        keys = {k for r in data for k in r}
        cols = {k: [r.get(k) for r in data] for k in keys}
    n = len(cols["icao24"])
    t = _column(cols, "timestamp", n)
    t = np.where(t > 1e11, t / 1e3, t)
    fix = _column(cols, "last_position", n)
    fix = np.where(fix > 1e11, fix / 1e3, fix)
    lat, lon = _column(cols, "latitude", n), _column(cols, "longitude", n)
    icao = np.array([int(str(x), 16) for x in cols["icao24"]], np.int64)
    order = np.lexsort((t, icao))
    icao, t, fix, lat, lon = icao[order], t[order], fix[order], lat[order], lon[order]
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(t)
    same = np.r_[False, (icao[1:] == icao[:-1]) & (lat[1:] == lat[:-1]) & (lon[1:] == lon[:-1])]
    keep = np.flatnonzero(ok & ~same)
    out = np.zeros(len(keep), REPORT_DTYPE)
    out["time_s"] = np.where(np.isfinite(fix[keep]), fix[keep], t[keep])
    out["ident"] = icao[keep]
    out["lat"], out["lon"] = lat[keep], lon[keep]
    for name, field, unit in (("altitude", "altitude_m", FT), ("groundspeed", "speed_mps", KT),
                              ("vertical_rate", "vrate_mps", FPM)):  # fmt: skip
        out[field] = _column(cols, name, n)[order][keep] * unit
    out["track_rad"] = np.radians(_column(cols, "track", n)[order][keep])
    return out[np.argsort(out["time_s"], kind="stable")]


def receive(reports: np.ndarray, sheets: Sequence[SensorSheet], rng: np.random.Generator) -> np.ndarray:
    """What each ADS-B sheet hears of the reports: a share p_loss lost, sigma_position_m of noise
    added, only within max_range_m and the 4/3-Earth radio horizon; sensor = the sheet's index."""
    out = []
    for i, s in enumerate(sheets):
        if not isinstance(s, AdsbSheet):
            continue
        r = reports[rng.random(len(reports)) >= s.p_loss].copy()
        lat0, lon0 = np.radians(s.lat), np.radians(s.lon)
        p = np.radians(r["lat"])
        a = (
            np.sin((p - lat0) / 2) ** 2
            + np.cos(lat0) * np.cos(p) * np.sin((np.radians(r["lon"]) - lon0) / 2) ** 2
        )
        ground = 2 * 6371000.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        reach = radar_horizon(np.nan_to_num(r["altitude_m"], nan=0.0), s.alt_m)
        if s.max_range_m is not None:
            reach = np.minimum(reach, s.max_range_m)
        r = r[ground <= reach]
        dlat, dlon = metres_to_degrees(
            r["lat"], rng.normal(0, s.sigma_position_m, len(r)), rng.normal(0, s.sigma_position_m, len(r))
        )
        r["lat"] += dlat
        r["lon"] = wrap_lon(r["lon"] + dlon)
        r["sensor"] = i
        out.append(r)
    if not out:
        return np.zeros(0, REPORT_DTYPE)
    allr = np.concatenate(out)
    return allr[np.argsort(allr["time_s"], kind="stable")]


__all__ = ["read_recorded", "receive"]
