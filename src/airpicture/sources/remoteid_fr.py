"""The French national drone beacon ("signalement électronique", arrêté of 27 December 2019).

Mandatory in France for drones of 800 g and more, broadcast as a Wi-Fi beacon (every 3 s, or
every 30 m) carrying a vendor-specific element of the SGDSN (OUI 6A:5C:35, the OUI Wireshark
names OUI_SGDSN)::

    [0xDD][length][6A 5C 35][VS type 0x01] then TLVs [type][length][value], values big-endian:

    1  protocol version     1 byte (1)
    2  ID FR                30 ASCII characters (maker trigram, model, serial)
    3  ANSI/CTA-2063 serial ASCII, variable length (the physical serial number)
    4  latitude             int32, 1e-5 deg WGS-84      5  longitude      int32, 1e-5 deg
    6  altitude             int16, m above mean sea level
    7  height               int16, m above the take-off point
    8  take-off latitude    int32, 1e-5 deg             9  take-off longitude  int32, 1e-5 deg
    10 ground speed         uint8, m/s                  11 route (true course)  uint16, deg 0-359

Some beacons in the field omit the VS type byte (the TLVs start right after the OUI); both
layouts are read. The beacon becomes the Remote ID messages it corresponds to: a Basic ID (the
ANSI serial when given, else the ID FR, as a serial number), a Location (altitude above MSL in
the geodetic field: the geoid separation, ~45-55 m in France, is not known here and not added)
and a System whose operator location type 0 is the take-off point, as ASTM F3411 defines it.
"""

from __future__ import annotations

import math
import struct
from typing import Final

from airpicture.errors import DecodeError, RecordError
from airpicture.sources.remoteid import BasicId, Location, Message, System

FR_OUI: Final = b"\x6a\x5c\x35"
FR_VS_TYPE: Final = 0x01
#: type -> fixed length (None: variable)
_LENGTHS: Final = {1: 1, 2: 30, 3: None, 4: 4, 5: 4, 6: 2, 7: 2, 8: 4, 9: 4, 10: 1, 11: 2}
_FORMATS: Final = {4: ">i", 5: ">i", 6: ">h", 7: ">h", 8: ">i", 9: ">i", 10: ">B", 11: ">H"}
_NAN = math.nan


def _err(reason: str, raw: bytes) -> DecodeError:
    return DecodeError(reason, raw[:64], "remoteid")


def _tlvs(body: bytes) -> dict[int, bytes] | None:
    """The TLVs of `body` when they walk it exactly with known types and lengths, else None."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(body):
        if pos + 2 > len(body):
            return None
        kind, n = body[pos], body[pos + 1]
        want = _LENGTHS.get(kind, -1)
        if want == -1 or (want is not None and n != want) or pos + 2 + n > len(body):
            return None
        out[kind] = body[pos + 2 : pos + 2 + n]
        pos += 2 + n
    return out


def _num(tlv: dict[int, bytes], kind: int, scale: float = 1.0) -> float:
    raw = tlv.get(kind)
    return struct.unpack(_FORMATS[kind], raw)[0] * scale if raw is not None else _NAN


def _ascii(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "backslashreplace").strip()


def decode_fr_beacon(value: bytes) -> tuple[Message, ...]:
    """The messages of one SGDSN vendor element's value (after element id and length, starting
    with the OUI). Raises DecodeError (not_remoteid, fr_tlv, fr_no_id)."""
    if value[:3] != FR_OUI:
        raise _err("not_remoteid", value)
    body = value[3:]
    tlv = _tlvs(body[1:]) if body[:1] == bytes([FR_VS_TYPE]) else None
    if tlv is None:
        tlv = _tlvs(body)  # no VS type byte
    if tlv is None:
        raise _err("fr_tlv", value)
    serial = _ascii(tlv.get(3, b"")) or _ascii(tlv.get(2, b""))
    if not serial:
        raise _err("fr_no_id", value)
    out: list[Message] = [BasicId(1, 0, serial)]
    lat, lon = _num(tlv, 4, 1e-5), _num(tlv, 5, 1e-5)
    if not (abs(lat) <= 90.0 and abs(lon) <= 180.0):
        lat = lon = _NAN
    route = _num(tlv, 11)
    out.append(
        Location(
            status=2 if _num(tlv, 7) > 0 else 0,  # airborne above the take-off point, else undeclared
            direction_deg=route if route < 360.0 else _NAN,
            speed_mps=_num(tlv, 10),
            vspeed_mps=_NAN,
            lat=lat,
            lon=lon,
            alt_baro_m=_NAN,
            alt_geo_m=_num(tlv, 6),
            height_type=0,
            height_m=_num(tlv, 7),
        )
    )
    home = _num(tlv, 8, 1e-5), _num(tlv, 9, 1e-5)
    if abs(home[0]) <= 90.0 and abs(home[1]) <= 180.0:
        out.append(System(0, 0, home[0], home[1], 0, 0, _NAN, _NAN, 0, 0, _NAN))
    return tuple(out)


def fr_beacon_element(
    id_fr: str,
    lat: float,
    lon: float,
    alt_msl_m: int,
    height_m: int,
    home: tuple[float, float],
    speed_mps: int,
    route_deg: int,
    serial: str = "",
) -> bytes:
    """The vendor element (0xDD, length, OUI, VS type, TLVs) a French beacon sends (for tests and
    demos). Raises RecordError when a field does not fit."""
    ident = id_fr.encode("ascii")
    if len(ident) != 30:
        raise RecordError("fr_id_length", id_fr, "remoteid")

    def tlv(kind: int, raw: bytes) -> bytes:
        return bytes([kind, len(raw)]) + raw

    body = tlv(1, b"\x01") + tlv(2, ident)
    if serial:
        body += tlv(3, serial.encode("ascii"))
    body += tlv(4, struct.pack(">i", round(lat * 1e5))) + tlv(5, struct.pack(">i", round(lon * 1e5)))
    body += tlv(6, struct.pack(">h", alt_msl_m)) + tlv(7, struct.pack(">h", height_m))
    body += tlv(8, struct.pack(">i", round(home[0] * 1e5))) + tlv(9, struct.pack(">i", round(home[1] * 1e5)))
    body += tlv(10, struct.pack(">B", speed_mps)) + tlv(11, struct.pack(">H", route_deg))
    value = FR_OUI + bytes([FR_VS_TYPE]) + body
    if len(value) > 255:
        raise RecordError("fr_too_long", len(value), "remoteid")
    return bytes([0xDD, len(value)]) + value


__all__ = ["FR_OUI", "decode_fr_beacon", "fr_beacon_element"]
