#!/usr/bin/env python3
"""Build the console's offline basemap: Natural Earth 1:50m countries as gzipped GeoJSON.

The source is the `world-atlas` npm package (TopoJSON of Natural Earth, which is public domain):

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 tools/build_basemap.py package/countries-50m.json \
        src/airpicture/sinks/web/static/basemap/countries-50m.geojson.gz

TopoJSON stores shared borders once as quantised, delta-encoded arcs; a polygon ring lists arc
indices (~i = arc i reversed). Decoding needs no library: undo the deltas, scale, stitch the arcs.
Coordinates are rounded to 4 decimals (~10 m), far below what 1:50m resolves.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any


def decode_arcs(topo: dict[str, Any]) -> list[list[list[float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append([round(x * sx + tx, 4), round(y * sy + ty, 4)])
        arcs.append(pts)
    return arcs


def ring(indices: list[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    out: list[list[float]] = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def to_geojson(topo: dict[str, Any], name: str) -> dict[str, Any]:
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"][name]["geometries"]:
        if g.get("type") == "Polygon":
            coords: Any = [ring(r, arcs) for r in g["arcs"]]
        elif g.get("type") == "MultiPolygon":
            coords = [[ring(r, arcs) for r in poly] for poly in g["arcs"]]
        else:
            continue
        props = {"name": g.get("properties", {}).get("name", "")}
        features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": g["type"], "coordinates": coords}}
        )
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    topo = json.loads(Path(argv[0]).read_text())
    name = "countries" if "countries" in topo["objects"] else next(iter(topo["objects"]))
    data = json.dumps(to_geojson(topo, name), separators=(",", ":")).encode()
    Path(argv[1]).write_bytes(gzip.compress(data, 9, mtime=0))
    print(f"{argv[1]}: {len(data) / 1e6:.1f} MB GeoJSON, {Path(argv[1]).stat().st_size / 1e6:.1f} MB gzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
