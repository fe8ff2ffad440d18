"""Sensor sheets (the entries of a scenario's sensors.json, FORMAT.md) as validated models, and the
one radar-coverage rule.

    SensorSheet = RadarSheet | AdsbSheet | RemoteIdSheet      (discriminated on "kind")
    load_sheets(raw) -> list[SensorSheet]                     validate once, at start-up
    covers(sheet, sensor_pos, rotation, x, kind) -> (K,) bool  what a radar can see

A sheet is checked when it is read: a missing or malformed field is a ConfigError that names the
sensor (its id, or its index in the list) and the field, never a KeyError at the first plot. Each
optional field has its one default here, with its unit; nothing else in airpicture restates it.
Unknown keys are rejected too (a misspelt "sigma_range" is an error, not a silent default).

Units: SI inside (m, s, m/s); angles in a sheet are degrees, as in FORMAT.md (suffix ``_deg``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from airpicture import compiled, errors
from airpicture.types import BoolArray, FloatArray

#: The kinds of object a radar's Pd is given for (FORMAT.md `pd`).
ObjectKind = Literal["aircraft", "drone", "bird"]
_Probability = Annotated[float, Field(ge=0.0, le=1.0)]
_Positive = Annotated[float, Field(gt=0.0)]
_NonNegative = Annotated[float, Field(ge=0.0)]
#: A range a sensor can cover: finite, and no further than a radar or receiver sees (2,000 km).
_Range = Annotated[float, Field(gt=0.0, le=2e6, allow_inf_nan=False)]

#: A radar's Pd when its sheet gives none (what the tracker assumed before sheets were models).
_DEFAULT_PD: dict[ObjectKind, float] = {"aircraft": 0.9}

#: 4/3 Earth radius model of radio refraction (standard atmosphere).
K_FACTOR = 4.0 / 3.0
EARTH_RADIUS_M = 6371000.0


class _Sheet(BaseModel):
    """What every sensor sheet holds: who it is and where its antenna stands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="sensor id, as named in plots.csv / adsb.csv")
    lat: float = Field(ge=-90.0, le=90.0, description="antenna latitude, deg WGS-84 (moving: orbit centre)")
    lon: float = Field(ge=-180.0, le=180.0, description="antenna longitude, deg WGS-84")
    alt_m: float = Field(default=0.0, description="antenna height above the ellipsoid, m")
    moving: bool = Field(
        default=False, description="on a moving platform: where it is comes from platforms.csv"
    )
    sac: int | None = Field(
        default=None, ge=0, le=255, description="ASTERIX System Area Code (I010); None: 0"
    )
    sic: int | None = Field(
        default=None, ge=0, le=255, description="ASTERIX System Identification Code; None: 1 + its index"
    )
    sapient_node: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="the UUID of the SAPIENT sensor node whose detections this sheet describes",
    )


class Orbit(BaseModel):
    """The flight plan of a simulated moving platform (`airpicture sim` only; a tracker reads the
    platform's navigation from platforms.csv instead): a level clockwise circle around the sheet's
    lat/lon at its alt_m."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    radius_m: _Positive = Field(description="circle radius, m")
    speed_mps: _Positive = Field(description="ground speed, m/s")
    phase_rad: float = Field(default=0.0, description="bearing from the centre at the scenario start, rad")


class RadarSheet(_Sheet):
    """A rotating surveillance radar (primary, optionally with Mode C / Mode S replies)."""

    kind: Literal["radar"] = "radar"
    #: One antenna revolution. Default 4 s, a terminal-area surveillance radar (ASR: 4-5 s). When a
    #: sheet does not say, assuming the longer period only delays judging a miss; assuming 1 s of a
    #: 4-10 s radar would count several misses per revolution and delete (or call spoofed) real
    #: aircraft.
    scan_period_s: _Positive = Field(default=4.0, description="one antenna revolution, s")
    max_range_m: _Range = Field(description="longest slant range covered, m")
    min_range_m: _NonNegative = Field(default=0.0, description="shortest slant range covered, m")
    min_elevation_deg: float = Field(
        default=-0.5, ge=-90.0, le=90.0, description="lowest elevation covered, deg"
    )
    radar_horizon: bool = Field(default=False, description="also limited by the 4/3-Earth radar horizon")
    sigma_range_m: _Positive = Field(description="1-sigma slant-range noise, m")
    sigma_azimuth_deg: _Positive = Field(description="1-sigma azimuth noise, deg")
    sigma_elevation_deg: _Positive | None = Field(
        default=None, description="1-sigma elevation noise, deg; None: 2-D"
    )
    sigma_nav_m: _NonNegative = Field(
        default=0.0,
        description="moving platform: 1-sigma of its navigation position per axis, m (0: exact)",
    )
    reports_altitude: Literal["mode_c"] | None = Field(
        default=None, description="plots carry a Mode C altitude"
    )
    sigma_alt_m: _Positive = Field(
        default=10.0, description="1-sigma Mode C altitude noise (before 25 ft steps), m"
    )
    p_mode_c_lost: _Probability = Field(
        default=0.0, description="share of transponder plots without altitude"
    )
    p_identity: _Probability = Field(
        default=0.0, description="share of aircraft plots carrying the Mode S address"
    )
    #: Detection probability per scan, per kind of object; a kind not listed is not seen. Default:
    #: aircraft at 0.9 (what the tracker assumed of a sheet without pd).
    pd: dict[ObjectKind, _Probability] = Field(
        default_factory=lambda: _DEFAULT_PD.copy(), min_length=1, description="Pd per scan per kind"
    )
    clutter_per_scan: _NonNegative = Field(default=0.0, description="mean false plots per revolution")
    clutter_max_elevation_deg: _Positive = Field(
        default=10.0, description="false plots spread up to this elevation, deg"
    )
    orbit: Orbit | None = Field(
        default=None, description="simulated platform's flight plan (sim only); implies moving"
    )
    # Systematic errors the simulator gives this radar's plots (sim only: a tracker never reads
    # them, it estimates them, track/registration.py): measured = true + bias, and a plot is
    # stamped bias_time_s after the beam crossed the object.
    bias_range_m: float = Field(default=0.0, ge=-5000, le=5000, description="range offset (sim only), m")
    bias_azimuth_deg: float = Field(
        default=0.0, ge=-10, le=10, description="azimuth offset, clockwise (sim only), deg"
    )
    bias_time_s: float = Field(default=0.0, ge=-30, le=30, description="time-stamp offset (sim only), s")

    @model_validator(mode="before")
    @classmethod
    def _orbit_moves(cls, data: Any) -> Any:
        """A radar that flies an orbit is a moving one."""
        if isinstance(data, dict) and data.get("orbit") and "moving" not in data:
            return data | {"moving": True}
        return data

    @property
    def revisit_s(self) -> float:
        """Seconds between two looks at the same object: the scan period."""
        return self.scan_period_s

    @property
    def three_d(self) -> bool:
        """Measures elevation (a 3-D radar)."""
        return self.sigma_elevation_deg is not None

    @property
    def mode_c(self) -> bool:
        return self.reports_altitude == "mode_c"

    @property
    def pd_max(self) -> float:
        """The highest Pd over kinds (what a plot's likelihood assumes of the object behind it)."""
        return max(self.pd.values())

    @property
    def p_detect(self) -> float:
        """Pd used to judge misses: the lowest over the kinds it sees, since what an object is is
        not known when judging (a bird missed by the site radar is not gone)."""
        return min(self.pd.values())

    def pd_of(self, kind: str) -> float:
        """Pd for objects of `kind` (0 for a kind it does not see)."""
        return float(self.pd.get(kind, 0.0))  # type: ignore[call-overload]

    def sees(self, kind: str) -> bool:
        return self.pd_of(kind) > 0.0


class _CooperativeSheet(_Sheet):
    """A receiver of broadcast positions (ADS-B, Remote ID)."""

    max_range_m: _Range | None = Field(default=None, description="ground range covered, m; None: not stated")
    update_period_s: _Positive = Field(default=1.0, description="broadcast period of one object, s")
    p_loss: _Probability = Field(default=0.0, description="share of broadcasts not received")
    #: Default 10 m: the tracker's assumption for a sheet that does not state it (NACp 9-10 class).
    sigma_position_m: _Positive = Field(default=10.0, description="1-sigma horizontal position noise, m")
    sigma_alt_m: _Positive = Field(default=10.0, description="1-sigma altitude noise (before 25 ft steps), m")
    #: Default: NACv 0, the category a transponder reports when it does not know its accuracy
    #: (DO-260B: unknown or >= 10 m/s at 95 %), so 10 / 1.96; reported velocities worse than that
    #: (a speed of 0 while the positions move) are then not trusted more than the positions.
    sigma_velocity_mps: _Positive = Field(default=10.0 / 1.96, description="1-sigma velocity noise, m/s")

    @property
    def revisit_s(self) -> float:
        """Seconds between two reports of the same object: the update period."""
        return self.update_period_s

    @property
    def p_detect(self) -> float:
        """Share of an object's broadcasts received: 1 - p_loss."""
        return 1.0 - self.p_loss


class AdsbSheet(_CooperativeSheet):
    """An ADS-B (1090ES) / Mode S receiver."""

    kind: Literal["adsb"] = "adsb"


class RemoteIdSheet(_CooperativeSheet):
    """A drone Remote ID receiver (Bluetooth / Wi-Fi, ASTM F3411: at least one report a second)."""

    kind: Literal["remoteid"] = "remoteid"


SensorSheet = Annotated[RadarSheet | AdsbSheet | RemoteIdSheet, Field(discriminator="kind")]
CooperativeSheet = AdsbSheet | RemoteIdSheet
_SHEETS: TypeAdapter[list[SensorSheet]] = TypeAdapter(list[SensorSheet])


def _where(raw: Sequence[Any], loc: tuple[int | str, ...]) -> str:
    """`sensor 'TMA1' (#0)` for a validation error's location."""
    if not loc or not isinstance(loc[0], int):
        return "sensor list"
    i = loc[0]
    item = raw[i] if i < len(raw) else None
    sid = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
    return f"sensor {sid!r} (#{i})" if sid is not None else f"sensor #{i}"


def load_sheets(
    raw: Sequence[Mapping[str, Any] | RadarSheet | AdsbSheet | RemoteIdSheet],
) -> list[SensorSheet]:
    """Validate a sensor list (sensors.json). Models pass through as they are; every problem is a
    ConfigError naming the sensor and the field, e.g. ``sensor 'TMA1' (#0): sigma_range_m: Field
    required``. Ids must be unique."""
    if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence):
        raise errors.ConfigError("sensor sheets: expected a list of sensor objects")
    try:
        sheets = _SHEETS.validate_python(list(raw))
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = tuple(err["loc"])
            # the location inside a sheet, without the union tag pydantic inserts ("radar")
            field = ".".join(str(p) for p in loc[2:] if p != "[key]")
            if err["type"] in ("union_tag_not_found", "union_tag_invalid"):
                field = "kind"
            msg = err["msg"]
            lines.append(f"{_where(raw, loc)}: {field + ': ' if field else ''}{msg}")
        raise errors.ConfigError("invalid sensor sheet: " + "; ".join(lines)) from None
    seen: set[str] = set()
    for i, s in enumerate(sheets):
        if s.id in seen:
            raise errors.ConfigError(f"sensor {s.id!r} (#{i}): id: given twice")
        seen.add(s.id)
    return sheets


def live_receivers(
    names: Sequence[str], lat: float, lon: float, alt_m: float, kinds: Sequence[str] | None = None
) -> list[SensorSheet]:
    """The sheets of live feeds, which come without one: receivers at the site (lat, lon deg,
    alt_m m). kinds: "adsb" (the default) or "remoteid" per name. Mode S / ADS-B: 450 km of line of
    sight, a report a second, 30 m of position noise (decoded positions as a receiver gives them, of
    any NACp). Remote ID: 15 km (Bluetooth 5 long range / Wi-Fi beacons at best), a report a
    second, 10 m (a drone's GNSS fix, as `track --remoteid` assumes)."""
    kinds = kinds or ["adsb"] * len(names)
    specs = {"adsb": (450_000, 30.0), "remoteid": (15_000, 10.0)}
    return load_sheets(
        [
            {"id": n, "kind": k, "lat": lat, "lon": lon, "alt_m": alt_m, "max_range_m": specs[k][0],
             "update_period_s": 1.0, "sigma_position_m": specs[k][1]}
            for n, k in zip(names, kinds, strict=True)
        ]
    )  # fmt: skip


def sheet_dicts(sheets: Sequence[RadarSheet | AdsbSheet | RemoteIdSheet]) -> list[dict[str, Any]]:
    """The sheets as sensors.json objects (the fields that were given, as given)."""
    return [s.model_dump(exclude_unset=True) | {"kind": s.kind} for s in sheets]


def radar_horizon(h_target: FloatArray | float, h_sensor: FloatArray | float) -> FloatArray:
    """Longest line of sight (m) between two heights (m) over a smooth Earth with refraction."""
    two_kr = 2 * K_FACTOR * EARTH_RADIUS_M
    return np.asarray(np.sqrt(two_kr * np.maximum(h_sensor, 0)) + np.sqrt(two_kr * np.maximum(h_target, 0)))


def covers(
    sheet: RadarSheet,
    sensor_pos: FloatArray,
    rotation: FloatArray,
    x: FloatArray,
    kind: str | None = None,
    *,
    alt_m: FloatArray | None = None,
    sensor_alt_m: FloatArray | float | None = None,
    inside_m: float = 0.0,
    inside_deg: float = 0.0,
) -> BoolArray:
    """(K,) bool: which positions a radar can see (at least inside_m within its ranges and its
    horizon, inside_deg above its lowest elevation: where a check must be sure, not near an edge
    that a sheet gives only nominally).

    sensor_pos : (3,) or (K, 3) float64, the antenna in the frame of x (any Cartesian frame: site
    ENU, ECEF); rotation : (3, 3) or (K, 3, 3), that frame -> the antenna's own east/north/up;
    x : (K, 3) float64 positions; kind : only objects the radar has a Pd for ("aircraft", "drone",
    "bird"; None: any). alt_m : (K,) heights of x above the ellipsoid and sensor_alt_m the
    antenna's, m: needed only when the radar horizon applies.

    Rule (the scenario scorer's): min_range_m <= slant range <= max_range_m, and above
    min_elevation_deg for a fixed radar; a moving (airborne) radar looks down, so the 4/3-Earth
    radar horizon replaces the elevation limit; a fixed sheet with radar_horizon adds it.
    """
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, 3)
    K = len(x)
    if kind is not None and not sheet.sees(kind):
        return np.zeros(K, dtype=bool)
    horizon = sheet.moving or sheet.radar_horizon
    if horizon and (alt_m is None or sensor_alt_m is None):
        raise ValueError(f"radar {sheet.id}: the radar horizon needs alt_m and sensor_alt_m")
    # one antenna for all (1 row) or one per position (K rows): the kernel indexes accordingly
    pos = np.ascontiguousarray(sensor_pos, np.float64).reshape(-1, 3)
    rot = np.ascontiguousarray(rotation, np.float64).reshape(-1, 3, 3)
    h = np.ascontiguousarray(alt_m if horizon else 0.0, np.float64).reshape(-1)
    hs = np.ascontiguousarray(sensor_alt_m if horizon else 0.0, np.float64).reshape(-1)
    limits = (
        sheet.min_range_m + inside_m,
        sheet.max_range_m - inside_m,
        np.sin(np.radians(sheet.min_elevation_deg + inside_deg)),
        not sheet.moving,
        bool(horizon),
        inside_m,
    )
    return _covers(pos, rot, x, h, hs, limits)


@compiled.jit
def _covers(pos, rot, x, h, hs, limits):
    """covers() over K positions in one compiled loop (it runs for every picture). pos, rot, h, hs
    have one row for all positions or one per position."""
    r_lo, r_hi, sin_el, check_el, check_horizon, inside_m = limits
    two_kr = 2 * K_FACTOR * EARTH_RADIUS_M
    K = x.shape[0]
    out = np.empty(K, np.bool_)
    for k in range(K):
        a = k if pos.shape[0] > 1 else 0
        b = k if rot.shape[0] > 1 else 0
        d0, d1, d2 = x[k, 0] - pos[a, 0], x[k, 1] - pos[a, 1], x[k, 2] - pos[a, 2]
        R = rot[b]
        u = R[2, 0] * d0 + R[2, 1] * d1 + R[2, 2] * d2
        e = R[0, 0] * d0 + R[0, 1] * d1 + R[0, 2] * d2
        n = R[1, 0] * d0 + R[1, 1] * d1 + R[1, 2] * d2
        r = np.sqrt(e * e + n * n + u * u)
        ok = r_lo <= r <= r_hi
        if check_el:
            ok = ok and min(max(u / max(r, 1.0), -1.0), 1.0) >= sin_el
        if check_horizon:
            hk = h[k] if h.shape[0] > 1 else h[0]
            hsk = hs[k] if hs.shape[0] > 1 else hs[0]
            line = np.sqrt(two_kr * max(hsk, 0.0)) + np.sqrt(two_kr * max(hk, 0.0))
            ok = ok and r <= line - inside_m
        out[k] = ok
    return out


__all__ = [
    "EARTH_RADIUS_M",
    "K_FACTOR",
    "AdsbSheet",
    "CooperativeSheet",
    "ObjectKind",
    "Orbit",
    "RadarSheet",
    "RemoteIdSheet",
    "SensorSheet",
    "covers",
    "live_receivers",
    "load_sheets",
    "radar_horizon",
    "sheet_dicts",
]
