"""Simulator generation speed: plots/s and reports/s for 40,000 simultaneous aircraft, in memory, and
the CSV text rate of the scenario writer.

    .venv/bin/python benchmarks/bench_sim.py [--targets 40000] [--duration 60] [--csv] [--write DIR]

In memory: frames from Simulation.frames() (what a tracker benchmark consumes). --csv also formats
every frame's plots/reports as CSV text (in memory, no disk); --write DIR runs write_scenario into DIR
(truth.csv of 40,000 targets is ~2.5 MB per simulated second). Figures are printed, not judged.
"""

from __future__ import annotations

import argparse
import resource
import time

from airpicture.sim import SimConfig, Simulation, write_scenario
from airpicture.sim.writer import adsb_csv, plots_csv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=40_000, help="simultaneous aircraft")
    ap.add_argument("--drones", type=int, default=200)
    ap.add_argument("--birds", type=int, default=400)
    ap.add_argument("--duration", type=float, default=60.0, help="simulated seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--csv", action="store_true", help="also format the frames as CSV text")
    ap.add_argument("--write", metavar="DIR", help="also write a scenario folder to DIR")
    a = ap.parse_args()
    cfg = SimConfig(aircraft=a.targets, drones=a.drones, birds=a.birds, duration_s=a.duration, seed=a.seed)
    sim = Simulation(cfg)
    ids = [s["id"] for s in sim.sensors]
    n_plots = n_reports = n_clutter = 0
    csv_bytes = 0
    csv_s = csv_cpu = 0.0
    t0 = time.perf_counter()
    c_start = time.process_time()
    for f in sim.frames():
        n_plots += len(f.plots)
        n_clutter += int((f.plot_uid < 0).sum())
        n_reports += len(f.reports)
        if a.csv:
            c0, p0 = time.perf_counter(), time.process_time()
            csv_bytes += len(plots_csv(f.plots, ids)) + len(adsb_csv(f.reports, ids))
            csv_s += time.perf_counter() - c0
            csv_cpu += time.process_time() - p0
    wall = time.perf_counter() - t0 - csv_s
    cpu = time.process_time() - c_start - csv_cpu  # the machine may be shared: CPU time is steadier
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"simulated {a.duration:.0f} s of {a.targets} aircraft + {a.drones} drones + {a.birds} birds "
        f"({len(sim.sensors)} sensors) in {wall:.2f} s wall, {cpu:.2f} s CPU: "
        f"{a.duration / wall:.1f}x real time ({a.duration / cpu:.1f}x per CPU second)"
    )
    print(
        f"  radar plots   {n_plots:>10,}  ({n_clutter:,} clutter)  {n_plots / wall:>12,.0f} plots/s generated"
    )
    print(f"  ADS-B reports {n_reports:>10,}  {n_reports / wall:>37,.0f} reports/s generated")
    n = n_plots + n_reports
    print(f"  measurements  {n:>10,}  {n / wall:>37,.0f} /s  ({n / cpu:,.0f} per CPU second)")
    if a.csv:
        rows = n_plots + n_reports
        print(
            f"  CSV text      {csv_bytes / 1e6:>9.1f} MB in {csv_s:.2f} s: {rows / csv_s:,.0f} rows/s "
            f"({rows / csv_cpu:,.0f} per CPU second)"
        )
    print(f"  peak RSS {rss_mb:.0f} MB")
    if a.write:
        w0 = time.perf_counter()
        summary = write_scenario(Simulation(cfg), a.write)
        dt = time.perf_counter() - w0
        print(f"write_scenario: {dt:.2f} s; {summary.line()}")


if __name__ == "__main__":
    main()
