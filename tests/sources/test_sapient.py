"""SAPIENT sensor nodes in: their detection reports become the plots of their sheets (the Paris
radars' own plots sent as SAPIENT come back as they were), every message that cannot be used is a
counted reject by reason, and nodes register with airpicture's server over real TCP sockets."""

from __future__ import annotations

import asyncio
import json
import math
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.config import SapientSettings
from airpicture.geo import enu_to_geodetic
from airpicture.sensors import load_sheets
from airpicture.sim.sapient import node_registration, plot_detections
from airpicture.sources.sapient import Framer, NodeSession, SapientStream, frame, icd_problems, parse
from airpicture.sources.sapient_live import SapientServer
from airpicture.sources.scenario import load_scenario
from airpicture.types import Rejects

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
NODES = {0: "0e6c1d2a-1111-4c2b-8a4e-5f6a7b8c9d01", 1: "0e6c1d2a-2222-4c2b-8a4e-5f6a7b8c9d02"}


def sheets() -> list:
    raw = json.loads((PARIS / "sensors.json").read_text())
    for i, node in NODES.items():
        raw[i]["sapient_node"] = node
    return load_sheets(raw)


def registered(stream: SapientStream, sensor: int, t: float) -> NodeSession:
    session = NodeSession()
    _, replies = stream.feed(
        frame(node_registration(NODES[sensor], stream.sensors[sensor], t))[4:], t, session
    )
    ack = parse(replies[0][4:])
    assert ack.registration_ack.acceptance and ack.destination_id == NODES[sensor]
    assert icd_problems(ack) == []
    return session


def test_the_paris_radars_plots_sent_as_sapient_come_back_as_they_were() -> None:
    scn = load_scenario(PARIS)
    plots = scn.plots[(scn.plots["time_s"] < scn.start_s + 120) & (scn.plots["sensor"] <= 1)]
    stream = SapientStream(sheets())
    sessions = {s: registered(stream, s, scn.start_s) for s in NODES}
    got = []
    for sensor, msg in plot_detections(plots, stream.sensors, NODES):
        assert icd_problems(msg) == []
        rows, _ = stream.feed(frame(msg)[4:], float("nan"), sessions[sensor])
        got.append(rows)
    back = np.concatenate(got)
    assert len(back) == len(plots) > 1000 and stream.rejects.total == 0
    for col in ("time_s", "range_m", "azimuth_rad"):
        assert np.allclose(back[col], plots[col] % (2 * np.pi) if col == "azimuth_rad" else plots[col],
                           rtol=0, atol=1e-6)  # fmt: skip
    assert (back["sensor"] == plots["sensor"]).all() and (back["ident"] == -1).all()
    three_d = plots["sensor"] == 1  # SITE1 measures elevation; TMA1's Mode C has no SAPIENT field
    assert np.allclose(back["elevation_rad"][three_d], plots["elevation_rad"][three_d], atol=1e-9)
    assert np.isnan(back["elevation_rad"][~three_d]).all() and np.isnan(back["altitude_m"]).all()
    assert stream.messages["detection_report"] == len(plots)


def test_a_lat_lon_location_becomes_range_and_bearing_from_the_node() -> None:
    stream = SapientStream(sheets())
    site = stream.sensors[1]
    session = registered(stream, 1, 1e9)
    lat, lon, alt = enu_to_geodetic([3000.0, -4000.0, 300.0], site.lat, site.lon, site.alt_m)
    det = parse(frame(node_registration(NODES[1], site, 1e9))[4:])
    det.ClearField("registration")
    loc = det.detection_report.location
    loc.x, loc.y, loc.z, loc.coordinate_system, loc.datum = float(lon), float(lat), float(alt), 1, 1
    det.detection_report.report_id = det.detection_report.object_id = "01HZX3JQ5Y8W8Q2C7N3V9K4M6B"
    rows, _ = stream.feed(det.SerializeToString(), float("nan"), session)
    assert rows["range_m"][0] == pytest.approx(math.sqrt(3000**2 + 4000**2 + 300**2), abs=1e-3)
    assert rows["azimuth_rad"][0] == pytest.approx(math.atan2(3000, -4000) % (2 * math.pi), abs=1e-9)
    assert rows["elevation_rad"][0] == pytest.approx(math.asin(300 / 5008.99), abs=1e-5)


def test_what_cannot_be_a_plot_is_counted_by_reason() -> None:
    scn = load_scenario(PARIS)
    plots = scn.plots[(scn.plots["sensor"] == 1)][:1]
    t = float(plots["time_s"][0])
    stream = SapientStream(sheets(), SapientSettings(max_skew_s=5))
    good = plot_detections(plots, stream.sensors, NODES)[0][1]

    def spoiled(change) -> bytes:  # type: ignore[no-untyped-def]
        m = type(good)()
        m.CopyFrom(good)
        change(m)
        return m.SerializeToString()

    rb = lambda m: m.detection_report.range_bearing  # noqa: E731
    lone = NodeSession()
    stream.feed(good.SerializeToString(), t, lone)  # not registered
    session = registered(stream, 1, t)
    cases = {
        "protobuf": b"\xff\xff\xff",
        "icd_ulid": spoiled(lambda m: setattr(m.detection_report, "object_id", "x" * 26)),
        "icd_missing": spoiled(lambda m: m.ClearField("timestamp")),
        "icd_enum": spoiled(lambda m: setattr(rb(m), "datum", 0)),
        "no_range": spoiled(lambda m: rb(m).ClearField("range")),
        "bearing_not_true_north": spoiled(lambda m: setattr(rb(m), "datum", 2)),
        "timestamp_skew": spoiled(lambda m: m.timestamp.FromSeconds(int(t) - 60)),
        "node_id_mismatch": spoiled(lambda m: setattr(m, "node_id", NODES[0])),
        "range_out_of_bounds": spoiled(lambda m: setattr(rb(m), "range", 1e7)),
        "not_finite": spoiled(lambda m: setattr(rb(m), "azimuth", math.inf)),
        "wrong_direction": spoiled(lambda m: setattr(m.registration_ack, "acceptance", True)),
    }
    for data in cases.values():
        rows, _ = stream.feed(data, t, session)
        assert len(rows) == 0
    unknown = node_registration("0e6c1d2a-9999-4c2b-8a4e-5f6a7b8c9d09", stream.sensors[1], t)
    _, replies = stream.feed(unknown.SerializeToString(), t, NodeSession())
    assert not parse(replies[0][4:]).registration_ack.acceptance
    old = node_registration(NODES[0], stream.sensors[0], t)
    old.registration.icd_version = "SAPIENT v7"
    stream.feed(old.SerializeToString(), t, NodeSession())
    want = {*cases, "not_registered", "registration_unknown_node", "registration_icd_version"}
    assert stream.rejects.counts == dict.fromkeys(want, 1)
    assert stream.feed(good.SerializeToString(), t, session)[0]["range_m"] == plots["range_m"]


def test_framing_cut_anywhere_and_a_broken_length() -> None:
    msgs = [frame(node_registration(NODES[0], sheets()[0], 1e9 + i)) for i in range(5)]
    wire = b"".join(msgs)
    framer = Framer(Rejects("x"))
    cut = [b for i in range(0, len(wire), 7) for b in framer.split(wire[i : i + 7])]
    assert [struct.pack("<I", len(b)) + b for b in cut] == msgs and not framer.broken
    assert framer.split(b"\x00\x00\x00\x00rest") == [] and framer.broken
    assert framer.rejects.counts == {"frame_length": 1}


def test_nodes_register_and_are_tracked_over_tcp() -> None:
    scn = load_scenario(PARIS)
    now = time.time()
    plots = scn.plots[(scn.plots["sensor"] <= 1) & (scn.plots["time_s"] < scn.start_s + 20)].copy()
    plots["time_s"] += now - scn.start_s - 20  # as if live: SAPIENT time is the send time
    stream = SapientStream(sheets())
    server = SapientServer(stream, "127.0.0.1", 0)
    msgs = plot_detections(plots, stream.sensors, NODES)

    async def node(sensor: int, port: int) -> tuple[bool, bool]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(frame(node_registration(NODES[sensor], stream.sensors[sensor], time.time())))
        size = struct.unpack("<I", await reader.readexactly(4))[0]
        ack = parse(await reader.readexactly(size))
        for s, m in msgs:
            if s == sensor:
                writer.write(frame(m))
        writer.write(b"\xff\xff\xff\x7f")  # a length no message has: the server hangs up
        await writer.drain()
        closed = await reader.read() == b""
        writer.close()
        return ack.registration_ack.acceptance, closed

    async def go() -> tuple[int, list[tuple[bool, bool]]]:
        got = 0
        ready = asyncio.Event()
        port = [0]

        def up(p: int) -> None:
            port[0] = p
            ready.set()

        batches = server.abatches(ready=up)
        first = asyncio.ensure_future(batches.__anext__())
        await ready.wait()
        nodes = asyncio.gather(node(0, port[0]), node(1, port[0]))
        got += len(await first)
        while got < len(plots):
            got += len(await batches.__anext__())
        res = await nodes
        await batches.aclose()
        return got, res

    got, res = asyncio.run(asyncio.wait_for(go(), 60))
    assert got == len(plots) > 100 and res == [(True, True), (True, True)]
    assert stream.rejects.counts == {"frame_length": 2} and stream.messages["registration"] == 2
    assert server.connections == 2 and server.stats.kind == "sapient"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(0, 40))
def test_fuzz_nothing_raises_and_every_input_is_counted(items: list[bytes], flip: int) -> None:
    stream = SapientStream(sheets())
    session = registered(stream, 1, 1e9)
    reg = frame(node_registration(NODES[1], stream.sensors[1], 1e9))[4:]
    for data in [*items, reg[:flip] + bytes([reg[flip % len(reg)] ^ 0x55]) + reg[flip + 1 :]]:
        before = stream.rejects.total + sum(stream.messages.values())
        stream.feed(data, 1e9, session)
        assert stream.rejects.total + sum(stream.messages.values()) == before + 1


def test_decode_writes_a_row_per_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from airpicture.cli.main import main

    sample = Path(__file__).resolve().parents[1] / "data" / "sapient" / "paris_nodes.sapient.gz"
    out = tmp_path / "rows.csv"
    assert main(["decode", str(sample), "--format", "sapient", "--out", str(out)]) == 0
    rows = [r.split(",") for r in out.read_text().splitlines()]
    assert rows[0][:3] == ["time_s", "node_id", "content"] and len(rows) == 1 + 2 + 1081
    assert [r[2] for r in rows[1:3]] == ["registration"] * 2
    assert all(r[2] == "detection_report" and 0 < float(r[4]) <= 120_000 for r in rows[3:])
    assert "1083 SAPIENT messages" in capsys.readouterr().err


def test_a_location_far_out_is_a_reject_not_an_overflow() -> None:
    stream = SapientStream(sheets())
    session = registered(stream, 1, 1e9)
    det = node_registration(NODES[1], stream.sensors[1], 1e9)
    det.ClearField("registration")
    d = det.detection_report
    d.report_id = d.object_id = "01HZX3JQ5Y8W8Q2C7N3V9K4M6B"
    d.location.x, d.location.y, d.location.z, d.location.coordinate_system, d.location.datum = (
        2.3,
        48.9,
        1e300,
        1,
        1,
    )
    assert len(stream.feed(det.SerializeToString(), 1e9, session)[0]) == 0
    assert stream.rejects.counts == {"location_out_of_bounds": 1}
