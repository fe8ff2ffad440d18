"""One serialisation of an alert (Alert.to_record) behind every writer, each writing the text it
wrote before the record existed (the expected strings are the output of e6485e0)."""

import io
import json
import math
from pathlib import Path

import numpy as np

from airpicture.assess import write_alerts_csv
from airpicture.sinks.base import picture_to_dicts
from airpicture.sinks.export import TracksCsvWriter
from airpicture.sinks.jsonl import JsonLinesSink
from airpicture.sinks.store.schema import ALERT_NAMES, alert_row, row_alert
from airpicture.sinks.web.live import alert_dict
from airpicture.types import ALERT_FIELDS, Alert, Picture

NAN = float("nan")
ALERTS = [
    Alert(1.7e9 + 0.1234, "AP-000001", 7, "core", "zone_entry", "raised", 48.8612345678, 2.2912345678,
          123.456, identity="rid:abc", cls="drone", message='in "core", now',
          evidence={"p_drone": 0.991, "tte_s": NAN}),
    Alert(1.7e9 + 5.0, "AP-000001", 7, "core", "zone_entry", "cleared", NAN, NAN, NAN, message="track lost"),
]  # fmt: skip


def picture() -> Picture:
    return Picture(
        time_s=1.7e9 + 10,
        track=np.array([1, 2, 3]),
        x=np.zeros((3, 6)),
        P=np.tile(np.eye(6), (3, 1, 1)),
        lat=np.array([48.1, 48.2, 48.3]),
        lon=np.array([2.1, 2.2, 2.3]),
        alt_m=np.array([100.0, 200.0, 300.0]),
        cls=np.array([3, 1, 2], np.int8),
        cls_p=np.array([0.4, 0.9, 0.95]),
        ident=np.array([-1, 0xABCDEF, -1]),
        sensors=np.array([1, 3, 2]),
        last_update_s=np.full(3, 1.7e9 + 9),
        integrity=np.array([0, 1, 2], np.int8),
        mode_c=np.zeros(3, bool),
    )


def same(a: Alert, b: Alert) -> bool:
    ra, rb = a.to_record(json_safe=True), b.to_record(json_safe=True)
    return ra == rb and all(
        math.isnan(x) == math.isnan(y) for x, y in zip(a.evidence.values(), b.evidence.values(), strict=True)
        if isinstance(x, float)
    )  # fmt: skip


def test_record_fields_and_round_trip() -> None:
    rec = ALERTS[0].to_record()
    assert tuple(rec) == ALERT_FIELDS == ALERT_NAMES
    assert math.isnan(rec["evidence"]["tte_s"]) and rec["evidence"] is not ALERTS[0].evidence
    safe = ALERTS[1].to_record(json_safe=True)
    assert (safe["lat"], safe["lon"], safe["alt_m"]) == (None, None, None)
    assert ALERTS[0].to_record(json_safe=True)["evidence"] == {"p_drone": 0.991, "tte_s": None}
    for a in ALERTS:
        assert same(Alert.from_record(a.to_record()), a)
        assert same(Alert.from_record(a.to_record(json_safe=True)), a)
        assert same(row_alert(alert_row(a)), a)


def test_alerts_csv_text(tmp_path: Path) -> None:
    write_alerts_csv(tmp_path / "a.csv", ALERTS)
    assert (tmp_path / "a.csv").read_bytes() == (
        b"time_s,alert,track,zone,kind,state,lat,lon,alt_m,cls,message\r\n"
        b"1700000000.123,AP-000001,7,core,zone_entry,raised,48.861235,2.291235,123.5,drone,"
        b'"in ""core"", now"\r\n'
        b"1700000005.000,AP-000001,7,core,zone_entry,cleared,nan,nan,nan,unknown,track lost\r\n"
    )


def test_json_lines_web_and_store_text() -> None:
    out = io.StringIO()
    JsonLinesSink(out).send_alerts(ALERTS)
    assert out.getvalue() == (
        '{"type":"alert","time_s":1700000000.1234,"alert":"AP-000001","track":7,"zone":"core",'
        '"kind":"zone_entry","state":"raised","lat":48.8612345678,"lon":2.2912345678,"alt_m":123.456,'
        '"identity":"rid:abc","cls":"drone","message":"in \\"core\\", now","evidence":{"p_drone":0.991,'
        '"tte_s":null}}\n'
        '{"type":"alert","time_s":1700000005.0,"alert":"AP-000001","track":7,"zone":"core",'
        '"kind":"zone_entry","state":"cleared","lat":null,"lon":null,"alt_m":null,"identity":"",'
        '"cls":"unknown","message":"track lost","evidence":{}}\n'
    )
    assert json.dumps(alert_dict(ALERTS[1], True), separators=(",", ":"), allow_nan=False) == (
        '{"alert":"AP-000001","time_s":1700000005.0,"track":7,"zone":"core","kind":"zone_entry",'
        '"state":"cleared","lat":null,"lon":null,"alt_m":null,"identity":"","cls":"unknown",'
        '"message":"track lost","evidence":{},"acknowledged":true}'
    )
    assert alert_row(ALERTS[0]) == (
        1700000000.1234, "AP-000001", 7, "core", "zone_entry", "raised", 48.8612345678, 2.2912345678,
        123.456, "rid:abc", "drone", 'in "core", now', '{"p_drone": 0.991, "tte_s": NaN}',
    )  # fmt: skip


def test_picture_codes_as_text(tmp_path: Path) -> None:
    with TracksCsvWriter(tmp_path / "t.csv", published_only=False) as w:
        w.write(picture())
    assert (tmp_path / "t.csv").read_text() == (
        "time_s,track,lat,lon,alt_m,class,class_p,identity,integrity,integrity_reason,integrity_log10_lr\n"
        "1700000010.00,1,48.100000,2.100000,100.0,bird,0.400,,ok,,\n"
        "1700000010.00,2,48.200000,2.200000,200.0,aircraft,0.900,abcdef,suspect,,\n"
        "1700000010.00,3,48.300000,2.300000,300.0,drone,0.950,,spoofed,,\n"
    )
    assert json.dumps(picture_to_dicts(picture())[2]) == (
        '{"time_s": 1700000010.0, "track": 3, "lat": 48.3, "lon": 2.3, "alt_m": 300.0, "alt_sigma_m": null, '
        '"speed_mps": 0.0, '
        '"vrate_mps": 0.0, "class": "drone", "class_p": 0.95, "identity": "", "integrity": "spoofed", '
        '"integrity_reason": ""}'
    )
