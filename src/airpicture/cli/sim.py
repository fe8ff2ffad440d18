"""`airpicture sim OUT_DIR`: write a synthetic scenario folder (FORMAT.md) of any size."""

from __future__ import annotations

import argparse
import sys

from airpicture.cli.args import latitude, longitude
from airpicture.errors import ConfigError


def _site(text: str) -> tuple[float, float, float]:
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected LAT,LON[,ALT_M]")
    latitude(str(parts[0]))  # in range, or the same one-line error as --lat
    longitude(str(parts[1]))
    return parts[0], parts[1], parts[2] if len(parts) == 3 else 60.0


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (created if missing)")
    p.add_argument("--targets", type=int, default=200, help="simultaneous aircraft (default 200)")
    p.add_argument("--drones", type=int, default=6, help="simultaneous drones near the site (default 6)")
    p.add_argument("--birds", type=int, default=20, help="simultaneous birds near the site (default 20)")
    p.add_argument("--ghosts", type=int, default=2, help="spoofed ADS-B broadcasters (default 2)")
    p.add_argument("--duration", type=float, default=600.0, help="seconds to simulate (default 600)")
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same scenario (default 0)")
    p.add_argument("--site", type=_site, default=None, help="protected site LAT,LON[,ALT_M] (default Paris)")
    p.add_argument(
        "--start",
        type=float,
        default=None,
        help="start time, UTC epoch seconds (default: the scenario's own)",
    )
    p.add_argument("--clutter", type=float, default=None, help="false plots per scan of every radar")
    p.add_argument("--scan", type=float, default=None, help="scan period (s) of the surveillance (TMA) radar")
    p.add_argument(
        "--sensors",
        default=None,
        help="a sensor sheet (sensors.json; a radar may fly an orbit) instead of the default",
    )
    p.add_argument("--aew", action="store_true", help="add an airborne early-warning radar on a 25 km orbit")
    p.add_argument(
        "--air-radius-km",
        type=float,
        default=150.0,
        help="aircraft fly within this radius (default: %(default)s)",
    )
    p.add_argument(
        "--p-no-transponder",
        type=float,
        default=0.4,
        help="share of light aircraft without one (default: %(default)s)",
    )
    p.add_argument("--truth-period", type=float, default=1.0, help="seconds between truth rows (default 1)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    import json

    from airpicture.sim.config import SimConfig, Site, aew_radar, default_sensors
    from airpicture.sim.stream import Simulation
    from airpicture.sim.writer import write_scenario

    site = Site() if args.site is None else Site(*args.site)
    sensors = None
    if args.sensors:
        try:
            with open(args.sensors) as f:
                sensors = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read sensor sheet {args.sensors}: {e}") from e
        if not isinstance(sensors, list):
            raise ConfigError(f"{args.sensors}: expected a list of sensors")
    if args.aew:
        sensors = [*(sensors if sensors is not None else default_sensors(site)), aew_radar(site)]
    cfg = SimConfig(
        site=site,
        duration_s=args.duration,
        seed=args.seed,
        aircraft=args.targets,
        drones=args.drones,
        birds=args.birds,
        ghosts=args.ghosts,
        air_radius_m=args.air_radius_km * 1000.0,
        p_no_transponder=args.p_no_transponder,
        truth_period_s=args.truth_period,
        sensors=sensors,
        **({"start_s": args.start} if args.start is not None else {}),
    )
    radars = [s for s in cfg.sensors or [] if s["kind"] == "radar"]
    if args.clutter is not None:
        for s in radars:
            s["clutter_per_scan"] = args.clutter
    ground = [s for s in radars if not s.get("orbit")]
    if args.scan is not None and ground:
        # the surveillance radar: the ground radar that reaches furthest
        max(ground, key=lambda s: s["max_range_m"])["scan_period_s"] = args.scan
    cfg.validate()
    show = sys.stderr.isatty() if args.progress is None else args.progress
    summary = write_scenario(Simulation(cfg), args.out_dir, progress=show)
    print(summary.line())
    return 0
