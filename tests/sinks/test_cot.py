import socket
import struct
import threading
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from test_jsonl_samples import sample_alert, sample_picture

from airpicture.sinks.cot import CotTcpSink, CotUdpSink, alert_event, cot_time, errors_m, track_events
from airpicture.types import Alert


def test_track_events_types_errors_and_stable_uids() -> None:
    pic = sample_picture()
    evs = [ET.fromstring(e) for e in track_events(pic, site="A")]
    assert [e.get("type") for e in evs] == ["a-u-A-M-H-Q", "a-n-A-C-F", "a-n-A-M-H-Q"]  # the bird is left out
    assert all(e.get("how") == "m-g" for e in evs)
    pt = evs[0].find("point")
    assert float(pt.get("ce")) == pytest.approx(20.0) and float(pt.get("le")) == pytest.approx(30.0)
    assert float(pt.get("hae")) == 160.0
    assert evs[0].get("uid") == "airpicture-A-track-11"
    assert evs[0].get("time") == cot_time(pic.time_s) and evs[0].get("stale") == cot_time(pic.time_s + 10)
    again = [ET.fromstring(e) for e in track_events(sample_picture(pic.time_s + 1), site="A")]
    assert [e.get("uid") for e in again] == [e.get("uid") for e in evs]
    assert [ET.fromstring(e).get("type") for e in track_events(pic, birds=True)][-1] == "a-u-A"
    assert evs[2].find("detail/contact").get("callsign") == "SN1"


def test_a_track_the_picture_does_not_believe_says_so_and_why() -> None:
    pic = sample_picture()
    pic.integrity = np.array([0, 2, 1, 0], np.int8)[: len(pic)]
    pic.integrity_reason = np.array([0, 2, 0, 0], np.int8)[: len(pic)]
    remarks = [ET.fromstring(e).find("detail/remarks").text for e in track_events(pic, birds=True)]
    assert remarks[1].endswith("; spoofed (replay_twin)") and remarks[2].endswith("; suspect")
    assert "spoofed" not in remarks[0] and "suspect" not in remarks[0]


def test_errors_use_the_largest_horizontal_axis() -> None:
    P = np.zeros((1, 6, 6))
    P[0, :2, :2] = [[100.0, 60.0], [60.0, 100.0]]  # eigenvalues 160 and 40
    P[0, 2, 2] = 49.0
    ce, le = errors_m(P)
    assert ce[0] == pytest.approx(np.sqrt(160.0)) and le[0] == pytest.approx(7.0)


def test_alert_event_and_cleared_goes_stale() -> None:
    e = ET.fromstring(alert_event(sample_alert(), site="A"))
    assert e.get("type") == "b-a-o-tbl" and "inside zone" in e.find("detail/remarks").text
    assert e.find("detail/link").get("uid") == "airpicture-A-track-11"
    c = ET.fromstring(alert_event(sample_alert("cleared"), site="A"))
    assert c.get("uid") == e.get("uid") and c.get("stale") == c.get("time")


def _receive(sock: socket.socket, n: int) -> list[bytes]:
    sock.settimeout(5.0)
    return [sock.recvfrom(65536)[0] for _ in range(n)]


def test_udp_multicast_on_loopback() -> None:
    group, port = "239.2.3.1", 0
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rx.bind(("", port))
    port = rx.getsockname()[1]
    try:
        rx.setsockopt(
            socket.IPPROTO_IP,
            socket.IP_ADD_MEMBERSHIP,
            struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("127.0.0.1")),
        )
    except OSError as e:
        rx.close()
        pytest.skip(f"no multicast on loopback here: {e}")
    sink = CotUdpSink(group, port, interface="127.0.0.1", site="A")
    try:
        sink.send_picture(sample_picture())
        sink.send_alerts([sample_alert()])
        assert sink.flush(5.0)
        try:
            got = _receive(rx, 4)
        except TimeoutError:
            pytest.skip("multicast loopback delivery unavailable in this sandbox")
    finally:
        sink.close()
        rx.close()
    assert sorted(ET.fromstring(g).get("type") for g in got) == sorted(
        ["a-u-A-M-H-Q", "a-n-A-C-F", "a-n-A-M-H-Q", "b-a-o-tbl"]
    )


def test_udp_unicast() -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    sink = CotUdpSink("127.0.0.1", rx.getsockname()[1])
    try:
        sink.send_alerts([sample_alert()])
        (got,) = _receive(rx, 1)
    finally:
        sink.close()
        rx.close()
    assert ET.fromstring(got).get("uid") == "airpicture-site-alert-AP-000001"


def _split(stream: bytes) -> list[ET.Element]:
    return [ET.fromstring(b"<?xml" + part) for part in stream.split(b"<?xml")[1:]]


def test_tcp_to_a_tak_server_and_reconnect() -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    chunks: list[bytes] = [b"", b""]
    first_done = threading.Event()

    def serve() -> None:
        for k in range(2):  # the first connection is cut after one event; the sink reconnects
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(5.0)
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    chunks[k] += data
                    if k == 0 and chunks[0].count(b"</event>") >= 1:
                        break
            if k == 0:
                first_done.set()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    sink = CotTcpSink("127.0.0.1", srv.getsockname()[1], site="A", backoff_s=0.05)
    try:
        sink.send_alerts([sample_alert()])
        assert first_done.wait(5.0)
        sink.send_picture(sample_picture())
        assert sink.flush(10.0)
        sink.send_alerts([sample_alert("cleared")])  # the peer's close shows on a later send
        assert sink.flush(10.0)
    finally:
        sink.close()
        th.join(5.0)
        srv.close()
    assert [e.get("type") for e in _split(chunks[0])] == ["b-a-o-tbl"]
    types = [e.get("type") for e in _split(chunks[1])]
    assert types[-1] == "b-a-o-tbl" and sink.connects == 2 and sink.stats.failed == 0


def test_an_area_alert_links_to_no_track() -> None:
    a = Alert(1e9, "GN-1", -1, "", "gnss_interference", "raised", 48.8, 2.2, float("nan"), "841fb47ffffffff")
    e = ET.fromstring(alert_event(a, site="A"))
    assert e.find("detail/link") is None and e.find("point").get("hae") == "9999999.0"
    assert e.find("detail/contact").get("callsign") == "gnss interference (raised)"
