"""What a synthetic scenario holds: the site, how many objects of each kind, the sensors.

Sensors are the dicts of the scenario format's sensors.json (FORMAT.md), so a generated folder and
the in-memory stream describe them in exactly the way a tracker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airpicture.errors import ConfigError
from airpicture.geo import EnuFrame
from airpicture.sensors import RadarSheet, SensorSheet, load_sheets

#: The drone behaviours a scenario can mix (airpicture.sim.targets), and the default mix.
DRONE_MIX_KEYS = ("multirotor", "loiter", "transit", "low_slow", "takeoff", "racer")
DEFAULT_DRONE_MIX = {"multirotor": 0.45, "loiter": 0.2, "transit": 0.2, "low_slow": 0.15}

#: Default scenario start: 2023-11-14 22:13:20 UTC (any epoch works; a round one reads well).
DEFAULT_START_S = 1_700_000_000.0


@dataclass
class Site:
    """The protected site: origin of the simulation's East-North-Up frame."""

    lat: float = 48.86
    lon: float = 2.29
    alt_m: float = 60.0
    name: str = "site-A"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lat": self.lat, "lon": self.lon, "alt_m": self.alt_m}


def default_sensors(site: Site) -> list[dict[str, Any]]:
    """A TMA surveillance radar 14 km from the site, a 3-D radar at the site, an ADS-B receiver.

    Mirrors the sensor sheet of the real Paris scenario (../shared/scenarios/paris/sensors.json),
    placed relative to `site`.
    """
    frame = EnuFrame(site.lat, site.lon, site.alt_m)
    tma_lat, tma_lon, _ = frame.to_geodetic(np.array([[8100.0, -12200.0, 0.0]]))
    return [
        {
            "id": "TMA1",
            "kind": "radar",
            "lat": round(float(tma_lat[0]), 6),
            "lon": round(float(tma_lon[0]), 6),
            "alt_m": site.alt_m + 60.0,
            "scan_period_s": 4.0,
            "max_range_m": 120000,
            "min_range_m": 500,
            "min_elevation_deg": -0.5,
            "sigma_range_m": 40,
            "sigma_azimuth_deg": 0.08,
            "reports_altitude": "mode_c",
            "sigma_alt_m": 10,
            "p_identity": 0.0,
            "pd": {"aircraft": 0.9},
            "clutter_per_scan": 40,
            "p_mode_c_lost": 0.02,
        },
        {
            "id": "SITE1",
            "kind": "radar",
            "lat": site.lat,
            "lon": site.lon,
            "alt_m": site.alt_m + 20.0,
            "scan_period_s": 1.0,
            "max_range_m": 6000,
            "min_range_m": 50,
            "min_elevation_deg": -0.5,
            "sigma_range_m": 5,
            "sigma_azimuth_deg": 0.4,
            "sigma_elevation_deg": 0.4,
            "pd": {"aircraft": 0.95, "drone": 0.8, "bird": 0.6},
            "clutter_per_scan": 3,
            "clutter_max_elevation_deg": 10,
        },
        {
            "id": "ADSB1",
            "kind": "adsb",
            "lat": site.lat,
            "lon": site.lon,
            "alt_m": site.alt_m,
            "max_range_m": 250000,
            "update_period_s": 1.0,
            "p_loss": 0.4,
            "sigma_position_m": 8,
        },
    ]


def aew_radar(site: Site) -> dict[str, Any]:
    """An airborne early-warning radar flying a 25 km orbit at 9 km, 55 km south-east of the site
    (as in the real paris-aew scenario). The orbit goes to platforms.csv, the sheet says "moving"."""
    frame = EnuFrame(site.lat, site.lon, site.alt_m)
    lat, lon, _ = frame.to_geodetic(np.array([[23000.0, -51000.0, 0.0]]))
    return {
        "id": "AEW1",
        "kind": "radar",
        "lat": round(float(lat[0]), 6),
        "lon": round(float(lon[0]), 6),
        "alt_m": 9000.0,
        "orbit": {"radius_m": 25000.0, "speed_mps": 180.0},
        "scan_period_s": 10.0,
        "max_range_m": 300000,
        "min_range_m": 1000,
        "sigma_range_m": 100,
        "sigma_azimuth_deg": 0.2,
        "reports_altitude": "mode_c",
        "sigma_alt_m": 15,
        "p_mode_c_lost": 0.03,
        "pd": {"aircraft": 0.9},
        "clutter_per_scan": 30,
    }


#: Sheet keys only the simulator reads: the flight plan and the radar's true systematic errors
#: (kept in config.json for scoring; a tracker estimates biases, it is never told them).
SIM_ONLY_KEYS = ("orbit", "bias_range_m", "bias_azimuth_deg", "bias_time_s")


def public_sheet(sensors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sensor sheet a tracker reads: an orbit becomes "moving": true (where the sensor is comes
    from platforms.csv, not from its flight plan), and the simulated biases are left out."""
    return [
        {k: v for k, v in s.items() if k not in SIM_ONLY_KEYS} | ({"moving": True} if s.get("orbit") else {})
        for s in sensors
    ]


def default_zones(site: Site) -> list[dict[str, Any]]:
    """One protected circle over the site, 1 km wide and 600 m high (as in the Paris scenario)."""
    return [
        {
            "name": f"{site.name} core",
            "kind": "circle",
            "lat": site.lat,
            "lon": site.lon,
            "radius_m": 1000,
            "floor_m": 0,
            "ceiling_m": 600,
        }
    ]


@dataclass
class SimConfig:
    """Everything that defines a synthetic scenario; the same config and seed give the same data.

    aircraft/drones/birds/ghosts: simultaneous objects of each kind (a slot whose object ends -
    leaves its area or reaches the end of its life - gets a new object, so the count stays).
    ghosts: spoofed ADS-B broadcasters that nothing real is behind (no radar echo, not in truth).
    p_no_transponder: share of light aircraft (which stay below silent_max_alt_m) that carry no
    transponder, chosen by name exactly as FORMAT.md's scorer does.
    air_radius_m / drone_radius_m / bird_radius_m: discs around the site where each kind lives.
    truth_period_s: how often truth rows are written to truth.csv (a multiple of dt_s).
    drone_mix: weight of each drone behaviour (DRONE_MIX_KEYS; missing ones weigh 0). "takeoff"
    drones rise from the ground within takeoff_radius_m of the site (inside its zone), "racer"
    ones cross the area at 25-35 m/s, "low_slow" ones creep at 2-8 m/s.
    """

    site: Site = field(default_factory=Site)
    start_s: float = DEFAULT_START_S
    duration_s: float = 600.0
    dt_s: float = 1.0
    seed: int = 0
    aircraft: int = 200
    drones: int = 6
    birds: int = 20
    ghosts: int = 2
    p_no_transponder: float = 0.4
    silent_max_alt_m: float = 3000.0
    air_radius_m: float = 150_000.0
    drone_radius_m: float = 4000.0
    bird_radius_m: float = 5000.0
    flock_share: float = 0.5
    truth_period_s: float = 1.0
    drone_mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DRONE_MIX))
    takeoff_radius_m: float = 800.0
    sensors: list[dict[str, Any]] | None = None
    zones: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.sensors is None:
            self.sensors = default_sensors(self.site)
        if self.zones is None:
            self.zones = default_zones(self.site)
        self.validate()

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def validate(self) -> None:
        """Raise ConfigError for a config that cannot be simulated."""
        if not self.duration_s > 0 or not self.dt_s > 0:
            raise ConfigError("duration_s and dt_s must be positive")
        for name in ("aircraft", "drones", "birds", "ghosts"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0")
        if not 0.0 <= self.p_no_transponder <= 1.0:
            raise ConfigError("p_no_transponder must be within [0, 1]")
        bad = set(self.drone_mix) - set(DRONE_MIX_KEYS)
        if bad or any(not w >= 0 for w in self.drone_mix.values()) or not sum(self.drone_mix.values()) > 0:
            raise ConfigError(
                f"drone_mix: weights >= 0 of {', '.join(DRONE_MIX_KEYS)}, not all 0 (got {self.drone_mix})"
            )
        k = self.truth_period_s / self.dt_s
        if k < 1 or abs(k - round(k)) > 1e-9:
            raise ConfigError("truth_period_s must be a whole multiple of dt_s")
        self.sheets()

    def sheets(self) -> list[SensorSheet]:
        """The sensors as validated sheets (airpicture.sensors; ConfigError names the sensor and
        the field), with what the simulator needs besides: a moving sensor flies an orbit, and
        it simulates radars and ADS-B receivers only."""
        sheets = load_sheets(self.sensors or [])
        for i, s in enumerate(sheets):
            if s.moving and not (isinstance(s, RadarSheet) and s.orbit):
                raise ConfigError(
                    f"sensor {s.id!r} (#{i}): orbit: a moving sensor needs one (radius_m, speed_mps)"
                )
            if s.kind not in ("radar", "adsb"):
                raise ConfigError(f"sensor {s.id!r} (#{i}): kind: {s.kind!r} is not simulated")
        return sheets

    def as_dict(self) -> dict[str, Any]:
        """The config as written to config.json (kept for scoring, not read by a tracker)."""
        return {
            "generator": "airpicture.sim",
            "seed": self.seed,
            "start_s": self.start_s,
            "duration_s": self.duration_s,
            "dt_s": self.dt_s,
            "site": self.site.as_dict(),
            "zones": self.zones,
            "aircraft": self.aircraft,
            "drones": {
                "count": self.drones,
                "radius_m": self.drone_radius_m,
                "mix": self.drone_mix,
                "takeoff_radius_m": self.takeoff_radius_m,
            },
            "birds": {"count": self.birds, "radius_m": self.bird_radius_m, "flock_share": self.flock_share},
            "ghosts": self.ghosts,
            "air_radius_m": self.air_radius_m,
            "p_no_transponder": self.p_no_transponder,
            "silent_max_alt_m": self.silent_max_alt_m,
            "truth_period_s": self.truth_period_s,
            "sensors": self.sensors,
        }


__all__ = [
    "DEFAULT_DRONE_MIX",
    "DEFAULT_START_S",
    "DRONE_MIX_KEYS",
    "SIM_ONLY_KEYS",
    "SimConfig",
    "Site",
    "aew_radar",
    "default_sensors",
    "default_zones",
    "public_sheet",
]
