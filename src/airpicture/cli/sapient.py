"""The SAPIENT parts of the commands: `--sapient-out HOST:PORT` of `run` and `console` (airpicture
as a node of a fusion node), `run --sapient-in PORT` (airpicture as the fusion node of sensor
nodes), and `decode --format sapient` (a file of length-prefixed SapientMessages)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airpicture.config import SapientSettings
    from airpicture.sinks.sapient import SapientSink

COLUMNS = ("time_s", "node_id", "content", "object_id", "range_m", "azimuth_deg", "elevation_deg", "lat",
           "lon", "alt_m", "class", "confidence", "state")  # fmt: skip


def add_out_arg(p: argparse.ArgumentParser) -> None:
    from airpicture.cli.run import host_port

    p.add_argument(
        "--sapient-out",
        type=host_port,
        metavar="HOST:PORT",
        help="also send the picture (a DetectionReport per track) and the alerts to this SAPIENT "
        "(BSI Flex 335 v2.0) fusion node over TCP, registering first ([sapient] settings: node_id)",
    )


def listen_address(text: str) -> tuple[str, int]:
    """[HOST:]PORT to listen on; HOST defaults to loopback (argparse type)."""
    from airpicture.cli.run import host_port

    return host_port(text if ":" in text else f"127.0.0.1:{text}")


def add_in_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sapient-in",
        type=listen_address,
        metavar="[HOST:]PORT",
        help="listen here (default host 127.0.0.1; 0.0.0.0: every interface) as the SAPIENT fusion "
        "node of sensor nodes (radars, RF, EO/IR) and track their detections, instead of Mode S "
        "feeds; needs --sensors (a sheet's sapient_node names its node) and the site",
    )


def out_sink(
    address: tuple[str, int] | None, settings: SapientSettings, site: tuple[float, float, float] | None
) -> SapientSink | None:
    if address is None:
        return None
    from airpicture.sinks.sapient import SapientSink

    return SapientSink(address, settings, site)


def run_live(args: argparse.Namespace) -> int:
    """`run --sapient-in PORT`: sensor nodes' detections tracked, judged, assessed, written every
    picture (console.publish_s of feed time) to --out, --asterix-out and --sapient-out."""
    import numpy as np

    from airpicture.cli.asterix import load_sensors, track_live
    from airpicture.cli.main import settings_of
    from airpicture.sources.sapient import SapientStream
    from airpicture.sources.sapient_live import SapientServer
    from airpicture.types import REPORT_DTYPE

    sheets = load_sensors(args, "--sapient-in")
    settings = settings_of(args)
    host, port = args.sapient_in
    stream = SapientStream(sheets, settings.sapient, name=f"sapient-in:{host}:{port}")
    server = SapientServer(stream, host, port)

    async def batches() -> AsyncIterator[tuple[np.ndarray, np.ndarray]]:
        def ready(port: int) -> None:
            print(f"airpicture run: SAPIENT fusion node on {host}:{port} (node {stream.node_id})",
                  file=sys.stderr, flush=True)  # fmt: skip

        async for plots in server.abatches(ready=ready):
            yield plots, np.zeros(0, REPORT_DTYPE)

    pictures, elapsed = track_live(args, sheets, batches())
    took = ", ".join(f"{k} {v}" for k, v in sorted(stream.messages.items())) or "no messages"
    print(f"airpicture run: {server.name}: {server.connections} connections, {took} in {elapsed:.0f} s, "
          f"{pictures} pictures; {stream.rejects.summary()}", file=sys.stderr)  # fmt: skip
    return 0


def decode(args: argparse.Namespace) -> int:
    """`airpicture decode FILE --format sapient`: one CSV row per message."""
    import gzip
    import math
    from pathlib import Path

    from airpicture.errors import DecodeError, SinkError, SourceError
    from airpicture.sources.sapient import Framer, parse
    from airpicture.types import Rejects

    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise SourceError(f"{args.file}: {e}") from e
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rejects = Rejects(args.file)
    framer = Framer(rejects, 1 << 28)
    lines = [",".join(COLUMNS)]

    def num(v: float, fmt: str = "%.7f") -> str:
        return fmt % v if math.isfinite(v) else ""

    for body in framer.split(data):
        try:
            m = parse(body)
        except DecodeError as e:
            rejects.add(e.reason)
            continue
        kind = m.WhichOneof("content") or ""
        row = dict.fromkeys(COLUMNS, "")
        row |= {
            "time_s": num(m.timestamp.ToNanoseconds() * 1e-9, "%.6f"),
            "node_id": m.node_id,
            "content": kind,
        }
        if kind == "detection_report":
            d = m.detection_report
            row |= {"object_id": d.object_id, "state": d.state}
            if d.HasField("range_bearing"):
                rb = d.range_bearing
                el = num(rb.elevation, "%.4f") if rb.HasField("elevation") else ""
                row |= {"range_m": num(rb.range, "%.2f"), "azimuth_deg": num(rb.azimuth, "%.4f"),
                        "elevation_deg": el}  # fmt: skip
            else:
                loc = d.location
                row |= {
                    "lat": num(loc.y),
                    "lon": num(loc.x),
                    "alt_m": num(loc.z, "%.1f") if loc.HasField("z") else "",
                }
            if d.classification:
                row |= {
                    "class": d.classification[0].type,
                    "confidence": num(d.classification[0].confidence, "%.3f"),
                }
        lines.append(",".join(str(row[c]).replace(",", " ") for c in COLUMNS))
    if framer.tail or framer.broken:
        rejects.add("truncated" if not framer.broken else "unframed")
    text = "\n".join(lines) + "\n"
    try:
        if args.out == "-":
            sys.stdout.write(text)
        else:
            Path(args.out).write_text(text)
    except OSError as e:
        raise SinkError(f"{args.out}: {e}") from e
    print(f"{args.file}: {len(lines) - 1} SAPIENT messages; {rejects.summary()}", file=sys.stderr)
    return 0
