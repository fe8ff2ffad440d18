"""The GNSS interference map as GeoJSON: one Polygon feature per H3 cell and time bin.

Properties: h3 (15 hex digits), start_s, end_s (the bin, UTC epoch s), aircraft (rated), degraded,
unrated, share (degraded / aircraft; null without rated aircraft), interference (true / false),
closed (the bin had ended when the map was made). Boundaries come from h3 (lon, lat order, the
ring closed); a cell across the antimeridian is drawn with longitudes past 180 so that no edge
spans the globe.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import h3

from airpicture.errors import SinkError
from airpicture.integrity.gnss import CellBins, cell_name


def ring(cell: int) -> list[list[float]]:
    """The cell's boundary as a closed GeoJSON ring of [lon, lat]."""
    pts = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.api.numpy_int.cell_to_boundary(cell)]
    lons = [p[0] for p in pts]
    if max(lons) - min(lons) > 180.0:
        pts = [[lon + 360.0 if lon < 0 else lon, lat] for lon, lat in pts]
    return [*pts, pts[0]]


def features(cells: CellBins) -> list[dict[str, Any]]:
    """One GeoJSON Feature per row of the map (see the module docstring)."""
    rings: dict[int, list[list[float]]] = {}
    out = []
    for k, c in enumerate(cells.cell.tolist()):
        if c not in rings:
            rings[c] = ring(c)
        share = float(cells.share[k])
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [rings[c]]},
                "properties": {
                    "h3": cell_name(c),
                    "start_s": float(cells.start_s[k]),
                    "end_s": float(cells.end_s[k]),
                    "aircraft": int(cells.aircraft[k]),
                    "degraded": int(cells.degraded[k]),
                    "unrated": int(cells.unrated[k]),
                    "share": round(share, 4) if math.isfinite(share) else None,
                    "interference": bool(cells.interference[k]),
                    "closed": bool(cells.closed[k]),
                },
            }
        )
    return out


def feature_collection(cells: CellBins) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features(cells)}


def write_geojson(path: str | Path, cells: CellBins) -> None:
    """The map as a GeoJSON FeatureCollection file; SinkError if it cannot be written."""
    try:
        with open(path, "w") as f:
            json.dump(feature_collection(cells), f, separators=(",", ":"), allow_nan=False)
    except OSError as e:
        raise SinkError(f"{path}: {e}") from e


__all__ = ["feature_collection", "features", "ring", "write_geojson"]
