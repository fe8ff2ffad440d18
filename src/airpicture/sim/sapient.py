"""A scenario's radar plots as SAPIENT (BSI Flex 335 v2.0) sensor nodes would send them: for each
radar, a Registration and then one DetectionReport per plot (range and bearing from the node, true
north, degrees and metres; elevation for a 3-D radar; the sheet's 1-sigma noise as the errors).

    reg = node_registration(node_id, sheet)           # a sensor node's Registration
    msgs = plot_detections(plots, sheets, node_ids)   # [(sensor, SapientMessage)], time order

What the tests and the fuzzer feed `sources.sapient.SapientStream`, and what a demo sensor node
sends. The node does not track: each plot gets its own object_id (tracking type NONE).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sapient_msg.bsi_flex_335_v2_0 import range_bearing_pb2, registration_pb2
from ulid import ULID

from airpicture.errors import ConfigError
from airpicture.sensors import RadarSheet, SensorSheet
from airpicture.sources.sapient import ICD_VERSION, SapientMessage

REG = registration_pb2.Registration
RB = range_bearing_pb2
NODE_TYPES = {
    "radar": REG.NODE_TYPE_RADAR,
    "adsb": REG.NODE_TYPE_PASSIVE_RF,
    "remoteid": REG.NODE_TYPE_PASSIVE_RF,
}


def _stamp(msg: Any, time_s: float) -> Any:
    msg.timestamp.FromNanoseconds(round(time_s * 1e9))
    return msg


def node_registration(node_id: str, sheet: SensorSheet, time_s: float) -> Any:
    """The Registration a sensor node of this sheet sends first."""
    seconds = REG.TIME_UNITS_SECONDS
    rb = REG.LocationType(range_bearing_units=RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M,
                          range_bearing_datum=RB.RANGE_BEARING_DATUM_TRUE)  # fmt: skip
    mode = REG.ModeDefinition(
        mode_name="default",
        mode_type=REG.MODE_TYPE_PERMANENT,
        settle_time=REG.Duration(units=seconds, value=1.0),
        scan_type=REG.SCAN_TYPE_SCANNING if sheet.kind == "radar" else REG.SCAN_TYPE_FIXED,
        tracking_type=REG.TRACKING_TYPE_NONE,
        detection_definition=[REG.DetectionDefinition(location_type=rb)],
        task=REG.TaskDefinition(
            concurrent_tasks=0,
            region_definition=REG.RegionDefinition(region_type=[REG.REGION_TYPE_AREA_OF_INTEREST],
                                                   region_area=[rb]),
        ),
    )  # fmt: skip
    msg = SapientMessage(node_id=node_id)
    msg.registration.CopyFrom(
        REG(
            node_definition=[REG.NodeDefinition(node_type=NODE_TYPES[sheet.kind])],
            icd_version=ICD_VERSION,
            name=sheet.id,
            capabilities=[REG.Capability(category="sensor", type=sheet.kind)],
            status_definition=REG.StatusDefinition(status_interval=REG.Duration(units=seconds, value=5.0)),
            mode_definition=[mode],
            config_data=[REG.ConfigurationData(manufacturer="airpicture", model="simulated " + sheet.kind)],
        )
    )
    return _stamp(msg, time_s)


def plot_detections(
    plots: np.ndarray, sensors: list[SensorSheet], node_ids: dict[int, str]
) -> list[tuple[int, Any]]:
    """A DetectionReport per plot of a sensor in node_ids (sensor index -> node UUID)."""
    out = []
    for p in plots[np.isin(plots["sensor"], list(node_ids))]:
        sensor, t = int(p["sensor"]), float(p["time_s"])
        sheet = sensors[sensor]
        if not isinstance(sheet, RadarSheet):
            raise ConfigError(f"sensor {sheet.id!r}: a SAPIENT node of plots is a radar, not {sheet.kind}")
        msg = SapientMessage(node_id=node_ids[sensor])
        d = msg.detection_report
        d.report_id = d.object_id = str(ULID.from_timestamp(t))
        r = d.range_bearing
        r.range, r.azimuth = float(p["range_m"]), math.degrees(float(p["azimuth_rad"])) % 360.0
        r.range_error, r.azimuth_error = sheet.sigma_range_m, sheet.sigma_azimuth_deg
        if math.isfinite(float(p["elevation_rad"])):
            r.elevation = math.degrees(float(p["elevation_rad"]))
            r.elevation_error = sheet.sigma_elevation_deg or 0.0
        r.coordinate_system = RB.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M
        r.datum = RB.RANGE_BEARING_DATUM_TRUE
        out.append((sensor, _stamp(msg, t)))
    return out


__all__ = ["node_registration", "plot_detections"]
