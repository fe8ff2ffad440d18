"""Fuzz the SAPIENT input with random and mutated inputs; print what happened.

    .venv/bin/python benchmarks/fuzz_sapient.py [--n 1000000] [--seed 1] [--only message,tcp]

Seeds are real messages: the Registrations and DetectionReports that simulated sensor nodes of the
Paris radars send (`sim.sapient`: their first minute of plots, range and bearing), the same
detections as WGS-84 locations, a StatusReport, and the Registration, StatusReport,
DetectionReports and Alerts airpicture sends as a node (`sinks.sapient`, of its tracked picture),
mutated by bit flips, byte insertions / deletions / replacements, truncation and splicing
(fuzz_modes.Mutator), plus random bytes. Each target takes --n inputs:
  message  SapientStream.feed, one input = one message (without its length), on a registered
           node's connection (a mutated Registration may change who is registered)
  tcp      Framer + feed: the inputs one after another as one TCP stream, each framed with its own
           length but 1 in 50 with a random one, read in chunks of 1-200 bytes; a broken framing
           starts a new connection (a new Framer and session), as the server does
A target passes when nothing raised out of it (any exception is caught here and counted as
`raised`), and no message went by without being taken or counted as a reject (`silent`).
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np

from airpicture.config import SapientSettings
from airpicture.geo import enu_to_geodetic
from airpicture.sensors import load_sheets
from airpicture.sim.sapient import node_registration, plot_detections
from airpicture.sinks.sapient_messages import SapientEncoder
from airpicture.sources.sapient import Framer, NodeSession, SapientStream
from airpicture.sources.scenario import load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Alert
from fuzz_modes import Escapes, Mutator, cli

ROOT = Path(__file__).resolve().parent.parent
PARIS = ROOT / "src" / "airpicture" / "data" / "paris"
NODES = {0: "0e6c1d2a-1111-4c2b-8a4e-5f6a7b8c9d01", 1: "0e6c1d2a-2222-4c2b-8a4e-5f6a7b8c9d02"}
T0 = 1633611601.0  # the Paris scenario's start: the stream is fed as if at that time


def seeds() -> tuple[list[bytes], SapientStream]:
    scn = load_scenario(PARIS)
    raw = [s.model_dump() for s in scn.sensors]
    for i, n in NODES.items():
        raw[i]["sapient_node"] = n
    sheets = load_sheets(raw)
    plots = scn.plots[(scn.plots["sensor"] <= 1) & (scn.plots["time_s"] < scn.start_s + 60)]
    out = [node_registration(n, sheets[i], T0).SerializeToString() for i, n in NODES.items()]
    dets = plot_detections(plots, sheets, NODES)
    for _, m in dets[::4]:
        out.append(m.SerializeToString())
        rb, s = m.detection_report.range_bearing, sheets[1]
        az, el = np.radians(rb.azimuth), np.radians(rb.elevation)
        enu = rb.range * np.array([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)])
        lat, lon, alt = enu_to_geodetic(enu, s.lat, s.lon, s.alt_m)
        m.detection_report.ClearField("range_bearing")
        loc = m.detection_report.location
        loc.x, loc.y, loc.z, loc.coordinate_system, loc.datum = float(lon), float(lat), float(alt), 1, 1
        out.append(m.SerializeToString())
    enc = SapientEncoder(SapientSettings(node_id=NODES[1]), site=(48.86, 2.29, 60.0))
    out += [enc.registration().SerializeToString(), enc.status().SerializeToString()]
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    scn.end_s = scn.start_s + 30
    scn.plots = scn.plots[scn.plots["time_s"] < scn.end_s]
    scn.reports = scn.reports[scn.reports["time_s"] < scn.end_s]
    for w in scenario_windows(scn, 1.0, False):
        pic = trk.step(w)
        out += [m.SerializeToString() for m in enc.detections(pic)[:3]]
    a = Alert(T0, "A", int(pic.track[0]), "site-A core", "zone_entry", "raised", 48.86, 2.29, 100.0)
    out.append(enc.alert(a).SerializeToString())
    return out, SapientStream(sheets, SapientSettings(max_skew_s=1e9))


def fuzz(name: str, n: int, rng: np.random.Generator) -> None:
    msgs, stream = seeds()
    esc = Escapes()
    plots = silent = 0
    session = NodeSession()
    stream.feed(msgs[1], T0, session)  # SITE1's node registered
    t0 = time.perf_counter()

    def feed(data: bytes, s: NodeSession) -> None:
        nonlocal plots, silent
        before = stream.rejects.total + sum(stream.messages.values())
        p, _ = stream.feed(data, T0, s)
        plots += len(p)
        if stream.rejects.total + sum(stream.messages.values()) == before:
            silent += 1

    gen = Mutator(msgs, rng)
    framer = Framer(stream.rejects)
    for _ in range(n):
        data = gen()
        with esc:
            if name == "message":
                feed(data, session)
            else:
                head = struct.pack("<I", len(data) if rng.random() > 0.02 else int(rng.integers(0, 1 << 32)))
                wire, k = head + data, int(rng.integers(1, 201))
                for cut in range(0, len(wire), k):
                    for body in framer.split(wire[cut : cut + k]):
                        feed(body, session)
                    if framer.broken:  # the server hangs up; the node connects and registers again
                        framer, session = Framer(stream.rejects), NodeSession()
                        stream.feed(msgs[1], T0, session)
                        break
    dt = time.perf_counter() - t0
    took = ", ".join(f"{k}={v:,}" for k, v in stream.messages.most_common())
    rej = ", ".join(f"{k}={v:,}" for k, v in stream.rejects.counts.most_common())
    print(f"{name:7} {n:,} inputs in {dt:.0f} s: taken {took}; {plots:,} plots")
    print(f"{'':7} rejected {stream.rejects.total:,} ({rej})")
    esc.print(7, silent)


if __name__ == "__main__":
    cli(__doc__, fuzz, "target", "message,tcp")
