"""`airpicture rid`: decode drone Remote ID from a capture into one CSV row per Location.

    airpicture rid capture.pcapng --out reports.csv --drones drones.json

Input: pcap or pcapng (802.11, radiotap, BLE LL, BLE LL with PHDR, nRF Sniffer, Bluetooth HCI H4),
an Android / BlueZ btsnoop HCI log, or JSON lines of hex messages
(``{"time_s": ..., "hex": ..., "address": ...}``); ASTM / ASD-STAN Remote ID and the French
national beacon (OUI 6A:5C:35). Columns: time_s, serial (the Basic ID, empty
when the transmitter never sent one), ident, lat, lon, altitude_m (geodetic, else pressure),
speed_mps, track_deg, vrate_mps. --drones writes what each drone said about itself: serial, UA
type, operator location and id, self-ID text, last seen.
"""

from __future__ import annotations

import argparse
import sys

COLUMNS = ("time_s", "serial", "ident", "lat", "lon", "altitude_m", "speed_mps", "track_deg", "vrate_mps")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="capture (.pcap, .pcapng, btsnoop HCI log) or JSON lines")
    parser.add_argument("--out", default="-", help="CSV file to write (default: stdout)")
    parser.add_argument("--drones", help="also write the per-drone registry as JSON here")
    parser.add_argument("--sensor", type=int, default=0, help="sensor index of the rows (default 0)")


def run(args: argparse.Namespace) -> int:
    import csv
    import json
    import math

    from airpicture.errors import SinkError, SourceError
    from airpicture.sources.remoteid_carriers import read_remoteid
    from airpicture.types import ident_name

    try:
        rows, registry = read_remoteid(args.file, sensor=args.sensor)
    except OSError as e:
        raise SourceError(f"{args.file}: {e}") from e
    names = registry.names()

    def num(v: float, fmt: str) -> str:
        return "" if math.isnan(v) else fmt % v

    try:
        out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")  # noqa: SIM115
        try:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(COLUMNS)
            for r in rows.tolist():
                t, _, ident, lat, lon, alt, speed, track, vrate = r
                w.writerow(
                    [
                        f"{t:.1f}",
                        names.get(ident, ""),
                        ident_name(ident),
                        num(lat, "%.7f"),
                        num(lon, "%.7f"),
                        num(alt, "%.1f"),
                        num(speed, "%.2f"),
                        num(math.degrees(track), "%.1f"),
                        num(vrate, "%.1f"),
                    ]
                )
        finally:
            if out is not sys.stdout:
                out.close()
        if args.drones:
            drones = {ident_name(k): v for k, v in registry.drones().items()}
            with open(args.drones, "w") as f:
                # NaN (unknown) is written as null: JSON has no NaN
                clean = {
                    k: {f: (None if isinstance(x, float) and math.isnan(x) else x) for f, x in v.items()}
                    for k, v in drones.items()
                }
                json.dump(clean, f, indent=1, sort_keys=True)
    except OSError as e:
        raise SinkError(f"{e}") from e
    print(
        f"{args.file}: {registry.frames} frames, {len(rows)} positions, {len(registry.drones())} drones; "
        f"{registry.rejects.summary()}",
        file=sys.stderr,
    )
    return 0
