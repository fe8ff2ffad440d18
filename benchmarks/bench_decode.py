"""Mode S decoding throughput on one core: rs1090 vs pyModeS, and bytes -> tracker reports end to end.

    .venv/bin/python benchmarks/bench_decode.py [--repeat 3]

Input: the 57,793 real frames of tests/data/modes/raw_frames_cdg.jsonl.gz, as they are (JSON lines)
and re-encoded as a Beast stream and as AVR lines. The process is pinned to one CPU and rs1090's
thread pool to one thread (it decodes batches in parallel otherwise). Figures are frames per
second of CPU time (process_time, so other load on a shared machine does not count), best of
--repeat runs.
"""

from __future__ import annotations

import os

os.environ["RAYON_NUM_THREADS"] = "1"  # before rs1090 starts its thread pool

import argparse
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyModeS
import rs1090

from airpicture.sources.beast import BeastParser, encode_beast
from airpicture.sources.live import ModesStream
from airpicture.types import REPORT_DTYPE

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
CDG = (49.0097, 2.5479)
CHUNK = 1 << 16  # what one socket read gives


def best(fn: Callable[[], object], n: int, repeat: int) -> tuple[float, object]:
    out: object = None
    times = []
    for _ in range(repeat):
        t = time.process_time()  # CPU time: the machine may be shared, the figure is per core
        out = fn()
        times.append(time.process_time() - t)
    return n / min(times), out


def stream_reports(fmt: str, data: bytes, t0: float) -> np.ndarray:
    s = ModesStream(fmt, receiver=CDG, t0=t0)
    parts = [s.reports(s.feed(data[i : i + CHUNK])) for i in range(0, len(data), CHUNK)]
    parts.append(s.reports(s.close()))
    return np.concatenate(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    raw = gzip.decompress(DATA.read_bytes())
    rows = [json.loads(line) for line in raw.splitlines()]
    hexes = [r["frame"] for r in rows]
    ts = [r["timestamp"] for r in rows]
    n = len(hexes)
    beast = encode_beast(np.array(ts), hexes)
    t0 = ts[0]
    avr = "".join(f"@{round((t - t0) * 12e6):012x}{h};\n" for t, h in zip(ts, hexes, strict=True)).encode()
    print(f"{n} real frames; Beast stream {len(beast) / 1e6:.2f} MB, AVR {len(avr) / 1e6:.2f} MB, "
          f"JSONL {len(raw) / 1e6:.2f} MB; one core, best of {args.repeat}")  # fmt: skip
    r = args.repeat

    fps, _ = best(lambda: rs1090.decode(hexes, batch=5000), n, r)
    print(f"rs1090 batch decode, fields only           {fps:10,.0f} frames/s")
    fps, _ = best(lambda: rs1090.decode(hexes, ts, reference=CDG, batch=5000), n, r)
    print(f"rs1090 batch decode + its CPR (one batch)  {fps:10,.0f} frames/s")
    sub = 20_000
    fps, _ = best(lambda: pyModeS.decode(hexes[:sub], timestamps=ts[:sub], surface_ref=CDG), sub, r)
    print(f"pyModeS 3.6 batch decode + CPR             {fps:10,.0f} frames/s  (first {sub} frames)")

    fps, _ = best(lambda: BeastParser().feed(beast), n, r)
    print(f"Beast framing alone (numpy)                {fps:10,.0f} frames/s  "
          f"({fps * len(beast) / n / 1e6:.0f} MB/s)")  # fmt: skip
    for fmt, data in (("beast", beast), ("avr", avr), ("jsonl", raw)):
        fps, rep = best(lambda fmt=fmt, data=data: stream_reports(fmt, data, t0), n, r)
        assert isinstance(rep, np.ndarray) and rep.dtype == REPORT_DTYPE
        print(f"end to end {fmt:5} bytes -> REPORT_DTYPE     {fps:10,.0f} frames/s  "
              f"({len(rep)} reports, 64 KB reads)")  # fmt: skip


if __name__ == "__main__":
    main()
