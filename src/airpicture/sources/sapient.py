"""SAPIENT (BSI Flex 335 v2.0) messages: framing, decoding, the ICD's field rules, and sensor
nodes' detection reports -> the tracker's plots (PLOT_DTYPE).

    framer = Framer(rejects, max_message)          # TCP bytes -> whole messages
    msg = parse(frame)                             # SapientMessage, or DecodeError
    icd_problems(msg)                              # ["missing DetectionReport.object_id", ...]
    stream = SapientStream(sheets, settings)       # sheet.sapient_node: node UUID -> sensor
    plots, replies = stream.feed(frame, recv_s, session)

Framing (the Dstl BSI Flex 335 v2 test harness, SocketCommsCommon.SendPacket and
ByteDataMessageBuilder): each message on a TCP connection is a SapientMessage protobuf prefixed by
its length as a 4-byte little-endian integer. The message classes are those generated from Dstl's
published v2.0 .proto files (the `sapient-proto` package, `sapient_msg.bsi_flex_335_v2_0`); their
field options mark what the ICD makes mandatory and which strings are ULIDs or UUIDs, and
`icd_problems` checks exactly those marks.

A sensor node registers first (Registration, answered by a RegistrationAck); its node id must be
the `sapient_node` of a sheet, which gives its position and noise as for any radar (the ICD's
detections carry no sensor position). A detection's location is a range and bearing from the
node (true north, degrees or radians, metres or km) or a WGS-84 latitude / longitude (x is the
longitude); either becomes a plot of the node's sheet. What cannot become one is a counted reject
by reason: bearing-only detections (`no_range`), UTM locations, magnetic / grid / platform
bearings, a node that is not registered, a time far from the receive time.
"""

from __future__ import annotations

import math
import re
import struct
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError as ProtobufDecodeError
from sapient_msg import proto_options_pb2 as options_pb2
from sapient_msg.bsi_flex_335_v2_0 import location_pb2, range_bearing_pb2, registration_ack_pb2
from sapient_msg.bsi_flex_335_v2_0 import sapient_message_pb2 as message_pb2

from airpicture.config import SapientSettings
from airpicture.errors import DecodeError
from airpicture.geo import geodetic_to_enu
from airpicture.sensors import RadarSheet, SensorSheet
from airpicture.types import NO_IDENT, PLOT_DTYPE, Rejects

SapientMessage = message_pb2.SapientMessage
ICD_VERSION = "BSI Flex 335 v2.0"
LENGTH = struct.Struct("<I")
#: the highest (and lowest) altitude taken from a location: what flies, with room (m)
MAX_ALT_M = 100_000.0
#: Crockford base32, 26 characters, the first at most 7 (a 128-bit value)
_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$", re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
RB = range_bearing_pb2
LOC = location_pb2
#: range-bearing units -> (radians per angle unit, metres per range unit)
_RB_UNITS = {
    RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M: (math.pi / 180.0, 1.0),
    RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_M: (1.0, 1.0),
    RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_KM: (math.pi / 180.0, 1000.0),
    RB.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM: (1.0, 1000.0),
}
_LOC_UNITS = {
    LOC.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M: 1.0,
    LOC.LOCATION_COORDINATE_SYSTEM_LAT_LNG_RAD_M: 180.0 / math.pi,
}


def frame(msg: Any) -> bytes:
    """A message as it goes on the wire: 4-byte little-endian length, then the protobuf."""
    body = msg.SerializeToString()
    return LENGTH.pack(len(body)) + body


class Framer:
    """A TCP byte stream -> whole messages. A length of 0 or over `max_message` leaves no way to
    find the next message: it is counted (`frame_length`), the buffer dropped, and `broken` set so
    that a server closes that connection (the node reconnects and registers again)."""

    def __init__(self, rejects: Rejects, max_message: int = 1 << 20) -> None:
        self.rejects, self.max_message = rejects, max_message
        self.tail = b""
        self.broken = False

    def split(self, data: bytes) -> list[bytes]:
        buf = self.tail + data
        out: list[bytes] = []
        pos = 0
        while len(buf) - pos >= LENGTH.size:
            (n,) = LENGTH.unpack_from(buf, pos)
            if not 0 < n <= self.max_message:
                self.rejects.add("frame_length")
                self.broken = True
                self.tail = b""
                return out
            if len(buf) - pos - LENGTH.size < n:
                break
            out.append(buf[pos + LENGTH.size : pos + LENGTH.size + n])
            pos += LENGTH.size + n
        self.tail = buf[pos:]
        return out


def parse(data: bytes) -> Any:
    """A SapientMessage from its bytes (without the length prefix)."""
    msg = SapientMessage()
    try:
        msg.ParseFromString(data)
    except (ProtobufDecodeError, RecursionError, ValueError) as e:  # RecursionError: nested too deep
        raise DecodeError("protobuf", data[:32], "sapient") from e
    return msg


@cache
def _rules(descriptor: Any) -> tuple[list[tuple[Any, Any]], list[str]]:
    """A message type's (field, ValidationOptions or None) and its mandatory oneofs."""
    fields = []
    for f in descriptor.fields:
        o = f.GetOptions()
        fields.append(
            (
                f,
                o.Extensions[options_pb2.field_options]
                if o.HasExtension(options_pb2.field_options)
                else None,
            )
        )
    oneofs = [
        o.name
        for o in descriptor.oneofs
        if o.GetOptions().HasExtension(options_pb2.oneof_options)
        and o.GetOptions().Extensions[options_pb2.oneof_options].is_mandatory
    ]
    return fields, oneofs


def icd_problems(msg: Any, path: str = "") -> list[str]:
    """What breaks the ICD's marks in the .proto files, as "<rule> <Message.field>": a mandatory
    field or oneof that is absent (`missing`), a ULID / UUID field that is not one (`ulid`,
    `uuid`), an enum value that the ICD does not define, or unset where mandatory (`enum`).
    Sub-messages are checked too. Empty: the message keeps every rule."""
    out: list[str] = []
    d = msg.DESCRIPTOR
    where = path or d.name
    fields, oneofs = _rules(d)
    for name in oneofs:
        if msg.WhichOneof(name) is None:
            out.append(f"missing {where}.{name}")
    for f, opt in fields:
        repeated = f.is_repeated
        values: list[Any]
        if repeated:
            values = list(getattr(msg, f.name))
            present = bool(values)
        else:
            present = msg.HasField(f.name) if f.has_presence else True
            values = [getattr(msg, f.name)] if present else []
        mandatory = opt is not None and opt.is_mandatory
        if mandatory and not present:
            out.append(f"missing {where}.{f.name}")
            continue
        for v in values:
            if f.type == f.TYPE_MESSAGE:
                if f.message_type.full_name != "google.protobuf.Timestamp":
                    out += icd_problems(v, f"{where}.{f.name}")
            elif f.type == f.TYPE_ENUM:
                if f.enum_type.values_by_number.get(v) is None or (mandatory and v == 0):
                    out.append(f"enum {where}.{f.name}")
            elif f.type == f.TYPE_STRING and opt is not None:
                if opt.is_ulid and not _ULID.match(v):
                    out.append(f"ulid {where}.{f.name}")
                elif opt.is_uuid and not _UUID.match(v):
                    out.append(f"uuid {where}.{f.name}")
                elif mandatory and not v:
                    out.append(f"missing {where}.{f.name}")
    return out


def node_uuid(text: str) -> str:
    """A node id in its canonical form (lower case), or DecodeError."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise DecodeError("node_id", text[:40], "sapient") from None


@dataclass(eq=False)  # one per connection, kept in a set
class NodeSession:
    """One sensor node's connection: which node registered on it."""

    node_id: str | None = None
    sensor: int = -1


class SapientStream:
    """Messages of sensor nodes in, plots (and the replies owed) out. `feed` never raises on bad
    input: each message it cannot use is counted in `rejects` by reason, each one it takes in
    `messages` by content ("registration", "detection_report", ...)."""

    def __init__(
        self, sensors: list[SensorSheet], settings: SapientSettings | None = None, name: str = "sapient"
    ) -> None:
        self.sensors = sensors
        self.settings = settings or SapientSettings()
        self.nodes = {node_uuid(s.sapient_node): i for i, s in enumerate(sensors) if s.sapient_node}
        self.rejects = Rejects(name)
        self.messages: Counter[str] = Counter()
        self.last_s = math.nan
        self.node_id = self.settings.node_id or str(uuid.uuid4())  # the fusion node's, in acks

    def feed(self, data: bytes, recv_s: float, session: NodeSession) -> tuple[np.ndarray, list[bytes]]:
        """PLOT_DTYPE rows of one message (without its length prefix), and the framed replies."""
        try:
            msg = parse(data)
            return self._take(msg, recv_s, session)
        except DecodeError as e:
            self.rejects.add(e.reason)
            return np.empty(0, PLOT_DTYPE), []

    def _take(self, msg: Any, recv_s: float, session: NodeSession) -> tuple[np.ndarray, list[bytes]]:
        kind = msg.WhichOneof("content")
        problems = icd_problems(msg)
        if kind == "registration":
            return np.empty(0, PLOT_DTYPE), [self._register(msg, problems, session)]
        if problems:
            raise DecodeError("icd_" + problems[0].split(" ", 1)[0], problems[:3], "sapient")
        t = msg.timestamp.seconds + msg.timestamp.nanos * 1e-9
        if recv_s == recv_s and not abs(t - recv_s) <= self.settings.max_skew_s:
            raise DecodeError("timestamp_skew", t, "sapient")
        if session.node_id is None:
            raise DecodeError("not_registered", kind, "sapient")
        if node_uuid(msg.node_id) != session.node_id:
            raise DecodeError("node_id_mismatch", msg.node_id, "sapient")
        if kind in ("registration_ack", "task", "alert_ack"):
            raise DecodeError("wrong_direction", kind, "sapient")  # a fusion node's, not a sensor's
        self.messages[kind] += 1
        if kind == "status_report" and msg.status_report.system == msg.status_report.SYSTEM_GOODBYE:
            session.node_id, session.sensor = None, -1
        if kind != "detection_report":
            return np.empty(0, PLOT_DTYPE), []
        self.last_s = t
        return np.array([self._plot(msg.detection_report, t, session.sensor)], PLOT_DTYPE), []

    def _register(self, msg: Any, problems: list[str], session: NodeSession) -> bytes:
        """The RegistrationAck owed: accepted for a node of a sheet that keeps the ICD."""
        node = self.nodes.get(msg.node_id.lower(), -1)
        if problems:
            reason, why = "registration_icd_" + problems[0].split(" ", 1)[0], problems[:5]
        elif msg.registration.icd_version != ICD_VERSION:
            reason = "registration_icd_version"
            why = [f"icd_version {msg.registration.icd_version[:40]!r}: this fusion node takes {ICD_VERSION}"]
        elif node < 0:
            reason, why = "registration_unknown_node", [f"no sensor sheet has sapient_node {msg.node_id}"]
        else:
            reason, why = "", ["accepted"]
        reply = SapientMessage(node_id=self.node_id)
        if _UUID.match(msg.node_id):
            reply.destination_id = msg.node_id
        reply.timestamp.GetCurrentTime()
        reply.registration_ack.CopyFrom(
            registration_ack_pb2.RegistrationAck(acceptance=not reason, ack_response_reason=why)
        )
        if reason:
            self.rejects.add(reason)
        else:
            self.messages["registration"] += 1
            session.node_id, session.sensor = node_uuid(msg.node_id), node
        return frame(reply)

    def _plot(self, det: Any, t: float, sensor: int) -> tuple[float, ...]:
        sheet = self.sensors[sensor]
        if not isinstance(sheet, RadarSheet):
            raise DecodeError("wrong_sensor_kind", sheet.kind, "sapient")
        el = math.nan
        if det.HasField("range_bearing"):
            rb = det.range_bearing
            if rb.datum != RB.RANGE_BEARING_DATUM_TRUE:
                raise DecodeError("bearing_not_true_north", rb.datum, "sapient")
            if not rb.HasField("range"):
                raise DecodeError("no_range", None, "sapient")  # bearing-only: not a plot
            if not rb.HasField("azimuth"):
                raise DecodeError("no_azimuth", None, "sapient")
            rad, m = _RB_UNITS[rb.coordinate_system]
            rng, az = rb.range * m, rb.azimuth * rad
            if rb.HasField("elevation") and sheet.three_d:
                el = rb.elevation * rad
        else:
            loc = det.location
            scale = _LOC_UNITS.get(loc.coordinate_system)
            if scale is None:
                raise DecodeError("utm_location", None, "sapient")
            lat, lon = loc.y * scale, loc.x * scale
            z = loc.z if loc.HasField("z") else sheet.alt_m
            if not (abs(lat) <= 90.0 and abs(lon) <= 180.0 and abs(z) <= MAX_ALT_M):
                raise DecodeError("location_out_of_bounds", (lat, lon, z), "sapient")
            e, n, u = geodetic_to_enu(lat, lon, z, sheet.lat, sheet.lon, sheet.alt_m)
            az = math.atan2(e, n)
            rng = math.sqrt(e * e + n * n + u * u)
            if loc.HasField("z") and sheet.three_d and rng > 0:
                el = math.asin(max(-1.0, min(1.0, u / rng)))
        if not (math.isfinite(rng) and math.isfinite(az)) or math.isinf(el):
            raise DecodeError("not_finite", (rng, az, el), "sapient")
        if not 0 < rng <= 1.5 * sheet.max_range_m:
            raise DecodeError("range_out_of_bounds", rng, "sapient")
        return (t, sensor, rng, az % (2 * math.pi), el, math.nan, NO_IDENT)


__all__ = [
    "ICD_VERSION",
    "Framer",
    "NodeSession",
    "SapientMessage",
    "SapientStream",
    "frame",
    "icd_problems",
    "node_uuid",
    "parse",
]
