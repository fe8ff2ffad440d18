"""The picture out as ASTERIX CAT062 (edition 1.18) system tracks, over UDP (multicast or
unicast) or into a file of raw data blocks: what an ATC display or a C2 system reads.

Per confirmed track, every picture: I010 airpicture's SAC/SIC (settings ``[asterix]``), I070 time
of track information, I040 track number, I105 WGS-84 position, I185 velocity (east, north),
I130 geometric altitude, I220 rate of climb, I080 track status, I290 age of the last update,
I500 position and velocity accuracy (1 sigma, from the track's covariance), I380 Mode S address,
callsign and, for a drone, emitter category 13 (UAV).

I080 carries what the category allows of integrity: AFF ("ADS-B data inconsistent with other
surveillance information") for a suspect or spoofed track, PFT ("potential false track") for a
spoofed one; MON for a track one sensor made, SDS co-operative / non-co-operative / combined,
CST coasting, TSB on a track's first message and TSE on its last (sent once when it leaves the
picture, with its last state).

Track numbers (I040, 16 bits) are stable for a track's life: one per airpicture track id, kept
while the track is in the picture and `number_hold_s` after, so that an ATC system never sees one
number jump from one aircraft to another; the oldest freed number is reused first.
"""

from __future__ import annotations

import math
import socket
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from airpicture.config import AsterixSettings
from airpicture.errors import SinkError
from airpicture.sources.asterix import EDITIONS, FPM_MPS, FT_M, HEADER
from airpicture.types import Alert, Integrity, ObjectClass, Picture

CAT062 = EDITIONS[62]
MAX_NUMBER = 65535
#: metres per degree of latitude (for I500 APW, a sigma: a local figure is enough)
M_PER_DEG = 111_320.0
_ICAO_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


class TrackNumbers:
    """airpicture track id -> CAT062 track number (1..65535), stable while the track lives."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.numbers: dict[int, int] = {}
        self.seen_s: dict[int, float] = {}
        self.freed: deque[tuple[float, int]] = deque()
        self.next = 1
        self.reused_early = 0  # numbers given again before hold_s (more than 65,535 tracks held)

    def number(self, track: int, now_s: float) -> tuple[int, bool]:
        """The track's number, and whether it is new (its first message)."""
        self.seen_s[track] = now_s
        if track in self.numbers:
            return self.numbers[track], False
        if self.next <= MAX_NUMBER:
            n, self.next = self.next, self.next + 1
        elif self.freed:
            t, n = self.freed.popleft()
            self.reused_early += now_s - t < self.hold_s
        else:  # every number in use: the least recently seen track gives its number up
            oldest = min(self.seen_s, key=self.seen_s.__getitem__)
            n = self.numbers.pop(oldest)
            del self.seen_s[oldest]
            self.reused_early += 1
        self.numbers[track] = n
        return n, True

    def expire(self, now_s: float) -> None:
        """Free the numbers of tracks not seen for hold_s."""
        for track in [k for k, t in self.seen_s.items() if not now_s - t <= self.hold_s]:
            self.freed.append((now_s, self.numbers.pop(track)))
            del self.seen_s[track]


@lru_cache(maxsize=4096)
def _item(name: str, value: Any) -> Any:
    """A CAT062 item made once per value: the data source and the track status take few values,
    and libasterix builds an extended item bit by bit (half the cost of a record otherwise)."""
    return CAT062.cv_record.spec(name).create(value)


def _clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def _callsign(text: object) -> str | None:
    s = str(text or "").upper()[:8]
    return s.ljust(8) if s.strip() and set(s) <= _ICAO_CHARS else None


@dataclass
class Cat062Encoder:
    """Pictures in, datagrams (one CAT062 data block each, at most max_datagram bytes) out."""

    settings: AsterixSettings = field(default_factory=AsterixSettings)
    numbers: TrackNumbers = field(init=False)
    records: int = 0
    #: track -> its last record's items and I080 flags (for its TSE message when it goes)
    last: dict[int, tuple[dict[str, Any], dict[str, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.numbers = TrackNumbers(self.settings.number_hold_s)

    def encode(self, pic: Picture) -> list[bytes]:
        recs = [self._record(pic, i) for i in range(len(pic))]
        gone = self.last.keys() - {int(t) for t in pic.track}
        for track in sorted(gone):  # its last message: the last state, TSE set
            items, flags = self.last.pop(track)
            recs.append(CAT062.cv_record.create(items | {"080": _item("080", _status(flags, tse=1))}))
        self.numbers.expire(pic.time_s)
        self.records += len(recs)
        return self._blocks(recs)

    def _record(self, pic: Picture, i: int) -> Any:
        s = self.settings
        track = int(pic.track[i])
        number, first = self.numbers.number(track, pic.time_s)
        t = float(pic.row_time[i]) if pic.row_time is not None else pic.time_s
        ve, vn, vu = (float(v) for v in pic.x[i, 3:6])
        # I130 only for a height that was measured and is not stale (Picture.published_alt_m)
        lat, lon, alt = float(pic.lat[i]), float(pic.lon[i]), float(pic.published_alt_m()[i])
        age = pic.time_s - float(pic.last_update_s[i])
        items: dict[str, Any] = {
            "010": _item("010", (("SAC", s.sac), ("SIC", s.sic))),
            "070": (t % 86400.0, "s"),
            "040": number,
            "105": (("LAT", (lat, "°")), ("LON", (_clip(lon, -180.0, 180.0 - 1e-5), "°"))),
            "185": (("VX", (_clip(ve, -8191.0, 8191.0), "m/s")), ("VY", (_clip(vn, -8191.0, 8191.0), "m/s"))),
            "290": {"TRK": (_clip(age, 0.0, 63.75), "s")},
        }
        if math.isfinite(alt):
            items["130"] = (_clip(alt / FT_M, -1500.0, 150000.0), "ft")
        if math.isfinite(vu):
            items["220"] = (_clip(vu / FPM_MPS, -204000.0, 204000.0), "ft/min")
        sd = np.sqrt(np.clip(np.diagonal(pic.P[i])[:5], 0.0, None))
        apw = (
            ("LAT", (_clip(sd[1] / M_PER_DEG, 0.0, 0.35), "°")),
            ("LON", (_clip(sd[0] / (M_PER_DEG * max(math.cos(math.radians(lat)), 0.01)), 0.0, 0.35), "°")),
        )
        items["500"] = {
            "APW": apw,
            "ATV": (("X", (_clip(sd[3], 0.0, 63.75), "m/s")), ("Y", (_clip(sd[4], 0.0, 63.75), "m/s"))),
        }
        ident = int(pic.ident[i])
        adr: dict[str, Any] = {}
        if 0 <= ident < 1 << 24:
            adr["ADR"] = ident
            if (cs := _callsign((pic.info.get(ident) or {}).get("callsign"))) is not None:
                adr["ID"] = cs
        if int(pic.cls[i]) == ObjectClass.DRONE:
            adr["EMC"] = 13  # unmanned aerial vehicle
        if adr:
            items["380"] = adr
        integrity = int(pic.integrity[i])
        hits = int(pic.radar_hits[i]) if pic.radar_hits is not None else 0
        sds = 0 if ident >= 0 and hits else 1 if ident >= 0 else 2
        flags = {
            "mon": int(bin(int(pic.sensors[i])).count("1") == 1),
            "tsb": int(first),
            "aff": int(integrity >= Integrity.SUSPECT),
            "pft": int(integrity == Integrity.SPOOFED),
            "cst": int(age > s.coast_s),
            "sds": sds,
        }
        self.last[track] = (items, flags)
        return CAT062.cv_record.create(items | {"080": _item("080", _status(flags))})

    def _blocks(self, recs: list[Any]) -> list[bytes]:
        out: list[bytes] = []
        part: list[Any] = []
        size = HEADER
        for r in recs:
            n = len(r.unparse().to_bytes())
            if part and size + n > self.settings.max_datagram:
                out.append(CAT062.create(part).unparse().to_bytes())
                part, size = [], HEADER
            part.append(r)
            size += n
        if part:
            out.append(CAT062.create(part).unparse().to_bytes())
        return out


def _status(f: dict[str, int], tse: int = 0) -> tuple[int, ...]:
    """I080's first five groups from a track's flags: (MON SPI MRH SRC CNF), (SIM TSE TSB FPC
    AFF STP KOS), (AMA MD4 ME MI MD5), (CST PSR SSR MDS ADS SUC AAC), (SDS EMS PFT FPLT)."""
    g1 = f["mon"] << 6 | 1 << 4  # MRH: the geometric height is the more reliable; CNF 0: confirmed
    g2 = tse << 5 | (f["tsb"] and not tse) << 4 | f["aff"] << 2
    return g1, g2, 0, f["cst"] << 6, f["sds"] << 5 | f["pft"] << 1


class AsterixSink:
    """Sends each picture as CAT062 datagrams to a UDP address (a multicast group gets
    settings.ttl hops) and / or appends them to a file. Never raises on a send: failures are
    counted in `errors` (a display that is down must not stop the picture)."""

    def __init__(
        self,
        udp: tuple[str, int] | None = None,
        path: str | Path | None = None,
        settings: AsterixSettings | None = None,
    ) -> None:
        self.encoder = Cat062Encoder(settings or AsterixSettings())
        self.udp, self.path = udp, path
        self.datagrams = self.bytes = self.errors = 0
        self._sock: socket.socket | None = None
        self._file: BinaryIO | None = None
        try:
            if udp is not None:
                family = socket.AF_INET6 if ":" in udp[0] else socket.AF_INET
                self._sock = socket.socket(family, socket.SOCK_DGRAM)
                if family == socket.AF_INET:
                    self._sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.encoder.settings.ttl
                    )
                else:
                    self._sock.setsockopt(
                        socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, self.encoder.settings.ttl
                    )
            if path is not None:
                self._file = open(path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as e:
            self.close()
            raise SinkError(f"ASTERIX output {udp or path}: {e}") from e

    def send_picture(self, picture: Picture) -> None:
        for d in self.encoder.encode(picture):
            self.datagrams += 1
            self.bytes += len(d)
            if self._file is not None:
                self._file.write(d)
            if self._sock is not None and self.udp is not None:
                try:
                    self._sock.sendto(d, self.udp)
                except OSError:
                    self.errors += 1

    def send_alerts(self, alerts: list[Alert]) -> None:
        """CAT062 carries tracks, not alerts."""

    def summary(self) -> str:
        where = " and ".join(x for x in (f"{self.udp[0]}:{self.udp[1]}" if self.udp else "",
                                         str(self.path) if self.path else "") if x)  # fmt: skip
        return (f"ASTERIX CAT062: {self.encoder.records} records in {self.datagrams} datagrams "
                f"({self.bytes} bytes) -> {where}; {self.errors} send errors")  # fmt: skip

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None


__all__ = ["AsterixSink", "Cat062Encoder", "TrackNumbers"]
