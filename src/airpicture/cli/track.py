"""`airpicture track SCENARIO_DIR --out tracks.csv [--sensors ID,ID]`."""

from __future__ import annotations

import argparse
import sys


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario folder (sensors.json, meta.json, plots.csv, adsb.csv)")
    p.add_argument("--out", default="tracks.csv", help="tracks.csv to write (default: %(default)s)")
    p.add_argument("--sensors", help="use only these sensor ids (comma list)")
    p.add_argument(
        "--period",
        type=float,
        default=1.0,
        help="publish the picture at least every PERIOD s (default %(default)s; a longer "
        "revisit period of the only sensor in use sets it)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    import time

    from airpicture.sinks.export import TracksCsvWriter
    from airpicture.sources.scenario import load_scenario
    from airpicture.track.run import run_scenario
    from airpicture.track.tracker import Tracker, warm_up

    t_start = time.perf_counter()
    scn = load_scenario(args.scenario, args.sensors.split(",") if args.sensors else None)
    t_read = time.perf_counter() - t_start
    t0 = time.perf_counter()
    warm_up(scn.sensors, scn.site_lla)
    t_warm = time.perf_counter() - t0
    trk = Tracker(scn.sensors, scn.site_lla, scn.platforms, scn.active)
    busy = 0.0
    with TracksCsvWriter(args.out) as out:
        it = run_scenario(scn, trk, period_s=args.period, progress=args.progress, fresh_s=5.0)
        while True:
            t0 = time.perf_counter()
            pic = next(it, None)
            busy += time.perf_counter() - t0
            if pic is None:
                break
            out.write(pic)
    total = time.perf_counter() - t_start
    n = len(scn.plots) + len(scn.reports)
    s = trk.stats
    print(f"{len(scn.plots)} plots + {len(scn.reports)} reports over {scn.end_s - scn.start_s:.0f} s of data")
    print(
        f"tracker {busy:.3f} s ({n / max(busy, 1e-9):,.0f} measurements/s; file parsing and the "
        f"{t_warm:.2f} s kernel start-up excluded); "
        f"whole run {total:.3f} s ({n / max(total, 1e-9):,.0f}/s, reading {t_read:.3f} s)"
    )
    print(
        f"tracks started {s.started}, confirmed {s.confirmed}, deleted {s.deleted}, merged {s.merged}, "
        f"stitched {s.stitched}, "
        f"fused with ADS-B {s.fused}, quarantined {s.quarantined}; {out.rows} rows -> {args.out}"
    )
    for rej in scn.rejects.values():
        print(f"rejects {rej.summary()}")
    if trk.rejects:
        print("rejects tracker: " + ", ".join(f"{k}={v}" for k, v in sorted(trk.rejects.items())))
    sys.stdout.flush()
    return 0
