"""Protected zones: circles and polygons in the site's East-North-Up frame, with a height band.

Sources of zones:
- GeoJSON (FeatureCollection, Feature or bare geometry): Polygon / MultiPolygon, and circles as a
  Point with a `radius_m` property. Properties: `name`, `floor_m`, `ceiling_m` (metres above the
  site; defaults 0 and no ceiling).
- A scenario's meta.json `zones` list and operator config files: objects with `kind: circle`,
  lat, lon, radius_m, floor_m, ceiling_m (or a `geojson` member holding GeoJSON).

Footprints are projected once onto the site's tangent plane; zones are a few km across, where the
projection error is centimetres.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from airpicture.assess.base import Zone
from airpicture.errors import ConfigError
from airpicture.geo import EnuFrame
from airpicture.types import FloatArray

_NO_CEILING = 1e9


@dataclass
class CircleZone:
    """A circle of radius_m about (e0, n0) m in the site frame."""

    name: str
    e0: float
    n0: float
    radius_m: float
    floor_m: float = 0.0
    ceiling_m: float = _NO_CEILING

    def depth(self, en: FloatArray) -> FloatArray:
        en = np.asarray(en, dtype=np.float64)
        return self.radius_m - np.hypot(en[..., 0] - self.e0, en[..., 1] - self.n0)

    def to_geojson(self, site: dict[str, float]) -> dict[str, object]:
        lat, lon, _ = EnuFrame(site["lat"], site["lon"], 0.0).to_geodetic(np.array([[self.e0, self.n0, 0.0]]))
        return _feature(
            {"type": "Point", "coordinates": [float(lon[0]), float(lat[0])]},
            self,
            radius_m=self.radius_m,
        )


@dataclass
class PolygonZone:
    """One or more polygons (a MultiPolygon), each a list of rings (M, 2) [e n] m; holes by even-odd."""

    name: str
    rings: list[FloatArray]
    floor_m: float = 0.0
    ceiling_m: float = _NO_CEILING
    lonlat: list[list[list[list[float]]]] | None = None  # the source coordinates, for to_geojson

    def __post_init__(self) -> None:
        a = [np.asarray(r, dtype=np.float64) for r in self.rings]
        # all edges of all rings as two (S, 2) arrays: start and end points
        self._p = np.concatenate([r for r in a])
        self._q = np.concatenate([np.roll(r, -1, axis=0) for r in a])

    def depth(self, en: FloatArray) -> FloatArray:
        pts = np.asarray(en, dtype=np.float64)
        shape = pts.shape[:-1]
        x = pts.reshape(-1, 1, 2)
        p, q = self._p[None], self._q[None]
        d = q - p
        # distance to each edge (point-to-segment), then the nearest edge
        t = np.clip(np.sum((x - p) * d, axis=-1) / np.maximum(np.sum(d * d, axis=-1), 1e-12), 0.0, 1.0)
        dist = np.min(np.hypot(*np.moveaxis(x - (p + t[..., None] * d), -1, 0)), axis=1)
        # even-odd rule: count edge crossings of a ray towards +e
        py, qy = p[..., 1], q[..., 1]
        straddle = (py > x[..., 1]) != (qy > x[..., 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = p[..., 0] + (x[..., 1] - py) * (q[..., 0] - p[..., 0]) / (qy - py)
        inside = (np.sum(straddle & (x[..., 0] < xc), axis=1) % 2) == 1
        return np.where(inside, dist, -dist).reshape(shape)

    def to_geojson(self, site: dict[str, float]) -> dict[str, object]:
        if self.lonlat is None:
            frame = EnuFrame(site["lat"], site["lon"], 0.0)
            polys = []
            for r in self.rings:
                lat, lon, _ = frame.to_geodetic(np.column_stack([r, np.zeros(len(r))]))
                ring = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
                polys.append([[*ring, ring[0]]])
        else:
            polys = self.lonlat
        return _feature({"type": "MultiPolygon", "coordinates": polys}, self)


def _feature(geometry: dict[str, object], z: CircleZone | PolygonZone, **extra: float) -> dict[str, object]:
    props: dict[str, object] = {"name": z.name, "floor_m": z.floor_m, **extra}
    if z.ceiling_m < _NO_CEILING:
        props["ceiling_m"] = z.ceiling_m
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _band(props: dict[str, object], where: str) -> tuple[float, float]:
    try:
        floor = float(props.get("floor_m", 0.0) or 0.0)  # type: ignore[arg-type]
        ceil_ = props.get("ceiling_m")
        ceiling = _NO_CEILING if ceil_ is None else float(ceil_)  # type: ignore[arg-type]
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: floor_m/ceiling_m must be numbers") from e
    if not (math.isfinite(floor) and ceiling > floor):
        raise ConfigError(f"{where}: ceiling_m must be above floor_m")
    return floor, ceiling


def _circle(
    name: str, lat: float, lon: float, radius: object, band: tuple[float, float], frame: EnuFrame
) -> Zone:
    try:
        r = float(radius)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ConfigError(f"zone {name!r}: radius_m must be a number") from err
    if not r > 0:
        raise ConfigError(f"zone {name!r}: radius_m must be positive")
    e0, n0, _ = frame.to_enu(np.array([lat]), np.array([lon]), np.array([0.0]))[0]
    return CircleZone(name, float(e0), float(n0), r, *band)


def zones_from_geojson(obj: dict[str, object], site: dict[str, float]) -> list[Zone]:
    """GeoJSON FeatureCollection / Feature / geometry -> zones (names default to zone-1, zone-2...)."""
    frame = EnuFrame(site["lat"], site["lon"], 0.0)
    kind = obj.get("type")
    if kind == "FeatureCollection":
        feats = obj.get("features")
    elif kind == "Feature":
        feats = [obj]
    else:
        feats = [{"type": "Feature", "geometry": obj, "properties": {}}]
    if not isinstance(feats, list):
        raise ConfigError("GeoJSON: features must be a list")
    out: list[Zone] = []
    for i, f in enumerate(feats, 1):
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
            raise ConfigError(f"GeoJSON feature {i}: no geometry")
        g, props = f["geometry"], f.get("properties") or {}
        name = str(props.get("name") or f"zone-{i}")
        band = _band(props, f"zone {name!r}")
        coords = g.get("coordinates")
        try:
            if g.get("type") == "Point":
                lon, lat = float(coords[0]), float(coords[1])
                out.append(_circle(name, lat, lon, props.get("radius_m"), band, frame))
                continue
            if g.get("type") == "Polygon":
                polys = [coords]
            elif g.get("type") == "MultiPolygon":
                polys = list(coords)
            else:
                raise ConfigError(
                    f"zone {name!r}: geometry {g.get('type')!r} is not Point/Polygon/MultiPolygon"
                )
            rings = []
            for poly in polys:
                for ring in poly:
                    a = np.asarray(ring, dtype=np.float64)
                    if a.ndim != 2 or a.shape[0] < 3 or a.shape[1] < 2 or not np.all(np.isfinite(a)):
                        raise ConfigError(f"zone {name!r}: a ring needs at least 3 finite [lon, lat] points")
                    if np.array_equal(a[0], a[-1]):
                        a = a[:-1]
                    rings.append(frame.to_enu(a[:, 1], a[:, 0], np.zeros(len(a)))[:, :2])
        except (TypeError, ValueError, IndexError) as e:
            raise ConfigError(f"zone {name!r}: bad coordinates") from e
        out.append(PolygonZone(name, rings, *band, lonlat=[[list(map(list, r)) for r in p] for p in polys]))
    return out


def zones_from_config(items: list[dict[str, object]], site: dict[str, float]) -> list[Zone]:
    """A list of zone objects (meta.json `zones` or a config file) -> zones."""
    frame = EnuFrame(site["lat"], site["lon"], 0.0)
    out: list[Zone] = []
    for i, z in enumerate(items, 1):
        if not isinstance(z, dict):
            raise ConfigError(f"zone {i}: not an object")
        if "geojson" in z:
            out += zones_from_geojson(z["geojson"], site)  # type: ignore[arg-type]
            continue
        name = str(z.get("name") or f"zone-{i}")
        if z.get("kind", "circle") != "circle":
            raise ConfigError(f"zone {name!r}: kind {z.get('kind')!r} (use GeoJSON for polygons)")
        try:
            lat, lon = float(z["lat"]), float(z["lon"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"zone {name!r}: lat/lon missing or not numbers") from e
        out.append(_circle(name, lat, lon, z.get("radius_m"), _band(z, f"zone {name!r}"), frame))
    return out


def load_zones(path: str | Path, site: dict[str, float]) -> list[Zone]:
    """Zones from a file: GeoJSON, a JSON list of zone objects, or a scenario meta.json."""
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read zones from {path}: {e}") from e
    if isinstance(obj, list):
        return zones_from_config(obj, site)
    if isinstance(obj, dict) and "zones" in obj and isinstance(obj["zones"], list):
        return zones_from_config(obj["zones"], site)
    if isinstance(obj, dict) and "type" in obj:
        return zones_from_geojson(obj, site)
    raise ConfigError(f"{path}: neither GeoJSON nor a list of zones")


def zones_to_geojson(zones: list[Zone], site: dict[str, float]) -> dict[str, object]:
    """A FeatureCollection of the zones (for the map)."""
    return {"type": "FeatureCollection", "features": [z.to_geojson(site) for z in zones]}


__all__ = [
    "CircleZone",
    "PolygonZone",
    "load_zones",
    "zones_from_config",
    "zones_from_geojson",
    "zones_to_geojson",
]
