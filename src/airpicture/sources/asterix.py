"""ASTERIX (EUROCONTROL surveillance data exchange) records in: CAT048 radar target reports,
CAT034 radar service messages, CAT021 ADS-B reports, CAT062 system tracks.

The bit layouts are libasterix's (MIT, generated from the machine-readable specifications at
zoranbosnjak/asterix-specs); this module only picks the items airpicture uses out of its records.
One edition per category, chosen for what is deployed and what the independent reference decoder
(`asterix-decoder`, tests only) reads: CAT021 2.6, CAT034 1.29, CAT048 1.32, CAT062 1.18.

A data block is ``[CAT (1 byte)][LEN (2 bytes, whole block)][records]``; a datagram may hold
several. Decoding never raises on bad bytes beyond this module: `decode_block` raises
DecodeError with a reason, which the stream stages (`sources/asterix_feed.py`) count.

Units out are SI (m, s, m/s, deg where the name says so): RHO nautical miles -> m, flight levels
-> m, ft/min -> m/s. Times are seconds since UTC midnight (`tod_s`): ASTERIX carries no date.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

import asterix.generated as gen
from asterix.base import Bits, RawDatablock

from airpicture.errors import DecodeError

NM_M = 1852.0
FT_M = 0.3048
FPM_MPS = FT_M / 60.0
#: Category -> the libasterix edition read and written.
EDITIONS: dict[int, Any] = {
    21: gen.Cat_021_2_6,
    34: gen.Cat_034_1_29,
    48: gen.Cat_048_1_32,
    62: gen.Cat_062_1_18,
}
#: A data block is at least its 3-byte header and a 1-byte FSPEC; its length field is 16 bits.
HEADER = 3
#: CAT034 I000 message types.
NORTH_MARKER, SECTOR_CROSSING = 1, 2

_NAN = math.nan


@dataclass(slots=True)
class AsterixRecord:
    """One decoded record; NaN / -1 / "" where the record does not carry the item.

    category, sac, sic: I010 data source; tod_s: time of day (s after UTC midnight);
    CAT048: range_m, azimuth_deg (I040), height_m (I110, 3-D radar, above mean sea level),
    flight_level_m (I090 Mode C, as metres), typ (I020 TYP: 1 PSR, 2 SSR, 3 SSR+PSR, 4-7 Mode S);
    CAT021 / CAT062: lat, lon, altitude_m (geometric), flight_level_m, speed_mps, track_deg,
    vrate_mps; CAT062: ve_mps, vn_mps (I185); address: Mode S / ICAO 24-bit (I220, I080, I380);
    mode3a (octal digits as int), callsign; track_number (CAT048 I161, CAT021 I161, CAT062 I040);
    simulated: SIM or TST set; message_type: CAT034 I000; sector_deg: CAT034 I020;
    period_s: CAT034 I041 antenna rotation period.
    """

    category: int
    sac: int = -1
    sic: int = -1
    tod_s: float = _NAN
    range_m: float = _NAN
    azimuth_deg: float = _NAN
    height_m: float = _NAN
    flight_level_m: float = _NAN
    typ: int = -1
    lat: float = _NAN
    lon: float = _NAN
    altitude_m: float = _NAN
    speed_mps: float = _NAN
    track_deg: float = _NAN
    vrate_mps: float = _NAN
    ve_mps: float = _NAN
    vn_mps: float = _NAN
    address: int = -1
    mode3a: int = -1
    callsign: str = ""
    track_number: int = -1
    simulated: bool = False
    message_type: int = -1
    sector_deg: float = _NAN
    period_s: float = _NAN


def split_blocks(data: bytes) -> list[bytes]:
    """The data blocks of a datagram (or a whole raw file): each ``[CAT][LEN][records]``.
    Raises DecodeError("block_length") when a length field does not fit what is there."""
    raw = RawDatablock.parse(Bits.from_bytes(data))
    if isinstance(raw, ValueError):
        raise DecodeError("block_length", data[:16], "asterix")
    return [db.unparse().to_bytes() for db in raw]


def block_length(head: bytes) -> int:
    """The length a block header announces (for framing a TCP stream); 0 when under 3 bytes."""
    return struct.unpack_from(">H", head, 1)[0] if len(head) >= HEADER else 0


def decode_block(block: bytes) -> list[AsterixRecord]:
    """The records of one data block of a category airpicture reads.

    Raises DecodeError: ``category_not_read`` for another category, ``cat<n>_records`` when the
    records do not parse in that category's edition (a block is parsed whole, or not at all:
    ASTERIX records carry no length, so one bad record leaves the rest unreadable).
    """
    if len(block) < HEADER + 1:
        raise DecodeError("block_length", block, "asterix")
    cat = block[0]
    spec = EDITIONS.get(cat)
    if spec is None:
        raise DecodeError("category_not_read", block[:16], "asterix")
    recs = spec.cv_uap.parse(Bits.from_bytes(block[HEADER:]))
    if isinstance(recs, ValueError):
        raise DecodeError(f"cat{cat:03d}_records", block[:16], "asterix")
    pick = _PICK[cat]
    try:
        out = [pick(r) for r in recs]
    except (ValueError, KeyError, AttributeError, TypeError) as e:  # an item of an unexpected form
        raise DecodeError(f"cat{cat:03d}_item", str(e)[:60], "asterix") from None
    for r in out:  # values no real record holds: a block of another edition read in this one
        if not 0 <= r.tod_s < 86400 and r.tod_s == r.tod_s:
            raise DecodeError(f"cat{cat:03d}_time_of_day", r.tod_s, "asterix")
        if abs(r.lat) > 90 or abs(r.lon) > 180:
            raise DecodeError(f"cat{cat:03d}_position", (r.lat, r.lon), "asterix")
    return out


# ------------------------------------------------------------------ item access (libasterix)


def _sub(item: Any, name: str) -> Any:
    """A subitem's variation, or None when it is absent (Extended items end early)."""
    s = item.variation.get_item(name)
    return None if s is None else s.variation


def _q(var: Any, unit: str) -> float:
    return float(var.content.as_quantity(unit))


def _u(var: Any) -> int:
    return int(var.content.as_uint()) if hasattr(var, "content") else int(var.as_uint())


def _source(rec: Any, out: AsterixRecord) -> None:
    i010 = rec.get_item("010")
    if i010 is not None:
        out.sac, out.sic = _u(_sub(i010, "SAC")), _u(_sub(i010, "SIC"))


def _mode3a(item: Any) -> int:
    return int(_sub(item, "MODE3A").content.as_string(), 8)


def _cat048(rec: Any) -> AsterixRecord:
    out = AsterixRecord(48)
    _source(rec, out)
    if (i := rec.get_item("140")) is not None:
        out.tod_s = _q(i.variation, "s")
    if (i := rec.get_item("020")) is not None:
        out.typ = _u(_sub(i, "TYP"))
        tst = _sub(i, "TST")
        out.simulated = bool(_u(_sub(i, "SIM")) or (tst is not None and _u(tst)))
    if (i := rec.get_item("040")) is not None:
        out.range_m = _q(_sub(i, "RHO"), "NM") * NM_M
        out.azimuth_deg = _q(_sub(i, "THETA"), "°")
    if (i := rec.get_item("070")) is not None and not _u(_sub(i, "V")):
        out.mode3a = _mode3a(i)
    if (i := rec.get_item("090")) is not None and not _u(_sub(i, "V")) and not _u(_sub(i, "G")):
        out.flight_level_m = _q(_sub(i, "FL"), "FL") * 100 * FT_M
    if (i := rec.get_item("110")) is not None:
        out.height_m = _q(_sub(i, "3DH"), "ft") * FT_M
    if (i := rec.get_item("220")) is not None:
        out.address = _u(i.variation)
    if (i := rec.get_item("240")) is not None:
        out.callsign = i.variation.content.as_string().strip()
    if (i := rec.get_item("161")) is not None:
        out.track_number = _u(_sub(i, "TRN"))
    return out


def _cat034(rec: Any) -> AsterixRecord:
    out = AsterixRecord(34)
    _source(rec, out)
    if (i := rec.get_item("000")) is not None:
        out.message_type = _u(i.variation)
    if (i := rec.get_item("030")) is not None:
        out.tod_s = _q(i.variation, "s")
    if (i := rec.get_item("020")) is not None:
        out.sector_deg = _q(i.variation, "°")
    if (i := rec.get_item("041")) is not None:
        out.period_s = _q(i.variation, "s")
    return out


def _cat021(rec: Any) -> AsterixRecord:
    out = AsterixRecord(21)
    _source(rec, out)
    if (i := rec.get_item("040")) is not None:
        out.simulated = any(v is not None and _u(v) for v in (_sub(i, "SIM"), _sub(i, "TST")))
    # time of applicability for position, else of reception of the position message
    for key in ("071", "073"):
        if (i := rec.get_item(key)) is not None:
            out.tod_s = _q(i.variation, "s")
            break
    if (i := rec.get_item("131")) is not None or (i := rec.get_item("130")) is not None:
        out.lat, out.lon = _q(_sub(i, "LAT"), "°"), _q(_sub(i, "LON"), "°")
    if (i := rec.get_item("080")) is not None:
        out.address = _u(i.variation)
    if (i := rec.get_item("140")) is not None:
        out.altitude_m = _q(i.variation, "ft") * FT_M
    if (i := rec.get_item("145")) is not None:
        out.flight_level_m = _q(i.variation, "FL") * 100 * FT_M
    if (i := rec.get_item("160")) is not None:
        out.speed_mps = _q(_sub(i, "GS"), "NM/s") * NM_M
        out.track_deg = _q(_sub(i, "TA"), "°") % 360.0
    for key in ("157", "155"):  # geometric, else barometric vertical rate
        if (i := rec.get_item(key)) is not None:
            out.vrate_mps = _q(_sub(i, "BVR" if key == "155" else "GVR"), "ft/min") * FPM_MPS
            break
    if (i := rec.get_item("170")) is not None:
        out.callsign = i.variation.content.as_string().strip()
    if (i := rec.get_item("070")) is not None:
        out.mode3a = _mode3a(i)
    if (i := rec.get_item("161")) is not None:
        out.track_number = _u(_sub(i, "TRNUM"))
    return out


def _cat062(rec: Any) -> AsterixRecord:
    out = AsterixRecord(62)
    _source(rec, out)
    if (i := rec.get_item("070")) is not None:
        out.tod_s = _q(i.variation, "s")
    if (i := rec.get_item("040")) is not None:
        out.track_number = _u(i.variation)
    if (i := rec.get_item("105")) is not None:
        out.lat, out.lon = _q(_sub(i, "LAT"), "°"), _q(_sub(i, "LON"), "°")
    if (i := rec.get_item("185")) is not None:
        out.ve_mps, out.vn_mps = _q(_sub(i, "VX"), "m/s"), _q(_sub(i, "VY"), "m/s")
        out.speed_mps = math.hypot(out.ve_mps, out.vn_mps)
        out.track_deg = math.degrees(math.atan2(out.ve_mps, out.vn_mps)) % 360.0
    if (i := rec.get_item("130")) is not None:
        out.altitude_m = _q(i.variation, "ft") * FT_M
    if (i := rec.get_item("136")) is not None:
        out.flight_level_m = _q(i.variation, "FL") * 100 * FT_M
    if (i := rec.get_item("220")) is not None:
        out.vrate_mps = _q(i.variation, "ft/min") * FPM_MPS
    if (i := rec.get_item("060")) is not None:
        out.mode3a = _mode3a(i)
    if (i := rec.get_item("080")) is not None:
        out.simulated = bool(_u(_sub(i, "SIM")))
    if (i := rec.get_item("380")) is not None:
        if (adr := _sub(i, "ADR")) is not None:
            out.address = _u(adr)
        if (ident := _sub(i, "ID")) is not None:
            out.callsign = ident.content.as_string().strip()
    return out


_PICK = {21: _cat021, 34: _cat034, 48: _cat048, 62: _cat062}


__all__ = [
    "EDITIONS",
    "FPM_MPS",
    "FT_M",
    "HEADER",
    "NM_M",
    "NORTH_MARKER",
    "SECTOR_CROSSING",
    "AsterixRecord",
    "block_length",
    "decode_block",
    "split_blocks",
]
