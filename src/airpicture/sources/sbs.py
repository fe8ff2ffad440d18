"""SBS / BaseStation CSV (dump1090 / readsb port 30003): messages already decoded by the receiver.

    MSG,3,1,1,4840D6,1,2008/11/28,23:48:18.611,2008/11/28,23:48:18.611,,36000,,,51.45735,-1.02826,,,0,0,0,0

Field (0-based): 1 transmission type (1 ident, 2 surface position, 3 airborne position,
4 velocity, 5/6/7/8 surveillance), 4 ICAO hex, 6-7 date/time generated (taken as UTC),
10 callsign, 11 altitude ft, 12 ground speed kt, 13 track deg, 14 lat, 15 lon, 16 vertical
rate ft/min, 17 squawk, 21 on ground. The rows become `MESSAGE_DTYPE` rows like a Mode S decode,
with the aircraft's latest velocity merged into its position rows. Per-aircraft state (registry,
velocity) expires as in `ModesDecoder` (`EXPIRE_S`, swept every `SWEEP_S` of message time).
"""

from __future__ import annotations

import calendar
import math
import time
from collections import Counter

import numpy as np

from airpicture.sources.base import LineBuffer, StateExpiry
from airpicture.sources.modes import (
    EXPIRE_S,
    FPM,
    FT,
    KT,
    MESSAGE_DTYPE,
    SWEEP_S,
    AircraftInfo,
    MessageArray,
)
from airpicture.types import Rejects

MAX_LINE = 1024
_OTHER_TYPES = frozenset(("SEL", "ID", "AIR", "STA", "CLK"))
#: the Comm-B columns of MESSAGE_DTYPE (selected altitude, roll, TAS, IAS, Mach, heading): SBS has none
_NO_COMMB = (math.nan,) * 6


def _f(s: str) -> float:
    return float(s) if s else math.nan


def _utc(date: str, clock: str) -> float:
    """'2008/11/28', '23:48:18.611' -> UTC epoch s (ValueError when malformed)."""
    y, mo, d = (int(x) for x in date.split("/"))
    hh, mm, ss = clock.split(":")
    return calendar.timegm((y, mo, d, int(hh), int(mm), 0, 0, 0, 0)) + float(ss)


class SbsDecoder:
    """Incremental SBS: `feed(bytes) -> MESSAGE_DTYPE rows`; never raises on bad lines."""

    def __init__(self, live: bool = False, source: str = "sbs", max_velocity_age_s: float = 10.0,
                 expire_s: float = EXPIRE_S, sweep_s: float = SWEEP_S) -> None:  # fmt: skip
        self.live = live
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()
        self.registry: dict[int, AircraftInfo] = {}
        self.max_velocity_age_s = max_velocity_age_s
        self.expiry = StateExpiry(expire_s, sweep_s)
        self._vel: dict[int, tuple[float, float, float, float]] = {}
        self._lines = LineBuffer(MAX_LINE, self.rejects, "sbs_oversize")
        self.messages = 0

    def feed(self, data: bytes) -> MessageArray:
        lines = self._lines.split(data)
        return self._parse(lines)

    def close(self) -> MessageArray:
        tail = self._lines.take_tail()
        if not tail:
            return np.empty(0, MESSAGE_DTYPE)
        if tail.count(b",") < 21:
            self.rejects.add("truncated")
            return np.empty(0, MESSAGE_DTYPE)
        return self._parse([tail])

    def _parse(self, lines: list[bytes]) -> MessageArray:
        rows = []
        now = time.time()
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            try:
                row = self._row(line.decode("ascii").split(","), now)
            except (ValueError, UnicodeDecodeError, IndexError):
                self.rejects.add("sbs_syntax")
                continue
            if row is not None:
                rows.append(row)
        self.messages += len(rows)
        if not rows:
            return np.empty(0, MESSAGE_DTYPE)
        out = np.array(rows, MESSAGE_DTYPE)
        t = float(np.median(out["time_s"]))
        if self.expiry.due(t):
            self.expire(t)
        return out

    def expire(self, now_s: float) -> int:
        """Remove aircraft (and velocities) not heard for `expire_s`; counted in notes["expired"]."""
        gone = self.expiry.drop(self.registry, now_s, lambda a: a.last_seen_s)
        self.expiry.drop(self._vel, now_s, lambda v: v[0])
        self.notes["expired"] += gone
        return gone

    def _row(self, f: list[str], now: float) -> tuple[object, ...] | None:
        if f[0] != "MSG":
            if f[0] not in _OTHER_TYPES:
                raise ValueError("message type")
            self.notes[f"sbs_{f[0].lower()}"] += 1  # not measurements
            return None
        if len(f) < 22:
            raise ValueError("short")
        kind = int(f[1])
        icao = int(f[4], 16)
        if not 0 <= icao < 1 << 24:
            raise ValueError("icao")
        t = now if self.live else _utc(f[6], f[7])
        alt_ft, lat, lon = _f(f[11]), _f(f[14]), _f(f[15])
        gs, trk, vr = _f(f[12]), _f(f[13]), _f(f[16])
        speed, track, vrate = gs * KT, math.radians(trk), vr * FPM
        if not (math.isnan(lat) or (-90 <= lat <= 90 and -180 <= lon <= 180)):
            self.rejects.add("sbs_range")
            return None
        surface = kind == 2 or f[21] in ("-1", "1")
        if kind == 4:
            self._vel[icao] = (t, speed, track, vrate)
        elif kind == 3 and not math.isnan(lat):
            v = self._vel.get(icao)
            if v is not None and t - v[0] <= self.max_velocity_age_s:
                _, speed, track, vrate = v
        info = self.registry.get(icao)
        if info is None:
            info = self.registry[icao] = AircraftInfo(icao)
        info.last_seen_s = t
        callsign, squawk = f[10].strip()[:8], f[17].strip()[:4]
        if callsign:
            info.callsign = callsign
            info.sources["callsign"] = "sbs"
        if squawk:
            info.squawk = squawk
            info.sources["squawk"] = "sbs"
        return (t, icao, -1, -1, lat, lon, alt_ft * FT, speed, track, vrate, callsign, squawk, "",
                -1, -1, -1, -1, surface, 0, "", *_NO_COMMB)  # fmt: skip


__all__ = ["SbsDecoder"]
