"""ASTERIX streams: datagrams, TCP byte streams, raw files and pcap/pcapng captures -> records ->
the tracker's radar plots (PLOT_DTYPE, as plots.csv rows) and reports (REPORT_DTYPE).

    stream = AsterixStream(sensors)                 # sheets: SAC/SIC -> sensor, antenna, range
    plots, reports = stream.feed(datagram, recv_s)  # never raises on bad bytes: counts rejects
    stream.scans[sensor]                            # CAT034: north markers, measured scan period

ASTERIX carries no radar position, noise or date: position and noise come from the sensor's sheet
(`sensors.json`; a sheet's `sac`/`sic` name its data source, by default SAC 0 and SIC 1 + the
sheet's index); the date from the receive time (pcap, socket) or, for raw files and replays of
old data, from `reference_s`: each time of day is placed on the day that puts it nearest the
reference, which then follows the stream (so midnight is crossed).

CAT034 north markers and sector crossings say the radar is turning: `ScanState.alive(now)` tells
a silent radar (no service message for two scans) from an empty sky (markers, no plots).
"""

from __future__ import annotations

import gzip
import math
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from airpicture.errors import DecodeError, SourceError
from airpicture.sensors import RadarSheet, SensorSheet
from airpicture.sources.asterix import (
    EDITIONS,
    HEADER,
    NORTH_MARKER,
    SECTOR_CROSSING,
    AsterixRecord,
    block_length,
    decode_block,
)
from airpicture.sources.pcap import is_capture, read_packets
from airpicture.types import NO_IDENT, PLOT_DTYPE, REPORT_DTYPE, Rejects

DAY_S = 86400.0
#: Mean Earth radius of the spherical model that turns a 3-D radar's height into an elevation
#: (the same both ways: `height_of` and `elevation_of` are exact inverses).
EARTH_R = 6371000.0
#: The longest data block (its length field is 16 bits).
MAX_BLOCK = 65535
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL = 0, 1, 101, 113
LINKTYPE_IPV4, LINKTYPE_LINUX_SLL2 = 228, 276


def source_codes(sensors: list[SensorSheet]) -> dict[tuple[int, int], int]:
    """(SAC, SIC) -> sensor index: a sheet's own codes, else SAC 0 and SIC 1 + its index."""
    return {
        (s.sac if s.sac is not None else 0, s.sic if s.sic is not None else i + 1): i
        for i, s in enumerate(sensors)
    }


def elevation_of(
    range_m: npt.ArrayLike, height_m: npt.ArrayLike, antenna_m: float
) -> npt.NDArray[np.float64]:
    """Elevation (rad) of a target at slant range and height above sea level, from an antenna at
    antenna_m, on a sphere of radius EARTH_R (CAT048 I110 gives heights, plots.csv elevations)."""
    r, h = np.asarray(range_m, float), np.asarray(height_m, float)
    a, b = EARTH_R + antenna_m, EARTH_R + h
    return np.arcsin(np.clip((b * b - a * a - r * r) / (2 * a * r), -1.0, 1.0))


def height_of(
    range_m: npt.ArrayLike, elevation_rad: npt.ArrayLike, antenna_m: float
) -> npt.NDArray[np.float64]:
    """The inverse of `elevation_of`: height above sea level (m)."""
    r, e = np.asarray(range_m, float), np.asarray(elevation_rad, float)
    a = EARTH_R + antenna_m
    return np.sqrt(a * a + r * r + 2 * a * r * np.sin(e)) - EARTH_R


@dataclass
class ScanState:
    """A radar's antenna as its CAT034 service messages tell it."""

    last_s: float = math.nan  # time of the last service message
    north_s: float = math.nan  # time of the last north marker
    period_s: float = math.nan  # measured between north markers (or I041)
    north_markers: int = 0
    sectors: int = 0
    plots_since_north: int = 0

    def alive(self, now_s: float) -> bool:
        """The radar is turning: a service message within two scans (4 s a scan when unknown).
        False for a silent radar; an empty sky is alive with no plots."""
        period = self.period_s if self.period_s == self.period_s else 4.0
        return bool(now_s - self.last_s <= 2 * period)


class AsterixStream:
    """Datagrams (or whole blocks) in, plot and report rows out. `feed` never raises on bad input:
    each block or record it cannot use is counted in `rejects` by reason."""

    def __init__(
        self, sensors: list[SensorSheet], reference_s: float | None = None, name: str = "asterix"
    ) -> None:
        self.sensors = sensors
        self.codes = source_codes(sensors)
        self.reference_s = reference_s
        self._ref = reference_s if reference_s is not None else math.nan
        self.rejects = Rejects(name)
        self.records: Counter[int] = Counter()  # records decoded, by category
        self.scans: dict[int, ScanState] = {}
        self.last_s = math.nan

    def resolve(self, tod_s: float, recv_s: float = math.nan) -> float:
        """UTC epoch seconds of a time of day: on the day that puts it nearest the reference (the
        receive time, unless the stream was given a reference_s; else the stream's last time)."""
        ref = recv_s if self.reference_s is None and recv_s == recv_s else self._ref
        if ref != ref:
            return tod_s  # no date known: seconds of the day
        t = math.floor(ref / DAY_S) * DAY_S + tod_s
        t += DAY_S * round((ref - t) / DAY_S)
        return t

    def decode(self, data: bytes) -> list[AsterixRecord]:
        """Every record of a datagram (one or more blocks), counting what does not decode."""
        out: list[AsterixRecord] = []
        pos = 0
        while pos < len(data):
            n = block_length(data[pos : pos + HEADER])
            if n < HEADER + 1 or pos + n > len(data):
                self.rejects.add("block_length")  # no way to find the next block: drop the rest
                break
            try:
                recs = decode_block(data[pos : pos + n])
            except DecodeError as e:
                self.rejects.add(e.reason)
                recs = []
            for r in recs:
                self.records[r.category] += 1
            out += recs
            pos += n
        return out

    def feed(self, data: bytes, recv_s: float = math.nan) -> tuple[np.ndarray, np.ndarray]:
        """PLOT_DTYPE and REPORT_DTYPE rows of one datagram (or a run of whole blocks)."""
        plots: list[tuple[float, ...]] = []
        reports: list[tuple[float, ...]] = []
        for r in self.decode(data):
            if r.tod_s != r.tod_s:
                self.rejects.add(f"cat{r.category:03d}_no_time")
                continue
            t = self.resolve(r.tod_s, recv_s)
            sensor = self.codes.get((r.sac, r.sic), -1)
            if r.category == 34:
                self._service(r, t, sensor)
                continue
            if r.category == 62:
                self.rejects.add("cat062_not_tracked")  # another tracker's output: decoded, not fused
                continue
            if sensor < 0:
                self.rejects.add("unknown_sac_sic")
                continue
            if r.simulated:
                self.rejects.add(f"cat{r.category:03d}_simulated")
                continue
            row = self._plot(r, t, sensor) if r.category == 48 else self._report(r, t, sensor)
            if row is not None:
                (plots if r.category == 48 else reports).append(row)
                self._ref = self.last_s = t
        return np.array(plots, PLOT_DTYPE), np.array(reports, REPORT_DTYPE)

    def _service(self, r: AsterixRecord, t: float, sensor: int) -> None:
        if sensor < 0:
            self.rejects.add("unknown_sac_sic")
            return
        s = self.scans.setdefault(sensor, ScanState())
        if r.message_type == NORTH_MARKER:
            if s.north_s == s.north_s and 0 < t - s.north_s < 60:
                s.period_s = t - s.north_s
            s.north_s, s.north_markers, s.plots_since_north = t, s.north_markers + 1, 0
        elif r.message_type == SECTOR_CROSSING:
            s.sectors += 1
        if r.period_s == r.period_s and r.period_s > 0:
            s.period_s = r.period_s
        s.last_s = self._ref = self.last_s = t

    def _plot(self, r: AsterixRecord, t: float, sensor: int) -> tuple[float, ...] | None:
        sheet = self.sensors[sensor]
        if not isinstance(sheet, RadarSheet):
            self.rejects.add("wrong_sensor_kind")
            return None
        if r.range_m != r.range_m or r.typ == 0:
            self.rejects.add("cat048_no_position")
            return None
        if not 0 < r.range_m <= 1.5 * sheet.max_range_m:
            self.rejects.add("range_out_of_bounds")
            return None
        el = math.nan
        if sheet.three_d and r.height_m == r.height_m:
            el = float(elevation_of(r.range_m, r.height_m, sheet.alt_m))
        if sensor in self.scans:
            self.scans[sensor].plots_since_north += 1
        ident = r.address if r.address >= 0 else NO_IDENT
        return (t, sensor, r.range_m, math.radians(r.azimuth_deg), el, r.flight_level_m, ident)

    def _report(self, r: AsterixRecord, t: float, sensor: int) -> tuple[float, ...] | None:
        if self.sensors[sensor].kind == "radar":
            self.rejects.add("wrong_sensor_kind")
            return None
        if r.lat != r.lat or r.address < 0:
            self.rejects.add("cat021_no_position" if r.lat != r.lat else "cat021_no_address")
            return None
        alt = r.altitude_m if r.altitude_m == r.altitude_m else r.flight_level_m
        trk = math.radians(r.track_deg) if r.track_deg == r.track_deg else math.nan
        return (t, sensor, r.address, r.lat, r.lon, alt, r.speed_mps, trk, r.vrate_mps)


# --------------------------------------------------------------------- files and captures


def udp_payload(linktype: int, frame: bytes) -> bytes | None:
    """The UDP payload of a captured frame (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP,
    BSD loopback; IPv4 or IPv6), or None when the frame holds no whole UDP datagram."""
    if linktype == LINKTYPE_ETHERNET:
        pos, etype = 14, frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= pos + 4:  # VLAN tags
            etype, pos = frame[pos + 2 : pos + 4], pos + 4
    elif linktype == LINKTYPE_LINUX_SLL:
        pos, etype = 16, frame[14:16]
    elif linktype == LINKTYPE_LINUX_SLL2:
        pos, etype = 20, frame[0:2]
    elif linktype in (LINKTYPE_RAW, LINKTYPE_IPV4):
        pos, etype = 0, b"\x08\x00" if frame[:1] and frame[0] >> 4 == 4 else b"\x86\xdd"
    elif linktype == LINKTYPE_NULL:
        pos, etype = 4, b"\x08\x00" if frame[:1] in (b"\x02", b"\x00") else b"\x86\xdd"
    else:
        return None
    if etype == b"\x08\x00" and len(frame) >= pos + 20:
        ihl = (frame[pos] & 0x0F) * 4
        frag = struct.unpack_from(">H", frame, pos + 6)[0] & 0x3FFF  # MF flag or an offset
        if frame[pos + 9] != 17 or frag or ihl < 20:
            return None
        pos += ihl
    elif etype == b"\x86\xdd" and len(frame) >= pos + 40:
        if frame[pos + 6] != 17:
            return None
        pos += 40
    else:
        return None
    if len(frame) < pos + 8:
        return None
    length = struct.unpack_from(">H", frame, pos + 4)[0]
    if length < 8 or pos + length > len(frame):
        return None
    return frame[pos + 8 : pos + length]


def read_datagrams(path: str | Path, rejects: Rejects) -> Iterator[tuple[float, bytes]]:
    """(receive time, bytes) of an ASTERIX recording: the UDP datagrams of a pcap / pcapng
    capture (time from the capture), or a raw file of concatenated blocks (gzip accepted; time
    NaN), block by block. Raises SourceError when the file cannot be read."""
    p = Path(path)
    try:
        data = p.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise SourceError(f"cannot read {p}: {e}") from None
    yield from datagrams_of(data, rejects)


def datagrams_of(data: bytes, rejects: Rejects) -> Iterator[tuple[float, bytes]]:
    """`read_datagrams` of a recording held in memory; never raises."""
    if is_capture(data):
        try:
            for pkt in read_packets(data, rejects):
                payload = udp_payload(pkt.linktype, pkt.data)
                if payload is None:
                    rejects.add("not_udp")
                elif payload:
                    yield pkt.time_s, payload
        except DecodeError as e:
            rejects.add(e.reason)
        return
    pos = 0
    while pos < len(data):
        n = block_length(data[pos : pos + HEADER])
        if n < HEADER + 1 or pos + n > len(data):
            rejects.add("block_length")  # the rest cannot be framed
            return
        yield math.nan, data[pos : pos + n]
        pos += n


class BlockFramer:
    """Cuts a TCP byte stream into whole data blocks, keeping a block cut by a read.

    TCP carries no block marker, so one garbled length field would misframe the rest of the
    connection. A header is trusted only when its category is one airpicture reads and its
    length is 4 to `max_block` bytes; otherwise the framer skips bytes until one is (counted
    once per episode as `tcp_resync`, the bytes skipped as `tcp_skipped_bytes`)."""

    def __init__(
        self, rejects: Rejects, categories: frozenset[int] | None = None, max_block: int = 8192
    ) -> None:
        self.tail = b""
        self.rejects = rejects
        self.categories = categories if categories is not None else frozenset(EDITIONS)
        self.max_block = max_block
        self._lost = False

    def split(self, data: bytes) -> list[bytes]:
        buf, pos = self.tail + data, 0
        out: list[bytes] = []
        while len(buf) - pos >= HEADER:
            n = block_length(buf[pos : pos + HEADER])
            if buf[pos] not in self.categories or not HEADER < n <= self.max_block:
                if not self._lost:
                    self.rejects.add("tcp_resync")
                    self._lost = True
                self.rejects.add("tcp_skipped_bytes")
                pos += 1
                continue
            if len(buf) - pos < n:
                break
            out.append(buf[pos : pos + n])
            pos += n
            self._lost = False
        self.tail = buf[pos:]
        return out


__all__ = [
    "DAY_S",
    "EARTH_R",
    "AsterixStream",
    "BlockFramer",
    "ScanState",
    "datagrams_of",
    "elevation_of",
    "height_of",
    "read_datagrams",
    "source_codes",
    "udp_payload",
]
