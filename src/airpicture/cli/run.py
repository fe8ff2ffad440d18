"""`airpicture run`: a live pipeline from Mode S / ADS-B and Remote ID receivers on TCP to the tracker.

    airpicture run --beast 127.0.0.1:30005 --lat 49.0097 --lon 2.5479 --out tracks.csv --duration 600
    airpicture run --beast rx1:30005 --avr rx2:30002 --sbs rx3:30003
    airpicture run --beast rx1:30005 --remoteid rx1:4242 --lat 49.0097 --lon 2.5479 --out tracks.csv

--remoteid reads drone Remote ID as JSON lines, one received frame a line (the form `airpicture
rid` reads from a file: {"time_s", "hex", "transport", "address"}); its drones are tracked with the
aircraft, serials as identities, and forgotten 15 min after they were last heard.

Each feed reconnects with exponential backoff when it drops; per-feed stats (messages/s, CRC
failures, rejects by reason, last message, reconnects) go to stderr every --stats-every s. With
--out, the picture is tracked, judged (integrity), classified and written every second of feed time
(FORMAT.md's tracks.csv), callsigns from the feeds as identities; with --asterix-out the same
picture goes out as ASTERIX CAT062 system tracks over UDP (multicast or unicast). With --lat/--lon
the decoded messages also feed the GNSS interference map (integrity/gnss.py): its alert steps (a
cell near the site turning bad, and recovering) are printed to stderr, and --gnss writes the map
at the end.

    airpicture run --asterix udp:239.10.10.48:8600 --sensors sensors.json --lat 45.0 --lon 16.0 --out t.csv

--asterix reads a radar / ADS-B ground station's ASTERIX (CAT048 plots, CAT034 scan timing,
CAT021 reports) from a UDP port or multicast group or a TCP server instead of Mode S feeds; the
sheets (--sensors, as a scenario's sensors.json) give each radar's position, noise and SAC/SIC.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from airpicture.assess import Assessor
    from airpicture.integrity import IntegrityCheck
    from airpicture.integrity.gnss_alerts import GnssWatch
    from airpicture.track.base import Tracker


def host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def configure(parser: argparse.ArgumentParser) -> None:
    from airpicture.cli.args import latitude, longitude, positive

    for fmt, port in (("beast", 30005), ("avr", 30002), ("sbs", 30003)):
        parser.add_argument(f"--{fmt}", type=host_port, action="append", default=[], metavar="HOST:PORT",
                            help=f"{fmt} feed (readsb/dump1090 port {port}); repeat for several")  # fmt: skip
    parser.add_argument("--remoteid", type=host_port, action="append", default=[], metavar="HOST:PORT",
                        help="Remote ID feed: JSON lines of frames (as `airpicture rid` reads); repeat "
                        "for several")  # fmt: skip
    parser.add_argument("--lat", type=latitude, help="receiver / site latitude (deg)")
    parser.add_argument("--lon", type=longitude, help="receiver / site longitude (deg)")
    parser.add_argument(
        "--alt", type=float, default=0.0, help="receiver / site altitude (m) (default: %(default)s)"
    )
    parser.add_argument("--out", help="write the tracked picture (tracks.csv) here")
    parser.add_argument(
        "--duration", type=positive, help="stop after this many seconds (default: run until Ctrl-C)"
    )
    parser.add_argument(
        "--stats-every", type=positive, default=10.0, help="stats period (s) (default: %(default)s)"
    )
    from airpicture.cli.asterix import add_in_args, add_out_arg

    add_out_arg(parser)
    add_in_args(parser)
    parser.add_argument(
        "--gnss", metavar="FILE", help="with --lat/--lon: write the GNSS interference map (GeoJSON) at exit"
    )


class PictureWriter:
    """Gathers the feeds' reports into windows of `publish_s` of feed time (settings
    console.publish_s) and, for each, tracks, judges integrity, classifies and writes the picture."""

    def __init__(
        self,
        stages: tuple[Tracker, IntegrityCheck, Assessor],
        out: Any,
        describe: Callable[[npt.NDArray[np.int64]], tuple[dict[int, str], dict[int, dict[str, object]]]],
        publish_s: float,
        cat062: Any = None,
    ) -> None:
        from airpicture.track.windows import FeedWindows

        self.cat062 = cat062  # an AsterixSink: the picture as CAT062 system tracks too

        self.tracker, self.integrity, self.assessor = stages
        self.out, self.describe = out, describe
        self.windows = FeedWindows(publish_s)
        self.reports = 0

    def __call__(self, reports: npt.NDArray[np.void]) -> None:
        self.reports += len(reports)
        window = self.windows.add(reports, *self.describe(reports["ident"]))
        if window is not None:
            self.integrity.observe(window)
            pic = self.integrity.judge(self.tracker.step(window))
            self.assessor.update(pic)
            if self.out is not None:
                self.out.write(pic)
            if self.cat062 is not None:
                self.cat062.send_picture(pic)


def with_gnss(
    consume: Callable[[npt.NDArray[np.void]], None], gnss: GnssWatch, out: Any
) -> Callable[[npt.NDArray[np.void]], None]:
    """`consume`, then the GNSS interference map's alert steps (when due) as lines on `out`."""

    def both(reports: npt.NDArray[np.void]) -> None:
        consume(reports)
        got = gnss.tick()
        for a in got[0] if got is not None else []:
            print(f"airpicture run: {a.alert} {a.kind} {a.state}: {a.message}", file=out, flush=True)

    return both


def run(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib
    import sys

    from airpicture.cli.main import settings_of
    from airpicture.errors import ConfigError
    from airpicture.integrity.gnss_alerts import GnssWatch
    from airpicture.sources.live import FeedClient, ModesStream, describe_feeds, run_feeds

    if (args.lat is None) != (args.lon is None):
        raise ConfigError("give both --lat and --lon, or neither")
    if args.asterix:
        from airpicture.cli.asterix import run_live

        return run_live(args)
    specs = [(fmt, hp) for fmt in ("beast", "avr", "sbs", "remoteid") for hp in getattr(args, fmt)]
    if not specs:
        raise ConfigError("no feed: give at least one of --beast/--avr/--sbs/--remoteid HOST:PORT")
    settings = settings_of(args)
    receiver = (args.lat, args.lon) if args.lat is not None else None
    feeds = [
        FeedClient(fmt, h, p, receiver=receiver, sensor=i, feeds=settings.feeds)
        for i, (fmt, (h, p)) in enumerate(specs)
    ]
    if args.gnss and receiver is None:
        raise ConfigError("--gnss needs the site: give --lat and --lon")
    # the decoded messages keep NIC / NACp, the reports do not: the map takes every table
    gnss = GnssWatch(settings.gnss, receiver) if receiver is not None else None
    for f in feeds:
        if isinstance(f.stream, ModesStream):
            f.stream.on_messages = gnss.add if gnss is not None else None

    def aircraft(idents: npt.NDArray[np.int64]) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
        return describe_feeds(feeds, idents)

    counter = {"reports": 0}

    def count(reports: npt.NDArray[np.void]) -> None:
        counter["reports"] += len(reports)

    with contextlib.ExitStack() as stack:
        consumer: Callable[[npt.NDArray[np.void]], None] = count
        if args.out or args.asterix_out:
            if receiver is None:
                raise ConfigError("--out and --asterix-out need the site: give --lat and --lon")
            from airpicture.assess import TrackAssessor
            from airpicture.cli.warm import ensure_compiled
            from airpicture.integrity import TrackIntegrity
            from airpicture.sensors import live_receivers
            from airpicture.sinks.export import TracksCsvWriter
            from airpicture.track.tracker import ImmGnnTracker

            ensure_compiled(settings)
            kinds = ["remoteid" if fmt == "remoteid" else "adsb" for fmt, _ in specs]
            sensors = live_receivers([f.name for f in feeds], args.lat, args.lon, args.alt, kinds)
            out = (
                stack.enter_context(TracksCsvWriter(args.out, forget_s=settings.output.forget_s))
                if args.out
                else None
            )
            site = (args.lat, args.lon, args.alt)
            stages = (
                ImmGnnTracker(sensors, site, settings=settings.track, registration=settings.registration),
                # a live feed's sheet puts its receiver at the site: where it hears from is not judged
                TrackIntegrity(
                    sensors, site, settings=settings.integrity, reports=settings.reports, placed=False
                ),
                TrackAssessor(
                    sensors, {"lat": args.lat, "lon": args.lon, "alt_m": args.alt}, [], settings.assess
                ),
            )
            from airpicture.cli.asterix import out_sink

            cat062 = out_sink(args.asterix_out, settings.asterix)
            if cat062 is not None:
                stack.callback(cat062.close)
            consumer = PictureWriter(stages, out, aircraft, settings.console.publish_s, cat062)
        if gnss is not None:
            consumer = with_gnss(consumer, gnss, sys.stderr)
        feeds_run = run_feeds(feeds, consumer, duration_s=args.duration, stats_every_s=args.stats_every,
                              stats_out=sys.stderr)  # fmt: skip
        asyncio.run(feeds_run)
    if gnss is not None:
        print(f"airpicture run: GNSS map: {gnss.map.positions} positions; {gnss.map.rejects.summary()}",
              file=sys.stderr)  # fmt: skip
    if gnss is not None and args.gnss:
        from airpicture.sinks.gnss import write_geojson

        write_geojson(args.gnss, gnss.map.cells())
    print(f"airpicture run: {sum(f.stream.messages for f in feeds)} messages", file=sys.stderr)
    return 0
