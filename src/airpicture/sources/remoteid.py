"""Drone Remote ID messages (ASTM F3411-22a / ASD-STAN EN 4709-002): decode and encode.

Every message is 25 bytes; byte 0 is ``[type:4][protocol version:4]``; multi-byte fields are
little-endian. The semantics follow the reference C library opendroneid-core-c
(``libopendroneid/opendroneid.c``): the same scale factors, the same invalid markers, the same
truncating encoder. Carriers (BLE, Wi-Fi beacon, Wi-Fi NaN) are in ``remoteid_carriers``.

Location/Vector (type 1)::

    byte 1      [status:4][reserved:1][height type:1][E/W direction:1][speed multiplier:1]
    byte 2      direction, degrees 0-179; +180 when the E/W bit is set; 361 = invalid
    byte 3      horizontal speed: enc*0.25 m/s, or enc*0.75 + 63.75 with the multiplier bit
                (254.25 max; 255 m/s = invalid)
    byte 4      vertical speed, int8 * 0.5 m/s (63 = invalid)
    bytes 5-12  latitude, longitude: int32 * 1e-7 deg (both 0 = invalid)
    bytes 13-18 pressure altitude, geodetic altitude, height: uint16 * 0.5 - 1000 m (-1000 = invalid)
    byte 19     [vertical accuracy:4][horizontal accuracy:4]
    byte 20     [baro accuracy:4][speed accuracy:4]
    bytes 21-22 timestamp, tenths of seconds after the full hour UTC (0xFFFF = invalid)
    byte 23     [reserved:4][timestamp accuracy:4, tenths of seconds]

System (type 4)::

    byte 1      [reserved:3][classification type:3][operator location type:2]
    bytes 2-9   operator latitude, longitude (int32 * 1e-7)
    bytes 10-16 area count (uint16), area radius (uint8 * 10 m), area ceiling, area floor
    byte 17     [EU category:4][EU class:4]
    bytes 18-19 operator geodetic altitude;  bytes 20-23 timestamp, s since 2019-01-01 UTC

Message pack (type 0xF): byte 1 single message size (25), byte 2 count (1-9), then the messages.
A pack cut short (it declares more messages than its bytes hold) keeps the whole messages it holds
and says how many are missing (`MessagePack.missing`; the registry counts them, as the Wireshark
dissector shows what it holds).

Authentication (type 2): page 0 carries the last page index (< 16) and the data length (at most
17 + 23 * last page index bytes), pages 1.. carry 23 bytes each; `reassemble_auth` joins them.
Text fields are ASCII: other bytes are kept as backslash escapes (``\xe9``), not replaced.
Basic ID types 3 (UTM-assigned UUID) and 4 (specific session ID) are binary and kept as hex.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from airpicture.errors import DecodeError, RecordError
from airpicture.types import NO_IDENT, REPORT_DTYPE, Rejects, remoteid_ident

MESSAGE_SIZE: Final = 25
PACK_MAX_MESSAGES: Final = 9
PROTOCOL_VERSION: Final = 2
AUTH_MAX_PAGES: Final = 16
AUTH_PAGE0_SIZE: Final = 17
AUTH_PAGE_SIZE: Final = 23
#: Unix time of 2019-01-01 00:00:00 UTC, the epoch of System and Authentication timestamps.
EPOCH_2019: Final = 1546300800

BASIC_ID, LOCATION, AUTH, SELF_ID, SYSTEM, OPERATOR_ID, PACK = 0, 1, 2, 3, 4, 5, 0xF

UA_TYPES: Final = (
    "none", "aeroplane", "helicopter_or_multirotor", "gyroplane", "hybrid_lift", "ornithopter",
    "glider", "kite", "free_balloon", "captive_balloon", "airship", "free_fall_parachute", "rocket",
    "tethered_powered_aircraft", "ground_obstacle", "other",
)  # fmt: skip
ID_TYPES: Final = ("none", "serial_number", "caa_registration_id", "utm_assigned_uuid", "specific_session_id")
STATUSES: Final = ("undeclared", "ground", "airborne", "emergency", "remote_id_system_failure")

#: Accuracy codes -> bound in metres (m/s for speed, s for time), NaN = unknown (C decode*Accuracy).
HORIZONTAL_ACCURACY_M: Final = (math.nan, 18520.0, 7408.0, 3704.0, 1852.0, 926.0, 555.6, 185.2, 92.6,
                                30.0, 10.0, 3.0, 1.0)  # fmt: skip
VERTICAL_ACCURACY_M: Final = (math.nan, 150.0, 45.0, 25.0, 10.0, 3.0, 1.0)
SPEED_ACCURACY_MPS: Final = (math.nan, 10.0, 3.0, 1.0, 0.3)

INV_DIRECTION: Final = 361.0
INV_SPEED_H: Final = 255.0
INV_SPEED_V: Final = 63.0
INV_ALT: Final = -1000.0
INV_TIMESTAMP: Final = 0xFFFF
MAX_SPEED_H: Final = 254.25
SPEED_SPLIT: Final = 255 * 0.25  # 63.75: above it the 0.75 m/s step is used
MAX_ALT: Final = 31767.5

_LOC = struct.Struct("<BBBBb ii HHH BB HBB")
_SYS = struct.Struct("<BB ii HBHH B HI B")
_AUTH0 = struct.Struct("<BBBBI17s")


def _code(table: tuple[float, ...], i: int) -> float:
    return table[i] if i < len(table) else math.nan


def _text(raw: bytes) -> str:
    """A NUL-padded ASCII field (C safe_dec_copyfill: stop at the first NUL); bytes outside ASCII
    are kept, escaped (b"\xe9" -> "\\xe9"), so that what the drone sent can still be read."""
    return raw.split(b"\0", 1)[0].decode("ascii", "backslashreplace")


def _alt(enc: int) -> float:
    return math.nan if enc == 0 else enc * 0.5 - 1000.0


def _latlon(lat_e7: int, lon_e7: int) -> tuple[float, float]:
    lat, lon = lat_e7 / 1e7, lon_e7 / 1e7  # as the C decodeLatLon, so encode(decode(x)) == x
    if (lat_e7 == 0 and lon_e7 == 0) or abs(lat) > 90.0 or abs(lon) > 180.0:
        return math.nan, math.nan
    return lat, lon


@dataclass(frozen=True, slots=True)
class BasicId:
    """Basic ID (type 0): who the UA is. uas_id is ASCII (serial number, CAA registration), or hex
    for the binary ids: all 20 bytes of a UTM-assigned UUID (3), a specific session id (4) without
    its trailing zero bytes."""

    id_type: int
    ua_type: int
    uas_id: str
    version: int = PROTOCOL_VERSION

    @property
    def ua_type_name(self) -> str:
        return UA_TYPES[self.ua_type]


@dataclass(frozen=True, slots=True)
class Location:
    """Location/Vector (type 1). NaN where the message says "invalid / unknown".

    direction_deg: true course 0-360 clockwise from north; altitudes in m (pressure ref 1013.25 hPa,
    geodetic WGS-84 HAE); height_m above take-off (height_type 0) or ground (1);
    timestamp_s: seconds after the full hour UTC; *_acc: raw 4-bit accuracy codes.
    """

    status: int
    direction_deg: float
    speed_mps: float
    vspeed_mps: float
    lat: float
    lon: float
    alt_baro_m: float
    alt_geo_m: float
    height_type: int
    height_m: float
    h_acc: int = 0
    v_acc: int = 0
    baro_acc: int = 0
    speed_acc: int = 0
    timestamp_s: float = math.nan
    ts_acc: int = 0
    version: int = PROTOCOL_VERSION

    @property
    def h_accuracy_m(self) -> float:
        return _code(HORIZONTAL_ACCURACY_M, self.h_acc)

    @property
    def v_accuracy_m(self) -> float:
        return _code(VERTICAL_ACCURACY_M, self.v_acc)

    @property
    def baro_accuracy_m(self) -> float:
        return _code(VERTICAL_ACCURACY_M, self.baro_acc)

    @property
    def speed_accuracy_mps(self) -> float:
        return _code(SPEED_ACCURACY_MPS, self.speed_acc)

    @property
    def ts_accuracy_s(self) -> float:
        return self.ts_acc * 0.1 if self.ts_acc else math.nan


@dataclass(frozen=True, slots=True)
class Auth:
    """One Authentication page (type 2). Page 0 carries last_page_index, length and timestamp."""

    auth_type: int
    page: int
    data: bytes
    last_page_index: int = 0
    length: int = 0
    timestamp: int = 0  # s since 2019-01-01 UTC (page 0 only)
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class SelfId:
    """Self-ID (type 3): free text (desc_type 0), emergency (1) or extended status (2)."""

    desc_type: int
    text: str
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class System:
    """System (type 4): operator location, group area and classification.

    operator_alt_m, area_ceiling_m, area_floor_m NaN when invalid; timestamp: s since 2019-01-01
    (0 = not given, as in protocol versions < 2).
    """

    operator_location_type: int
    classification_type: int
    operator_lat: float
    operator_lon: float
    area_count: int
    area_radius_m: int
    area_ceiling_m: float
    area_floor_m: float
    category_eu: int
    class_eu: int
    operator_alt_m: float
    timestamp: int = 0
    version: int = PROTOCOL_VERSION

    @property
    def unix_time_s(self) -> float:
        return float(EPOCH_2019 + self.timestamp) if self.timestamp else math.nan


@dataclass(frozen=True, slots=True)
class OperatorId:
    """Operator ID (type 5): the registration of the remote pilot."""

    id_type: int
    operator_id: str
    version: int = PROTOCOL_VERSION


Message = BasicId | Location | Auth | SelfId | System | OperatorId


@dataclass(frozen=True, slots=True)
class MessagePack:
    """Message pack (type 0xF): up to 9 messages from one UA in one frame; missing: messages the
    pack declared but its bytes did not hold."""

    messages: tuple[Message, ...]
    version: int = PROTOCOL_VERSION
    missing: int = 0


# ----------------------------------------------------------------------------------- decode


def _decode_basic(b: bytes, v: int) -> BasicId:
    id_type, ua_type = b[1] >> 4, b[1] & 0x0F
    raw = b[2:22]
    uas = raw.hex() if id_type == 3 else raw.rstrip(b"\0").hex() if id_type == 4 else _text(raw)
    return BasicId(id_type, ua_type, uas, v)


def _decode_location(b: bytes, v: int) -> Location:
    (_, flags, direction, speed, vspeed, lat_e7, lon_e7, baro, geo, height, acc1, acc2, ts, acc3, _) = (
        _LOC.unpack_from(b)
    )
    deg = direction + (180.0 if flags & 0x02 else 0.0)
    mps = speed * 0.75 + SPEED_SPLIT if flags & 0x01 else speed * 0.25
    lat, lon = _latlon(lat_e7, lon_e7)
    return Location(
        status=flags >> 4,
        direction_deg=deg if deg < INV_DIRECTION else math.nan,
        speed_mps=mps if mps < INV_SPEED_H else math.nan,
        vspeed_mps=vspeed * 0.5 if vspeed != 126 else math.nan,
        lat=lat,
        lon=lon,
        alt_baro_m=_alt(baro),
        alt_geo_m=_alt(geo),
        height_type=(flags >> 2) & 1,
        height_m=_alt(height),
        h_acc=acc1 & 0x0F,
        v_acc=acc1 >> 4,
        baro_acc=acc2 >> 4,
        speed_acc=acc2 & 0x0F,
        timestamp_s=ts / 10.0 if ts <= 36000 else math.nan,
        ts_acc=acc3 & 0x0F,
        version=v,
    )


def _decode_auth(b: bytes, v: int) -> Auth:
    """As the C decodeAuthMessage: page 0's last page index < 16 and length within its pages."""
    auth_type, page = b[1] >> 4, b[1] & 0x0F
    if page == 0:
        _, _, last, length, ts, data = _AUTH0.unpack_from(b)
        if last >= AUTH_MAX_PAGES:
            raise DecodeError("rid_auth_last_page", bytes(b[:MESSAGE_SIZE]), "remoteid")
        if length > AUTH_PAGE0_SIZE + AUTH_PAGE_SIZE * last:
            raise DecodeError("rid_auth_length", bytes(b[:MESSAGE_SIZE]), "remoteid")
        return Auth(auth_type, 0, data, last, length, ts, v)
    return Auth(auth_type, page, bytes(b[2:25]), version=v)


def reassemble_auth(pages: dict[int, Auth]) -> bytes:
    """The authentication data of one set of pages (page number -> page): page 0 gives the last
    page index and the length; every page up to it must be there, of the same type. Raises
    DecodeError (rid_auth_incomplete, rid_auth_page, rid_auth_type)."""
    first = pages.get(0)
    if first is None or any(i not in pages for i in range(first.last_page_index + 1)):
        raise DecodeError("rid_auth_incomplete", bytes(sorted(pages)), "remoteid")
    if any(i > first.last_page_index for i in pages):
        raise DecodeError("rid_auth_page", bytes(sorted(pages)), "remoteid")
    if any(p.auth_type != first.auth_type for p in pages.values()):
        raise DecodeError("rid_auth_type", bytes(sorted(pages)), "remoteid")
    data = b"".join(pages[i].data for i in range(first.last_page_index + 1))
    return data[: first.length]


def _decode_system(b: bytes, v: int) -> System:
    (_, flags, lat_e7, lon_e7, count, radius, ceiling, floor, eu, op_alt, ts, _) = _SYS.unpack_from(b)
    lat, lon = _latlon(lat_e7, lon_e7)
    return System(
        operator_location_type=flags & 0x03,
        classification_type=(flags >> 2) & 0x07,
        operator_lat=lat,
        operator_lon=lon,
        area_count=count,
        area_radius_m=radius * 10,
        area_ceiling_m=_alt(ceiling),
        area_floor_m=_alt(floor),
        category_eu=eu >> 4,
        class_eu=eu & 0x0F,
        operator_alt_m=_alt(op_alt),
        timestamp=ts,
        version=v,
    )


def _decode_single(b: bytes) -> Message:
    kind, v = b[0] >> 4, b[0] & 0x0F
    if kind == LOCATION:
        return _decode_location(b, v)
    if kind == BASIC_ID:
        return _decode_basic(b, v)
    if kind == SYSTEM:
        return _decode_system(b, v)
    if kind == AUTH:
        return _decode_auth(b, v)
    if kind == SELF_ID:
        return SelfId(b[1], _text(b[2:25]), v)
    if kind == OPERATOR_ID:
        return OperatorId(b[1], _text(b[2:22]), v)
    raise DecodeError("rid_msg_type", bytes(b[:MESSAGE_SIZE]), "remoteid")


def decode_pack(raw: bytes) -> MessagePack:
    """Decode a message pack; trailing bytes after the declared messages are ignored, and a pack
    cut short keeps the whole messages it holds (`missing` says how many it lacks).

    Like the C checkPackContent: 1-9 messages of 25 bytes, no nested pack, at most one of each
    type except Basic ID (2) and Authentication pages (16).
    """
    if len(raw) < 3:
        raise DecodeError("rid_truncated", bytes(raw), "remoteid")
    if raw[0] >> 4 != PACK:
        raise DecodeError("rid_not_pack", bytes(raw[:3]), "remoteid")
    size, count = raw[1], raw[2]
    if size != MESSAGE_SIZE:
        raise DecodeError("rid_pack_size", bytes(raw[:3]), "remoteid")
    if not 1 <= count <= PACK_MAX_MESSAGES:
        raise DecodeError("rid_pack_count", bytes(raw[:3]), "remoteid")
    held = min(count, (len(raw) - 3) // MESSAGE_SIZE)
    if held == 0:
        raise DecodeError("rid_truncated", bytes(raw[:3]), "remoteid")
    seen = [0] * 6
    out: list[Message] = []
    for i in range(held):
        b = raw[3 + i * MESSAGE_SIZE : 3 + (i + 1) * MESSAGE_SIZE]
        kind = b[0] >> 4
        if kind > OPERATOR_ID:
            raise DecodeError("rid_pack_content", bytes(b), "remoteid")
        seen[kind] += 1
        out.append(_decode_single(b))
    limits = (2, 1, AUTH_MAX_PAGES, 1, 1, 1)
    if any(n > lim for n, lim in zip(seen, limits, strict=True)):
        raise DecodeError("rid_pack_content", bytes(raw[:3]), "remoteid")
    return MessagePack(tuple(out), raw[0] & 0x0F, count - held)


def decode_message(raw: bytes) -> Message | MessagePack:
    """Decode one 25-byte message, or a message pack (type 0xF). Raises DecodeError."""
    if len(raw) == 0:
        raise DecodeError("rid_truncated", b"", "remoteid")
    if raw[0] >> 4 == PACK:
        return decode_pack(raw)
    if len(raw) < MESSAGE_SIZE:
        raise DecodeError("rid_truncated", bytes(raw), "remoteid")
    return _decode_single(raw)


def messages_of(decoded: Message | MessagePack) -> tuple[Message, ...]:
    """The single messages in a decoded message or pack."""
    return decoded.messages if isinstance(decoded, MessagePack) else (decoded,)


# ----------------------------------------------------------------------------------- encode
# Mirrors the current C encoders (opendroneid.c, 2026): their inputs are C floats (float32) and their
# arithmetic is float32 (SPEED_DIV, VSPEED_DIV, ALT_DIV are float constants), so values are first
# rounded to float32 and computed in float32 (numpy), then rounded as C rounds: roundf / round half
# away from zero (direction, timestamp, latitude / longitude), "+ 0.5f then cast" (horizontal speed),
# truncation toward zero (vertical speed, altitudes), and clamped (intRangeMax). A direction that
# rounds to 360 is 0 (north), as encodeDirection says.
# NaN input means "invalid / unknown" and becomes the field's invalid marker.

_F32 = np.float32


def _roundf(x: float) -> int:
    """C roundf / round: half away from zero (Python's round() goes half to even)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _clamp(x: int, lo: int, hi: int) -> int:
    return lo if x < lo else hi if x > hi else x


def _check(ok: bool, what: str, value: object) -> None:
    if not ok:
        raise RecordError(f"rid_range_{what}", value, "remoteid")


def _enc_alt(alt: float, what: str) -> int:
    if math.isnan(alt):
        return 0
    _check(INV_ALT <= alt <= MAX_ALT, what, alt)
    return _clamp(int((_F32(alt) + _F32(1000.0)) / _F32(0.5)), 0, 0xFFFF)  # encodeAltitude


def _enc_latlon(lat: float, lon: float) -> tuple[int, int]:
    if math.isnan(lat) or math.isnan(lon):
        return 0, 0
    _check(-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0, "latlon", (lat, lon))
    # encodeLatLon: a double, round(x * 1e7) (half away from zero), clamped to +-180 deg
    return (_clamp(_roundf(lat * 1e7), -1_800_000_000, 1_800_000_000),
            _clamp(_roundf(lon * 1e7), -1_800_000_000, 1_800_000_000))  # fmt: skip


def _enc_direction(deg: float) -> tuple[int, int]:
    """encodeDirection: (E/W bit, byte); roundf of the float32 value, 360 -> 0."""
    di = _roundf(float(_F32(deg)))
    if di == 360:
        di = 0
    ew = 1 if di >= 180 else 0
    return ew, _clamp(di - 180 * ew, 0, 255)


def _enc_speed(mps: float) -> tuple[int, int]:
    """encodeSpeedHorizontal: (multiplier bit, byte), rounded by "+ 0.5f then cast" in float32."""
    s = _F32(mps)
    if s <= _F32(SPEED_SPLIT):
        return 0, _clamp(int(s / _F32(0.25) + _F32(0.5)), 0, 255)
    return 1, _clamp(int((s - _F32(SPEED_SPLIT)) / _F32(0.75) + _F32(0.5)), 0, 255)


def _fixed(text: str | bytes, n: int) -> bytes:
    raw = text.encode("ascii") if isinstance(text, str) else text
    _check(len(raw) <= n, "text", text)
    return raw.ljust(n, b"\0")


def encode_basic_id(msg: BasicId) -> bytes:
    _check(0 <= msg.id_type <= 15 and 0 <= msg.ua_type <= 15, "type", msg)
    uas = bytes.fromhex(msg.uas_id) if msg.id_type in (3, 4) else msg.uas_id
    return bytes([BASIC_ID << 4 | msg.version, msg.id_type << 4 | msg.ua_type]) + _fixed(uas, 20) + bytes(3)


def encode_location(msg: Location) -> bytes:
    for name in ("status", "h_acc", "v_acc", "baro_acc", "speed_acc", "ts_acc"):
        _check(0 <= getattr(msg, name) <= 15, name, getattr(msg, name))
    _check(msg.height_type in (0, 1), "height_type", msg.height_type)
    if math.isnan(msg.direction_deg):
        ew, direction = 1, int(INV_DIRECTION) - 180  # 361: the invalid marker, as the C encoder writes it
    else:
        _check(0.0 <= msg.direction_deg <= 360.0, "direction", msg.direction_deg)
        ew, direction = _enc_direction(msg.direction_deg)
    s = INV_SPEED_H if math.isnan(msg.speed_mps) else msg.speed_mps
    _check(0.0 <= s <= MAX_SPEED_H or s == INV_SPEED_H, "speed", s)
    mult, speed = _enc_speed(s)
    vs = INV_SPEED_V if math.isnan(msg.vspeed_mps) else msg.vspeed_mps
    _check(-62.0 <= vs <= 62.0 or vs == INV_SPEED_V, "vspeed", vs)
    vspeed = _clamp(int(_F32(vs) / _F32(0.5)), -128, 127)  # encodeSpeedVertical truncates
    lat, lon = _enc_latlon(msg.lat, msg.lon)
    if math.isnan(msg.timestamp_s):
        ts = INV_TIMESTAMP
    else:
        _check(0.0 <= msg.timestamp_s <= 3600.0, "timestamp", msg.timestamp_s)
        ts = _clamp(_roundf(float(_F32(msg.timestamp_s) * _F32(10.0))), 0, 36000)  # encodeTimeStamp
    flags = msg.status << 4 | msg.height_type << 2 | ew << 1 | mult
    return _LOC.pack(
        LOCATION << 4 | msg.version, flags, direction, speed, vspeed, lat, lon,
        _enc_alt(msg.alt_baro_m, "alt_baro"), _enc_alt(msg.alt_geo_m, "alt_geo"),
        _enc_alt(msg.height_m, "height"), msg.v_acc << 4 | msg.h_acc,
        msg.baro_acc << 4 | msg.speed_acc, ts, msg.ts_acc, 0,
    )  # fmt: skip


def encode_auth(msg: Auth) -> bytes:
    _check(0 <= msg.auth_type <= 15 and 0 <= msg.page < AUTH_MAX_PAGES, "auth", msg)
    head = bytes([AUTH << 4 | msg.version, msg.auth_type << 4 | msg.page])
    if msg.page == 0:
        _check(0 <= msg.last_page_index < AUTH_MAX_PAGES and 0 <= msg.length <= 255, "auth", msg)
        _check(msg.length <= 17 + 23 * msg.last_page_index, "auth_length", msg)
        return (
            head + struct.pack("<BBI", msg.last_page_index, msg.length, msg.timestamp) + _fixed(msg.data, 17)
        )
    return head + _fixed(msg.data, 23)


def encode_self_id(msg: SelfId) -> bytes:
    _check(0 <= msg.desc_type <= 255, "desc_type", msg.desc_type)
    return bytes([SELF_ID << 4 | msg.version, msg.desc_type]) + _fixed(msg.text, 23)


def encode_system(msg: System) -> bytes:
    _check(0 <= msg.operator_location_type <= 3 and 0 <= msg.classification_type <= 7, "flags", msg)
    _check(0 <= msg.category_eu <= 15 and 0 <= msg.class_eu <= 15, "eu", msg)
    _check(0 <= msg.area_radius_m <= 2550 and 0 <= msg.area_count <= 0xFFFF, "area", msg)
    _check(0 <= msg.timestamp <= 0xFFFFFFFF, "timestamp", msg.timestamp)
    lat, lon = _enc_latlon(msg.operator_lat, msg.operator_lon)
    return _SYS.pack(
        SYSTEM << 4 | msg.version, msg.classification_type << 2 | msg.operator_location_type, lat, lon,
        msg.area_count, msg.area_radius_m // 10, _enc_alt(msg.area_ceiling_m, "ceiling"),
        _enc_alt(msg.area_floor_m, "floor"), msg.category_eu << 4 | msg.class_eu,
        _enc_alt(msg.operator_alt_m, "operator_alt"), msg.timestamp, 0,
    )  # fmt: skip


def encode_operator_id(msg: OperatorId) -> bytes:
    _check(0 <= msg.id_type <= 255, "id_type", msg.id_type)
    return bytes([OPERATOR_ID << 4 | msg.version, msg.id_type]) + _fixed(msg.operator_id, 20) + bytes(3)


_ENCODERS = {BasicId: encode_basic_id, Location: encode_location, Auth: encode_auth, SelfId: encode_self_id,
             System: encode_system, OperatorId: encode_operator_id}  # fmt: skip


def encode_message(msg: Message) -> bytes:
    """Encode one message to its 25 bytes (RecordError when a field is out of range)."""
    return _ENCODERS[type(msg)](msg)  # type: ignore[operator]


def encode_pack(messages: tuple[Message, ...] | list[Message], version: int = PROTOCOL_VERSION) -> bytes:
    """Encode a message pack of 1-9 messages."""
    _check(1 <= len(messages) <= PACK_MAX_MESSAGES, "pack_count", len(messages))
    body = b"".join(encode_message(m) for m in messages)
    return bytes([PACK << 4 | version, MESSAGE_SIZE, len(messages)]) + body


# --------------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class Frame:
    """The Remote ID messages of one received frame (BLE advertisement, Wi-Fi beacon or NaN frame).

    time_s: receive time, UTC epoch s; transport: ble4 | ble5 | wifi_beacon | wifi_nan | jsonl;
    address: the transmitter's BLE / Wi-Fi source address ('' if unknown); counter: -1 if absent.
    """

    time_s: float
    transport: str
    address: str
    counter: int
    messages: tuple[Message, ...]
    #: messages a cut-short pack declared but did not hold (counted by the registry)
    missing: int = 0


def frame_of(time_s: float, transport: str, address: str, counter: int, raw: bytes) -> Frame:
    """The Frame of one message or pack's bytes (DecodeError when nothing in them decodes)."""
    decoded = decode_message(raw)
    missing = decoded.missing if isinstance(decoded, MessagePack) else 0
    return Frame(time_s, transport, address, counter, messages_of(decoded), missing)


#: Preference among a UA's Basic IDs for its identity: serial number first (it never changes); an id
#: of type 0 ("none", as the Wireshark dissector's samples send) last, rather than no identity.
_ID_RANK = {1: 0, 4: 1, 3: 2, 2: 3, 0: 4}
#: A Location timestamp further than this from the receive time is not trusted (drone clock off).
MAX_CLOCK_OFFSET_S = 10.0


def report_time(rx_s: float, after_hour_s: float) -> float:
    """UTC time of a Location: its "tenths after the hour" placed in the hour nearest the receive
    time; the receive time itself when the timestamp is invalid or implausibly far off."""
    if math.isnan(after_hour_s) or not math.isfinite(rx_s):
        return rx_s
    t = math.floor(rx_s / 3600.0) * 3600.0 + after_hour_s
    if t - rx_s > 1800.0:
        t -= 3600.0
    elif rx_s - t > 1800.0:
        t += 3600.0
    return t if abs(t - rx_s) <= MAX_CLOCK_OFFSET_S else rx_s


@dataclass
class _Transmitter:
    ident: int = NO_IDENT
    rank: int = 99
    last_s: float = -math.inf
    pending: deque[tuple[float, tuple[float, ...]]] | None = None
    auth: dict[int, Auth] | None = None  # authentication pages heard, by page number


def _older(t: object, before_s: float) -> bool:
    return isinstance(t, float) and t < before_s


class RemoteIdRegistry:
    """Turns Remote ID frames into REPORT_DTYPE rows and keeps what each drone said about itself.

    A Location gets the identity of the Basic ID from the same message pack or, failing that, from
    the same transmitter address. BLE 4 sends one message per advertisement, so a Location can
    arrive before its Basic ID: it waits up to ``hold_s`` (receive time) for one, then goes out with
    a session identity made from the address (``remoteid_ident("ble4:AA:BB:...")``). Waiting rows
    are bounded by ``max_pending``; the oldest is dropped and counted (``rid_pending_overflow``).
    Transmitters and drones not heard for ``forget_s`` are forgotten when ``reports(now_s)`` runs.
    """

    def __init__(self, sensor: int = 0, hold_s: float = 2.0, max_pending: int = 10_000,
                 forget_s: float = 900.0, name: str = "remoteid") -> None:  # fmt: skip
        self.sensor = sensor
        self.hold_s = hold_s
        self.forget_s = forget_s
        self.max_pending = max_pending
        self.rejects = Rejects(name)
        self.frames = 0
        self._tx: dict[str, _Transmitter] = {}
        self._drones: dict[int, dict[str, object]] = {}
        self._info: dict[str, dict[str, object]] = {}  # per address, until it has an identity
        self._rows: list[tuple[float | int, ...]] = []  # REPORT_DTYPE field order
        self._n_pending = 0
        self.forgotten = 0  # drones forgotten after forget_s

    # -- input
    def ingest(self, frame: Frame) -> None:
        """Take one frame's messages (never raises on content; bad values are counted)."""
        self.frames += 1
        self.rejects.add("rid_pack_short", frame.missing)
        tx = self._tx.setdefault(frame.address, _Transmitter()) if frame.address else _Transmitter()
        if math.isfinite(frame.time_s):
            tx.last_s = max(tx.last_s, frame.time_s)
        ident = self._identify(frame, tx)
        info: dict[str, object] = {"last_seen_s": frame.time_s, "address": frame.address,
                                   "transport": frame.transport}  # fmt: skip
        for m in frame.messages:
            if isinstance(m, Location):
                row = self._row(frame, m)
                if row is None:
                    continue
                info["status"] = STATUSES[m.status] if m.status < len(STATUSES) else str(m.status)
                if ident != NO_IDENT or not frame.address:
                    self._rows.append((row[0], self.sensor, ident, *row[1:]))
                else:
                    self._hold(tx, frame.time_s, row)
            elif isinstance(m, System):
                info.update(
                    operator_lat=m.operator_lat,
                    operator_lon=m.operator_lon,
                    operator_alt_m=m.operator_alt_m,
                    operator_location_type=m.operator_location_type,
                    classification_type=m.classification_type,
                    category_eu=m.category_eu,
                    class_eu=m.class_eu,
                    area_count=m.area_count,
                    area_radius_m=m.area_radius_m,
                )
            elif isinstance(m, OperatorId):
                info["operator_id"] = m.operator_id
            elif isinstance(m, SelfId):
                info["self_id"] = m.text
            elif isinstance(m, Auth):
                self._auth(tx, m, info)
        if ident != NO_IDENT:
            self._update(ident, info)
        elif frame.address:
            self._info.setdefault(frame.address, {}).update(info)

    def _auth(self, tx: _Transmitter, page: Auth, info: dict[str, object]) -> None:
        """Collect a transmitter's authentication pages; once page 0 and every page it announces
        are in, reassemble them into info["auth"] (type, timestamp, data as hex). A new page 0
        (another timestamp) starts a new set; a set that does not reassemble is counted."""
        pages = tx.auth if tx.auth is not None else {}
        first = pages.get(0)
        if (
            page.page == 0
            and first is not None
            and (first.timestamp, first.auth_type) != (page.timestamp, page.auth_type)
        ):
            pages = {}
        pages[page.page] = page
        tx.auth = pages
        first = pages.get(0)
        if first is None or len(pages) < first.last_page_index + 1:
            return
        try:
            data = reassemble_auth(pages)
        except DecodeError as e:
            self.rejects.add(e.reason)
        else:
            info["auth"] = {"auth_type": first.auth_type, "timestamp": first.timestamp, "data": data.hex()}
        tx.auth = None

    def _identify(self, frame: Frame, tx: _Transmitter) -> int:
        best: BasicId | None = None
        for m in frame.messages:
            if (
                isinstance(m, BasicId)
                and m.uas_id
                and m.id_type in _ID_RANK
                and (best is None or _ID_RANK[m.id_type] < _ID_RANK[best.id_type])
            ):
                best = m
        if best is None:
            return tx.ident
        rank = _ID_RANK[best.id_type]
        if tx.ident == NO_IDENT or rank <= tx.rank:
            tx.ident, tx.rank = remoteid_ident(best.uas_id), rank
            self._update(tx.ident, {"serial": best.uas_id, "id_type": ID_TYPES[best.id_type],
                                    "ua_type": UA_TYPES[best.ua_type]})  # fmt: skip
        else:  # a second, lesser Basic ID (e.g. a CAA registration next to the serial)
            self._update(tx.ident, {ID_TYPES[best.id_type]: best.uas_id})
        if frame.address:
            if frame.address in self._info:
                self._update(tx.ident, self._info.pop(frame.address))
            self._release(tx, tx.ident)
        return tx.ident

    def _row(self, frame: Frame, m: Location) -> tuple[float, ...] | None:
        if math.isnan(m.lat):
            self.rejects.add("rid_no_position")
            return None
        t = report_time(frame.time_s, m.timestamp_s)
        if not math.isfinite(t):
            self.rejects.add("rid_no_time")
            return None
        alt = m.alt_geo_m if not math.isnan(m.alt_geo_m) else m.alt_baro_m
        track = math.radians(m.direction_deg % 360.0)
        return (t, m.lat, m.lon, alt, m.speed_mps, track, m.vspeed_mps)

    def _hold(self, tx: _Transmitter, rx_s: float, row: tuple[float, ...]) -> None:
        if tx.pending is None:
            tx.pending = deque()
        tx.pending.append((rx_s, row))
        self._n_pending += 1
        if self._n_pending > self.max_pending:
            oldest = min((t for t in self._tx.values() if t.pending), key=lambda t: t.pending[0][0])  # type: ignore[index]
            oldest.pending.popleft()  # type: ignore[union-attr]
            self._n_pending -= 1
            self.rejects.add("rid_pending_overflow")

    def _release(self, tx: _Transmitter, ident: int, before_s: float = math.inf) -> None:
        while tx.pending and tx.pending[0][0] < before_s:
            _, row = tx.pending.popleft()
            self._rows.append((row[0], self.sensor, ident, *row[1:]))
            self._n_pending -= 1

    def _update(self, ident: int, info: dict[str, object]) -> None:
        d = self._drones.setdefault(ident, {"serial": ""})
        last, seen = d.get("last_seen_s"), info.get("last_seen_s")
        d.update(info)
        if isinstance(last, float) and isinstance(seen, float):
            d["last_seen_s"] = max(last, seen)

    # -- output
    def flush(self, now_s: float = math.inf) -> None:
        """Give a session identity to Locations that waited more than hold_s for a Basic ID."""
        for address, tx in self._tx.items():
            if tx.pending and tx.pending[0][0] < now_s - self.hold_s:
                ident = tx.ident
                if ident == NO_IDENT:
                    info = self._info.get(address, {})
                    ident = remoteid_ident(f"{info.get('transport', '')}:{address}")
                    self._update(ident, {"serial": "", "id_type": "address", **info})
                self._release(tx, ident, now_s - self.hold_s)
        if math.isfinite(now_s):
            self._forget(now_s - self.forget_s)

    def _forget(self, before_s: float) -> None:
        """Drop transmitters and drones not heard since before_s (BLE addresses rotate: without
        this a long-running receiver would keep every address it ever saw)."""
        for address in [a for a, tx in self._tx.items() if tx.last_s < before_s and not tx.pending]:
            del self._tx[address]
            self._info.pop(address, None)
        for ident in [k for k, d in self._drones.items() if _older(d.get("last_seen_s"), before_s)]:
            del self._drones[ident]
            self.forgotten += 1

    def reports(self, now_s: float = math.inf) -> npt.NDArray[np.void]:
        """Drain the rows ready at receive time now_s (all of them by default), sorted by time."""
        self.flush(now_s)
        rows, self._rows = self._rows, []
        out = np.array(rows, dtype=REPORT_DTYPE)
        out.sort(order="time_s", kind="stable")
        return out

    def drones(self) -> dict[int, dict[str, object]]:
        """ident -> what the drone said: serial, id_type, ua_type, operator_lat/lon/alt_m,
        operator_location_type, operator_id, self_id, classification, status, address,
        transport, last_seen_s. The tracker keeps the operator location with the track."""
        return {k: dict(v) for k, v in self._drones.items()}

    def drones_of(self, idents: list[int]) -> dict[int, dict[str, object]]:
        """drones() for these identities only (a live feed describes each batch, not every drone)."""
        return {k: dict(self._drones[k]) for k in idents if k in self._drones}

    def __len__(self) -> int:
        """Drones held (heard within forget_s)."""
        return len(self._drones)

    def names(self) -> dict[int, str]:
        """ident -> serial (for Picture.names)."""
        return {k: str(v["serial"]) for k, v in self._drones.items() if v.get("serial")}


__all__ = [
    "AUTH_MAX_PAGES",
    "AUTH_PAGE0_SIZE",
    "AUTH_PAGE_SIZE",
    "EPOCH_2019",
    "ID_TYPES",
    "MAX_CLOCK_OFFSET_S",
    "MESSAGE_SIZE",
    "PACK_MAX_MESSAGES",
    "PROTOCOL_VERSION",
    "STATUSES",
    "UA_TYPES",
    "Auth",
    "BasicId",
    "Frame",
    "Location",
    "Message",
    "MessagePack",
    "OperatorId",
    "RemoteIdRegistry",
    "SelfId",
    "System",
    "decode_message",
    "decode_pack",
    "encode_auth",
    "encode_basic_id",
    "encode_location",
    "encode_message",
    "encode_operator_id",
    "encode_pack",
    "encode_self_id",
    "encode_system",
    "frame_of",
    "messages_of",
    "reassemble_auth",
    "report_time",
]
