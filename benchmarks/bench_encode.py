"""Mode S encoding throughput: a simulated scenario's ADS-B reports -> DF17 frames -> Beast bytes.

    .venv/bin/python benchmarks/bench_encode.py [--aircraft 200] [--duration 1800] [--repeat 3]

The reports come from `airpicture.sim` (its ADS-B receiver with no message loss, so each aircraft
reports once a second, ghosts included); one jammer covers a 50 km circle at the site for the
middle third of the run. Figures are frames per second of CPU time (process_time), best of
--repeat runs: `squitters` (reports -> frames, CRC and CPR included), Beast framing, both; then
once, the project's decoder on the resulting file (Beast -> message table), for scale.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from airpicture.sim import SimConfig, Simulation, Site, default_sensors
from airpicture.sim.squitter import Jammer, squitters, write_recording
from airpicture.sources.replay import decode_file

T = TypeVar("T")


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """(least CPU seconds of `repeat` calls, the last result)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aircraft", type=int, default=200)
    ap.add_argument("--duration", type=float, default=1800.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    site = Site()
    adsb = [{**s, "p_loss": 0.0} for s in default_sensors(site) if s["kind"] == "adsb"]
    cfg = SimConfig(aircraft=args.aircraft, drones=0, birds=0, duration_s=args.duration, seed=1, sensors=adsb)
    reports = np.concatenate([f.reports for f in Simulation(cfg).frames()])
    t0 = cfg.start_s
    jam = [Jammer(site.lat, site.lon, 50e3, t0 + args.duration / 3, t0 + 2 * args.duration / 3)]
    rx = (site.lat, site.lon)
    n_aircraft = len(np.unique(reports["ident"]))
    print(f"{len(reports):,} reports of {n_aircraft} aircraft over {args.duration:.0f} s")
    s_enc, sq = best(lambda: squitters(reports, jammers=jam, receiver=rx), args.repeat)
    n = len(sq)
    s_beast, data = best(sq.beast, args.repeat)
    print(f"squitters: {n:,} frames in {s_enc:.2f} s CPU = {n / s_enc:,.0f} frames/s")
    print(f"beast:     {len(data):,} bytes in {s_beast:.2f} s CPU = {n / s_beast:,.0f} frames/s")
    print(f"both:      {n / (s_enc + s_beast):,.0f} frames/s")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "frames.bin"
        write_recording(path, sq, jammers=jam, start_s=t0)
        t = time.process_time()
        table, src = decode_file(path)
        s_dec = time.process_time() - t
    print(f"decode:    {len(table):,} messages in {s_dec:.2f} s CPU = {len(table) / s_dec:,.0f} frames/s; "
          f"{int(np.isfinite(table['lat']).sum()):,} positions; {src.stream.rejects.summary()}")  # fmt: skip


if __name__ == "__main__":
    main()
