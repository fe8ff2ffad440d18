"""`airpicture gnss`: the GNSS interference map of Mode S / ADS-B recordings, as GeoJSON.

    airpicture gnss frames.bin --out map.geojson
    airpicture gnss rx1.bin rx2.jsonl.gz --lat 49.0097 --lon 2.5479 --out map.geojson --alerts alerts.csv

Reads any recording `airpicture decode` reads (Beast, AVR, SBS, JSON lines; gzip accepted). Each
airborne position's NIC / NACp / NUCp says whether the aircraft's GNSS position quality is degraded;
the aircraft (distinct addresses) are counted per H3 cell and time bin, as gpsjam.org does, and a
cell and bin with enough aircraft and a high share of degraded ones is marked as probable
interference (settings [gnss]; the README's "GNSS interference map" explains them). The GeoJSON
has one Polygon feature per cell and bin with the properties h3, start_s, end_s, aircraft,
degraded, unrated, share, interference, closed. Several files are one map: an aircraft heard by
two receivers counts once. --lat/--lon are the receiver (for the first positions of each aircraft)
and the protected site: with --alerts, the recording is replayed in time order through the live
alert (a cell within [gnss] alert_range_m of the site turning bad, and recovering) and its steps
are written as alerts.csv.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from airpicture.integrity.gnss import CellBins
    from airpicture.integrity.gnss_alerts import GnssWatch
    from airpicture.sources.modes import MessageArray
    from airpicture.types import Alert


EPILOG = """\
A position is degraded with NIC < [gnss] nic_min (7), NACp < nacp_min (8) or, without a NIC,
NUCp < nucp_min (6); unknown quality counts as unrated, never as good. Aircraft (distinct
addresses) are counted per H3 cell (resolution 4) and bin (120 s); a cell-bin is probable
interference with >= min_aircraft (3) rated aircraft and (degraded - 1) / aircraft >= share_red
(10 %), gpsjam.org's red. GeoJSON properties: h3, start_s, end_s, aircraft, degraded, unrated,
share, interference, closed. Beast has no date: its times are seconds after the first frame.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="recordings (Beast, AVR, SBS, JSON lines; .gz)"
    )
    parser.add_argument(
        "--format", choices=("beast", "avr", "sbs", "jsonl"), help="default: guessed per file"
    )
    parser.add_argument("--lat", type=float, help="receiver / site latitude (deg)")
    parser.add_argument("--lon", type=float, help="receiver / site longitude (deg)")
    parser.add_argument("--out", required=True, help="GeoJSON file to write")
    parser.add_argument("--alerts", help="also replay the GNSS alert near the site and write alerts.csv here")


def replay(
    watch: GnssWatch, table: MessageArray, observe: Callable[[float, CellBins], object] | None = None
) -> list[Alert]:
    """Feed `table` to `watch` in time order, update_s of feed time a batch, as a live feed would;
    the alert steps in order. observe(now_s, map) sees the map at each evaluation."""
    import numpy as np

    t = table["time_s"]
    table = table[np.isfinite(t)]
    table = table[np.argsort(table["time_s"], kind="stable")]
    t = table["time_s"]
    if not len(t):
        return []
    step = watch.s.update_s
    edges = np.searchsorted(t, np.arange(t[0] + step, t[-1] + step, step))
    steps: list[Alert] = []
    lo = 0
    for hi in [*edges.tolist(), len(t)]:
        if hi > lo:
            watch.add(table[lo:hi])
            lo = hi
        got = watch.tick()
        if got is not None:
            steps += got[0]
            if observe is not None:
                observe(watch.map.now_s, got[1])
    got = watch.tick(force=True)
    return steps + (got[0] if got is not None else [])


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from airpicture.assess.alerts import write_alerts_csv
    from airpicture.cli.main import settings_of
    from airpicture.errors import ConfigError
    from airpicture.integrity.gnss import GnssMap, cell_name
    from airpicture.integrity.gnss_alerts import GnssWatch
    from airpicture.sinks.gnss import write_geojson
    from airpicture.sources.replay import decode_file

    if (args.lat is None) != (args.lon is None):
        raise ConfigError("give both --lat and --lon, or neither")
    if args.alerts and args.lat is None:
        raise ConfigError("--alerts needs the site: give --lat and --lon")
    s = settings_of(args).gnss
    receiver = (args.lat, args.lon) if args.lat is not None else None
    tables = []
    for path in args.files:
        table, src = decode_file(path, args.format, receiver)
        print(f"{src.name}: {len(table)} messages; {src.stream.rejects.summary()}", file=sys.stderr)
        tables.append(table)
    table = np.concatenate(tables)
    whole = GnssMap(s.model_copy(update={"keep_s": float("inf")}))  # the file keeps every bin
    whole.add(table, now_s=float(np.nanmax(table["time_s"])) if len(table) else None)
    cells = whole.cells()
    write_geojson(args.out, cells)
    bad = cells.interference
    print(
        f"airpicture gnss: {whole.positions} airborne positions, {len(cells)} cell-bins in "
        f"{len(np.unique(cells.cell))} cells ({s.bin_s:g} s bins, H3 resolution {s.resolution}); "
        f"probable interference in {int(bad.sum())} cell-bins, cells: "
        f"{', '.join(cell_name(c) for c in np.unique(cells.cell[bad]).tolist()) or 'none'}"
        + (f"; {whole.rejects.summary()}" if whole.rejects.total else ""),
        file=sys.stderr,
    )
    if args.alerts:
        steps = replay(GnssWatch(s, (args.lat, args.lon)), table)
        write_alerts_csv(args.alerts, steps)
        for a in steps:
            print(f"  {a.time_s:.0f} {a.alert} {a.state}: {a.message}", file=sys.stderr)
    return 0
