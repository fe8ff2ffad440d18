"""`airpicture sim OUT_DIR`: write a synthetic scenario folder (FORMAT.md) of any size, and with
`--modes-out` the Mode S frames (Beast) its aircraft broadcast; `--from-scenario DIR` makes the frames
of an existing scenario folder's adsb.csv instead of simulating one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

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


EPILOG = """\
Mode S frames (--modes-out FILE): every ADS-B report of the scenario (adsb.csv, spoofed ghosts
included) becomes the DF17 frames its aircraft would broadcast: airborne position (CPR, even/odd
alternating), velocity, identification every 5 s, operational status (version 2, NACp 10, NIC 8)
every 2.5 s; written as Beast (readable by `airpicture decode`), with FILE's stem + .jammers.json
beside it: what was injected, which aircraft were jammed when, and t0_s, the UTC time of the
first frame (decode gives times relative to it).

  airpicture sim out/ --targets 200 --duration 1800 --modes-out out/frames.bin
  airpicture sim --from-scenario ../shared/scenarios/paris --modes-out paris.bin \\
      --jammer 48.95,2.45,40,300,900 --jammer 48.6,1.9,20,600,1200

--jammer LAT,LON,RADIUS_KM,START_S,END_S (repeatable): aircraft inside the circle between START_S
and END_S, seconds after the scenario's start (meta.json start_s), broadcast NACp 0 / NIC 0 /
NACv 0, as GNSS-jammed aircraft do; --position-loss P: that share of them (chosen by address)
lose the position entirely (type code 0: altitude only, no velocity). The scenario's spoofed
ghosts (ghosts.csv) are never jammed: a transmitter on the ground has no GNSS receiver to jam.
"""


def _bias(text: str) -> tuple[str, float, float, float]:
    """SENSOR=RANGE_M,AZIMUTH_DEG,TIME_S -> (sensor id, range m, azimuth deg, time s)."""
    name, _, values = text.partition("=")
    try:
        parts = [float(x) for x in values.split(",")]
    except ValueError:
        parts = []
    if not name or len(parts) != 3:
        raise argparse.ArgumentTypeError("expected SENSOR=RANGE_M,AZIMUTH_DEG,TIME_S")
    return name, parts[0], parts[1], parts[2]


def _set_biases(sensors: list[dict[str, Any]], biases: list[tuple[str, float, float, float]]) -> None:
    """Write each --bias into its radar's sheet (validated with the sheet)."""
    radars = {s["id"]: s for s in sensors if s.get("kind") == "radar"}
    for name, r, az, t in biases:
        if name not in radars:
            raise ConfigError(f"--bias {name}: no radar of that id (radars: {', '.join(radars) or 'none'})")
        radars[name].update(bias_range_m=r, bias_azimuth_deg=az, bias_time_s=t)


def _sim_options(p: argparse.ArgumentParser) -> None:
    """Where the frames go and what degrades them."""
    p.add_argument("--modes-out", metavar="FILE", help="also write the aircraft's Mode S frames (Beast)")
    p.add_argument(
        "--asterix",
        metavar="FILE",
        help="also write the radar plots as ASTERIX CAT048 / CAT034 (raw data blocks; each radar's "
        "SAC/SIC from its sheet, else 0 / 1 + its index)",
    )
    p.add_argument(
        "--from-scenario",
        metavar="DIR",
        help="make the frames of this scenario folder's adsb.csv (no simulation; needs --modes-out)",
    )
    p.add_argument(
        "--jammer",
        action="append",
        default=[],
        metavar="LAT,LON,RADIUS_KM,START_S,END_S",
        help="GNSS jammer for --modes-out, times after the scenario start (repeatable)",
    )
    p.add_argument(
        "--position-loss",
        type=float,
        default=0.0,
        metavar="P",
        help="share of jammed aircraft that lose their position altogether (default 0)",
    )


def configure(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("out_dir", metavar="OUT_DIR", nargs="?", help="folder to write (created if missing)")
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
        "--bias",
        type=_bias,
        action="append",
        default=[],
        metavar="SENSOR=RANGE_M,AZIMUTH_DEG,TIME_S",
        help="give a radar (fixed or airborne, e.g. TMA1 or AEW1) systematic errors: range offset, "
        "azimuth offset, time-stamp offset (repeatable; kept in config.json, not in sensors.json)",
    )
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
    _sim_options(p)


def _ghosts(folder: Path) -> tuple[int, ...]:
    """The spoofed addresses of a scenario (its ghosts.csv[.gz], if any): no jammer touches them."""
    import gzip

    for p in (folder / "ghosts.csv", folder / "ghosts.csv.gz"):
        if p.exists():
            try:
                raw = p.read_bytes()
                text = (gzip.decompress(raw) if p.suffix == ".gz" else raw).decode()
                return tuple(int(w, 16) for w in text.split()[1:])
            except (OSError, ValueError) as e:
                raise ConfigError(f"{p}: expected a column icao24 of hex addresses: {e}") from e
    return ()


def _modes_out(args: argparse.Namespace, scenario_dir: str) -> None:
    """Encode a scenario folder's adsb.csv as Beast frames (--modes-out) and print what was made."""
    import json
    import time

    from airpicture.sim.squitter import Jammer, Quality, squitters, write_recording
    from airpicture.sources.scenario import load_scenario

    try:
        sheet = json.loads((Path(scenario_dir) / "sensors.json").read_text())
        adsb = [s for s in sheet if isinstance(s, dict) and s.get("kind") == "adsb"]
    except (OSError, ValueError) as e:
        raise ConfigError(f"{scenario_dir}: cannot read sensors.json: {e}") from e
    if not adsb:
        raise ConfigError(f"{scenario_dir}: no ADS-B receiver in sensors.json, so no adsb.csv to encode")
    sc = load_scenario(scenario_dir, sensors=[str(s["id"]) for s in adsb])
    jammers = [Jammer.parse(text, sc.start_s) for text in args.jammer]
    quality = Quality(p_position_loss=args.position_loss)
    rx = (float(adsb[0]["lat"]), float(adsb[0]["lon"]))
    ghosts = _ghosts(Path(scenario_dir))
    t = time.perf_counter()
    sq = squitters(sc.reports, jammers=jammers, quality=quality, receiver=rx, immune=ghosts)
    encode_s = time.perf_counter() - t
    side = write_recording(
        args.modes_out, sq, jammers=jammers, start_s=sc.start_s, quality=quality, immune=ghosts
    )
    jammed = len(set(sq.icao[sq.jammed].tolist()))
    print(f"{args.modes_out}: {len(sq)} frames from {len(sc.reports)} ADS-B reports of "
          f"{len(set(sq.icao.tolist()))} aircraft ({len(sq) / max(encode_s, 1e-9):,.0f} frames/s), "
          f"{len(jammers)} jammers, {jammed} aircraft jammed; {sq.rejects.summary()} ({side})")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import json

    if args.from_scenario:
        if args.out_dir or not (args.modes_out or args.asterix):
            raise ConfigError("--from-scenario DIR takes no OUT_DIR and needs --modes-out or --asterix FILE")
        if args.modes_out:
            _modes_out(args, args.from_scenario)
        if args.asterix:
            from airpicture.cli.asterix import write_sim

            write_sim(args.asterix, args.from_scenario)
        return 0
    if not args.out_dir:
        raise ConfigError("give OUT_DIR (or --from-scenario DIR --modes-out FILE)")
    if args.jammer and not args.modes_out:
        raise ConfigError("--jammer degrades the Mode S frames: give --modes-out FILE too")

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
    _set_biases(cfg.sensors or [], args.bias)
    if args.scan is not None and ground:
        # the surveillance radar: the ground radar that reaches furthest
        max(ground, key=lambda s: s["max_range_m"])["scan_period_s"] = args.scan
    cfg.validate()
    show = sys.stderr.isatty() if args.progress is None else args.progress
    summary = write_scenario(Simulation(cfg), args.out_dir, progress=show)
    print(summary.line())
    if args.modes_out:
        _modes_out(args, args.out_dir)
    if args.asterix:
        from airpicture.cli.asterix import write_sim

        write_sim(args.asterix, args.out_dir)
    return 0
