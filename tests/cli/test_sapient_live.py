"""`airpicture run --sapient-in --sapient-out`: airpicture between SAPIENT sensor nodes and a fusion
node, both over real TCP. Two simulated nodes (the Paris radars) register with `run` and send their
plots as detection reports; `run` tracks them and sends its picture to the fusion-node stub, which
checks every message with the ICD's rules. The stub's messages then read back with `decode`."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from test_console_live import FRAMES, free_port, wait_for_line
from test_gnss_live import stop

from airpicture.cli.main import main
from airpicture.sim.sapient import node_registration, plot_detections
from airpicture.sources.sapient import frame, parse
from airpicture.sources.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sinks"))
from sapient_stub import FusionStub

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
CMD = [sys.executable, "-m", "airpicture"]
NODES = {0: "7d1e2f30-0000-4a5b-8c9d-0e1f2a3b4c01", 1: "7d1e2f30-1111-4a5b-8c9d-0e1f2a3b4c02"}


def node(port: int, sensor: int, sheets: list, plots: np.ndarray) -> bool:
    """A sensor node: connect (retrying while `run` starts), register, send its detections of the
    last 25 s (SAPIENT time is the send time: the plots are moved to end now)."""
    deadline = time.monotonic() + 150  # `run` may compile the kernels first
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with sock:
        sock.sendall(frame(node_registration(NODES[sensor], sheets[sensor], time.time())))
        size = struct.unpack("<I", sock.recv(4, socket.MSG_WAITALL))[0]
        ack = parse(sock.recv(size, socket.MSG_WAITALL)).registration_ack
        now = plots[plots["sensor"] == sensor].copy()
        now["time_s"] += time.time() - now["time_s"].max()
        sock.sendall(b"".join(frame(m) for _, m in plot_detections(now, sheets, {sensor: NODES[sensor]})))
        time.sleep(1.0)
    return bool(ack.acceptance)


def test_run_tracks_sapient_nodes_and_reports_to_a_fusion_node(tmp_path: Path) -> None:
    raw = json.loads((PARIS / "sensors.json").read_text())
    for i, n in NODES.items():
        raw[i]["sapient_node"] = n
    sensors = tmp_path / "sensors.json"
    sensors.write_text(json.dumps(raw))
    scn = load_scenario(PARIS)
    plots = scn.plots[(scn.plots["sensor"] <= 1) & (scn.plots["time_s"] < scn.start_s + 25)]
    port = free_port()
    with FusionStub() as stub:
        run = subprocess.Popen(
            [*CMD, "run", "--sapient-in", f"127.0.0.1:{port}", "--sensors", str(sensors), "--lat", "48.86",
             "--lon", "2.29", "--alt", "60", "--duration", "20", "--out", str(tmp_path / "t.csv"),
             "--sapient-out", f"127.0.0.1:{stub.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            accepted = [node(port, s, scn.sensors, plots) for s in NODES]
            _, err = run.communicate(timeout=90)
        finally:
            stop(run)
        assert stub.wait_for("status_report", 1)
    assert run.returncode == 0, err
    assert accepted == [True, True]
    assert f"detection_report {len(plots)}, registration 2" in err and "no rejects" in err, err
    tracks = (tmp_path / "t.csv").read_text().splitlines()
    assert len(tracks) > 10, err
    assert stub.violations == [], stub.violations[:5]
    assert stub.kinds["registration"] == 1 and stub.kinds["detection_report"] > 10, stub.kinds
    assert stub.messages[-1].status_report.system == stub.messages[-1].status_report.SYSTEM_GOODBYE

    # what the stub received, as a file of framed messages, read back by `decode`
    wire = tmp_path / "fusion.sapient"
    wire.write_bytes(b"".join(frame(m) for m in stub.messages))
    assert main(["decode", str(wire), "--format", "sapient", "--out", str(tmp_path / "rows.csv")]) == 0
    rows = (tmp_path / "rows.csv").read_text().splitlines()
    assert len(rows) == 1 + len(stub.messages)
    det = [r.split(",") for r in rows[1:] if ",detection_report," in r]
    assert len(det) == stub.kinds["detection_report"] and all(48 < float(r[7]) < 49.5 for r in det)


def test_a_live_console_reports_its_picture_to_a_fusion_node() -> None:
    feed, web = free_port(), free_port()
    server = subprocess.Popen([*CMD, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "2000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    console = None
    with FusionStub() as stub:
        try:
            wait_for_line(server.stderr, "serving ")
            console = subprocess.Popen(
                [*CMD, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097", "--lon", "2.5479",
                 "--port", str(web), "--sapient-out", f"127.0.0.1:{stub.port}"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
            wait_for_line(console.stdout, "airpicture console: ")
            assert stub.wait_for("detection_report", 3, timeout_s=90), stub.kinds
        finally:
            stop(console, server)
            for stream in (console and console.stdout, server.stderr):
                if stream is not None:
                    stream.close()
        assert stub.wait_for("status_report", 1)
    assert stub.violations == [], stub.violations[:5]
    ids = {m.detection_report.id for m in stub.messages if m.WhichOneof("content") == "detection_report"}
    assert ids <= {"AFR34ZG", "393322"} and ids, ids  # the one flight of the recording
