"""`airpicture demo`: the whole pipeline on the bundled real Paris scenario.

By default it serves the operator console at http://127.0.0.1:8000: radar, ADS-B, drones and
birds tracked, classified and checked against the site's zone, replayed at --speed and looping,
until Ctrl-C. `--beast HOST:PORT --lat --lon` points it at a live receiver instead. `--batch`
tracks the scenario once, writes tracks.csv, alerts.csv and a GOSPA plot into --out, and prints
the figures.
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
    from airpicture.cli.run import host_port

    p.add_argument(
        "--beast", type=host_port, metavar="HOST:PORT", help="a live Beast feed instead of the scenario"
    )
    p.add_argument("--lat", type=float, help="with --beast: site / receiver latitude (deg)")
    p.add_argument("--lon", type=float, help="with --beast: site / receiver longitude (deg)")


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import main, settings_of

    settings = settings_of(args)

    if args.beast:
        from airpicture.cli.live_console import run_live_console
        from airpicture.errors import ConfigError

        if args.lat is None or args.lon is None:
            raise ConfigError("--beast needs the site: give --lat and --lon")
        run_live_console(
            [("beast", args.beast)], (args.lat, args.lon, 0.0), None, "127.0.0.1", args.port, None, settings,
            store=args.store,
        )  # fmt: skip
        return 0
    if not args.batch:
        from airpicture.cli.console import run_scenario_console

        run_scenario_console(
            BUNDLED, speed=args.speed, loop=True, port=args.port, store=args.store, settings=settings
        )
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tracks, alerts = out / "tracks.csv", out / "alerts.csv"
    cfg = ["--config", args.config] if getattr(args, "config", None) else []  # the same settings
    rc = main([*cfg, "track", str(BUNDLED), "--out", str(tracks), "--alerts", str(alerts)])
    if rc:
        return rc
    print()
    return main(
        [*cfg, "eval", str(BUNDLED), str(tracks), "--alerts", str(alerts), "--plot", str(out / "gospa.png")]
    )
