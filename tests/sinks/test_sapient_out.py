"""airpicture as a SAPIENT node: every message it sends to a local fusion node (tests/sinks/
sapient_stub.py, real TCP sockets) keeps the ICD's rules, and says what the picture says."""

from __future__ import annotations

import dataclasses
import math
import socket
import struct
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from airpicture.assess import TrackAssessor, load_zones
from airpicture.config import SapientSettings
from airpicture.sinks.sapient import SapientSink
from airpicture.sinks.sapient_messages import SapientEncoder
from airpicture.sources.sapient import SapientMessage, frame, icd_problems, parse
from airpicture.sources.scenario import load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Alert, ObjectClass, Picture

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from sapient_stub import FusionStub, NodeState

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
NODE = "5b0d3c2e-8f4a-4d7e-9c1b-2a3f4e5d6c7b"


@pytest.fixture(scope="module")
def run() -> tuple[list[Picture], list[list[Alert]]]:
    """90 s of the Paris picture, classified and assessed (zones of its meta.json)."""
    scn = load_scenario(PARIS)
    scn.end_s = scn.start_s + 90
    scn.plots = scn.plots[scn.plots["time_s"] < scn.end_s]
    scn.reports = scn.reports[scn.reports["time_s"] < scn.end_s]
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    site = dict(zip(("lat", "lon", "alt_m"), scn.site_lla, strict=True))
    assessor = TrackAssessor(scn.sensors, site, load_zones(PARIS / "meta.json", site))
    pics, alerts = [], []
    for w in scenario_windows(scn, 1.0, False):
        pic = trk.step(w)
        alerts.append(assessor.update(pic))
        pics.append(pic)
    return pics, alerts


def zone_alert(pic: Picture, state: str) -> Alert:
    i = 0
    return Alert(pic.time_s, "A-1", int(pic.track[i]), "site-A core", "zone_entry", state,
                 float(pic.lat[i]), float(pic.lon[i]), float(pic.alt_m[i]), cls="drone",
                 message="a drone entered site-A core")  # fmt: skip


def test_every_message_to_the_fusion_node_keeps_the_icd(run: tuple[list[Picture], list[list[Alert]]]) -> None:
    pics, alerts = run
    settings = SapientSettings(node_id=NODE, status_interval_s=0.3)
    with FusionStub() as stub:
        sink = SapientSink(("127.0.0.1", stub.port), settings, site=(48.86, 2.29, 60.0))
        deadline = time.monotonic() + 10
        while sink.status != "registered" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sink.status == "registered"
        for pic, steps in zip(pics, alerts, strict=True):
            sink.send_picture(pic)
            sink.send_alerts(steps)
        sink.send_alerts([zone_alert(pics[-1], "raised"), zone_alert(pics[-1], "cleared")])
        time.sleep(0.8)  # heartbeats go on while nothing else is sent
        sink.close(timeout_s=20.0)
        want = sum(len(p) for p in pics) + sum(map(len, alerts)) + 2
        # the stub checks each message as it reads it: on a loaded machine it is still reading
        assert stub.wait_for("goodbye", 1, timeout_s=20.0)
        got = stub.kinds["detection_report"] + stub.kinds["alert"]
        assert stub.violations == []
    assert got >= want and stub.kinds["registration"] == 1 and stub.connections == 1
    # the last message is the goodbye; every message is from the configured node
    assert stub.messages[-1].status_report.system == stub.messages[-1].status_report.SYSTEM_GOODBYE
    assert {m.node_id for m in stub.messages} == {NODE}
    assert sink.dropped == {"picture_unregistered": 0, "queue_full": 0}
    # airpicture's own reading of the marks in the .proto files agrees with the stub
    assert [p for m in stub.messages for p in icd_problems(m)] == []


def test_a_track_keeps_its_object_id_and_says_what_the_picture_says(
    run: tuple[list[Picture], list[list[Alert]]],
) -> None:
    pics, _ = run
    enc = SapientEncoder(SapientSettings(node_id=NODE))
    first: dict[int, str] = {}
    lost = 0
    stub, node = FusionStub(), NodeState()
    node.node_id, node.object_info = NODE, {"class"}
    try:
        for pic in pics:
            msgs = enc.detections(pic)
            lost += sum(m.detection_report.state == "lost" for m in msgs)
            live = [m for m in msgs if m.detection_report.state != "lost"]
            assert len(live) == len(pic)
            for i, m in enumerate(live):
                assert stub.check(m, node) == []
                d = m.detection_report
                track = int(pic.track[i])
                assert first.setdefault(track, d.object_id) == d.object_id
                assert d.location.y == pytest.approx(pic.lat[i]) and d.location.x == pytest.approx(pic.lon[i])
                assert d.enu_velocity.east_rate == pytest.approx(pic.x[i, 3])
                assert d.classification[0].confidence == pytest.approx(pic.cls_p[i], abs=1e-6)
                assert d.object_info[0].value == ObjectClass(int(pic.cls[i])).label
                assert m.timestamp.ToNanoseconds() * 1e-9 == pytest.approx(
                    pic.row_time[i] if pic.row_time is not None else pic.time_s, abs=1e-6
                )
    finally:
        stub.sock.close()
    left = sum(len(set(a.track.tolist()) - set(b.track.tolist())) for a, b in itertools.pairwise(pics))
    assert lost == left > 0 and len(first) > len(pics[-1])  # tracks came and went


def test_an_alert_keeps_its_id_from_raised_to_cleared(run: tuple[list[Picture], list[list[Alert]]]) -> None:
    pics, _ = run
    enc = SapientEncoder(SapientSettings(node_id=NODE))
    enc.detections(pics[-1])
    up = enc.alert(zone_alert(pics[-1], "raised"))
    down = enc.alert(zone_alert(pics[-1], "cleared"))
    again = enc.alert(zone_alert(pics[-1], "raised"))
    assert up.alert.alert_id == down.alert.alert_id != again.alert.alert_id
    assert (up.alert.status, down.alert.status) == (up.alert.ALERT_STATUS_ACTIVE, up.alert.ALERT_STATUS_CLEAR)
    assert up.alert.priority == up.alert.DISCRETE_PRIORITY_HIGH
    assert up.alert.associated_detection[0].object_id == enc.objects[int(pics[-1].track[0])]
    nowhere = dataclasses.replace(zone_alert(pics[-1], "raised"), alert="B", lat=math.nan)
    assert not enc.alert(nowhere).alert.HasField("location")


def test_a_refused_registration_sends_nothing_and_retries() -> None:
    pic = Picture(time.time(), *(np.zeros((0, *s)) for s in ((), (6,), (6, 6), (), (), ())),
                  cls=np.zeros(0, np.int8), cls_p=np.zeros(0), ident=np.zeros(0, np.int64),
                  sensors=np.zeros(0, np.int64), last_update_s=np.zeros(0), integrity=np.zeros(0, np.int8),
                  mode_c=np.zeros(0, bool))  # fmt: skip
    with FusionStub(accept=False) as stub:
        sink = SapientSink(("127.0.0.1", stub.port), SapientSettings(node_id=NODE, ack_timeout_s=2))
        assert stub.wait_for("registration", 2, timeout_s=8)  # tried again after 1 s
        sink.send_picture(pic)
        sink.close()
    assert sink.status == "rejected: stub refuses" and set(stub.kinds) == {"registration"}
    assert stub.violations == [] and stub.connections >= 2


def test_the_stub_catches_what_breaks_the_icd(run: tuple[list[Picture], list[list[Alert]]]) -> None:
    """The stub is the test's judge: it must see a broken message (the harness's 'False' cases)."""
    pics, _ = run
    enc = SapientEncoder(SapientSettings(node_id=NODE))
    stub, node = FusionStub(), NodeState()
    stub.sock.close()
    node.node_id, node.object_info = NODE, {"class"}
    good = enc.detections(pics[-1])[0]
    assert stub.check(good, node) == []
    breaks = {
        "timestamp": lambda m: m.ClearField("timestamp"),
        "node_id": lambda m: setattr(m, "node_id", "not-a-uuid"),
        "object_id": lambda m: setattr(m.detection_report, "object_id", "0" * 25),
        "datum": lambda m: setattr(m.detection_report.location, "datum", 0),
        "confidence": lambda m: setattr(m.detection_report.classification[0], "confidence", 1.5),
        "taxonomy": lambda m: setattr(m.detection_report.classification[0], "type", "Aircraft"),
        "enum": lambda m: setattr(m.detection_report.location, "coordinate_system", 42),
        "location": lambda m: m.detection_report.ClearField("location"),
    }
    for name, spoil in breaks.items():
        m = type(good)()
        m.CopyFrom(good)
        spoil(m)
        assert stub.check(m, node), name
    other = NodeState()
    said = stub.check(good, other)  # a second look at the same report, from a node not registered
    assert "detection_report before an accepted registration" in said
    assert f"DetectionReport.report_id {good.detection_report.report_id} repeated" in said


def test_what_the_fusion_node_sends_is_counted_and_a_hang_up_reconnects() -> None:
    """A fusion node that tasks the node (airpicture takes no tasks: counted) and hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(10)
    sink = SapientSink(server.getsockname(), SapientSettings(node_id=NODE, status_interval_s=60))
    try:
        for _ in range(2):
            conn, _ = server.accept()
            with conn:
                size = struct.unpack("<I", conn.recv(4, socket.MSG_WAITALL))[0]
                assert parse(conn.recv(size, socket.MSG_WAITALL)).WhichOneof("content") == "registration"
                ack = SapientMessage(node_id=str(uuid.uuid4()))
                ack.timestamp.GetCurrentTime()
                ack.registration_ack.acceptance = True
                task = SapientMessage(node_id=ack.node_id)
                task.task.SetInParent()
                conn.sendall(frame(ack) + frame(task))
                size = struct.unpack("<I", conn.recv(4, socket.MSG_WAITALL))[0]  # the first heartbeat
                assert parse(conn.recv(size, socket.MSG_WAITALL)).WhichOneof("content") == "status_report"
        deadline = time.monotonic() + 5
        while sink.connections < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sink.close(timeout_s=1)
        server.close()
    assert sink.connections >= 3 and sink.received.counts["from_fusion_node_task"] == 2
    assert "received from_fusion_node_task 2" in sink.summary()


def test_what_the_picture_does_not_know_is_left_out_not_sent_as_nan(
    run: tuple[list[Picture], list[list[Alert]]],
) -> None:
    pic = run[0][-1]
    P, x, cls_p, lat = pic.P.copy(), pic.x.copy(), pic.cls_p.copy(), pic.lat.copy()
    P[0, 2, 2] = P[0, 5, 5] = math.nan
    x[0, 5], cls_p[0], lat[1] = math.nan, math.nan, math.nan
    broken = dataclasses.replace(pic, P=P, x=x, cls_p=cls_p, lat=lat)
    enc = SapientEncoder(SapientSettings(node_id=NODE))
    stub, node = FusionStub(), NodeState()
    stub.sock.close()
    node.node_id, node.object_info = NODE, {"class"}
    msgs = enc.detections(broken)
    assert len(msgs) == len(pic) - 1 and enc.unplaced == 1  # row 1 has no position
    assert [v for m in msgs for v in stub.check(m, node)] == []
    d = msgs[0].detection_report
    assert not d.location.HasField("z_error") and not d.enu_velocity.HasField("up_rate")
    assert not d.classification[0].HasField("confidence") and d.enu_velocity.HasField("east_rate")
