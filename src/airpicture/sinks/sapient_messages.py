"""airpicture's own SAPIENT (BSI Flex 335 v2.0) messages as a node: its Registration and
StatusReports, a DetectionReport per track of a picture, an Alert per alert step (what
`sinks.sapient.SapientSink` sends; its docstring says what each carries and why).
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

import numpy as np
from sapient_msg.bsi_flex_335_v2_0 import (
    alert_pb2,
    location_pb2,
    registration_pb2,
    status_report_pb2,
    velocity_pb2,
)
from ulid import ULID

from airpicture.config import SapientSettings
from airpicture.sources.sapient import ICD_VERSION, SapientMessage
from airpicture.types import Alert, ObjectClass, Picture, ident_name

REG = registration_pb2.Registration
ALERT = alert_pb2.Alert
STATUS = status_report_pb2.StatusReport
DEG_M = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
WGS84_E = location_pb2.LOCATION_DATUM_WGS84_E
MPS = velocity_pb2.SPEED_UNITS_MS
M_PER_DEG = 111_320.0
#: ObjectClass -> (class, level-1 sub-class) of the standard's taxonomy
TAXONOMY = {
    ObjectClass.AIRCRAFT: ("Air Vehicle", None),
    ObjectClass.DRONE: ("Air Vehicle", None),
    ObjectClass.BIRD: ("Animal", "Bird"),
    ObjectClass.UNKNOWN: ("Unknown", None),
}
#: alert kind -> (alert type, priority)
PRIORITY = {
    "zone_entry": (ALERT.ALERT_TYPE_CRITICAL, ALERT.DISCRETE_PRIORITY_HIGH),
    "predicted_entry": (ALERT.ALERT_TYPE_WARNING, ALERT.DISCRETE_PRIORITY_MEDIUM),
    "loitering": (ALERT.ALERT_TYPE_WARNING, ALERT.DISCRETE_PRIORITY_MEDIUM),
    "uncooperative": (ALERT.ALERT_TYPE_WARNING, ALERT.DISCRETE_PRIORITY_LOW),
}


def _ulid(time_s: float) -> str:
    return str(ULID.from_timestamp(max(time_s, 0.0)))


def _location(lat: float, lon: float, alt: float, sd: tuple[float, float, float] | None = None) -> Any:
    loc = location_pb2.Location(x=lon, y=lat, coordinate_system=DEG_M, datum=WGS84_E)
    if math.isfinite(alt):
        loc.z = alt
    if sd is not None:  # errors in the coordinates' own units: degrees, m; only those known
        x, y, z = sd[0] / (M_PER_DEG * max(math.cos(math.radians(lat)), 0.01)), sd[1] / M_PER_DEG, sd[2]
        for name, v in (("x_error", x), ("y_error", y), ("z_error", z)):
            if math.isfinite(v):
                setattr(loc, name, v)
    return loc


def _finite(**values: float) -> dict[str, float]:
    """The keyword arguments whose value is finite (a message field is left out, not NaN)."""
    return {k: v for k, v in values.items() if math.isfinite(v)}


class SapientEncoder:
    """Pictures, alerts and the node's own messages -> SapientMessages (protobuf objects)."""

    def __init__(self, settings: SapientSettings, site: tuple[float, float, float] | None = None) -> None:
        self.settings, self.site = settings, site
        self.node_id = settings.node_id or str(uuid.uuid4())
        self.objects: dict[int, str] = {}  # track -> object_id, until object_hold_s after it left
        self.seen_s: dict[int, float] = {}
        self.last: dict[int, Any] = {}  # track -> its last DetectionReport (for its "lost" report)
        self.alerts: dict[str, str] = {}  # airpicture alert id -> alert_id, until cleared
        self.statuses = 0
        self.unplaced = 0  # track rows not reported: no finite position

    def _message(self, time_s: float) -> Any:
        msg = SapientMessage(node_id=self.node_id)
        msg.timestamp.FromNanoseconds(int(time_s * 1e9))
        return msg

    def registration(self) -> Any:
        loc_type = REG.LocationType(location_units=DEG_M, location_datum=WGS84_E)
        seconds = REG.TIME_UNITS_SECONDS
        classes = REG.DetectionClassDefinition(
            confidence_definition=REG.CONFIDENCE_DEFINITION_SINGLE_CLASS,
            class_definition=[
                REG.ClassDefinition(type="Air Vehicle", units="probability"),
                REG.ClassDefinition(
                    type="Animal", units="probability",
                    sub_class=[REG.SubClass(type="Bird", units="probability", level=1)],
                ),
                REG.ClassDefinition(type="Unknown", units="probability"),
            ],
        )  # fmt: skip
        detection = REG.DetectionDefinition(
            location_type=loc_type,
            detection_class_definition=[classes],
            detection_report=[
                REG.DetectionReport(category=REG.DETECTION_REPORT_CATEGORY_OBJECT, type="class",
                                    units=", ".join(m.label for m in ObjectClass)),
            ],
            velocity_type=REG.VelocityType(
                enu_velocity_units=velocity_pb2.ENUVelocityUnits(
                    east_north_rate_units=MPS, up_rate_units=MPS
                ),
                location_datum=WGS84_E,
            ),
        )  # fmt: skip
        mode = REG.ModeDefinition(
            mode_name="default",
            mode_type=REG.MODE_TYPE_PERMANENT,
            # the harness rejects a zero duration: a tracker needs no settling, one second is the least
            settle_time=REG.Duration(units=seconds, value=1.0),
            tracking_type=REG.TRACKING_TYPE_TRACK,
            detection_definition=[detection],
            task=REG.TaskDefinition(
                concurrent_tasks=0,  # airpicture takes no tasks
                region_definition=REG.RegionDefinition(
                    region_type=[REG.REGION_TYPE_AREA_OF_INTEREST], region_area=[loc_type]
                ),
            ),
        )
        msg = self._message(time.time())
        msg.registration.CopyFrom(
            REG(
                node_definition=[REG.NodeDefinition(node_type=REG.NODE_TYPE_FUSION_NODE,
                                                    node_sub_type=["air picture"])],
                icd_version=ICD_VERSION,
                name=self.settings.name,
                short_name=self.settings.name[:16],
                capabilities=[REG.Capability(category="fusion", type="sensors",
                                             value="radar, ADS-B / Mode S, Remote ID")],
                status_definition=REG.StatusDefinition(
                    status_interval=REG.Duration(units=seconds, value=self.settings.status_interval_s),
                    location_definition=loc_type,
                ),
                mode_definition=[mode],
                config_data=[REG.ConfigurationData(manufacturer="airpicture", model="airpicture",
                                                   software_version=_version())],
            )
        )  # fmt: skip
        return msg

    def status(self, goodbye: bool = False) -> Any:
        msg = self._message(time.time())
        rep = STATUS(
            report_id=_ulid(time.time()),
            system=STATUS.SYSTEM_GOODBYE if goodbye else STATUS.SYSTEM_OK,
            info=STATUS.INFO_UNCHANGED if self.statuses else STATUS.INFO_NEW,
            mode="default",
        )
        if self.site is not None:
            rep.node_location.CopyFrom(_location(*self.site))
        self.statuses += 1
        msg.status_report.CopyFrom(rep)
        return msg

    def detections(self, pic: Picture) -> list[Any]:
        """One DetectionReport per track of the picture, and a "lost" one per track gone."""
        out = []
        tracks = {int(t) for t in pic.track}
        for track in sorted(self.last.keys() - tracks):
            last = self.last.pop(track)
            last.timestamp.FromNanoseconds(int(pic.time_s * 1e9))
            last.detection_report.report_id = _ulid(pic.time_s)
            last.detection_report.state = "lost"
            out.append(last)
        for i in range(len(pic)):
            if not (math.isfinite(pic.lat[i]) and math.isfinite(pic.lon[i])):
                self.unplaced += 1  # a numerically broken track: no location to report
                continue
            out.append(self._detection(pic, i))
            self.seen_s[int(pic.track[i])] = pic.time_s
        for track in [k for k, t in self.seen_s.items() if not pic.time_s - t <= self.settings.object_hold_s]:
            del self.objects[track], self.seen_s[track]
        return out

    def _detection(self, pic: Picture, i: int) -> Any:
        track = int(pic.track[i])
        t = float(pic.row_time[i]) if pic.row_time is not None else pic.time_s
        obj = self.objects.setdefault(track, _ulid(float(pic.first_s[i]) if pic.first_s is not None else t))
        sd = np.sqrt(np.clip(np.diagonal(pic.P[i]), 0.0, None))
        cls = ObjectClass(int(pic.cls[i]))
        top, sub = TAXONOMY[cls]
        p = _finite(confidence=float(np.clip(pic.cls_p[i], 0.0, 1.0)))
        rep = self._message(t)
        d = rep.detection_report
        d.report_id, d.object_id = _ulid(t), obj
        d.location.CopyFrom(_location(float(pic.lat[i]), float(pic.lon[i]), float(pic.alt_m[i]),
                                      (float(sd[0]), float(sd[1]), float(sd[2]))))  # fmt: skip
        ve, vn, vu = (float(v) for v in pic.x[i, 3:6])
        if math.isfinite(ve) and math.isfinite(vn):
            d.enu_velocity.CopyFrom(velocity_pb2.ENUVelocity(east_rate=ve, north_rate=vn, **_finite(
                up_rate=vu, east_rate_error=float(sd[3]), north_rate_error=float(sd[4]),
                up_rate_error=float(sd[5]),
            )))  # fmt: skip
        c = d.classification.add(type=top, **p)
        if sub is not None:
            c.sub_class.add(type=sub, level=1, **p)
        d.object_info.add(type="class", value=cls.label)
        if name := ident_name(int(pic.ident[i]), pic.names):
            d.id = name
        self.last[track] = rep
        return rep

    def alert(self, a: Alert) -> Any:
        """One alert step as a SAPIENT Alert (the same alert_id across its steps)."""
        alert_id = self.alerts.setdefault(a.alert, _ulid(a.time_s))
        if a.state == "cleared":
            del self.alerts[a.alert]
        kind, priority = PRIORITY.get(a.kind, (ALERT.ALERT_TYPE_WARNING, ALERT.DISCRETE_PRIORITY_LOW))
        msg = self._message(a.time_s)
        al = msg.alert
        al.alert_id, al.alert_type, al.priority = alert_id, kind, priority
        al.status = ALERT.ALERT_STATUS_CLEAR if a.state == "cleared" else ALERT.ALERT_STATUS_ACTIVE
        al.description = a.message or f"{a.kind} {a.zone}".strip()
        al.additional_information = f"airpicture {a.kind} {a.state}; zone {a.zone or '-'}; {a.cls}"
        if math.isfinite(a.lat) and math.isfinite(a.lon):
            al.location.CopyFrom(_location(a.lat, a.lon, a.alt_m))
        if a.track in self.objects:
            al.associated_detection.add(node_id=self.node_id, object_id=self.objects[a.track])
        return msg


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("airpicture")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["PRIORITY", "TAXONOMY", "SapientEncoder"]
