"""`airpicture decode`: decode a Mode S / ADS-B recording into one CSV row per message.

    airpicture decode capture.bin --out reports.csv
    airpicture decode frames.jsonl.gz --format jsonl --lat 49.0097 --lon 2.5479 --out reports.csv
    airpicture decode radar.pcap --format asterix --out rows.csv

Formats: beast (readsb/dump1090 port 30005 binary), avr (port 30002 hex), sbs (port 30003
BaseStation CSV), jsonl (a hex `frame` and a `timestamp` per line); guessed from the first
bytes when --format is not given; gzip files are read as they are. --lat/--lon (the receiver)
resolve surface positions and the first airborne position of each aircraft before an even/odd
pair; a receiver that global decodes contradict is reported and the file decoded without it.
Surface positions heard before any reference get one from the aircraft's first fix (e.g. after
take-off). Columns: time_s, icao24, df, then lat, lon, altitude_m, speed_mps, track_deg,
vrate_mps, callsign, squawk, category, nic, nacp, nucp, sil, then the Comm-B register of a
DF20/21 (bds: 40, 50, 60) and its selected_altitude_m, roll_deg, tas_mps, ias_mps, mach,
heading_deg (a 5,0 ground speed / true track and a 6,0 vertical rate go in speed_mps / track_deg
/ vrate_mps); empty where the message does not carry them.

--format asterix (never guessed): ASTERIX CAT048 / CAT034 / CAT021 / CAT062 as raw data blocks or
UDP in pcap / pcapng, one row per record: time_s, category, sac, sic, range_m, azimuth_deg (048),
lat, lon (021 / 062), altitude_m, flight_level_m, speed_mps, track_deg, icao24, mode3a, callsign,
track_number, message_type (034). ASTERIX carries the time of day only: time_s is on the capture's
date (pcap), or seconds of the day (raw files).

--format sapient (never guessed): SAPIENT (BSI Flex 335 v2.0) messages as they go on TCP (each a
4-byte little-endian length, then the protobuf), one row per message: time_s, node_id, content,
then for a detection report object_id, range_m, azimuth_deg, elevation_deg (range and bearing in
the units the node gave) or lat, lon, alt_m, its first class and confidence, and state.
"""

from __future__ import annotations

import argparse
import sys

COLUMNS = ("time_s", "icao24", "df", "lat", "lon", "altitude_m", "speed_mps", "track_deg", "vrate_mps",
           "callsign", "squawk", "category", "nic", "nacp", "nucp", "sil", "bds", "selected_altitude_m",
           "roll_deg", "tas_mps", "ias_mps", "mach", "heading_deg")  # fmt: skip


def configure(parser: argparse.ArgumentParser) -> None:
    from airpicture.cli.args import latitude, longitude

    parser.add_argument(
        "file", help="recording (Beast, AVR, SBS, JSON lines, ASTERIX or SAPIENT; .gz accepted)"
    )
    parser.add_argument(
        "--format",
        choices=("beast", "avr", "sbs", "jsonl", "asterix", "sapient"),
        help="default: guessed (not asterix nor sapient)",
    )
    parser.add_argument("--lat", type=latitude, help="receiver latitude (deg), checked against global CPR")
    parser.add_argument("--lon", type=longitude, help="receiver longitude (deg)")
    parser.add_argument("--out", default="-", help="CSV file to write (default: stdout)")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from airpicture.errors import ConfigError, SinkError, SourceError
    from airpicture.sources.replay import decode_file

    if args.format in ("asterix", "sapient"):
        from airpicture.cli import asterix, sapient

        return (asterix if args.format == "asterix" else sapient).decode(args)
    if (args.lat is None) != (args.lon is None):
        raise ConfigError("give both --lat and --lon, or neither")
    receiver = (args.lat, args.lon) if args.lat is not None else None
    try:
        table, src = decode_file(args.file, args.format, receiver)
    except SourceError as e:
        if args.format is None and "cannot tell its format" in str(e):
            raise SourceError(f"{e}; --format names it") from None
        raise
    dec = src.stream.decoder
    if dec is not None and (dec.receiver_inconsistent or dec.receiver_inconsistent_surface):
        # the receiver is > 180 NM (airborne) or > 45 NM (surface) from the traffic: every
        # position decoded against it is suspect; decode again from global pairs alone
        chk = dec.receiver_check
        print(f"warning: the receiver position {args.lat:.4f}, {args.lon:.4f} is inconsistent with "
              f"the global CPR decodes ({chk['disagree']} of {chk['agree'] + chk['disagree']} airborne "
              f"and {chk['surface_disagree']} of {chk['surface_agree'] + chk['surface_disagree']} "
              f"surface checks disagree): decoded again without it", file=sys.stderr)  # fmt: skip
        table, src = decode_file(args.file, args.format, None)

    def num(x: np.ndarray, fmt: str) -> list[str]:
        return [fmt % v if v == v else "" for v in x.tolist()]  # v != v: NaN

    def code(x: np.ndarray) -> list[str]:
        return [str(v) if v >= 0 else "" for v in x.tolist()]

    cols = [
        num(table["time_s"], "%.6f"),
        [f"{v:06x}" if v >= 0 else "" for v in table["icao"].tolist()],
        code(table["df"]),
        num(table["lat"], "%.6f"),
        num(table["lon"], "%.6f"),
        num(table["altitude_m"], "%.1f"),
        num(table["speed_mps"], "%.2f"),
        num(np.degrees(table["track_rad"]), "%.2f"),
        num(table["vrate_mps"], "%.2f"),
        [s.strip() for s in table["callsign"].tolist()],
        table["squawk"].tolist(),
        table["category"].tolist(),
        *(code(table[k]) for k in ("nic", "nacp", "nucp", "sil")),
        table["bds"].tolist(),
        num(table["selected_altitude_m"], "%.1f"),
        num(np.degrees(table["roll_rad"]), "%.2f"),
        num(table["tas_mps"], "%.2f"),
        num(table["ias_mps"], "%.2f"),
        num(table["mach"], "%.3f"),
        num(np.degrees(table["heading_rad"]), "%.2f"),
    ]
    text = ",".join(COLUMNS) + "\n" + "".join(",".join(row) + "\n" for row in zip(*cols, strict=True))
    try:
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w") as f:
                f.write(text)
    except OSError as e:
        raise SinkError(f"{args.out}: {e}") from e
    n_pos = int(np.isfinite(table["lat"]).sum())
    # aircraft: addresses not taken from an address/parity reply's CRC (those can be corrupted);
    # counted from the table, as the decoder's registry keeps only the aircraft heard lately
    checked = ~np.isin(table["df"], (0, 4, 5, 16, 20, 21)) & (table["icao"] >= 0)
    n_aircraft = len(np.unique(table["icao"][checked]))
    print(f"{src.name}: {len(table)} messages, {n_pos} positions, {n_aircraft} aircraft; "
          f"{src.stream.rejects.summary()}", file=sys.stderr)  # fmt: skip
    return 0
