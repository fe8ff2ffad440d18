"""ADS-B reports -> the extended squitters their aircraft would broadcast, with GNSS jammers.

How to use:

    from airpicture.sim.squitter import Jammer, Quality, squitters, write_recording
    jam = Jammer(lat=48.9, lon=2.4, radius_m=30e3, start_s=t0 + 300, end_s=t0 + 900)
    sq = squitters(reports, jammers=[jam], receiver=(48.86, 2.29))  # reports: REPORT_DTYPE rows
    sq.time_s, sq.frames, sq.icao, sq.kind, sq.jammed                 # (N,) / (N, 14), time-ordered
    write_recording("frames.bin", sq, jammers=[jam], start_s=t0)     # Beast + frames.jammers.json

Each report is one received airborne position, so it gives one position frame at its time (even
and odd alternating per aircraft, so every pair decodes globally) and one velocity frame 10 ms
later. Each aircraft also sends its operational status (version 2, NACp, NIC-A, SIL) every 2.5 s
and whenever its quality changes, and its identification every 5 s (DO-260B airborne rates),
just before the position report they fall on, so a decoder knows an aircraft's NIC supplement
before its first position. Reports without a vertical rate (adsb.csv has none) get one from
their altitudes 10 s apart.

Quality: NACp 10, NIC 8 (type code 11, NIC-A 0), SIL 3, NACv 2 by default: the real CDG flight
sends type code 11 (NIC 8 in version 2) and NACv 2. A jammer degrades, for every report inside its
circle (great-circle distance to the centre) within [start_s, end_s], the quality to NACp 0 and
NIC 0 (type code 18) and NACv 0, as readsb shows jammed traffic (gpsjam.org counts such aircraft);
a `Quality.p_position_loss` share of the jammed aircraft (chosen by address, so the same aircraft
each time) lose the position altogether, as aircraft without an inertial fallback do: their
position frames become type code 0 (altitude only) and their velocity frames stop.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.errors import ConfigError, SinkError
from airpicture.sim import modes
from airpicture.sim.identity import icao_hash_unit
from airpicture.sources.beast import encode_beast_frames
from airpicture.types import Rejects

EARTH_R_M = 6_371_008.8
STATUS_PERIOD_S = 2.5
IDENT_PERIOD_S = 5.0
VRATE_SPAN_S = 10.0
#: kind of each frame
POSITION, VELOCITY, IDENTIFICATION, STATUS, NO_POSITION = 0, 1, 2, 3, 4
KINDS = ("position", "velocity", "identification", "status", "no_position")
#: time of each frame relative to the report it comes from (s): status, identity, position, velocity
_OFFSETS = {STATUS: -0.02, IDENTIFICATION: -0.01, POSITION: 0.0, NO_POSITION: 0.0, VELOCITY: 0.01}


@dataclass(frozen=True)
class Jammer:
    """A GNSS jammer: aircraft within radius_m of (lat, lon) deg during [start_s, end_s] (UTC epoch
    seconds) broadcast degraded quality."""

    lat: float
    lon: float
    radius_m: float
    start_s: float
    end_s: float

    @classmethod
    def parse(cls, text: str, start_s: float) -> Jammer:
        """`LAT,LON,RADIUS_KM,START_S,END_S` with times in seconds after the scenario start
        `start_s`. ConfigError when malformed."""
        try:
            lat, lon, r_km, t0, t1 = (float(x) for x in text.split(","))
        except ValueError:
            raise ConfigError(f"--jammer {text!r}: expected LAT,LON,RADIUS_KM,START_S,END_S") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and r_km > 0 and t1 > t0):
            raise ConfigError(f"--jammer {text!r}: needs |lat| <= 90, |lon| <= 180, radius > 0, end > start")
        return cls(lat, lon, r_km * 1000.0, start_s + t0, start_s + t1)

    def covers(self, time_s: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """(N,) bool: the reports at (time_s, lat, lon) are jammed by this jammer."""
        t = np.asarray(time_s, np.float64)
        inside = distance_m(lat, lon, self.lat, self.lon) <= self.radius_m
        return inside & (t >= self.start_s) & (t <= self.end_s)


@dataclass(frozen=True)
class Quality:
    """What the aircraft broadcast: normal and jammed NACp / NIC / NACv, SIL, and the share of
    jammed aircraft that lose their position altogether."""

    nacp: int = 10
    nic: int = 8
    nacv: int = 2
    sil: int = 3
    jammed_nacp: int = 0
    jammed_nic: int = 0
    jammed_nacv: int = 0
    p_position_loss: float = 0.0

    def __post_init__(self) -> None:
        for name in ("nacp", "jammed_nacp"):
            if not 0 <= getattr(self, name) <= 11:
                raise ConfigError(f"{name}: 0..11")
        for name in ("nic", "jammed_nic"):
            if not 0 <= getattr(self, name) <= 11:
                raise ConfigError(f"{name}: 0..11")
        if not (0 <= self.nacv <= 4 and 0 <= self.jammed_nacv <= 4 and 0 <= self.sil <= 3):
            raise ConfigError("nacv, jammed_nacv: 0..4; sil: 0..3")
        if not 0.0 <= self.p_position_loss <= 1.0:
            raise ConfigError("p_position_loss: 0..1")


@dataclass
class Squitters:
    """Frames, time-ordered: time_s (N,) float64, frames (N, 14) uint8, icao (N,) int64, kind (N,)
    int8 (KINDS), jammed (N,) bool; rejects: reports that could not be encoded, by reason."""

    time_s: npt.NDArray[np.float64]
    frames: npt.NDArray[np.uint8]
    icao: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]
    jammed: npt.NDArray[np.bool_]
    signal: npt.NDArray[np.uint8]
    rejects: Rejects = field(default_factory=lambda: Rejects("squitter"))

    def __len__(self) -> int:
        return len(self.time_s)

    def hex(self) -> list[str]:
        return modes.frames_hex(self.frames)

    def beast(self, t_first: float | None = None) -> bytes:
        """Beast bytes (`sources.beast.encode_beast_frames`), counter 0 at t_first (default: the
        first frame)."""
        return encode_beast_frames(self.time_s, self.frames, t_first, self.signal)


def distance_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle (haversine, mean Earth radius) distance, degrees in, metres out."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_R_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))), np.float64)


def default_callsign(icao: int) -> str:
    """The callsign a simulated aircraft broadcasts: 'AP' and its address (8 characters)."""
    return f"AP{icao:06X}"


def _vertical_rate(
    t: npt.NDArray[np.float64], alt: npt.NDArray[np.float64], group: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """(N,) m/s from each aircraft's altitudes about VRATE_SPAN_S apart; rows sorted by (group, t)."""
    key = group * 1e7 + (t - t.min())  # one time line per aircraft, far apart from the next
    lo = np.searchsorted(key, key - VRATE_SPAN_S / 2, side="left")
    hi = np.searchsorted(key, key + VRATE_SPAN_S / 2, side="right") - 1
    alt0 = np.where(np.isfinite(alt), alt, np.nan)
    dt = t[hi] - t[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        vr = (alt0[hi] - alt0[lo]) / dt
    return np.where(dt > 0, vr, 0.0)


def _every(t: npt.NDArray[np.float64], first: npt.NDArray[np.bool_], period: float) -> npt.NDArray[np.bool_]:
    """Rows (sorted by aircraft, time) where an aircraft's `period` clock ticks: its first report,
    then the first report of each new period since its first."""
    start = np.maximum.accumulate(np.where(first, np.arange(len(t)), 0))
    slot = np.floor((t - t[start]) / period)
    tick = np.ones(len(t), bool)
    tick[1:] = (slot[1:] != slot[:-1]) | first[1:]
    return tick


def squitters(
    reports: np.ndarray,
    *,
    jammers: list[Jammer] | tuple[Jammer, ...] = (),
    quality: Quality = Quality(),
    callsigns: dict[int, str] | None = None,
    receiver: tuple[float, float] | None = None,
    immune: list[int] | tuple[int, ...] = (),
) -> Squitters:
    """The DF17 frames behind `reports` (REPORT_DTYPE rows, any order; ident = ICAO address).

    immune: addresses no jammer touches: spoofed ghosts, whose transmitter on the ground has no
    GNSS receiver to jam, keep their good quality inside a jammed area (as a spoofer's would).

    Reports without a finite lat/lon or with an ident outside 24 bits are counted in
    `rejects` and give no frame; an altitude outside the 25 ft code range is sent as unknown
    (counted as `altitude_unknown`). callsigns: ident -> callsign (default `default_callsign`).
    receiver: (lat, lon) deg; the signal byte falls as 1 / range from it (else 0x80).
    """
    rej = Rejects("squitter")
    ok = np.isfinite(reports["lat"]) & np.isfinite(reports["lon"])
    rej.add("no_position", int((~ok).sum()))
    good_id = (reports["ident"] >= 0) & (reports["ident"] < 1 << 24)
    rej.add("bad_icao24", int((ok & ~good_id).sum()))
    r = reports[ok & good_id]
    r = r[np.lexsort((r["time_s"], r["ident"]))]
    n = len(r)
    t, icao = r["time_s"].astype(np.float64), r["ident"].astype(np.int64)
    lat, lon, alt = r["lat"], r["lon"], r["altitude_m"]
    rej.add("altitude_unknown", int((modes.altitude_code(alt) == 0).sum()))
    first = np.ones(n, bool)
    first[1:] = icao[1:] != icao[:-1]
    jammed = np.zeros(n, bool)
    for j in jammers:
        jammed |= j.covers(t, lat, lon)
    jammed &= ~np.isin(icao, np.asarray(immune, np.int64))
    lost = jammed & (icao_hash_unit(icao) < quality.p_position_loss)
    nacp = np.where(jammed, quality.jammed_nacp, quality.nacp)
    nic = np.where(jammed, quality.jammed_nic, quality.nic)
    changed = np.zeros(n, bool)
    changed[1:] = (jammed[1:] != jammed[:-1]) & ~first[1:]
    status = _every(t, first, STATUS_PERIOD_S) | changed
    ident = _every(t, first, IDENT_PERIOD_S)
    vrate = np.where(np.isfinite(r["vrate_mps"]), r["vrate_mps"], _vertical_rate(t, alt, np.cumsum(first)))
    odd = (np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))) % 2
    fly = ~lost
    moving = fly & np.isfinite(r["speed_mps"]) & np.isfinite(r["track_rad"])  # else no velocity frame
    names = callsigns or {}
    planes, which = np.unique(icao[ident], return_inverse=True)  # one callsign encoding per aircraft
    calls = [names.get(a, default_callsign(a)) for a in planes.tolist()]
    parts = [
        (STATUS, status, modes.status_frames(icao[status], nacp[status], nic[status], quality.sil)),
        (IDENTIFICATION, ident, modes.identification_frames(planes, calls)[which]),
        (POSITION, fly, modes.position_frames(icao[fly], lat[fly], lon[fly], alt[fly], odd[fly], nic[fly])),
        (NO_POSITION, lost, modes.no_position_frames(icao[lost], alt[lost])),
        (VELOCITY, moving, modes.velocity_frames(
            icao[moving], r["speed_mps"][moving], r["track_rad"][moving], vrate[moving],
            np.where(jammed[moving], quality.jammed_nacv, quality.nacv))),
    ]  # fmt: skip
    amp = np.full(n, 0x80, np.float64)
    if receiver is not None:  # amplitude ~ 1 / range: full scale at 5 km
        amp = 255.0 * 5000.0 / np.maximum(distance_m(lat, lon, receiver[0], receiver[1]), 5000.0)
    sig = np.clip(amp, 1, 255).astype(np.uint8)
    time_s = np.concatenate([t[sel] + _OFFSETS[k] for k, sel, _ in parts])
    order = np.argsort(time_s, kind="stable")
    return Squitters(
        time_s=time_s[order],
        frames=np.concatenate([f for _, _, f in parts])[order],
        icao=np.concatenate([icao[sel] for _, sel, _ in parts])[order],
        kind=np.concatenate([np.full(int(sel.sum()), k, np.int8) for k, sel, _ in parts])[order],
        jammed=np.concatenate([jammed[sel] for _, sel, _ in parts])[order],
        signal=np.concatenate([sig[sel] for _, sel, _ in parts])[order],
        rejects=rej,
    )


def truth(
    sq: Squitters,
    jammers: list[Jammer] | tuple[Jammer, ...],
    start_s: float,
    quality: Quality,
    immune: list[int] | tuple[int, ...] = (),
) -> dict[str, Any]:
    """What was injected, for tests and the GNSS map's checks (the `.jammers.json` side file)."""
    aircraft = np.unique(sq.icao)
    hit = sq.jammed & ((sq.kind == POSITION) | (sq.kind == NO_POSITION))
    icao, t = sq.icao[hit], sq.time_s[hit]  # time-ordered
    planes, first = np.unique(icao, return_index=True)
    last = len(icao) - 1 - np.unique(icao[::-1], return_index=True)[1]
    lost = np.isin(planes, sq.icao[sq.kind == NO_POSITION])
    affected = [
        {"icao24": f"{a:06x}", "first_s": float(t[i]), "last_s": float(t[j]), "position_lost": bool(x)}
        for a, i, j, x in zip(planes.tolist(), first.tolist(), last.tolist(), lost.tolist(), strict=True)
    ]
    return {
        "t0_s": float(sq.time_s[0]) if len(sq) else start_s,
        "start_s": start_s,
        "time_note": "decode gives times relative to the first frame: add t0_s for UTC epoch seconds",
        "frames": len(sq),
        "aircraft": len(aircraft),
        "quality": asdict(quality),
        "jammers": [
            {
                **asdict(j),
                "radius_km": j.radius_m / 1000.0,
                "start_rel_s": j.start_s - start_s,
                "end_rel_s": j.end_s - start_s,
            }
            for j in jammers
        ],
        "affected": affected,
        "immune": [f"{a:06x}" for a in sorted(immune)],
        "rejects": dict(sq.rejects.counts),
    }


def side_file(path: str | Path) -> Path:
    """Where write_recording puts the ground truth of a recording: frames.bin -> frames.jammers.json."""
    p = Path(path)
    return p.with_name(p.name.split(".")[0] + ".jammers.json")


def write_recording(
    path: str | Path,
    sq: Squitters,
    *,
    jammers: list[Jammer] | tuple[Jammer, ...] = (),
    start_s: float | None = None,
    quality: Quality = Quality(),
    immune: list[int] | tuple[int, ...] = (),
) -> Path:
    """Write the Beast recording (counter 0 at the first frame, as BeastParser reads it) and its
    side file (`side_file`); returns the side file's path. SinkError when they cannot be written."""
    p = Path(path)
    start = float(sq.time_s[0]) if start_s is None and len(sq) else (start_s or 0.0)
    side = side_file(p)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(sq.beast())
        side.write_text(json.dumps(truth(sq, jammers, start, quality, immune), indent=1) + "\n")
    except OSError as e:
        raise SinkError(f"cannot write {p}: {e}") from e
    return side


__all__ = [
    "IDENTIFICATION",
    "KINDS",
    "NO_POSITION",
    "POSITION",
    "STATUS",
    "VELOCITY",
    "Jammer",
    "Quality",
    "Squitters",
    "default_callsign",
    "distance_m",
    "side_file",
    "squitters",
    "truth",
    "write_recording",
]
