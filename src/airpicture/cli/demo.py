"""`airpicture demo`: the whole pipeline on the bundled real Paris scenario.

By default it serves the operator console at http://127.0.0.1:8080 (settings console.port):
radar, ADS-B, drones and birds tracked, classified and checked against the site's zone, replayed
at --speed and looping, until Ctrl-C. `--beast HOST:PORT --lat --lon` points it at a live
receiver instead. `--batch` tracks the scenario once, writes tracks.csv, alerts.csv and a GOSPA
plot into --out, and prints the figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "paris"


def configure(p: argparse.ArgumentParser) -> None:
    from airpicture.cli.args import latitude, longitude, port, positive

    p.add_argument("--batch", action="store_true", help="track once, print the figures and exit (no console)")
    p.add_argument("--out", default="out", help="with --batch: folder for the outputs (default: %(default)s)")
    p.add_argument(
        "--speed", type=positive, help="replay speed of the console (default: settings console.speed, 10)"
    )
    p.add_argument("--port", type=port, help="console HTTP port (default: settings console.port, 8080)")
    p.add_argument("--store", help="also record the history to this store (SQLite path or postgresql:// URL)")
    from airpicture.cli.run import host_port

    p.add_argument(
        "--beast", type=host_port, metavar="HOST:PORT", help="a live Beast feed instead of the scenario"
    )
    p.add_argument("--lat", type=latitude, help="with --beast: site / receiver latitude (deg)")
    p.add_argument("--lon", type=longitude, help="with --beast: site / receiver longitude (deg)")


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import main, settings_of

    settings = settings_of(args)
    speed = settings.console.speed if args.speed is None else args.speed
    http_port = settings.console.port if args.port is None else args.port

    if args.beast:
        from airpicture.cli.live_console import run_live_console
        from airpicture.errors import ConfigError

        if args.lat is None or args.lon is None:
            raise ConfigError("--beast needs the site: give --lat and --lon")
        run_live_console(
            [("beast", args.beast)], (args.lat, args.lon, 0.0), None, "127.0.0.1", http_port, None, settings,
            store=args.store,
        )  # fmt: skip
        return 0
    if not args.batch:
        from airpicture.cli.console import run_scenario_console

        run_scenario_console(
            BUNDLED, speed=speed, loop=True, port=http_port, store=args.store, settings=settings
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
