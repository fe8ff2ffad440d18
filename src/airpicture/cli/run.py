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
picture goes out as ASTERIX CAT062 system tracks over UDP (multicast or unicast); with --sapient-out
the picture and its alerts go to a SAPIENT (BSI Flex 335 v2.0) fusion node over TCP, airpicture
registering as one of its nodes. With --lat/--lon
the decoded messages also feed the GNSS interference map (integrity/gnss.py): its alert steps (a
cell near the site turning bad, and recovering) are printed to stderr, and --gnss writes the map
at the end.

    airpicture run --asterix udp:239.10.10.48:8600 --sensors sensors.json --lat 45.0 --lon 16.0 --out t.csv

    airpicture run --beast rx1:30005 --lat 49.0 --lon 2.5 --out t.csv --partitions 4 --ray

--partitions N splits the picture into N tiles over the feeds' coverage, each tracked by its own
tracker, and one fan-in publishes one picture (one copy and one id per aircraft across
boundaries; scale/); --ray [ADDRESS] runs the regions as Ray actors, restarted from checkpoints.
With --asterix, radar plots are routed by their range and azimuth from the radar.

--asterix reads a radar / ADS-B ground station's ASTERIX (CAT048 plots, CAT034 scan timing,
CAT021 reports) from a UDP port or multicast group or a TCP server instead of Mode S feeds; the
sheets (--sensors, as a scenario's sensors.json) give each radar's position, noise and SAC/SIC.

    airpicture run --sapient-in 0.0.0.0:12000 --sensors sensors.json --lat 45.0 --lon 16.0 --out t.csv

--sapient-in makes airpicture the SAPIENT fusion node of sensor nodes (radars, RF detectors, EO/IR):
it accepts their registrations (a sheet's `sapient_node` is the node's UUID; the sheet gives its
position and noise) and tracks their detection reports (range and bearing, or latitude/longitude).
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
    from airpicture.cli import sapient
    from airpicture.cli.asterix import add_in_args, add_out_arg

    add_out_arg(parser)
    sapient.add_out_arg(parser)
    add_in_args(parser)
    sapient.add_in_arg(parser)
    parser.add_argument(
        "--gnss", metavar="FILE", help="with --lat/--lon: write the GNSS interference map (GeoJSON) at exit"
    )
    add_partition_args(parser)


def add_partition_args(parser: argparse.ArgumentParser) -> None:
    """--partitions N, --ray [ADDRESS] (run, console)."""
    parser.add_argument("--partitions", type=int, metavar="N",
                        help="split the picture into N regions (tiles over the feeds' coverage, each "
                        "tracked apart, fanned in to one picture); in this process unless --ray")  # fmt: skip
    parser.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                        help="run the --partitions regions as Ray actors: on a local Ray, or the "
                        "cluster at ADDRESS (needs the ray extra)")  # fmt: skip


def check_partition_args(args: argparse.Namespace) -> None:
    from airpicture.errors import ConfigError

    if args.ray is not None and not args.partitions:
        raise ConfigError("--ray runs the regions of --partitions N: give --partitions")
    if args.partitions is not None and args.partitions < 1:
        raise ConfigError("--partitions N needs N >= 1")


class PictureWriter:
    """Gathers the feeds' reports into windows of `publish_s` of feed time (settings
    console.publish_s) and, for each, tracks, judges integrity, classifies and writes the picture."""

    def __init__(
        self,
        stages: tuple[Tracker, IntegrityCheck, Assessor],
        out: Any,
        describe: Callable[[npt.NDArray[np.int64]], tuple[dict[int, str], dict[int, dict[str, object]]]],
        publish_s: float,
        outs: list[Any] | None = None,
    ) -> None:
        from airpicture.track.windows import FeedWindows

        self.outs = outs or []  # network sinks (ASTERIX, SAPIENT): each picture and its alerts

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
            alerts = self.assessor.update(pic)
            if self.out is not None:
                self.out.write(pic)
            for sink in self.outs:
                sink.send_picture(pic)
                sink.send_alerts(alerts)


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


def partitioned(stack: Any, sensors: Any, site: tuple[float, float, float], settings: Any, args: Any) -> Any:
    """The picture split into args.partitions regions (scale/live.py), in this process or on Ray
    (args.ray); its stats go to stderr every args.stats_every s (if given) and at the end."""
    import sys

    from airpicture.scale.live import PartitionedTracker, stats_text
    from airpicture.scale.partition import Tiling

    if args.ray is not None:
        try:
            import ray  # noqa: F401
        except ImportError:
            from airpicture.errors import ConfigError

            raise ConfigError("--ray needs Ray: pip install 'airpicture[ray]'") from None
    tiling = Tiling.around(sensors, args.partitions, settings.partition.margin_m)
    trk = PartitionedTracker(sensors, site, None, settings, tiling, args.ray)

    def line(text: str) -> None:
        print(f"airpicture run: partitions: {text}", file=sys.stderr, flush=True)

    if getattr(args, "stats_every", None):
        trk.report = (args.stats_every, line)

    def done() -> None:
        print(f"airpicture run: partitions: {stats_text(trk.stats())}", file=sys.stderr)
        trk.close()

    stack.callback(done)
    return trk


def queued(stack: Any, sink: Any, method: str, settings: Any) -> Any:
    """`sink` behind a bounded queue (None stays None); the drops are printed at the end."""
    import sys

    from airpicture.scale.live import QueuedOutput

    if sink is None:
        return None
    alerts = getattr(sink, "send_alerts", None)  # a network sink's alerts keep their place in line
    q = QueuedOutput(getattr(sink, method), settings.partition.sink_queue, name=method, alerts=alerts)

    def done() -> None:
        q.close()
        print(f"airpicture run: {method}: {q.worker.stats.sent} pictures, {q.dropped} dropped (slow sink)",
              file=sys.stderr)  # fmt: skip

    stack.callback(done)
    return q


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
    check_partition_args(args)
    if args.partitions is not None and not (args.out or args.asterix_out or args.sapient_out):
        raise ConfigError("--partitions N needs a picture to make (--out, --asterix-out or --sapient-out)")
    if args.asterix and args.sapient_in:
        raise ConfigError("--asterix and --sapient-in: one feed of plots at a time")
    if args.asterix:
        from airpicture.cli.asterix import run_live

        return run_live(args)
    if args.sapient_in:
        from airpicture.cli.sapient import run_live as run_sapient

        return run_sapient(args)
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
        if args.out or args.asterix_out or args.sapient_out:
            if receiver is None:
                raise ConfigError(
                    "--out, --asterix-out and --sapient-out need the site: give --lat and --lon"
                )
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
            tracker: Tracker = ImmGnnTracker(
                sensors, site, settings=settings.track, registration=settings.registration
            )
            if args.partitions:
                tracker = partitioned(stack, sensors, site, settings, args)
            stages = (
                tracker,
                # a live feed's sheet puts its receiver at the site: where it hears from is not judged
                TrackIntegrity(
                    sensors, site, settings=settings.integrity, reports=settings.reports, placed=False
                ),
                TrackAssessor(
                    sensors, {"lat": args.lat, "lon": args.lon, "alt_m": args.alt}, [], settings.assess
                ),
            )
            from airpicture.cli import sapient
            from airpicture.cli.asterix import out_sink, print_summary

            outs = [
                s
                for s in (out_sink(args.asterix_out, settings.asterix),
                          sapient.out_sink(args.sapient_out, settings.sapient, site))
                if s is not None
            ]  # fmt: skip
            for s in outs:  # closed, then summed up (last in, first out)
                stack.callback(print_summary, s)
                stack.callback(s.close)
            if args.partitions:  # a slow sink loses pictures (counted), never the regions' time
                out = queued(stack, out, "write", settings)
                outs = [queued(stack, s, "send_picture", settings) for s in outs]
            consumer = PictureWriter(stages, out, aircraft, settings.console.publish_s, outs)
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
