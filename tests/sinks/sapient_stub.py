"""A local SAPIENT fusion node for tests: a real TCP server that acks registrations and checks every
message it receives against the ICD's validation rules, written out here from BSI Flex 335 v2.0
and the Dstl v2 test harness's validators (SapientServices/Data/Validation/*.cs), independently of
airpicture's own `icd_problems` (which reads the .proto field marks instead).

    with FusionStub() as stub:           # listens on 127.0.0.1, a free port
        ... connect a node to stub.port ...
        stub.wait_for("detection_report", 5)
        assert stub.violations == []

Rules checked (each violation is a line in `violations`):
- framing: a 4-byte little-endian length, 0 < length <= 16 MiB, then a SapientMessage that parses;
- SapientMessage: timestamp present with nanos in [0, 1e9), within skew_s of now for a
  Registration or StatusReport; node_id a UUID; destination_id, if
  given, a UUID; a content; on a connection the first message is a Registration and, after it, every
  message carries the node_id that registered;
- Registration: icd_version "BSI Flex 335 v2.0"; node_definition non-empty, each node_type defined
  and set; capabilities non-empty, each with category and type; status_definition with a
  status_interval (units set, value > 0); mode_definition non-empty, each with mode_name,
  mode_type, a settle_time Duration (units set, value non-zero), a task with concurrent_tasks and a
  region_definition (region types set, region areas with both units and datum); each detection
  definition's location_type with units and datum, class definitions with a type and sub-classes
  with a level; config_data non-empty, each with manufacturer and model;
- StatusReport: report_id a ULID; system, info set; mode non-empty; node_location a valid Location;
  heartbeats no further apart than 1.5 x the registered status interval (+ 0.5 s);
- DetectionReport: report_id and object_id ULIDs, report_id never repeated; exactly one of
  location / range_bearing; Location with x, y, coordinate_system and datum set, latitude and
  longitude in range for the lat/lng systems; confidences (detection, class, sub-class) in [0, 1];
  class and sub-class types of the standard's taxonomy, sub-classes with a level; ENU velocity with
  east and north rates; object_info with type and value, its types declared in the registration;
- Alert: alert_id a ULID; alert_type, status and priority defined values; location valid if given;
  ranking and confidence in [0, 1]; associated detections with a UUID node_id and a ULID object_id
  that this node has reported;
- every enum field anywhere holds a value the ICD defines; every float is finite.
"""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from typing import Any

from sapient_msg.bsi_flex_335_v2_0 import location_pb2, registration_pb2
from sapient_msg.bsi_flex_335_v2_0.sapient_message_pb2 import SapientMessage
from ulid import ULID

ICD = "BSI Flex 335 v2.0"
#: The standard's class taxonomy (Dstl harness CommonValidator.Classifications): class -> level-1
TAXONOMY = {
    "Unknown": set(),
    "Human": {"Male", "Female"},
    "Animal": {"Bird", "Horse", "Other"},
    "Air Vehicle": {"Manned Rotary Wing", "Manned Fixed Wing", "UAV Rotary Wing", "UAV Fixed Wing",
                    "UAS Control Station"},
    "Land Vehicle": {"Tracked", ">2 wheels - Heavy", ">2 wheels - Medium", ">2 wheels - Light", "2 wheels"},
    "Sea Vessel": {"Large Ship", "Small boat", "Submarine"},
    "Equipment": {"RF Transmitter", "Weapon", "Passive Sensor", "Other"},
    "Fixed Object": {"Building", "Fixed Tower/mast", "Road", "Bridge", "Dam", "Street Furniture",
                     "Natural feature", "Other"},
}  # fmt: skip
OBJECT_INFO = registration_pb2.Registration.DETECTION_REPORT_CATEGORY_OBJECT
LATLNG = {location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M: 1.0,
          location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_RAD_M: 180.0 / math.pi}  # fmt: skip


def is_uuid(s: str) -> bool:
    try:
        return len(s) == 36 and str(uuid.UUID(s)) == s.lower()
    except ValueError:
        return False


def is_ulid(s: str) -> bool:
    try:
        return len(s) == 26 and ULID.from_str(s) is not None
    except ValueError:
        return False


def enum_and_float_problems(msg: Any, where: str) -> list[str]:
    """Enum values the ICD does not define, non-finite floats: anywhere in the message."""
    out = []
    for f, v in msg.ListFields():
        values = list(v) if f.is_repeated else [v]
        for x in values:
            if f.type == f.TYPE_MESSAGE:
                out += enum_and_float_problems(x, f"{where}.{f.name}")
            elif f.type == f.TYPE_ENUM and f.enum_type.values_by_number.get(x) is None:
                out.append(f"{where}.{f.name}: enum value {x} not defined")
            elif f.type in (f.TYPE_FLOAT, f.TYPE_DOUBLE) and not math.isfinite(x):
                out.append(f"{where}.{f.name}: not finite")
    return out


def location_problems(loc: Any, where: str) -> list[str]:
    out = []
    if not (loc.HasField("x") and loc.HasField("y")):
        out.append(f"{where}: x and y are mandatory")
    if loc.coordinate_system == 0 or loc.datum == 0:
        out.append(f"{where}: coordinate_system and datum are mandatory")
    if loc.coordinate_system in LATLNG:
        k = LATLNG[loc.coordinate_system]
        if not (abs(loc.y * k) <= 90 and abs(loc.x * k) <= 180):
            out.append(f"{where}: latitude / longitude out of range")
    return out


def duration_problems(d: Any, where: str, positive: bool = False) -> list[str]:
    if d.units == 0 or not d.HasField("value") or d.value == 0 or (positive and d.value < 0):
        return [f"{where}: a Duration needs units and a non-zero value"]
    return []


def unit(p: float) -> bool:
    return 0.0 <= p <= 1.0


class NodeState:
    """What the stub knows of one connected node."""

    def __init__(self) -> None:
        self.node_id: str | None = None
        self.object_info: set[str] = set()
        self.status_interval_s = math.inf
        self.last_status = math.nan


class FusionStub:
    """The fusion node. accept=False: every registration is refused (acceptance false)."""

    def __init__(self, accept: bool = True, skew_s: float = 30.0) -> None:
        self.accept, self.skew_s = accept, skew_s
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.node_id = str(uuid.uuid4())
        self.messages: list[Any] = []
        self.kinds: Counter[str] = Counter()
        self.violations: list[str] = []
        self.objects: set[str] = set()
        self.reports: set[str] = set()
        self.connections = 0
        self._lock = threading.Condition()
        self._stop = False
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> FusionStub:
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self.sock.close()

    def wait_for(self, kind: str, n: int = 1, timeout_s: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.kinds[kind] >= n, timeout_s)

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn: socket.socket) -> None:
        node = NodeState()
        buf = b""
        with conn:
            while not self._stop:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while len(buf) >= 4:
                    (n,) = struct.unpack_from("<I", buf)
                    if not 0 < n <= 16 << 20:
                        self._violate(f"frame length {n}")
                        return
                    if len(buf) < 4 + n:
                        break
                    body, buf = buf[4 : 4 + n], buf[4 + n :]
                    self._take(conn, node, body)

    def _violate(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _take(self, conn: socket.socket, node: NodeState, body: bytes) -> None:
        msg = SapientMessage()
        try:
            msg.ParseFromString(body)
        except Exception as e:  # the stub reports what the decoder says, whatever it is
            self._violate(f"does not parse: {e}")
            return
        kind = msg.WhichOneof("content")
        problems = self.check(msg, node)
        if kind == "registration" and not problems:
            node.node_id = msg.node_id
            node.object_info = {
                r.type for m in msg.registration.mode_definition for d in m.detection_definition
                for r in d.detection_report if r.category == OBJECT_INFO
            }  # fmt: skip
            node.status_interval_s = _seconds(msg.registration.status_definition.status_interval)
            ack = SapientMessage(node_id=self.node_id, destination_id=msg.node_id)
            ack.timestamp.GetCurrentTime()
            ack.registration_ack.acceptance = self.accept
            ack.registration_ack.ack_response_reason.append("accepted" if self.accept else "stub refuses")
            conn.sendall(struct.pack("<I", ack.ByteSize()) + ack.SerializeToString())
            if not self.accept:
                node.node_id = None
        with self._lock:
            self.messages.append(msg)
            self.kinds[str(kind)] += 1
            if kind == "status_report" and msg.status_report.system == msg.status_report.SYSTEM_GOODBYE:
                self.kinds["goodbye"] += 1  # what a test waits for: the node sent all it had
            self.violations += problems
            self._lock.notify_all()

    def check(self, msg: Any, node: NodeState) -> list[str]:
        """Every rule of the module's docstring that this message breaks."""
        kind = msg.WhichOneof("content")
        out = enum_and_float_problems(msg, "SapientMessage")
        if not msg.HasField("timestamp") or not 0 <= msg.timestamp.nanos < 10**9:
            out.append("SapientMessage.timestamp is mandatory")
        elif (
            kind in ("registration", "status_report")
            and not abs(msg.timestamp.ToNanoseconds() * 1e-9 - time.time()) <= self.skew_s
        ):  # sent now (detections and alerts carry the time of what they report)
            out.append(f"{kind}: timestamp {msg.timestamp.ToJsonString()} is not now")
        if not is_uuid(msg.node_id):
            out.append(f"SapientMessage.node_id {msg.node_id!r} is not a UUID")
        if msg.HasField("destination_id") and not is_uuid(msg.destination_id):
            out.append("SapientMessage.destination_id is not a UUID")
        if kind is None:
            out.append("SapientMessage has no content")
            return out
        if kind != "registration":
            if node.node_id is None:
                out.append(f"{kind} before an accepted registration")
            elif msg.node_id != node.node_id:
                out.append(f"{kind}: node_id {msg.node_id} is not the registered {node.node_id}")
        return out + getattr(self, f"_{kind}", lambda m, n: [f"{kind}: a node does not send it"])(msg, node)

    def _registration(self, msg: Any, node: NodeState) -> list[str]:
        r, out = msg.registration, []
        if r.icd_version != ICD:
            out.append(f"Registration.icd_version {r.icd_version!r}")
        if not r.node_definition or any(d.node_type == 0 for d in r.node_definition):
            out.append("Registration.node_definition (node_type) is mandatory")
        if not r.capabilities or any(not (c.category and c.type) for c in r.capabilities):
            out.append("Registration.capabilities (category, type) are mandatory")
        if not r.HasField("status_definition"):
            out.append("Registration.status_definition is mandatory")
        else:
            interval = r.status_definition.status_interval
            out += duration_problems(interval, "StatusDefinition.status_interval", True)
        if not r.mode_definition:
            out.append("Registration.mode_definition is mandatory")
        for m in r.mode_definition:
            if not m.mode_name or m.mode_type == 0:
                out.append("ModeDefinition.mode_name / mode_type are mandatory")
            out += duration_problems(m.settle_time, "ModeDefinition.settle_time")
            task = m.task
            if not m.HasField("task") or not task.HasField("concurrent_tasks"):
                out.append("ModeDefinition.task (concurrent_tasks) is mandatory")
            region = task.region_definition
            if not region.region_type or any(t == 0 for t in region.region_type) or not region.region_area:
                out.append("TaskDefinition.region_definition (region_type, region_area) is mandatory")
            for a in list(region.region_area) + [d.location_type for d in m.detection_definition]:
                if a.WhichOneof("coordinates_oneof") is None or a.WhichOneof("datum_oneof") is None:
                    out.append("LocationType needs units and datum")
            for d in m.detection_definition:
                for c in d.detection_class_definition:
                    for cd in c.class_definition:
                        if not cd.type or any(not s.type or not s.HasField("level") for s in cd.sub_class):
                            out.append("ClassDefinition type / sub-class level are mandatory")
        if not r.config_data or any(not (c.manufacturer and c.model) for c in r.config_data):
            out.append("Registration.config_data (manufacturer, model) is mandatory")
        return out

    def _status_report(self, msg: Any, node: NodeState) -> list[str]:
        s, out = msg.status_report, []
        if not is_ulid(s.report_id):
            out.append("StatusReport.report_id is not a ULID")
        if s.system == 0 or s.info == 0 or not s.mode:
            out.append("StatusReport system / info / mode are mandatory")
        if s.HasField("node_location"):
            out += location_problems(s.node_location, "StatusReport.node_location")
        now = time.monotonic()
        late = now - node.last_status > 1.5 * node.status_interval_s + 0.5
        if node.last_status == node.last_status and late:
            out.append(f"StatusReport {now - node.last_status:.1f} s after the last (interval "
                       f"{node.status_interval_s} s)")  # fmt: skip
        node.last_status = now
        return out

    def _detection_report(self, msg: Any, node: NodeState) -> list[str]:
        d, out = msg.detection_report, []
        if not (is_ulid(d.report_id) and is_ulid(d.object_id)):
            out.append("DetectionReport report_id / object_id are not ULIDs")
        if d.report_id in self.reports:
            out.append(f"DetectionReport.report_id {d.report_id} repeated")
        self.reports.add(d.report_id)
        self.objects.add(d.object_id)
        if d.WhichOneof("location_oneof") is None:
            out.append("DetectionReport needs a location or a range_bearing")
        elif d.HasField("location"):
            out += location_problems(d.location, "DetectionReport.location")
        elif d.range_bearing.coordinate_system == 0 or d.range_bearing.datum == 0:
            out.append("RangeBearing coordinate_system / datum are mandatory")
        if not unit(d.detection_confidence):
            out.append("DetectionReport.detection_confidence not in [0, 1]")
        for c in d.classification:
            if c.type not in TAXONOMY or not unit(c.confidence):
                out.append(f"classification {c.type!r} ({c.confidence}) not of the taxonomy / in [0, 1]")
            for s in c.sub_class:
                known = s.type in TAXONOMY.get(c.type, set())
                if not known or not s.HasField("level") or not unit(s.confidence):
                    out.append(f"sub-class {s.type!r} of {c.type!r} invalid")
        if d.HasField("enu_velocity") and not (d.enu_velocity.HasField("east_rate") and
                                               d.enu_velocity.HasField("north_rate")):  # fmt: skip
            out.append("ENUVelocity east_rate / north_rate are mandatory")
        for o in d.object_info:
            if not (o.type and o.value) or o.type not in node.object_info:
                out.append(f"object_info {o.type!r} not declared in the registration")
        return out

    def _alert(self, msg: Any, node: NodeState) -> list[str]:
        a, out = msg.alert, []
        if not is_ulid(a.alert_id):
            out.append("Alert.alert_id is not a ULID")
        if a.HasField("location"):
            out += location_problems(a.location, "Alert.location")
        if not (unit(a.ranking) and unit(a.confidence)):
            out.append("Alert ranking / confidence not in [0, 1]")
        for ad in a.associated_detection:
            if not (is_uuid(ad.node_id) and is_ulid(ad.object_id)) or ad.object_id not in self.objects:
                out.append(f"Alert associates an unknown detection {ad.object_id}")
        return out


def _seconds(d: Any) -> float:
    per = {1: 1e-9, 2: 1e-6, 3: 1e-3, 4: 1.0, 5: 60.0, 6: 3600.0, 7: 86400.0}
    return float(d.value) * per.get(d.units, math.nan)
