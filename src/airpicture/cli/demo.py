"""`airpicture demo`: the whole pipeline on the bundled real Paris scenario.

By default it serves the operator console at http://127.0.0.1:8000: radar, ADS-B, drones and
birds tracked, classified and checked against the site's zone, replayed at --speed and looping,
until Ctrl-C. `--batch` instead tracks the scenario once, writes tracks.csv, alerts.csv and a
GOSPA plot into --out, and prints the figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "paris"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch", action="store_true", help="track once, print the figures and exit (no console)")
    p.add_argument("--out", default="out", help="with --batch: folder for the outputs (default: %(default)s)")
    p.add_argument(
        "--speed", type=float, default=10.0, help="replay speed of the console (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8000, help="console HTTP port (default: %(default)s)")
    p.add_argument("--store", help="also record the history to this store (SQLite path or postgresql:// URL)")


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import main

    if not args.batch:
        from airpicture.cli.console import run_scenario_console

        run_scenario_console(BUNDLED, speed=args.speed, loop=True, port=args.port, store=args.store)
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tracks, alerts = out / "tracks.csv", out / "alerts.csv"
    rc = main(["track", str(BUNDLED), "--out", str(tracks), "--alerts", str(alerts)])
    if rc:
        return rc
    print()
    return main(
        ["eval", str(BUNDLED), str(tracks), "--alerts", str(alerts), "--plot", str(out / "gospa.png")]
    )
