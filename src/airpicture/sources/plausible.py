"""Plausibility of decoded Mode S values: what no aircraft does is rejected, counted by reason.

A frame with a valid CRC can still say what no aircraft does: a corrupted-then-corrected frame,
a faulty transponder, a spoofer. Like readsb's `speed_check` and pyModeS v3's PipeDecoder
cross-checks (`_pipe_validation.py`), a value is judged against physics and against the same
aircraft's recent values; a rejected value never enters the decoder's state (a pairing, a
position reference, a velocity merged into reports). Each reject is counted in the decoder's
`rejects` under its `Implausible` reason; the message's row stays, with the value blanked.

Envelopes (pyModeS v3's, with their reasons):
  vertical rate   |vr| <= 10,000 ft/min (a 6,000 ft/min emergency descent with margin)
  ground speed    <= 700 m/s (Mach 2 at altitude), airborne; <= 150 m/s on the surface
  velocity jump   vs the last accepted ADS-B velocity of the aircraft, dt s ago: speed within
                  max(20 kt, min(5 kt/s * dt, 200 kt)), track within max(20, min(10 deg/s * dt, 180))
  altitude jump   vs the last accepted altitude: within max(500 ft, min(100 ft/s * dt, 5000 ft));
                  two rejected altitudes in a row that agree with each other replace that anchor
                  (a wrong anchor must not lock the aircraft out until it goes stale)
  position jump   airborne: the distance since the last position <= 700 m/s * dt + 2 km ("cpr_jump");
                  surface: <= 150 m/s * dt + 500 m
  Comm-B 5,0      ground speed / true track against ADS-B, with the velocity-jump tolerances
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Final

FT: Final = 0.3048
KT: Final = 1852.0 / 3600.0
MAX_VRATE_MPS: Final = 10_000 * FT / 60.0
MAX_SPEED_MPS: Final = 700.0
MAX_SURFACE_SPEED_MPS: Final = 150.0
JUMP_SLACK_M: Final = 2000.0
SURFACE_SLACK_M: Final = 500.0


class Implausible(StrEnum):
    """Why a decoded value was rejected (the reject counter's key)."""

    VRATE = "implausible_vrate"
    SPEED = "implausible_speed"
    VELOCITY_JUMP = "implausible_velocity_jump"
    ALTITUDE_JUMP = "implausible_altitude_jump"
    POSITION_JUMP = "cpr_jump"
    SURFACE_JUMP = "implausible_surface_jump"
    COMMB_VELOCITY = "commb_velocity_mismatch"


def _speed_tol_mps(dt: float) -> float:
    return max(20.0, min(dt * 5.0, 200.0)) * KT


def _track_tol_rad(dt: float) -> float:
    return math.radians(max(20.0, min(dt * 10.0, 180.0)))


def _angle(a: float, b: float) -> float:
    d = abs(a - b) % (2 * math.pi)
    return min(d, 2 * math.pi - d)


def velocity_check(
    speed_mps: float, track_rad: float, vrate_mps: float, dt: float, anchor: tuple[float, float] | None
) -> Implausible | None:
    """An ADS-B airborne velocity against the envelope and against `anchor` (speed, track) of the
    same aircraft accepted `dt` s before (None: no recent one)."""
    if vrate_mps == vrate_mps and abs(vrate_mps) > MAX_VRATE_MPS:
        return Implausible.VRATE
    if speed_mps == speed_mps and speed_mps > MAX_SPEED_MPS:
        return Implausible.SPEED
    if anchor is not None and speed_mps == speed_mps and track_rad == track_rad:
        a_speed, a_track = anchor
        if abs(speed_mps - a_speed) > _speed_tol_mps(dt) or (
            # below ~50 kt the track is noise (a helicopter hovering): speed alone is judged
            min(speed_mps, a_speed) > 25.0 and _angle(track_rad, a_track) > _track_tol_rad(dt)
        ):
            return Implausible.VELOCITY_JUMP
    return None


def commb_velocity_check(
    speed_mps: float, track_rad: float, dt: float, anchor: tuple[float, float]
) -> Implausible | None:
    """A Comm-B 5,0 ground speed / true track against the aircraft's ADS-B velocity `dt` s old:
    a 5,0 reading that disagrees is a 6,0 (or other register) misread as 5,0."""
    a_speed, a_track = anchor
    if speed_mps == speed_mps and abs(speed_mps - a_speed) > _speed_tol_mps(dt):
        return Implausible.COMMB_VELOCITY
    if track_rad == track_rad and _angle(track_rad, a_track) > _track_tol_rad(dt):
        return Implausible.COMMB_VELOCITY
    return None


def altitude_check(altitude_m: float, dt: float, anchor_m: float) -> Implausible | None:
    """A reported altitude against the same aircraft's accepted altitude `dt` s before."""
    if altitude_m != altitude_m or anchor_m != anchor_m:
        return None
    tol_ft = max(500.0, min(dt * 100.0, 5000.0))
    return Implausible.ALTITUDE_JUMP if abs(altitude_m - anchor_m) > tol_ft * FT else None


def jump_check(distance_m: float, dt: float, surface: bool) -> Implausible | None:
    """A position `distance_m` from the aircraft's previous one, `dt` s later."""
    if surface:
        ok = distance_m <= MAX_SURFACE_SPEED_MPS * abs(dt) + SURFACE_SLACK_M
        return None if ok else Implausible.SURFACE_JUMP
    ok = distance_m <= MAX_SPEED_MPS * abs(dt) + JUMP_SLACK_M
    return None if ok else Implausible.POSITION_JUMP


__all__ = [
    "MAX_SPEED_MPS",
    "MAX_SURFACE_SPEED_MPS",
    "MAX_VRATE_MPS",
    "Implausible",
    "altitude_check",
    "commb_velocity_check",
    "jump_check",
    "velocity_check",
]
