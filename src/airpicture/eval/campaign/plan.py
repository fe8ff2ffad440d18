"""A campaign's site-runs: each one a site, a sensor set and a population drawn from (seed, index).

The draws span what a deployment meets, not what the Paris scenario holds:

    site         anywhere between 55 S and 65 N, 0-1,500 m above the ellipsoid; one protected
                 circle of 600-1,500 m radius, 300-600 m high, centred on the site
    site radars  one, or two (the second 1-3 km away); each with drone and bird Pd drawn from
                 0.5-0.95, 0-8 clutter plots per scan, a 1 s or 2 s scan, 5-8 km range; a quarter
                 of them 2-D (no elevation: range and azimuth only)
    long range   a surveillance radar 10-30 km away (aircraft only) on half of the sites
    ADS-B        a receiver at the site on 70 % of them
    drones       2-8 at a time, behaviours mixed by a flat Dirichlet draw over the simulator's six
                 (hover-and-wander, loiter, transit, low and slow 2-8 m/s, take-off inside the
                 zone, racers at 25-35 m/s), within 3-5 km of the site
    birds        0-40 at a time, 0-80 % of them in flocks
    aircraft     10-60 within 60 km, 20-60 % of the light ones without a transponder; 0-2 ghosts

Nothing here reads a result: the same (seed, index) always gives the same site-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from airpicture.geo import EnuFrame
from airpicture.sim.config import DRONE_MIX_KEYS, SimConfig, Site, default_sensors


@dataclass(frozen=True)
class SiteRun:
    """One site-run of a campaign: its index, its seed and the simulator's config."""

    index: int
    seed: int
    config: SimConfig
    sensor_set: str  # e.g. "2 site radars + long range + ADS-B"

    def describe(self) -> dict[str, Any]:
        """What the report lists about the run (JSON-ready)."""
        c = self.config
        radars = [s for s in c.sensors or [] if s["kind"] == "radar" and "drone" in s["pd"]]
        return {
            "index": self.index,
            "seed": self.seed,
            "site": [round(c.site.lat, 4), round(c.site.lon, 4), round(c.site.alt_m, 1)],
            "sensor_set": self.sensor_set,
            "pd_drone": [s["pd"]["drone"] for s in radars],
            "pd_bird": [s["pd"]["bird"] for s in radars],
            "clutter_per_scan": [s["clutter_per_scan"] for s in radars],
            "drones": c.drones,
            "drone_mix": c.drone_mix,
            "birds": c.birds,
            "flock_share": c.flock_share,
            "aircraft": c.aircraft,
            "zone_radius_m": (c.zones or [{}])[0].get("radius_m"),
        }


def _site_radar(rid: str, lat: float, lon: float, alt_m: float, rng: np.random.Generator) -> dict[str, Any]:
    return {
        "id": rid,
        "kind": "radar",
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "alt_m": round(alt_m + 20.0, 1),
        "scan_period_s": float(rng.choice([1.0, 1.0, 2.0])),
        "max_range_m": round(float(rng.uniform(5000.0, 8000.0)), -2),
        "min_range_m": 50,
        "min_elevation_deg": -0.5,
        "sigma_range_m": 5,
        "sigma_azimuth_deg": 0.4,
        "sigma_elevation_deg": 0.4,
        "pd": {
            "aircraft": 0.95,
            "drone": round(float(rng.uniform(0.5, 0.95)), 2),
            "bird": round(float(rng.uniform(0.5, 0.95)), 2),
        },
        "clutter_per_scan": round(float(rng.uniform(0.0, 8.0)), 1),
        "clutter_max_elevation_deg": 10,
    }


def _long_range(site: Site, frame: EnuFrame, rng: np.random.Generator) -> dict[str, Any]:
    """The simulator's surveillance radar (default_sensors' TMA1: aircraft only, Mode C), moved
    10-30 km from the site, with its own scan period and clutter."""
    d, a = rng.uniform(10_000.0, 30_000.0), rng.uniform(0.0, 2 * np.pi)
    lat, lon, _ = frame.to_geodetic(np.array([[d * np.sin(a), d * np.cos(a), 0.0]]))
    return default_sensors(site)[0] | {
        "id": "LR1",
        "lat": round(float(lat[0]), 6),
        "lon": round(float(lon[0]), 6),
        "alt_m": round(site.alt_m + 60.0, 1),
        "scan_period_s": float(rng.choice([4.0, 5.0, 6.0])),
        "clutter_per_scan": round(float(rng.uniform(10.0, 40.0))),
    }


def plan_run(seed: int, index: int, duration_s: float) -> SiteRun:
    """The site-run `index` of the campaign `seed` (see the module docstring)."""
    rng = np.random.default_rng([seed, index])
    site = Site(
        lat=round(float(rng.uniform(-55.0, 65.0)), 4),
        lon=round(float(rng.uniform(-180.0, 180.0)), 4),
        alt_m=round(float(rng.uniform(0.0, 1500.0)), 1),
        name=f"site{index:03d}",
    )
    frame = EnuFrame(site.lat, site.lon, site.alt_m)
    sensors = [_site_radar("SITE1", site.lat, site.lon, site.alt_m, rng)]
    parts = ["1 site radar"]
    if rng.uniform() < 0.5:
        d, a = rng.uniform(1000.0, 3000.0), rng.uniform(0.0, 2 * np.pi)
        lat, lon, _ = frame.to_geodetic(np.array([[d * np.sin(a), d * np.cos(a), 0.0]]))
        sensors.append(_site_radar("SITE2", float(lat[0]), float(lon[0]), site.alt_m, rng))
        parts = ["2 site radars"]
    if rng.uniform() < 0.5:
        sensors.append(_long_range(site, frame, rng))
        parts.append("long range")
    if rng.uniform() < 0.7:
        # the simulator's receiver at the site, with its own share of lost messages
        sensors.append(default_sensors(site)[2] | {"p_loss": round(float(rng.uniform(0.2, 0.5)), 2)})
        parts.append("ADS-B")
    # a quarter of the site radars measure no elevation (2-D), drawn apart so that the rest of the
    # site-run is what it was before they were
    site_radars = [r for r in sensors if str(r["id"]).startswith("SITE")]
    flat = np.random.default_rng([seed, index, 1]).uniform(size=len(site_radars)) < 0.25
    for radar, two_d in zip(site_radars, flat, strict=True):
        if two_d:
            del radar["sigma_elevation_deg"]
    if flat.any():
        parts[0] += " (2-D)"  # one of them at least
    radius = round(float(rng.uniform(600.0, 1500.0)), -1)
    zones = [
        {
            "name": f"{site.name} core",
            "kind": "circle",
            "lat": site.lat,
            "lon": site.lon,
            "radius_m": radius,
            "floor_m": 0,
            "ceiling_m": round(float(rng.uniform(300.0, 600.0)), -1),
        }
    ]
    weights = rng.dirichlet(np.ones(len(DRONE_MIX_KEYS)))
    config = SimConfig(
        site=site,
        duration_s=duration_s,
        seed=int(rng.integers(2**31)),
        aircraft=int(rng.integers(10, 61)),
        drones=int(rng.integers(2, 9)),
        birds=int(rng.integers(0, 41)),
        ghosts=int(rng.integers(0, 3)),
        p_no_transponder=round(float(rng.uniform(0.2, 0.6)), 2),
        air_radius_m=60_000.0,
        drone_radius_m=round(float(rng.uniform(3000.0, 5000.0)), -2),
        flock_share=round(float(rng.uniform(0.0, 0.8)), 2),
        drone_mix={k: round(float(w), 3) for k, w in zip(DRONE_MIX_KEYS, weights, strict=True)},
        takeoff_radius_m=0.8 * radius,
        sensors=sensors,
        zones=zones,
    )
    return SiteRun(index, config.seed, config, " + ".join(parts))


def plan_campaign(runs: int, seed: int, duration_s: float) -> list[SiteRun]:
    """The campaign's `runs` site-runs."""
    return [plan_run(seed, i, duration_s) for i in range(runs)]


__all__ = ["SiteRun", "plan_campaign", "plan_run"]
