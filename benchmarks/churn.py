"""Churn: hundreds of websocket clients and replay commands on a replaying console, for minutes.

    .venv/bin/python benchmarks/churn.py [--minutes 10] [--clients 300] [--speed 50] [--seed 1]
                                         [--out churn]

A real `airpicture console` (the bundled Paris scenario, replayed at --speed, looping) in its own
process. --clients websocket clients, all in one asyncio loop of this process, each living 2-20 s
and then replaced: fast readers, slow readers (a message every 1-3 s), clients that never read
(the console cuts them off after 10 s) and commanders that, every 1-5 s, pause, play, seek
anywhere in the scenario or change the speed (1-200 x). A watchdog thread polls /api/health and /api/metrics
every 0.5 s: an answer slower than 2 s (or none) is a stall; it also resumes the replay every 3 s
(a commander's pause is not a stall) and checks that pictures keep being published. At the end
the console gets SIGTERM: it must be gone within 5 s. Prints a JSON summary (also OUT/churn.json)
and exits 1 on any stall, a SIGTERM over 5 s or a published picture count that stood still for
10 s. tests/test_churn.py runs it for 45 s with a fixed seed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

STALL_S = 2.0
KINDS = ("fast", "fast", "slow", "slow", "never", "commander")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = STALL_S) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


async def client(url: str, rng: random.Random, span: tuple[float, float], counts: Counter[str]) -> None:
    """One client's life (2-20 s) of its kind; then it closes."""
    from websockets.asyncio.client import connect

    kind = rng.choice(KINDS)
    counts[kind] += 1
    origin = url.replace("ws://", "http://").rsplit("/", 1)[0]
    life = rng.uniform(2, 20)
    try:
        # never-readers: a tiny queue, so the library stops reading the socket once it is full
        queue = 1 if kind == "never" else 16
        async with asyncio.timeout(life + 30), connect(url, origin=origin, max_queue=queue,
                                                       open_timeout=10, max_size=None) as ws:  # fmt: skip
            end = time.monotonic() + life
            next_cmd = time.monotonic() + rng.uniform(1, 5)
            if kind == "never":
                await asyncio.sleep(20)  # past the console's 10 s cut-off
                return
            while time.monotonic() < end:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ws.recv(), 3.0)
                    counts["messages"] += 1
                if kind == "slow":
                    await asyncio.sleep(rng.uniform(1, 3))
                elif kind == "commander" and time.monotonic() >= next_cmd:  # an operator's pace
                    next_cmd = time.monotonic() + rng.uniform(1, 5)
                    cmd = rng.choice([{"cmd": "pause"}, {"cmd": "play"}, {"cmd": "play"},
                                      {"cmd": "seek", "t": rng.uniform(*span)},
                                      {"cmd": "speed", "speed": rng.choice([1, 10, 50, 200])}])  # fmt: skip
                    await ws.send(json.dumps(cmd))
                    counts[f"cmd_{cmd['cmd']}"] += 1
    except Exception as e:  # a client's end (closed, cut off, timed out) is part of the churn
        counts[f"ended:{type(e).__name__}"] += 1


async def churn(url: str, n: int, seconds: float, rng: random.Random, span: tuple[float, float],
                counts: Counter[str]) -> None:  # fmt: skip
    """n client slots, each starting a new client when its last one ends, for `seconds`."""
    end = time.monotonic() + seconds

    async def slot(i: int) -> None:
        r = random.Random(rng.random())
        await asyncio.sleep(i * 0.02)  # not all at once
        while time.monotonic() < end:
            await client(url, r, span, counts)

    await asyncio.gather(*(slot(i) for i in range(n)))


def run_clients(web: int, args: argparse.Namespace, span: tuple[float, float], out: Any) -> None:
    counts: Counter[str] = Counter()
    asyncio.run(churn(f"ws://127.0.0.1:{web}/ws", args.clients, args.minutes * 60, random.Random(args.seed),
                      span, counts))  # fmt: skip
    out.put(dict(counts))


def watchdog(base: str, stop: threading.Event, out: dict[str, Any]) -> None:
    """Poll health and metrics; count stalls; resume the replay every 3 s; watch pictures grow."""
    from websockets.sync.client import connect

    polls = stalls = 0
    worst = 0.0
    last_pictures, since = -1, time.monotonic()
    longest_still = 0.0
    ws_url = base.replace("http://", "ws://") + "/ws"
    resume_at = time.monotonic()
    while not stop.wait(0.5):
        t0 = time.monotonic()
        try:
            get(f"{base}/api/health")
            m = get(f"{base}/api/metrics")
        except OSError as e:
            stalls += 1
            out.setdefault("stall_errors", []).append(repr(e)[:200])
            continue
        took = time.monotonic() - t0
        polls += 1
        worst = max(worst, took)
        if took > STALL_S:
            stalls += 1
        now = time.monotonic()
        if m["pictures"] != last_pictures:
            last_pictures, since = m["pictures"], now
        longest_still = max(longest_still, now - since)
        out["clients_peak"] = max(out.get("clients_peak", 0), m["clients"])
        out["ws_timeouts"], out["ws_dropped"] = m["ws_timeouts"], m["ws_dropped"]
        if now >= resume_at:
            resume_at = now + 3.0
            try:
                with connect(ws_url, origin=base, open_timeout=STALL_S) as ws:
                    ws.send(json.dumps({"cmd": "play"}))
            except Exception:  # a refused probe is tried again next round; only the polls judge stalls
                pass
    out.update(
        polls=polls, stalls=stalls, worst_poll_s=round(worst, 3), longest_still_s=round(longest_still, 1)
    )


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=300, help="client slots (each replaced when it ends)")
    ap.add_argument("--speed", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="churn")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    web = free_port()
    base = f"http://127.0.0.1:{web}"
    cmd = [sys.executable, "-m", "airpicture", "console", "--speed", str(args.speed), "--port", str(web)]
    log = (out / "console.log").open("w")
    console = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=os.environ.copy())
    deadline = time.monotonic() + 600  # a cold numba compile
    while True:
        with contextlib.suppress(OSError):
            status = get(f"{base}/api/replay")
            if status.get("end_s"):
                break
        if time.monotonic() > deadline or console.poll() is not None:
            print("console did not start", file=sys.stderr)
            return 1
        time.sleep(0.3)
    span = (float(status["start_s"]), float(status["end_s"]))
    rss_first = proc_rss_mb(console.pid)
    stop = threading.Event()
    found: dict[str, Any] = {}
    dog = threading.Thread(target=watchdog, args=(base, stop, found), daemon=True)
    dog.start()
    t0 = time.monotonic()
    # the clients in a process of their own: their work must not delay the watchdog's polls
    ctx = multiprocessing.get_context("spawn")
    got: multiprocessing.Queue[dict[str, int]] = ctx.Queue()
    clients = ctx.Process(target=run_clients, args=(web, args, span, got))
    clients.start()
    counts: Counter[str] = Counter(got.get(timeout=args.minutes * 60 + 120))
    clients.join(timeout=30)
    wall = time.monotonic() - t0
    stop.set()
    dog.join(timeout=10)
    rss_last = proc_rss_mb(console.pid)
    t1 = time.monotonic()
    console.send_signal(signal.SIGTERM)
    try:
        console.wait(timeout=10)
    except subprocess.TimeoutExpired:
        console.kill()
        console.wait()
    sigterm_s = time.monotonic() - t1
    log.close()
    summary = {
        "wall_s": round(wall, 1),
        "client_slots": args.clients,
        "clients_peak": found.get("clients_peak"),
        "connections": sum(counts[k] for k in ("fast", "slow", "never", "commander")),
        "by_kind": {k: counts[k] for k in ("fast", "slow", "never", "commander")},
        "commands": {k[4:]: v for k, v in counts.items() if k.startswith("cmd_")},
        "messages_read": counts["messages"],
        "ended": {k[6:]: v for k, v in counts.items() if k.startswith("ended:")},
        "polls": found.get("polls"),
        "stalls": found.get("stalls"),
        "worst_poll_s": found.get("worst_poll_s"),
        "stall_errors": found.get("stall_errors", [])[:5],
        "longest_without_a_picture_s": found.get("longest_still_s"),
        "ws_timeouts": found.get("ws_timeouts"),
        "ws_dropped": found.get("ws_dropped"),
        "rss_first_mb": round(rss_first, 1),
        "rss_last_mb": round(rss_last, 1),
        "sigterm_s": round(sigterm_s, 2),
        "exit_code": console.returncode,
    }
    print(json.dumps(summary, indent=1))
    (out / "churn.json").write_text(json.dumps(summary, indent=1))
    failed = bool(found.get("stalls")) or sigterm_s > 5.0 or (found.get("longest_still_s") or 0) > 10.0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
