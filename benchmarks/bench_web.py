"""Console load: browser frame time with N live tracks updated every second, and the server's cost.

    .venv/bin/python benchmarks/bench_web.py [--tracks 2000] [--seconds 15]

Serves the real console (uvicorn on a free loopback port), publishes N synthetic tracks (spread
over 1 deg around Paris, all moving) once a second from a producer thread, opens the page in
Debian's Chromium (headless, software WebGL: a GPU would do better) and records the intervals
between requestAnimationFrame callbacks. Prints frame-time percentiles, the per-picture server
cost (Frame + delta + JSON) and the websocket message size; then connects --ws-clients websocket
clients for 10 s (fan-out: messages, bytes, drops) and times GET /api/tracks. Figures, not a
pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import tempfile
import threading
import time
import urllib.request

import numpy as np

from airpicture.sinks.web import LiveState, MapZone, SensorSite, create_app
from airpicture.types import Picture

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def picture(t: float, n: int, rng_seed: int = 1) -> Picture:
    rng = np.random.default_rng(rng_seed)
    lat = 48.86 + rng.uniform(-1, 1, n)
    lon0 = 2.29 + rng.uniform(-1.5, 1.5, n)
    ve, vn = rng.uniform(-250, 250, n), rng.uniform(-250, 250, n)
    lat = lat + vn * t / 111_320
    lon = lon0 + ve * t / (111_320 * np.cos(np.radians(lat)))
    x = np.zeros((n, 6))
    x[:, 3], x[:, 4] = ve, vn
    return Picture(
        time_s=t,
        track=np.arange(1, n + 1, dtype=np.int64),
        x=x,
        P=np.zeros((n, 6, 6)),
        lat=lat,
        lon=lon,
        alt_m=rng.uniform(100, 12000, n),
        cls=rng.integers(0, 4, n).astype(np.int8),
        cls_p=rng.uniform(0.3, 1, n),
        ident=rng.integers(0, 1 << 24, n),
        sensors=np.ones(n, np.int64),
        last_update_s=np.full(n, t),
        integrity=np.zeros(n, np.int8),
        mode_c=np.ones(n, bool),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--ws-clients", type=int, default=50, help="websocket clients in the fan-out phase")
    ap.add_argument("--screenshot", help="save a PNG of the page with all the tracks here")
    args = ap.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    state = LiveState(
        sensors=[SensorSite("TMA1", "radar", 48.75, 2.4, 120, 120_000)],
        zones=[MapZone("site-A core", "circle", 48.86, 2.29, 1000, 0, 600)],
        site={"lat": 48.86, "lon": 2.29},
    )
    sizes: list[int] = []
    state.subscribe(lambda m: sizes.append(len(m.text)))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(state)
    cfg = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    srv = uvicorn.Server(cfg)
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)

    stop = threading.Event()
    cost: list[float] = []

    def produce() -> None:
        t = 0.0
        while not stop.is_set():
            p = picture(t, args.tracks)
            t0 = time.perf_counter()
            state.publish_picture(p)
            cost.append(time.perf_counter() - t0)
            t += 1.0
            stop.wait(1.0)

    threading.Thread(target=produce, daemon=True).start()
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", args=ARGS, viewport={"width": 1600, "height": 900}
        )
        page = ctx.new_page()
        t_load = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_function(f"() => document.body.dataset.tracks === '{args.tracks}'", timeout=60_000)
        load_s = time.perf_counter() - t_load
        page.evaluate("() => window.airpicture.map.jumpTo({center: [2.29, 48.86], zoom: 7.5})")
        page.wait_for_timeout(2000)
        deltas = page.evaluate(
            """(ms) => new Promise((done) => {
                const out = []; let last = performance.now(); const end = last + ms;
                function tick(now) { out.push(now - last); last = now;
                  if (now < end) requestAnimationFrame(tick); else done(out); }
                requestAnimationFrame(tick);
            })""",
            int(args.seconds * 1000),
        )
        seq_seen = page.evaluate("() => window.airpicture.stats")
        if args.screenshot:
            page.screenshot(path=args.screenshot)
        ctx.close()
    fan = asyncio.run(fan_out(port, args.ws_clients, 10.0))
    rest = rest_latency(port, 20)
    metrics = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/metrics").read())
    stop.set()
    srv.should_exit = True

    d = np.asarray(deltas[1:])
    print(f"tracks {args.tracks}, updated every 1 s; page ready with all tracks in {load_s:.1f} s")
    print(
        f"frame time over {args.seconds:g} s: {len(d)} frames, median {np.median(d):.1f} ms,"
        f" p95 {np.percentile(d, 95):.1f} ms, p99 {np.percentile(d, 99):.1f} ms, max {d.max():.1f} ms,"
        f" mean fps {1000 * len(d) / d.sum():.1f}; frames > 50 ms: {(d > 50).sum()}"
    )
    print(
        f"server: publish_picture {1000 * statistics.median(cost):.1f} ms median (Frame + delta + JSON),"
        f" delta message {statistics.median(sizes[1:]) / 1024:.0f} KiB,"
        f" first snapshot {sizes[0] / 1024:.0f} KiB"
    )
    print(f"browser got {seq_seen['deltas']} deltas, {seq_seen['snapshots']} snapshot(s)")
    print(
        f"fan-out: {args.ws_clients} websocket clients for 10 s: {fan['messages']} messages,"
        f" {fan['mib'] / 10:.1f} MiB/s in all,"
        f" {fan['snapshots']} snapshots (one per connection, plus any resync);"
        f" server dropped {metrics['ws_dropped']} queued messages in total"
    )
    print(
        f"REST GET /api/tracks ({args.tracks} tracks): median {1000 * np.median(rest):.0f} ms,"
        f" max {1000 * max(rest):.0f} ms over {len(rest)} requests"
    )


async def fan_out(port: int, n: int, seconds: float) -> dict[str, float]:
    """n websocket clients reading as fast as they can for `seconds`."""
    import websockets

    got = {"messages": 0, "mib": 0.0, "snapshots": 0}

    async def one() -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:
                try:
                    msg = await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
                got["messages"] += 1
                got["mib"] += len(msg) / 2**20
                got["snapshots"] += msg.startswith('{"type":"snapshot"')

    await asyncio.gather(*(one() for _ in range(n)))
    return got


def rest_latency(port: int, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/tracks").read()
        out.append(time.perf_counter() - t0)
    return out


if __name__ == "__main__":
    main()
