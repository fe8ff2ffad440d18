"""Synthetic scenes for the tracker tests: a radar and an ADS-B receiver near a site, targets on
straight lines, plots and reports made from the known geometry with seeded noise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.geo import EnuFrame, geodetic_to_enu
from airpicture.integrity import TrackIntegrity, judged
from airpicture.sensors import load_sheets
from airpicture.sources.scenario import Scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import NO_IDENT, PLOT_DTYPE, REPORT_DTYPE, Picture

SITE = (48.86, 2.29, 60.0)
T0 = 1_700_000_000.0
RADAR: dict[str, Any] = {
    "id": "R1",
    "kind": "radar",
    "lat": 48.80,
    "lon": 2.35,
    "alt_m": 100.0,
    "scan_period_s": 4.0,
    "max_range_m": 100_000.0,
    "min_range_m": 500.0,
    "sigma_range_m": 40.0,
    "sigma_azimuth_deg": 0.08,
    "reports_altitude": "mode_c",
    "sigma_alt_m": 10.0,
    "pd": {"aircraft": 0.9},
    "clutter_per_scan": 40.0,
}
ADSB: dict[str, Any] = {
    "id": "A1",
    "kind": "adsb",
    "lat": 48.86,
    "lon": 2.29,
    "alt_m": 60.0,
    "max_range_m": 250_000.0,
    "update_period_s": 1.0,
    "p_loss": 0.0,
    "sigma_position_m": 8.0,
}
#: a short-range 3-D radar at the protected site, for drones
RADAR_3D: dict[str, Any] = {
    "id": "S3",
    "kind": "radar",
    "lat": 48.8605,
    "lon": 2.2895,
    "alt_m": 80.0,
    "scan_period_s": 1.0,
    "max_range_m": 6000.0,
    "min_range_m": 50.0,
    "sigma_range_m": 5.0,
    "sigma_azimuth_deg": 0.4,
    "sigma_elevation_deg": 0.4,
    "pd": {"aircraft": 0.95, "drone": 0.8, "bird": 0.6},
    "clutter_per_scan": 3.0,
    "clutter_max_elevation_deg": 10.0,
}
SENSORS = [RADAR, ADSB]
FRAME = EnuFrame(*SITE)

#: positions (K, 3) in site ENU at times t (K,)
Path3 = Callable[[np.ndarray], np.ndarray]


def straight(p0: tuple[float, float, float], v: tuple[float, float, float], t0: float = T0) -> Path3:
    """A target on a straight line in site ENU (p0 at t0, velocity v m/s)."""
    p, vv = np.asarray(p0, float), np.asarray(v, float)
    return lambda t: p + (np.asarray(t) - t0)[:, None] * vv


def turning(
    p0: tuple[float, float, float],
    speed: float,
    heading_deg: float,
    rate_deg_s: float,
    turn_s: tuple[float, float],
    t0: float = T0,
) -> Path3:
    """Level flight from p0 at `speed` on `heading_deg`, a constant-rate turn between turn_s (s after
    t0), then straight again on the new heading."""
    h0, w = np.radians(heading_deg), np.radians(rate_deg_s)
    a, b = turn_s
    radius = speed / w

    def path(t: np.ndarray) -> np.ndarray:
        s = np.asarray(t) - t0
        s1 = np.minimum(s, a)
        s2 = np.clip(s - a, 0.0, b - a)
        s3 = np.maximum(s - b, 0.0)
        h = h0 + w * s2
        e = p0[0] + speed * s1 * np.sin(h0) + radius * (np.cos(h0) - np.cos(h)) + speed * s3 * np.sin(h)
        n = p0[1] + speed * s1 * np.cos(h0) + radius * (np.sin(h) - np.sin(h0)) + speed * s3 * np.cos(h)
        return np.column_stack([e, n, np.full(len(s), p0[2])])

    return path


def over_the_earth(path: Path3) -> Path3:
    """The same ground track with its third coordinate read as height above the ellipsoid, not ENU
    up: level flight far from the site stays level instead of rising off the tangent plane."""

    def flown(t: np.ndarray) -> np.ndarray:
        want = path(t)
        p = want.copy()
        for _ in range(3):
            p[:, 2] += want[:, 2] - FRAME.to_geodetic(p)[2]
        return p

    return flown


#: where a moving sensor is: times (K,) -> (K, 3) [lat lon alt]
Nav = Callable[[np.ndarray], np.ndarray]


def _sensor_enu(spec: dict[str, Any], p_site: np.ndarray, t: np.ndarray, nav: Nav | None) -> np.ndarray:
    """Targets in the sensor's own east/north/up at times t (from where it is then, if it moves)."""
    lat, lon, alt = FRAME.to_geodetic(p_site)
    if nav is None:
        return geodetic_to_enu(lat, lon, alt, spec["lat"], spec["lon"], spec["alt_m"])
    s = nav(t)
    return geodetic_to_enu(lat, lon, alt, s[:, 0], s[:, 1], s[:, 2])


def radar_plots(
    path: Path3,
    scans: range,
    rng: np.random.Generator,
    spec: dict[str, Any] = RADAR,
    sensor: int = 0,
    pd: float = 1.0,
    mode_c: bool = True,
    ident: int = NO_IDENT,
    nav: Nav | None = None,
) -> np.ndarray:
    """The target's plots: timed when the beam (clockwise from north) crosses it, noisy range,
    azimuth and (Mode C) ellipsoidal altitude, detected with probability pd."""
    T = spec["scan_period_s"]
    t_scan = T0 + T * np.asarray(scans, float)
    d = _sensor_enu(spec, path(t_scan), t_scan, nav)
    t = t_scan + np.mod(np.arctan2(d[:, 0], d[:, 1]), 2 * np.pi) / (2 * np.pi) * T
    d = _sensor_enu(spec, path(t), t, nav)
    alt = FRAME.to_geodetic(path(t))[2]
    n = len(t)
    out = np.zeros(n, PLOT_DTYPE)
    out["time_s"], out["sensor"] = t, sensor
    out["range_m"] = np.linalg.norm(d, axis=1) + rng.normal(0, spec["sigma_range_m"], n)
    az = np.arctan2(d[:, 0], d[:, 1]) + rng.normal(0, np.radians(spec["sigma_azimuth_deg"]), n)
    out["azimuth_rad"] = np.mod(az, 2 * np.pi)
    out["elevation_rad"] = np.nan
    out["altitude_m"] = np.nan
    if spec.get("sigma_elevation_deg") is not None:  # a 3-D radar measures elevation
        el = np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1]))
        out["elevation_rad"] = el + rng.normal(0, np.radians(spec["sigma_elevation_deg"]), n)
    elif mode_c:
        out["altitude_m"] = alt + rng.normal(0, spec["sigma_alt_m"], n)
    out["ident"] = ident
    return out[rng.random(n) < pd]


def clutter_plots(
    scans: range, rng: np.random.Generator, spec: dict[str, Any] = RADAR, sensor: int = 0
) -> np.ndarray:
    """False plots at the sheet's rate, evenly over the covered area, no altitude (a 3-D radar:
    elevations spread up to its clutter ceiling)."""
    T = spec["scan_period_s"]
    rmin, rmax = spec["min_range_m"], spec["max_range_m"]
    parts = []
    for k in scans:
        n = rng.poisson(spec["clutter_per_scan"])
        out = np.zeros(n, PLOT_DTYPE)
        az = rng.uniform(0, 2 * np.pi, n)
        out["time_s"] = T0 + T * k + az / (2 * np.pi) * T
        out["sensor"] = sensor
        out["range_m"] = np.sqrt(rng.uniform(rmin**2, rmax**2, n))
        out["azimuth_rad"] = az
        out["elevation_rad"] = out["altitude_m"] = np.nan
        if spec.get("sigma_elevation_deg") is not None:
            out["elevation_rad"] = rng.uniform(0, np.radians(spec.get("clutter_max_elevation_deg", 10.0)), n)
        out["ident"] = NO_IDENT
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, PLOT_DTYPE)


def adsb_reports(
    path: Path3,
    t: np.ndarray,
    ident: int,
    rng: np.random.Generator,
    spec: dict[str, Any] = ADSB,
    sensor: int = 1,
) -> np.ndarray:
    """Reports of the target at times t: noisy position, exact speed/track in its own local frame."""
    p = path(t)
    lat, lon, alt = FRAME.to_geodetic(p)
    # velocity in the aircraft's own east/north/up, by a central difference of its positions
    ahead = FRAME.to_geodetic(path(t + 0.5))
    behind = FRAME.to_geodetic(path(t - 0.5))
    v = geodetic_to_enu(*ahead, lat, lon, alt) - geodetic_to_enu(*behind, lat, lon, alt)
    n = len(t)
    sig = spec["sigma_position_m"]
    noisy = FRAME.to_geodetic(p + np.column_stack([rng.normal(0, sig, (n, 2)), np.zeros(n)]))
    out = np.zeros(n, REPORT_DTYPE)
    out["time_s"], out["sensor"], out["ident"] = t, sensor, ident
    out["lat"], out["lon"], out["altitude_m"] = noisy[0], noisy[1], alt
    out["speed_mps"] = np.hypot(v[:, 0], v[:, 1])
    out["track_rad"] = np.mod(np.arctan2(v[:, 0], v[:, 1]), 2 * np.pi)
    out["vrate_mps"] = np.nan
    return out


def scenario(
    plots: np.ndarray,
    reports: np.ndarray,
    end_s: float,
    sensors: list[dict[str, Any]] = SENSORS,
    platforms: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Scenario:
    """An in-memory scenario (what load_scenario would give: validated sheets) from T0 to end_s."""
    plots = np.sort(plots, order="time_s") if len(plots) else np.zeros(0, PLOT_DTYPE)
    reports = np.sort(reports, order="time_s") if len(reports) else np.zeros(0, REPORT_DTYPE)
    return Scenario(
        path=Path("."),
        sensors=load_sheets(sensors),
        site={"lat": SITE[0], "lon": SITE[1], "alt_m": SITE[2]},
        zones=[],
        start_s=T0,
        end_s=end_s,
        plots=plots,
        reports=reports,
        platforms=platforms or {},
        active=list(range(len(sensors))),
    )


def track(
    plots: np.ndarray,
    reports: np.ndarray,
    end_s: float,
    sensors: list[dict[str, Any]] = SENSORS,
    platforms: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
    **tracker_kw: Any,
) -> tuple[ImmGnnTracker, Iterator[Picture]]:
    """A tracker and the pictures of the run, judged by the integrity stage (lazy: a test can look
    at the tracker between them)."""
    scn = scenario(plots, reports, end_s, sensors, platforms)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, **tracker_kw)
    integrity = TrackIntegrity(scn.sensors, scn.site_lla, scn.platforms, scn.active)
    return trk, judged(trk, integrity, scenario_windows(scn, None, False))


def near(pic: Picture, path: Path3, within_m: float) -> np.ndarray:
    """Mask of the picture's tracks within `within_m` (horizontal) of the target at their row times."""
    t = pic.row_time if pic.row_time is not None else np.full(len(pic), pic.time_s)
    if len(pic) == 0:
        return np.zeros(0, bool)
    return np.hypot(*(pic.x[:, :2] - path(t)[:, :2]).T) < within_m
