"""Comm-B registers 4,0 / 5,0 / 6,0: what an aircraft downlinks when a ground station asks (EHS).

A DF20/21 reply carries a 56-bit MB field whose register (BDS) is not named in the frame for
these three: it is inferred from status bits and value ranges. The inference and the field
layouts are pyModeS 3's public `pyModeS.decode(frame, known=...)`; `known` (the aircraft's recent
ground speed / track / heading / IAS / Mach) lets it choose between a 5,0 and a 6,0 reading of the
same bits, as ATC trackers do. Nothing of the bit layout is written here.

    BDS 4,0  selected vertical intention: MCP/FCU (else FMS) selected altitude, baro setting
    BDS 5,0  track and turn: roll, true track, ground speed, track rate, true airspeed
    BDS 6,0  heading and speed: magnetic heading, IAS, Mach, baro / inertial vertical rate

Units are converted once, here: m, m/s, rad, rad/s, hPa; NaN where the register does not say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import pyModeS

FT: Final = 0.3048
KT: Final = 1852.0 / 3600.0
FPM: Final = FT / 60.0
#: Registers decoded here, spelt as rs1090 and the `bds` column spell them (pyModeS: "4,0")
REGISTERS: Final = ("40", "50", "60")
#: MB first bytes of registers that name themselves (1,0 / 2,0 / 3,0): not 4,0 / 5,0 / 6,0
_SELF_NAMED = frozenset({"10", "20", "30"})
_NAN = math.nan


@dataclass(frozen=True, slots=True)
class CommB:
    """One decoded Comm-B register (fields of the other registers NaN).

    bds: "40" | "50" | "60"; selected_altitude_m: MCP/FCU selected altitude, else FMS;
    vrate_mps: inertial vertical rate, else barometric (inertial is the smoother of the two).
    """

    bds: str
    selected_altitude_m: float = _NAN
    baro_setting_hpa: float = _NAN
    roll_rad: float = _NAN
    true_track_rad: float = _NAN
    groundspeed_mps: float = _NAN
    track_rate_rad_s: float = _NAN
    tas_mps: float = _NAN
    heading_rad: float = _NAN
    ias_mps: float = _NAN
    mach: float = _NAN
    vrate_mps: float = _NAN


def _num(d: dict[str, Any], key: str, scale: float = 1.0) -> float:
    v = d.get(key)
    return float(v) * scale if isinstance(v, int | float) and not isinstance(v, bool) else _NAN


def _rad(d: dict[str, Any], key: str) -> float:
    v = _num(d, key)
    return math.radians(v) if v == v else _NAN


def known_state(speed_mps: float, track_rad: float, last: CommB | None) -> dict[str, float] | None:
    """pyModeS's `known=` from the aircraft's ADS-B velocity and its last Comm-B heading / speeds
    (NaN left out); None when nothing is known."""
    k: dict[str, float] = {}
    if speed_mps == speed_mps:
        k["groundspeed"] = speed_mps / KT
    if track_rad == track_rad:
        k["track"] = math.degrees(track_rad) % 360.0
    if last is not None:
        for key, v, scale in (("heading", last.heading_rad, None), ("ias", last.ias_mps, KT),
                              ("mach", last.mach, 1.0), ("tas", last.tas_mps, KT)):  # fmt: skip
            if v == v:
                k[key] = math.degrees(v) % 360.0 if scale is None else v / scale
    return k or None


def decode_commb(frame: str, known: dict[str, float] | None = None) -> CommB | None:
    """The BDS 4,0 / 5,0 / 6,0 content of a 28-hex-digit DF20/21 frame, or None (another register,
    none inferable, or a frame pyModeS rejects)."""
    if frame[8:10] in _SELF_NAMED:
        return None
    try:
        d = pyModeS.decode(frame, known=known)
    except (pyModeS.DecodeError, ValueError, KeyError, IndexError):
        return None
    bds = str(d.get("bds")).replace(",", "")
    if bds == "40":
        alt = _num(d, "selected_altitude_mcp", FT)
        return CommB(
            bds,
            selected_altitude_m=alt if alt == alt else _num(d, "selected_altitude_fms", FT),
            baro_setting_hpa=_num(d, "baro_pressure_setting"),
        )
    if bds == "50":
        return CommB(
            bds,
            roll_rad=_rad(d, "roll"),
            true_track_rad=_rad(d, "true_track"),
            groundspeed_mps=_num(d, "groundspeed", KT),
            track_rate_rad_s=_rad(d, "track_rate"),
            tas_mps=_num(d, "true_airspeed", KT),
        )
    if bds == "60":
        vr = _num(d, "inertial_vertical_rate", FPM)
        return CommB(
            bds,
            heading_rad=_rad(d, "magnetic_heading"),
            ias_mps=_num(d, "indicated_airspeed", KT),
            mach=_num(d, "mach"),
            vrate_mps=vr if vr == vr else _num(d, "baro_vertical_rate", FPM),
        )
    return None


__all__ = ["REGISTERS", "CommB", "decode_commb", "known_state"]
