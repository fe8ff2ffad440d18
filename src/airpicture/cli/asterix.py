"""The ASTERIX parts of the commands: `decode --format asterix`, `track --asterix`, `sim --asterix`,
`replay --serve-asterix`, and the `--asterix-out` address of `run` and `console`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from typing import Any

    from airpicture.config import AsterixSettings
    from airpicture.sensors import SensorSheet
    from airpicture.sinks.asterix import AsterixSink
    from airpicture.sources.scenario import Scenario

COLUMNS = ("time_s", "category", "sac", "sic", "range_m", "azimuth_deg", "lat", "lon", "altitude_m",
           "flight_level_m", "speed_mps", "track_deg", "icao24", "mode3a", "callsign", "track_number",
           "message_type")  # fmt: skip


def udp_address(text: str) -> tuple[str, int]:
    """HOST:PORT of a UDP destination or group (argparse type)."""
    from airpicture.cli.run import host_port

    return host_port(text)


def add_out_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--asterix-out",
        type=udp_address,
        metavar="HOST:PORT",
        help="also send the picture as ASTERIX CAT062 system tracks to this UDP address or multicast "
        "group, every picture ([asterix] settings: SAC/SIC, ttl)",
    )


def out_sink(address: tuple[str, int] | None, settings: AsterixSettings) -> AsterixSink | None:
    if address is None:
        return None
    from airpicture.sinks.asterix import AsterixSink

    return AsterixSink(udp=address, settings=settings)


def plots_from_asterix(scn: Scenario, path: str) -> None:
    """Replace the scenario's radar plots with those of an ASTERIX recording (CAT048, its
    sensors by SAC/SIC); CAT021 reports of the scenario's ADS-B receivers are added too."""
    import numpy as np

    from airpicture.errors import ConfigError
    from airpicture.sources.asterix_feed import AsterixStream, read_datagrams

    stream = AsterixStream(scn.sensors, reference_s=scn.start_s, name=path)
    plots, reports = [], []
    for t, data in read_datagrams(path, stream.rejects):
        p, r = stream.feed(data, t)
        plots.append(p[np.isin(p["sensor"], scn.active)])
        reports.append(r[np.isin(r["sensor"], scn.active)])
    got = np.concatenate(plots) if plots else scn.plots[:0]
    if not len(got):
        raise ConfigError(f"{path}: no CAT048 plot of the scenario's radars ({stream.rejects.summary()})")
    scn.plots = got[np.argsort(got["time_s"], kind="stable")]
    if reports and sum(map(len, reports)):
        rows = np.concatenate([scn.reports, *reports])
        scn.reports = rows[np.argsort(rows["time_s"], kind="stable")]
    scn.rejects["asterix"] = stream.rejects


def decode(args: argparse.Namespace) -> int:
    """`airpicture decode FILE --format asterix`: one CSV row per record."""
    from airpicture.errors import SinkError
    from airpicture.sources.asterix_feed import AsterixStream, read_datagrams

    stream = AsterixStream([], name=args.file)
    lines = [",".join(COLUMNS)]

    def num(v: float, fmt: str) -> str:
        return fmt % v if v == v else ""

    for t, data in read_datagrams(args.file, stream.rejects):
        for r in stream.decode(data):
            when = stream.resolve(r.tod_s, t) if r.tod_s == r.tod_s else float("nan")
            lines.append(",".join((
                num(when, "%.6f"), str(r.category), str(r.sac), str(r.sic), num(r.range_m, "%.2f"),
                num(r.azimuth_deg, "%.4f"), num(r.lat, "%.7f"), num(r.lon, "%.7f"), num(r.altitude_m, "%.1f"),
                num(r.flight_level_m, "%.1f"), num(r.speed_mps, "%.2f"), num(r.track_deg, "%.2f"),
                f"{r.address:06x}" if r.address >= 0 else "", f"{r.mode3a:04o}" if r.mode3a >= 0 else "",
                r.callsign.replace(",", " "), str(r.track_number) if r.track_number >= 0 else "",
                str(r.message_type) if r.message_type >= 0 else "",
            )))  # fmt: skip
    text = "\n".join(lines) + "\n"
    try:
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w") as f:
                f.write(text)
    except OSError as e:
        raise SinkError(f"{args.out}: {e}") from e
    cats = ", ".join(f"CAT{c:03d} {n}" for c, n in sorted(stream.records.items()))
    print(
        f"{args.file}: {len(lines) - 1} records ({cats or 'none'}); {stream.rejects.summary()}",
        file=sys.stderr,
    )
    return 0


def write_sim(path: str, scenario_dir: str) -> None:
    """`sim --asterix FILE`: the scenario folder's radar plots as CAT048 / CAT034 (raw blocks)."""
    from airpicture.sim.asterix import radar_datagrams, write_raw
    from airpicture.sources.scenario import load_scenario
    from airpicture.types import Rejects

    scn = load_scenario(scenario_dir)
    rejects = Rejects(path)
    grams = radar_datagrams(scn.plots, scn.sensors, rejects)
    size = write_raw(path, grams)
    print(f"{path}: {len(scn.plots)} radar plots as {len(grams)} CAT048/034 data blocks ({size} bytes); "
          f"{rejects.summary()}")  # fmt: skip


def serve(args: argparse.Namespace) -> int:
    """`replay --serve-asterix udp:HOST:PORT | tcp:PORT`."""
    import asyncio

    from airpicture.cli.main import settings_of
    from airpicture.errors import ConfigError
    from airpicture.sources.asterix_live import serve_asterix

    kind, _, where = args.serve_asterix.partition(":")
    try:
        if kind == "udp":
            udp, tcp = udp_address(where), None
        elif kind == "tcp" and where.isdigit() and 0 < int(where) < 65536:
            udp, tcp = None, int(where)
        else:
            raise ValueError
    except (ValueError, argparse.ArgumentTypeError):
        raise ConfigError(
            f"--serve-asterix: expected udp:HOST:PORT or tcp:PORT, got {args.serve_asterix!r}"
        ) from None

    def ready(n: int) -> None:
        how = (
            f"to {udp[0]}:{udp[1]} over UDP"
            if udp
            else f"on TCP {args.host}:{tcp} (playback starts when the first client connects)"
        )
        print(
            f"serving {n} ASTERIX datagrams of {args.file} {how} at {args.speed}x",
            file=sys.stderr,
            flush=True,
        )

    sent = asyncio.run(serve_asterix(args.file, udp=udp, tcp_port=tcp, host=args.host, speed=args.speed,
                                     ttl=settings_of(args).asterix.ttl, ready=ready))  # fmt: skip
    print(f"replay: {sent} ASTERIX datagrams served", file=sys.stderr)
    return 0


def add_in_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--asterix",
        metavar="udp:HOST:PORT|tcp:HOST:PORT",
        help="an ASTERIX feed (CAT048 / CAT034 radar, CAT021 ADS-B) on a UDP port or multicast group, or "
        "from a TCP server, instead of Mode S feeds; needs --sensors",
    )
    p.add_argument(
        "--sensors",
        metavar="SENSORS_JSON",
        help="with --asterix or --sapient-in: the sensor sheets (sensors.json: positions, noise, sac / sic, "
        "sapient_node)",
    )


def load_sensors(args: argparse.Namespace, flag: str) -> list[SensorSheet]:
    """The sheets of --sensors, for a feed of plots (flag names it) that needs them and the site."""
    import json
    from pathlib import Path

    from airpicture.errors import ConfigError
    from airpicture.sensors import load_sheets

    if args.lat is None or args.lon is None or not args.sensors:
        raise ConfigError(f"{flag} needs the site (--lat, --lon) and the sensor sheets (--sensors)")
    try:
        return load_sheets(json.loads(Path(args.sensors).read_text()))
    except (OSError, ValueError) as e:
        raise ConfigError(f"{args.sensors}: {e}") from None


def print_summary(sink: Any) -> None:
    """A network sink's closing line (what it sent, lost, and where its connection stands)."""
    print(f"airpicture run: {sink.summary()}", file=sys.stderr)


def track_live(
    args: argparse.Namespace, sheets: list[SensorSheet], batches: AsyncIterator[tuple[Any, Any]]
) -> tuple[int, float]:
    """A live feed of (plots, reports) batches tracked, judged and assessed; every picture
    (console.publish_s of feed time) to --out, --asterix-out and --sapient-out, its alerts to
    --sapient-out. Runs for --duration (or until Ctrl-C); returns (pictures, seconds)."""
    import asyncio
    import contextlib
    import time

    from airpicture.assess import TrackAssessor
    from airpicture.cli.main import settings_of
    from airpicture.cli.sapient import out_sink as sapient_sink
    from airpicture.cli.warm import ensure_compiled
    from airpicture.integrity import TrackIntegrity
    from airpicture.sinks.export import TracksCsvWriter
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.windows import FeedWindows

    settings = settings_of(args)
    ensure_compiled(settings)
    site = (args.lat, args.lon, args.alt)
    tracker: Any = None
    integrity = TrackIntegrity(sheets, site, settings=settings.integrity, reports=settings.reports)
    assessor = TrackAssessor(
        sheets, {"lat": args.lat, "lon": args.lon, "alt_m": args.alt}, [], settings.assess
    )
    windows = FeedWindows(settings.console.publish_s)
    pictures = 0
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(TracksCsvWriter(args.out, forget_s=settings.output.forget_s))
            if args.out
            else None
        )
        sinks: list[Any] = [
            out_sink(args.asterix_out, settings.asterix),
            sapient_sink(args.sapient_out, settings.sapient, site),
        ]
        for s in sinks:
            if s is not None:  # closed first, then its summary (callbacks run last in, first out)
                stack.callback(print_summary, s)
                stack.callback(s.close)
        tracker = ImmGnnTracker(sheets, site, settings=settings.track, registration=settings.registration)
        if args.partitions:  # the radars' plots routed to the regions they fall in (scale/)
            from airpicture.cli.run import partitioned, queued

            tracker = partitioned(stack, sheets, site, settings, args)
            out = queued(stack, out, "write", settings)
            sinks = [queued(stack, s, "send_picture", settings) for s in sinks]
            tracker.sinks.extend(q for q in (out, *sinks) if q is not None)

        async def pump() -> None:
            nonlocal pictures
            async for plots, reports in batches:
                window = windows.add(reports, plots=plots)
                if window is None:
                    continue
                integrity.observe(window)
                pic = integrity.judge(tracker.step(window))
                alerts = assessor.update(pic)
                pictures += 1
                if out is not None:
                    out.write(pic)
                for s in sinks:
                    if s is not None:
                        s.send_picture(pic)
                        s.send_alerts(alerts)

        async def until() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pump(), args.duration)

        t0 = time.monotonic()
        asyncio.run(until())
    return pictures, time.monotonic() - t0


def run_live(args: argparse.Namespace) -> int:
    """`run --asterix ...`: the live ASTERIX feed tracked (`track_live`)."""
    from airpicture.errors import ConfigError
    from airpicture.sources.asterix_feed import AsterixStream
    from airpicture.sources.asterix_live import AsterixTcpSource, AsterixUdpSource

    sheets = load_sensors(args, "--asterix")
    kind, _, where = args.asterix.partition(":")
    if kind not in ("udp", "tcp"):
        raise ConfigError(f"--asterix: expected udp:HOST:PORT or tcp:HOST:PORT, got {args.asterix!r}")
    host, port = udp_address(where)
    stream = AsterixStream(sheets, name=args.asterix)
    src = AsterixUdpSource(stream, host, port) if kind == "udp" else AsterixTcpSource(stream, host, port)
    pictures, elapsed = track_live(args, sheets, src.abatches())
    cats = ", ".join(f"CAT{c:03d} {n}" for c, n in sorted(stream.records.items())) or "no records"
    scans = "; ".join(f"{sheets[s].id}: {v.north_markers} north markers, scan {v.period_s:.2f} s"
                      for s, v in sorted(stream.scans.items()))  # fmt: skip
    print(f"airpicture run: {src.name}: {cats} in {elapsed:.0f} s, {pictures} pictures; "
          f"{scans or 'no CAT034'}; {stream.rejects.summary()}", file=sys.stderr)  # fmt: skip
    return 0
