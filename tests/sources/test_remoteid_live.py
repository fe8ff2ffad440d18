"""A live Remote ID feed (JSON lines over TCP): drones decoded with their serials, bad lines and
clock jumps counted, drones that leave forgotten; over a real socket into `airpicture run`."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import math
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from airpicture.cli.main import main
from airpicture.sources import remoteid as rid
from airpicture.sources.live import FeedClient, describe_feeds, run_feeds
from airpicture.sources.remoteid_carriers import encode_json_line
from airpicture.sources.remoteid_live import MAX_LINE, RemoteIdStream
from airpicture.types import remoteid_ident

SITE = (48.71, 2.21)


def line(t: float, serial: str, k: float, address: str = "") -> bytes:
    """Drone `serial` at time t, k seconds into its flight east of the site at 10 m/s."""
    loc = rid.Location(status=2, direction_deg=90.0, speed_mps=10.0, vspeed_mps=0.0,
                       lat=SITE[0], lon=SITE[1] + 10.0 * k / 73_500, alt_baro_m=120.0, alt_geo_m=120.0,
                       height_type=0, height_m=100.0, timestamp_s=round(t % 3600, 1))  # fmt: skip
    pack = rid.encode_pack([rid.BasicId(1, 2, serial), loc])
    return encode_json_line(t, pack, "wifi_beacon", address)


def test_stream_decodes_lines_cut_anywhere_and_counts_bad_ones() -> None:
    s = RemoteIdStream(sensor=3)
    t0 = time.time()
    data = b"".join(line(t0 + k, "SER1", k) for k in range(5))
    data += b"not json\n" + b'{"time_s": 1, "hex": "zz"}\n' + b"x" * (MAX_LINE + 1) + b"\n"
    out = [s.feed_reports(data[i : i + 37]) for i in range(0, len(data), 37)]
    out.append(s.close_reports())
    rows = np.concatenate(out)
    assert len(rows) == 5 and set(rows["ident"].tolist()) == {remoteid_ident("SER1")}
    assert (rows["sensor"] == 3).all() and np.allclose(rows["lat"], SITE[0])
    assert np.all(np.diff(rows["time_s"]) > 0.9)  # the receiver's own steps, tied to the host clock
    assert s.rejects.counts["jsonl_syntax"] == 1 and s.rejects.counts["jsonl_hex"] == 1
    assert s.rejects.counts["jsonl_too_long"] == 1
    names, info = s.describe(rows["ident"])
    assert names == {remoteid_ident("SER1"): "SER1"} and info[remoteid_ident("SER1")]["ua_type"]


def test_a_receiver_time_that_jumps_is_refused_and_drones_that_leave_are_forgotten() -> None:
    s = RemoteIdStream(forget_s=60.0)
    t0 = time.time()
    assert len(s.feed_reports(line(t0, "GONE", 0))) == 1
    # a day ahead: rejected and counted; it does not move the feed's time
    assert len(s.feed_reports(line(t0 + 86_400, "LIAR", 0))) == 0
    assert s.rejects.counts["clock_jump"] == 1 and len(s.registry) == 1
    # 2 minutes later (a replay at 100x may run ahead of the host clock), another drone only
    s.feed_reports(b"".join(line(t0 + 2 + k, "STAY", k) for k in range(0, 120, 2)))
    held = s.registry.drones()
    assert remoteid_ident("GONE") not in held and remoteid_ident("STAY") in held
    assert s.notes["expired"] == 1


@contextlib.contextmanager
def feeder(lines: list[bytes], pace_s: float) -> Iterator[int]:
    """A receiver on a real socket: sends `lines` to its first client, one every pace_s, then
    keeps the connection open (nothing more to say) until the test ends."""
    srv = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = srv.accept()
            with conn:
                for ln in lines:
                    conn.sendall(ln)
                    if stop.wait(pace_s):
                        return
                stop.wait()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        srv.close()
        th.join(timeout=5)


def test_feed_client_reads_drones_over_tcp() -> None:
    t0 = time.time()
    got: list[np.ndarray] = []
    with feeder([line(t0 + k * 0.5, "TCP1", k * 0.5, "AA:BB") for k in range(20)], 0.01) as port:
        client = FeedClient("remoteid", "127.0.0.1", port, sensor=1)
        asyncio.run(run_feeds([client], got.append, duration_s=2.0, stats_out=None))
    rows = np.concatenate(got)
    assert len(rows) >= 18 and set(rows["ident"].tolist()) == {remoteid_ident("TCP1")}
    assert client.stats.kind == "remoteid" and client.stats.messages == 20
    names, info = describe_feeds([client], rows["ident"])
    assert names[remoteid_ident("TCP1")] == "TCP1" and info[remoteid_ident("TCP1")]["address"] == "AA:BB"


def test_run_tracks_a_live_remoteid_feed(tmp_path: Path) -> None:
    t0 = time.time()
    lines = [line(t0 + k, "RUNDRONE", k) for k in range(40)]
    out = tmp_path / "tracks.csv"
    with feeder(lines, 0.1) as port:  # 40 s of flight in 4 s: within the clock's 100x
        rc = main(["run", "--remoteid", f"127.0.0.1:{port}", "--lat", str(SITE[0]), "--lon", str(SITE[1]),
                   "--out", str(out), "--duration", "8", "--stats-every", "100"])  # fmt: skip
    assert rc == 0
    with out.open() as f:
        rows = list(csv.DictReader(f))
    drone = [r for r in rows if r["identity"] == "RUNDRONE"]
    assert drone, rows[:3]
    east = [float(r["lon"]) for r in drone]
    assert east[-1] > east[0] and not any(math.isnan(v) for v in east)
