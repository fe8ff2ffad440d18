"""Soak: the live console fed for hours of feed time, with churning clients and injected faults.

    .venv/bin/python benchmarks/soak.py [--hours 24] [--speed 100] [--aircraft 6] [--drones 4]
                                        [--sample-s 30] [--seed 1] [--out soak] [--no-growth-check]

A real `airpicture console --beast ... --remoteid ... --store` in its own process, fed by a Beast
server and a Remote ID server in this process: the CDG recording (tests/data/modes, one flight;
its first 30 min, the climb out of CDG) played as `--aircraft` copies staggered in time, each copy
under a new ICAO address at every pass (addresses keep changing), and `--drones` Remote ID drones
in the air at once, each flying 3-15 min of feed time near the site under a new serial and BLE
address, then gone for good (drones come and go: the console must forget them), all at `--speed`
x real time on one timeline (both servers start it when both have their client). Attached all
along: reading clients, slow
clients, clients that never read (cut off by the console after 10 s, then replaced) and clients
that connect and leave, some sending bad JSON and replay commands. Faults, in turn (FAULTS), one
every --fault-every-s: the feed connection dropped, the feed silent for 3 x the stale time (stale
-> back), bursts of bad frames (garbage bytes, MLAT markers, counters a day ahead or an hour back;
Remote ID lines that are not JSON, bad hex, over-long, a day ahead), requests naming another host,
oversized bodies, bad zones. A watchdog polls /api/health and /api/metrics every second: an answer
slower than 2 s is a stall.

Every --sample-s it writes a row (RSS, open descriptors, client queues, tracks, pictures/s, drops,
rejects) to OUT/soak.csv, and at the end OUT/soak.png, and prints the closing figures. It fails
(exit 1) on any stall, on SIGTERM taking over 5 s, or -- unless --no-growth-check -- when RSS or
descriptors still grow once the population is steady (last third against the middle third).
tests/test_chaos.py runs it for half a minute with a fixed seed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from pyModeS.util import crc

from airpicture.sources import remoteid as rid
from airpicture.sources.beast import encode_beast
from airpicture.sources.clock import MLAT_MAGIC, TICKS_PER_S
from airpicture.sources.remoteid_carriers import encode_json_line

ROOT = Path(__file__).resolve().parents[1]
CDG = ROOT / "tests" / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
SITE = ("49.0097", "2.5479")
STALE_S = 2.0
FLIGHT_S = 1800.0  # recording seconds used of the flight
FAULTS = ("bad", "drop", "hostile_http", "silence", "bad")  # injected in turn, one per --fault-every-s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readdress(frame: str, icao: int) -> str:
    """The frame as another aircraft sends it: address in clear (DF11/17/18) or overlaid on the
    parity (DF0/4/5/16/20/21), parity recomputed with pyModeS's CRC."""
    df = int(frame[:2], 16) >> 3
    if df in (11, 17, 18):
        body = frame[:2] + f"{icao:06x}" + frame[8:-6]
        return body + f"{crc(body + '000000'):06x}"
    body = frame[:-6]
    return body + f"{crc(body + '000000') ^ icao:06x}"


class Drones:
    """`n` Remote ID drones in the air at once near the site: each flies a straight leg at 4-15 m/s,
    40-150 m up, for 3-15 min of feed time under a new serial and BLE address, and is never heard
    again; the next one takes its place. `lines(t0, t1)` gives their 1 Hz reports (a Basic ID and
    Location pack each) for feed time [t0, t1) as the JSON lines of a live Remote ID receiver."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n, self.rng = n, rng
        self.epoch = time.time()  # the receiver's clock at feed time 0
        self.flying: list[dict[str, Any]] = []
        self.flown = 0
        self._next_s = 0

    def _launch(self, t: float, life_s: float) -> dict[str, Any]:
        self.flown += 1
        r = self.rng
        mac = ":".join(f"{r.randrange(256):02X}" for _ in range(6))
        lat, lon = float(SITE[0]) + r.uniform(-0.04, 0.04), float(SITE[1]) + r.uniform(-0.06, 0.06)
        return {"serial": f"SOAK{self.flown:08d}", "address": mac, "start": t, "end": t + life_s,
                "lat": lat, "lon": lon, "heading": r.uniform(0, 360), "speed": r.uniform(4, 15),
                "alt": r.uniform(40, 150)}  # fmt: skip

    def lines(self, t0: float, t1: float) -> bytes:
        out = []
        while self._next_s < t1:
            s = self._next_s
            self._next_s += 1
            if s < t0:
                continue
            self.flying = [d for d in self.flying if d["end"] > s]
            first = self.flown == 0
            while len(self.flying) < self.n:  # at the start, flights already part-way through
                life = self.rng.uniform(180, 900)
                self.flying.append(self._launch(s - (self.rng.uniform(0, life) if first else 0.0), life))
            for d in self.flying:
                k = s - d["start"]
                h = np.radians(d["heading"])
                lat = d["lat"] + d["speed"] * k * np.cos(h) / 111_320
                lon = d["lon"] + d["speed"] * k * np.sin(h) / (111_320 * np.cos(np.radians(d["lat"])))
                loc = rid.Location(status=2, direction_deg=d["heading"], speed_mps=d["speed"], vspeed_mps=0.0,
                                   lat=float(lat), lon=float(lon), alt_baro_m=d["alt"], alt_geo_m=d["alt"],
                                   height_type=0, height_m=d["alt"] - 100.0,
                                   timestamp_s=round((self.epoch + s) % 3600, 1))  # fmt: skip
                pack = rid.encode_pack([rid.BasicId(1, 2, d["serial"]), loc])
                out.append(encode_json_line(self.epoch + s, pack, "ble5", d["address"]))
        return b"".join(out)

    def bad_lines(self, t_rec: float) -> bytes:
        """What a broken or hostile Remote ID receiver sends: not JSON, bad hex, an over-long line,
        a well-formed frame a day ahead of the feed's time."""
        pack = rid.encode_pack([rid.BasicId(1, 2, "SOAKLIAR")])
        ahead = encode_json_line(self.epoch + t_rec + 86_400, pack, "ble5", "00:11:22:33:44:55")
        return b"not json\n" + b'{"time_s": 1, "hex": "zz"}\n' + b"{" * 5000 + b"\n" + ahead


class Feeder:
    """A Beast server: `aircraft` staggered copies of the recording, new addresses each pass; and a
    Remote ID server (JSON lines): `drones` coming and going (Drones), on the same timeline."""

    def __init__(
        self, ports: tuple[int, int], speed: float, aircraft: int, drones: int, rng: random.Random
    ) -> None:
        with gzip.open(CDG, "rt") as f:
            rows = [json.loads(line) for line in f]
        t = np.array([r["timestamp"] for r in rows])
        t -= t[0]
        # the climb out of CDG only: further out than 180 NM, a flight that appears in mid-air (a
        # new address) cannot be decoded locally against the receiver (CPR zones)
        near = t < FLIGHT_S
        self.t = t[near]
        self.frames = [r["frame"] for r, k in zip(rows, near.tolist(), strict=True) if k]
        self.span = float(self.t[-1]) + 60.0
        (self.port, self.rid_port), self.speed, self.aircraft, self.rng = ports, speed, aircraft, rng
        self.drones = Drones(drones, rng)
        self.writers: set[asyncio.StreamWriter] = set()
        self.rid_writers: set[asyncio.StreamWriter] = set()
        self.silent_until = 0.0
        self.sent = self.rid_sent = self.bad = self.drops = self.silences = 0
        self.t0_wall = time.monotonic()

    def block(self, k: int) -> tuple[np.ndarray, list[str]]:
        """Pass k (recording time [k span, (k+1) span)): each copy c is the flight shifted by
        c span / aircraft, its tail wrapped to the start of the pass under another address."""
        times, hexes = [], []
        for c in range(self.aircraft):
            shifted = self.t + c * self.span / self.aircraft
            wrapped = shifted >= self.span
            times.append(np.where(wrapped, shifted - self.span, shifted) + k * self.span)
            for w in (False, True):
                icao = 0x400000 + ((k * self.aircraft + c) * 2 + w) % 0x3FFFFF
                sel = np.flatnonzero(wrapped == w).tolist()
                part = [readdress(self.frames[i], icao) for i in sel]
                if not w:
                    first = part
                else:
                    merged = [""] * len(self.frames)
                    for j, i in enumerate(np.flatnonzero(~wrapped).tolist()):
                        merged[i] = first[j]
                    for j, i in enumerate(sel):
                        merged[i] = part[j]
                    hexes += merged
        tt = np.concatenate(times)
        order = np.argsort(tt, kind="stable")
        return tt[order], [hexes[i] for i in order.tolist()]

    def bad_burst(self, t_rec: float) -> bytes:
        """Frames a hostile or broken feed sends: garbage, MLAT markers, jumping counters."""
        self.bad += 25
        good = self.frames[self.rng.randrange(len(self.frames))]
        # five of each: fewer than clock_rebase_frames agreeing frames, so no new time base
        ahead, back = int((t_rec + 86_400) * TICKS_PER_S), max(1, int((t_rec - 3600) * TICKS_PER_S))
        ticks = [MLAT_MAGIC] * 5 + [ahead] * 5 + [back] * 5
        out = encode_beast(np.array(ticks, float) / TICKS_PER_S, [good] * len(ticks), t_first=0.0)
        return out + bytes(self.rng.randrange(256) for _ in range(10 * 23))

    async def serve(self, stop: asyncio.Event) -> None:
        def handler(writers: set[asyncio.StreamWriter]) -> Any:
            async def handle(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                writers.add(w)
                with contextlib.suppress(OSError):
                    await _r.read()
                writers.discard(w)

            return handle

        server = await asyncio.start_server(handler(self.writers), "127.0.0.1", self.port)
        rid_server = await asyncio.start_server(handler(self.rid_writers), "127.0.0.1", self.rid_port)
        # one timeline for both feeds: it starts when the console listens to both, so that each
        # feed's first frame ties its receiver's clock to the host clock at the same moment
        while not stop.is_set() and not (self.writers and (self.rid_writers or not self.drones.n)):
            await asyncio.sleep(0.01)
        k, slice_s = 0, 0.05
        wall0 = self.t0_wall = time.monotonic()
        while not stop.is_set():
            t, hexes = await asyncio.to_thread(self.block, k)
            lo = 0
            step = slice_s * self.speed
            edges = [*np.searchsorted(t, np.arange(t[0], t[-1] + step, step), "left")[1:].tolist(), len(t)]
            for hi in edges:
                if stop.is_set():
                    break
                if hi <= lo:
                    continue
                due = wall0 + float(t[lo]) / self.speed
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if time.monotonic() < self.silent_until:
                    lo = hi  # a silent receiver: its connection open, nothing sent
                    continue
                data = encode_beast(t[lo:hi], hexes[lo:hi], t_first=0.0)
                lines = self.drones.lines(float(t[lo]), float(t[hi - 1])) if self.drones.n else b""
                for ws, out in ((self.writers, data), (self.rid_writers, lines)):
                    for w in list(ws):
                        if out and w.transport.get_write_buffer_size() < 1 << 22:
                            w.write(out)
                self.sent += hi - lo
                self.rid_sent += lines.count(b"\n")
                lo = hi
            k += 1
        for w in [*self.writers, *self.rid_writers]:
            w.close()
        for srv in (server, rid_server):
            srv.close()
            await srv.wait_closed()

    def fault(self, kind: str, t_rec: float) -> None:
        if kind == "drop":
            self.drops += 1
            for w in [*self.writers, *self.rid_writers]:
                w.transport.abort()
        elif kind == "silence":
            self.silences += 1
            self.silent_until = time.monotonic() + 3 * STALE_S
        elif kind == "bad":
            for w in list(self.writers):
                w.write(self.bad_burst(t_rec))
            for w in list(self.rid_writers):
                self.bad += 4
                w.write(self.drones.bad_lines(t_rec))


def http(
    url: str, timeout: float = 2.0, data: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = r.read()
        return json.loads(body) if r.headers.get_content_type() == "application/json" else body


def clients(web: int, stop: threading.Event, rng: random.Random, counts: Counter[str]) -> None:
    """One churning client after another: readers, slow readers, never-readers, commanders."""
    from websockets.sync.client import connect

    url, origin = f"ws://127.0.0.1:{web}/ws", f"http://127.0.0.1:{web}"
    while not stop.is_set():
        kind = rng.choice(["reader", "reader", "slow", "never", "commander"])
        counts[kind] += 1
        try:
            with connect(url, origin=origin, open_timeout=5, max_size=None, max_queue=4) as ws:
                end = time.monotonic() + rng.uniform(2, 20)
                while time.monotonic() < end and not stop.is_set():
                    if kind == "never":  # websockets stops reading the socket once max_queue is full
                        time.sleep(12)  # the console cuts it off after 10 s
                        break
                    ws.recv(timeout=5)
                    if kind == "slow":
                        time.sleep(2.0)
                    elif kind == "commander" and rng.random() < 0.2:
                        ws.send(
                            rng.choice(
                                [
                                    '{"cmd": "pause"}',
                                    "not json",
                                    '{"cmd": "ack", "alert": "nope"}',
                                    "[" * 5000,
                                ]
                            )
                        )
                        counts["bad_inputs"] += 1
        except Exception as e:  # a client's end (closed, timed out, cut off) is part of the churn
            counts[f"ended:{type(e).__name__}"] += 1


def hostile_requests(web: int, rng: random.Random, counts: Counter[str]) -> None:
    """Bad inputs over HTTP: another Host, an oversized body, a bad zone."""
    base = f"http://127.0.0.1:{web}"
    tries = [
        lambda: http(f"{base}/api/tracks", headers={"Host": f"attacker.example:{web}"}),
        lambda: http(
            f"{base}/api/replay", data=b"x" * (2 << 20), headers={"Content-Type": "application/json"}
        ),
        lambda: http(f"{base}/api/zones", data=b'{"name": 1}', headers={"Content-Type": "application/json"}),
        lambda: http(f"{base}/api/tracks/not-a-number"),
    ]
    for f in rng.sample(tries, k=2):
        counts["bad_inputs"] += 1
        with contextlib.suppress(OSError):
            f()


def proc_sample(pid: int) -> tuple[float, int]:
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=24.0, help="feed time to soak, h")
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--aircraft", type=int, default=6, help="copies of the flight in the air at once")
    ap.add_argument("--drones", type=int, default=4, help="Remote ID drones in the air at once")
    ap.add_argument("--clients", type=int, default=8, help="churning websocket client threads")
    ap.add_argument("--sample-s", type=float, default=30.0)
    ap.add_argument("--fault-every-s", type=float, default=20.0, help="wall seconds between injected faults")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="soak")
    ap.add_argument("--no-growth-check", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    feed_port, rid_port, web = free_port(), free_port(), free_port()
    wall_s = args.hours * 3600 / args.speed
    feeder = Feeder((feed_port, rid_port), args.speed, args.aircraft, args.drones, rng)
    loop = asyncio.new_event_loop()
    stop_feed = asyncio.Event()
    feed_thread = threading.Thread(
        target=loop.run_until_complete, args=(feeder.serve(stop_feed),), daemon=True
    )
    feed_thread.start()
    tmp = tempfile.mkdtemp(prefix="soak-")
    env = {**os.environ, "AIRPICTURE_FEEDS__STALE_S": str(STALE_S), "AIRPICTURE_STORE__KEEP_S": "3600",
           "AIRPICTURE_STORE__PRUNE_EVERY_S": "600"}  # fmt: skip
    cmd = [sys.executable, "-m", "airpicture", "console", "--beast", f"127.0.0.1:{feed_port}",
           *(["--remoteid", f"127.0.0.1:{rid_port}"] if args.drones else []), "--lat", SITE[0],
           "--lon", SITE[1], "--port", str(web), "--store", f"{tmp}/soak.db"]  # fmt: skip
    log = (out / "console.log").open("w")
    console = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{web}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError):
            http(f"{base}/api/health")
            break
        if time.monotonic() > deadline or console.poll() is not None:
            print("console did not start", file=sys.stderr)
            return 1
        time.sleep(0.2)
    stop = threading.Event()
    counts: Counter[str] = Counter()
    workers = [threading.Thread(target=clients, args=(web, stop, random.Random(args.seed * 100 + i), counts),
                                daemon=True) for i in range(args.clients)]  # fmt: skip
    for w in workers:
        w.start()
    stalls, polls, worst = 0, 0, 0.0
    rows: list[dict[str, float]] = []
    t_start = time.monotonic()
    # the first fault once the feeds' clocks have a base to be checked against
    next_sample, next_fault = t_start, t_start + args.fault_every_s
    last_pictures, last_t = 0, t_start
    faults = {"drop": 0, "silence": 0, "bad": 0, "hostile_http": 0}
    last_rejects: dict[str, int] = {}
    while time.monotonic() - t_start < wall_s:
        t0 = time.monotonic()
        try:
            m = http(f"{base}/api/metrics", timeout=2.0)
            h = http(f"{base}/api/health", timeout=2.0)
        except OSError:
            stalls += 1
            m = h = None
        took = time.monotonic() - t0
        polls += 1
        worst = max(worst, took)
        if took > 2.0:
            stalls += 1
        now = time.monotonic()
        if now >= next_fault:
            kind = FAULTS[sum(faults.values()) % len(FAULTS)]
            faults[kind] += 1
            if kind == "hostile_http":
                hostile_requests(web, rng, counts)
            else:
                feeder.fault(kind, (now - feeder.t0_wall) * args.speed)
            next_fault = now + args.fault_every_s
        if now >= next_sample and m is not None:
            rss, fds = proc_sample(console.pid)
            sensors = http(f"{base}/api/sensors")
            drone_tracks = sum(str(t.get("label", "")).startswith("SOAK") for t in http(f"{base}/api/tracks"))
            rej: dict[str, int] = {}
            for s in sensors:
                if s["kind"] != "store":
                    for k, v in s["rejects"].items():
                        rej[k] = rej.get(k, 0) + v
            last_rejects.clear()
            last_rejects.update(rej)
            rows.append({
                "wall_s": round(now - t_start, 1), "feed_h": round((now - t_start) * args.speed / 3600, 3),
                "rss_mb": round(rss, 1), "fds": fds, "tracks": m["tracks"], "drone_tracks": drone_tracks,
                "clients": m["clients"],
                "pictures_per_s": round((m["pictures"] - last_pictures) / max(now - last_t, 1e-9), 2),
                "ws_queued": m["ws_queued"], "ws_dropped": m["ws_dropped"], "ws_timeouts": m["ws_timeouts"],
                "rejects": sum(rej.values()), "queue_dropped": rej.get("queue_dropped", 0),
                "clock_jump": rej.get("clock_jump", 0), "mlat": rej.get("mlat", 0),
                "status": {"ok": 0, "waiting": 1, "degraded": 2}[h["status"]] if h else -1,
            })  # fmt: skip
            last_pictures, last_t = m["pictures"], now
            print(json.dumps(rows[-1]), flush=True)
            next_sample = now + args.sample_s
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
    stop.set()
    t0 = time.monotonic()
    console.send_signal(signal.SIGTERM)
    try:
        console.wait(timeout=10)
    except subprocess.TimeoutExpired:
        console.kill()
        console.wait()
    sigterm_s = time.monotonic() - t0
    log.close()
    loop.call_soon_threadsafe(stop_feed.set)
    feed_thread.join(timeout=10)
    if rows:
        with open(out / "soak.csv", "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=list(rows[0]))
            wr.writeheader()
            wr.writerows(rows)
        plot(rows, out / "soak.png")
    growth = check_growth(rows)
    first, last = (rows[0], rows[-1]) if rows else ({}, {})
    summary = {
        "hours_soaked": round(wall_s * args.speed / 3600, 2),
        "wall_s": round(time.monotonic() - t_start, 1),
        "rss_first_mb": first.get("rss_mb"),
        "rss_last_mb": last.get("rss_mb"),
        "fds_first": first.get("fds"),
        "fds_last": last.get("fds"),
        "stalls": stalls,
        "health_polls": polls,
        "worst_poll_s": round(worst, 2),
        "sigterm_s": round(sigterm_s, 2),
        "faults_survived": {**faults, "feed_drops": feeder.drops, "silences": feeder.silences},
        "drops_counted": {k: last.get(k) for k in ("ws_dropped", "ws_timeouts", "queue_dropped")},
        "bad_inputs_tried": feeder.bad + counts["bad_inputs"],
        "rejects_counted": last_rejects,
        "clients": {k: v for k, v in counts.items() if not k.startswith("ended")},
        "growth": growth,
        "frames_sent": feeder.sent,
        "remoteid_lines_sent": feeder.rid_sent,
        "drones_flown": feeder.drones.flown,
    }
    print(json.dumps(summary, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    failed = stalls > 0 or sigterm_s > 5.0 or (not args.no_growth_check and growth["growing"])
    return 1 if failed else 0


def check_growth(rows: list[dict[str, float]]) -> dict[str, Any]:
    """RSS / descriptors of the last third against the middle third (the first third is warm-up:
    the population, the store's retention window and the history fill up)."""
    if len(rows) < 6:
        return {"growing": False, "note": "too few samples to judge"}
    n = len(rows) // 3
    mid, last = rows[n : 2 * n], rows[2 * n :]
    rss_mid = float(np.median([r["rss_mb"] for r in mid]))
    rss_last = float(np.median([r["rss_mb"] for r in last]))
    fd_mid = max(r["fds"] for r in mid)
    fd_last = max(r["fds"] for r in last)
    growing = rss_last > rss_mid * 1.10 + 20 or fd_last > fd_mid + 10
    return {
        "growing": growing,
        "rss_mid_mb": rss_mid,
        "rss_last_mb": rss_last,
        "fds_mid": fd_mid,
        "fds_last": fd_last,
    }


def plot(rows: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = [r["feed_h"] for r in rows]
    fig, axes = plt.subplots(4, 1, figsize=(9, 9), sharex=True)
    for ax, keys, label in (
        (axes[0], ("rss_mb",), "RSS, MB"),
        (axes[1], ("fds", "clients"), "descriptors / clients"),
        (axes[2], ("tracks", "drone_tracks", "pictures_per_s", "ws_queued"), "tracks, pictures/s, queued"),
        (axes[3], ("ws_dropped", "ws_timeouts", "clock_jump", "mlat"), "counted drops / rejects"),
    ):
        for k in keys:
            ax.plot(h, [r[k] for r in rows], label=k, lw=1)
        ax.set_ylabel(label)
        ax.legend(loc="upper left", fontsize=7)
    axes[-1].set_xlabel("feed time, h")
    fig.suptitle("airpicture live console soak")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
