"""Helpers of the eval tests: tiny scenarios in a tmp dir, targets in the site's ground-plane metres."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from airpicture.geo import enu_to_geodetic

SITE = {"name": "site", "lat": 48.86, "lon": 2.29, "alt_m": 60.0}
START = 1_700_000_000.0
RADAR = {
    "id": "R1",
    "kind": "radar",
    "lat": 48.86,
    "lon": 2.29,
    "alt_m": 60.0,
    "scan_period_s": 1.0,
    "max_range_m": 50_000,
    "sigma_range_m": 40,
    "sigma_azimuth_deg": 0.1,
    "min_range_m": 0,
    "pd": {"aircraft": 0.9, "drone": 0.8, "bird": 0.5},
}
ZONE = {
    "name": "core",
    "kind": "circle",
    "lat": 48.86,
    "lon": 2.29,
    "radius_m": 1000,
    "floor_m": 0,
    "ceiling_m": 600,
}

#: target name -> (kind, function of t' = t - START (s, array) -> (e, n, alt) arrays, (t'0, t'1))
Targets = dict[
    str, tuple[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]], tuple[int, int]]
]


def latlon(e: Iterable[float], n: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Ground-plane east/north about the site -> lat, lon (deg)."""
    e, n = np.asarray(e, float), np.asarray(n, float)
    lat, lon, _ = enu_to_geodetic(np.stack([e, n, np.zeros_like(e)], -1), SITE["lat"], SITE["lon"], 0.0)
    return lat, lon


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_scenario(
    folder: Path,
    targets: Targets,
    duration_s: float = 200.0,
    sensors: list[dict] | None = None,
    config: dict | None = None,
    zones: list[dict] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"start_s": START, "end_s": START + duration_s, "site": SITE, "zones": zones or []}
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "sensors.json").write_text(json.dumps(sensors or [RADAR]))
    (folder / "config.json").write_text(json.dumps(config or {}))
    rows = []
    for name, (kind, f, (a, b)) in targets.items():
        tp = np.arange(a, b + 1, dtype=float)
        e, n, alt = f(tp)
        lat, lon = latlon(e * np.ones_like(tp), n * np.ones_like(tp))
        rows += [
            (START + t, name, kind, f"{la:.9f}", f"{lo:.9f}", al)
            for t, la, lo, al in zip(tp, lat, lon, alt * np.ones_like(tp), strict=True)
        ]
    rows.sort(key=lambda r: r[0])
    write_csv(folder / "truth.csv", ["time_s", "target", "kind", "lat", "lon", "alt_m"], rows)
    return folder


def write_tracks(path: Path, rows: list[tuple[object, ...]], extra: tuple[str, ...] = ()) -> Path:
    """rows: (t' (s after START), track, e, n, alt_m or '', class, then a value per extra column)."""
    lat, lon = latlon([float(r[2]) for r in rows], [float(r[3]) for r in rows])
    out = [
        (START + float(r[0]), r[1], f"{la:.9f}", f"{lo:.9f}", *r[4:])
        for r, la, lo in zip(rows, lat, lon, strict=True)
    ]
    return write_csv(path, ["time_s", "track", "lat", "lon", "alt_m", "class", *extra], out)


def write_ghosts(folder: Path, ghosts: list[str], adsb: list[tuple[float, str]]) -> None:
    """ghosts.csv with these ICAO addresses, and an adsb.csv of (t' (s after START), icao24) reports."""
    write_csv(folder / "ghosts.csv", ["icao24"], [(g,) for g in ghosts])
    header = ["time_s", "sensor", "icao24", "lat", "lon", "altitude_m", "speed_mps", "track_deg"]
    write_csv(folder / "adsb.csv", header, [(START + t, "ADSB1", a, 48.9, 2.3, 900, 60, 90) for t, a in adsb])


def line(e0: float, n0: float, ve: float, vn: float, alt: float):
    return lambda t: (e0 + ve * t, n0 + vn * t, np.full(len(t), alt))
