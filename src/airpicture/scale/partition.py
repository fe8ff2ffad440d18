"""The live picture split by region: lat/lon tiles with overlap margins, and the routing of a
window's measurements to the regions they fall in.

    Tiling(south, west, north, east, n, margin_m)   n tiles of a box, rows x cols near square
    tiling.owner(lat, lon) -> (K,) int               the tile holding each position (outside: the nearest)
    tiling.touching(lat, lon) -> (K, n) bool         the tiles whose core + margin holds it
    tiling.depth_m(lat, lon, region) -> (K,) m       how far inside its tile's core (< 0: in the margin)
    route(window, tiling, sensors) -> [Measurements] one window per region

Why tiles and not H3 cells: a margin is then exactly margin_m on every side, routing is two
`floor` calls over the batch, any n works (H3 gives 122 * 7^r cells that would be grouped per actor
anyway), and a point touches at most 2 x 2 tiles. Their cost: equal-angle tiles narrow towards the
poles, which a box of a continent at mid latitudes does not feel. A box may cross the antimeridian:
its east edge is then beyond 180 and a longitude is read as the one east of its west edge (Fiji's
sensors at 179.9 E and -179.9 make one box from 178 to 182, not two halves of the globe).

A sensor feeds every region its coverage touches: each measurement goes to every region whose core
plus margin holds its position, so a sensor's data reach exactly the regions its coverage reaches.
A radar plot is placed by its range and azimuth from the sensor's sheet position (flat Earth: an
error of a few hundred metres at 200 km, far inside a margin of tens of km).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from airpicture.errors import ConfigError
from airpicture.geo import wrap_lon
from airpicture.sensors import EARTH_RADIUS_M, RadarSheet, SensorSheet
from airpicture.track.base import Measurements
from airpicture.types import BoolArray, FloatArray, IntArray

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0
#: The reach assumed of a receiver whose sheet states none: Mode S line of sight (sensors.live_receivers).
UNSTATED_RANGE_M = 450_000.0


def grid(n: int, height_m: float, width_m: float) -> tuple[int, int]:
    """rows x cols == n with tiles as near square as n allows."""
    best = (1, n)
    for rows in range(1, n + 1):
        if n % rows == 0:
            cols = n // rows
            if abs(math.log((height_m / rows) / (width_m / cols))) < abs(
                math.log((height_m / best[0]) / (width_m / best[1]))
            ):
                best = (rows, cols)
    return best


class Tiling:
    """n lat/lon tiles of the box [south, north] x [west, east] (deg), each with a margin of
    margin_m on every side. Positions outside the box belong to the nearest tile. west is in
    [-180, 180); east may pass 180 (a box across the antimeridian), at most a turn from west."""

    def __init__(self, south: float, west: float, north: float, east: float, n: int, margin_m: float) -> None:
        if not (north > south and west < east <= west + 360.0 and -180.0 <= west < 180.0 and n >= 1
                and margin_m >= 0):  # fmt: skip
            raise ConfigError(f"bad partition box {south},{west},{north},{east} (n={n}, margin {margin_m} m)")
        self.box = (south, west, north, east)
        self.n, self.margin_m = n, margin_m
        self._cos = math.cos(math.radians((south + north) / 2))
        self.rows, self.cols = grid(n, (north - south) * M_PER_DEG, (east - west) * M_PER_DEG * self._cos)
        self.dlat, self.dlon = (north - south) / self.rows, (east - west) / self.cols
        tile_m = min(self.dlat * M_PER_DEG, self.dlon * M_PER_DEG * self._cos)
        if n > 1 and margin_m >= tile_m / 2:
            raise ConfigError(f"partition margin {margin_m:.0f} m is not below half a tile ({tile_m:.0f} m)")

    @classmethod
    def around(cls, sensors: Sequence[SensorSheet], n: int, margin_m: float) -> Tiling:
        """The box of the sensors' coverage (each sheet's position +- its range)."""
        lat = np.array([s.lat for s in sensors])
        lon = np.array([s.lon for s in sensors])
        reach = np.array([s.max_range_m or UNSTATED_RANGE_M for s in sensors]) / M_PER_DEG
        coslat = np.maximum(np.cos(np.radians(lat)), 0.05)
        south, north = max(float((lat - reach).min()), -89.9), min(float((lat + reach).max()), 89.9)
        # longitudes from the sensor east of the widest gap between them, so the box spans the
        # sensors and not that gap: sensors either side of 180 are neighbours
        lon = wrap_lon(lon)
        order = np.sort(lon)
        gaps = np.diff(order, append=order[0] + 360.0)
        start = order[(int(np.argmax(gaps)) + 1) % len(order)]
        lon = start + np.mod(lon - start, 360.0)
        west, east = float((lon - reach / coslat).min()), float((lon + reach / coslat).max())
        if east - west >= 360.0:
            return cls(south, -180.0, north, 180.0, n, margin_m)
        shift = float(wrap_lon(west)) - west
        return cls(south, west + shift, north, east + shift, n, margin_m)

    def centre(self, region: int) -> tuple[float, float]:
        r, c = divmod(region, self.cols)
        return self.box[0] + (r + 0.5) * self.dlat, float(wrap_lon(self.box[1] + (c + 0.5) * self.dlon))

    def _rc(self, lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Fractional (row, col) of each position: its longitude east of the west edge, or west of
        it (negative) where that edge is nearer than the east one."""
        west, east = self.box[1], self.box[3]
        u = np.mod(np.asarray(lon, dtype=float) - west, 360.0)
        u = np.where(u - (east - west) > 360.0 - u, u - 360.0, u)
        return (lat - self.box[0]) / self.dlat, u / self.dlon

    def owner(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """(K,) the tile whose core holds each position."""
        r, c = self._rc(lat, lon)
        ri = np.clip(np.floor(r), 0, self.rows - 1).astype(np.int64)
        ci = np.clip(np.floor(c), 0, self.cols - 1).astype(np.int64)
        return ri * self.cols + ci

    def touching(self, lat: FloatArray, lon: FloatArray, margin_m: float | None = None) -> BoolArray:
        """(K, n) the tiles whose core plus margin (default: the tiling's) holds each position."""
        r, c = self._rc(lat, lon)
        m = self.margin_m if margin_m is None else margin_m
        mr = m / (M_PER_DEG * self.dlat)
        mc = m / (M_PER_DEG * self.dlon * np.maximum(np.cos(np.radians(lat)), 0.05))
        out = np.zeros((len(lat), self.n), bool)
        k = np.arange(len(lat))
        for rr in (np.floor(r - mr), np.floor(r + mr)):
            for cc in (np.floor(c - mc), np.floor(c + mc)):
                ri = np.clip(rr, 0, self.rows - 1).astype(np.int64)
                ci = np.clip(cc, 0, self.cols - 1).astype(np.int64)
                out[k, ri * self.cols + ci] = True
        return out

    def depth_m(self, lat: FloatArray, lon: FloatArray, region: IntArray) -> FloatArray:
        """(K,) metres from each position to the nearest inner edge of its region's core (< 0:
        outside the core). A box edge is not an inner edge: beyond it the tile goes on."""
        row, col = np.divmod(region, self.cols)
        r, c = self._rc(lat, lon)
        big = np.inf
        d_s = np.where(row > 0, r - row, big) * self.dlat * M_PER_DEG
        d_n = np.where(row < self.rows - 1, row + 1 - r, big) * self.dlat * M_PER_DEG
        m_lon = self.dlon * M_PER_DEG * np.cos(np.radians(lat))
        d_w = np.where(col > 0, c - col, big) * m_lon
        d_e = np.where(col < self.cols - 1, col + 1 - c, big) * m_lon
        d = np.minimum(np.minimum(d_s, d_n), np.minimum(d_w, d_e))
        return np.where(np.isfinite(d), d, 1e9)


def plot_positions(plots: np.ndarray, sensors: Sequence[SensorSheet]) -> tuple[FloatArray, FloatArray]:
    """(lat, lon) deg of radar plots (PLOT_DTYPE), placed from the sensor's sheet position."""
    lat0 = np.array([s.lat for s in sensors])
    lon0 = np.array([s.lon for s in sensors])
    s = np.clip(plots["sensor"], 0, len(sensors) - 1)
    el = np.nan_to_num(plots["elevation_rad"], nan=0.0)
    ground = plots["range_m"] * np.cos(el)
    lat = lat0[s] + ground * np.cos(plots["azimuth_rad"]) / M_PER_DEG
    coslat = np.maximum(np.cos(np.radians(lat0[s])), 0.05)
    lon = lon0[s] + ground * np.sin(plots["azimuth_rad"]) / (M_PER_DEG * coslat)
    return lat, lon


def route(window: Measurements, tiling: Tiling, sensors: Sequence[SensorSheet]) -> list[Measurements]:
    """The window cut into one window per region (every region gets one, maybe empty, so each
    region's tracker judges its misses and publishes at the same times)."""
    rep, pl = window.reports, window.plots
    to_rep = tiling.touching(rep["lat"], rep["lon"]) if len(rep) else np.zeros((0, tiling.n), bool)
    if len(pl):
        radar = np.array([isinstance(s, RadarSheet) for s in sensors])
        known = (pl["sensor"] >= 0) & (pl["sensor"] < len(sensors))
        to_pl = tiling.touching(*plot_positions(pl, sensors))
        # a plot of an unknown or non-radar sensor goes to region 0, whose tracker counts the reject
        to_pl[~known | ~radar[np.clip(pl["sensor"], 0, len(sensors) - 1)]] = np.eye(tiling.n, dtype=bool)[0]
    else:
        to_pl = np.zeros((0, tiling.n), bool)
    out = []
    for r in range(tiling.n):
        mine, pl_r = rep[to_rep[:, r]], pl[to_pl[:, r]]
        idents = (
            set(mine["ident"].tolist()) | set(pl_r["ident"].tolist())
            if window.names or window.info
            else set()
        )
        names = {i: v for i, v in window.names.items() if i in idents}
        info = {i: v for i, v in window.info.items() if i in idents}
        out.append(Measurements(window.until, pl_r, mine, names, info))
    return out


__all__ = ["M_PER_DEG", "Tiling", "grid", "plot_positions", "route"]
