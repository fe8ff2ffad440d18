"""`airpicture replay`: play a recording back.

    airpicture replay --serve-beast 30005 capture.bin --speed 10
    airpicture replay --serve-beast 30005 raw_frames.jsonl.gz
    airpicture replay --serve-asterix udp:239.10.10.48:8600 radar.pcap     # a radar on the network
    airpicture replay --serve-asterix tcp:8600 plots.ast --speed 10

    airpicture replay history.db --console 8080 --speed 10     # stored history into the console
    airpicture replay SCENARIO_DIR --console 8080              # a scenario, tracked, into the console

Modes (one per run):
  --serve-beast PORT   serve a Beast recording, or JSON-lines frames re-encoded as Beast, on TCP
                       as a receiver's port 30005 would: to every client, at the recorded pace
                       times --speed. Playback starts when the first client connects.
  --serve-asterix udp:HOST:PORT | tcp:PORT
                       play an ASTERIX recording (raw data blocks or UDP in pcap / pcapng) at its
                       pace (capture times, else the records' times of day) times --speed: as UDP
                       datagrams to HOST:PORT (a multicast group gets [asterix] ttl hops), or to
                       every client of a TCP server on PORT (from the first client's connection).
  --console PORT       play a history store (SQLite file or postgresql:// URL) or a scenario folder
                       into the operator console at --speed, with pause, seek and speed from the
                       page; off-loopback --host needs --token.
"""

from __future__ import annotations

import argparse
import os


def configure(parser: argparse.ArgumentParser) -> None:
    from airpicture.cli.args import port, positive

    parser.add_argument("file", help="the recording")
    parser.add_argument(
        "--speed", type=positive, default=1.0, help="N times faster than recorded (default: %(default)s)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve-beast", type=port, metavar="PORT", help="serve as Beast on this TCP port")
    mode.add_argument(
        "--serve-asterix", metavar="udp:HOST:PORT|tcp:PORT", help="serve an ASTERIX recording over UDP or TCP"
    )
    mode.add_argument(
        "--console", type=port, metavar="PORT", help="play into the operator console on this port"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("AIRPICTURE_CONSOLE_TOKEN"),
        help="console: access token for remote clients and zone changes (default: $AIRPICTURE_CONSOLE_TOKEN)",
    )
    parser.add_argument("--no-loop", action="store_true", help="console: stop at the end instead of looping")


def run(args: argparse.Namespace) -> int:
    if args.serve_beast is not None:
        return _serve_beast(args)
    if args.console is not None:
        return _console(args)
    if args.serve_asterix is not None:
        from airpicture.cli.asterix import serve

        return serve(args)
    return 2


def _console(args: argparse.Namespace) -> int:
    from pathlib import Path

    from airpicture.cli.console import replay_store_console, run_scenario_console
    from airpicture.cli.history import existing_store
    from airpicture.cli.main import settings_of

    loop = not args.no_loop
    if Path(args.file).is_dir():
        run_scenario_console(
            args.file, args.speed, loop, args.host, args.console, args.token, settings=settings_of(args)
        )
    else:
        existing_store(args.file)  # only reads: never creates a store
        replay_store_console(
            args.file, args.speed, loop, args.host, args.console, args.token, settings=settings_of(args)
        )
    return 0


def _serve_beast(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from airpicture.sources.replay import serve_beast

    where = f"{args.host}:{args.serve_beast}"

    def ready(n: int) -> None:
        print(f"serving {n} frames of {args.file} as Beast on {where} at {args.speed}x; "
              "playback starts when the first client connects", file=sys.stderr, flush=True)  # fmt: skip

    sent = asyncio.run(
        serve_beast(args.file, args.serve_beast, host=args.host, speed=args.speed, ready=ready)
    )
    print(f"replay: {sent} frames served", file=sys.stderr)
    return 0
