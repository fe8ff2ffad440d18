"""Synthetic decoded Mode S tables for the GNSS interference map: straight-flying aircraft that
broadcast airborne positions with NIC / NACp, degraded inside a jammer's circle during its span.

A plain module (not conftest.py) so that benchmarks and tests import it by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np

from airpicture.sources.modes import MESSAGE_DTYPE, MessageArray

T0 = 1_749_996_000.0  # a whole hour: a bin boundary of every bin length used here
SITE = (48.86, 2.29)
M_PER_DEG = 111_195.0


@dataclass(frozen=True)
class Jammer:
    lat: float
    lon: float
    radius_m: float
    start_s: float
    end_s: float

    def inside(self, t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        d = distance_m(lat, lon, self.lat, self.lon)
        return (d <= self.radius_m) & (t >= self.start_s) & (t < self.end_s)


def distance_m(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    dlat = np.radians(lat - lat0)
    dlon = np.radians(lon - lon0)
    a = np.sin(dlat / 2) ** 2 + np.cos(np.radians(lat)) * np.cos(np.radians(lat0)) * np.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def traffic(
    n: int = 400,
    duration_s: float = 2400.0,
    every_s: float = 2.0,
    half_width_m: float = 150_000.0,
    jammers: tuple[Jammer, ...] = (),
    seed: int = 0,
    nacp: int = 9,
) -> MessageArray:
    """n aircraft around SITE, each flying a straight line at 150-250 m/s through the whole run,
    one airborne position every `every_s` (NIC 8, NACp `nacp`: good; NIC 0, NACp 0 inside a jammer)."""
    rng = np.random.default_rng(seed)
    t = T0 + np.arange(0.0, duration_s, every_s)
    hdg = rng.uniform(0, 2 * np.pi, n)
    spd = rng.uniform(150, 250, n)
    # start so that the middle of the run is at a uniform point of the box
    mid_e, mid_n = rng.uniform(-half_width_m, half_width_m, (2, n))
    dt = t[None, :] - (T0 + duration_s / 2)
    e = mid_e[:, None] + spd[:, None] * np.sin(hdg)[:, None] * dt
    nn = mid_n[:, None] + spd[:, None] * np.cos(hdg)[:, None] * dt
    lat = SITE[0] + nn / M_PER_DEG
    lon = SITE[1] + e / (M_PER_DEG * np.cos(np.radians(SITE[0])))
    # each aircraft's clock is offset a little: messages are not all at the same instants
    tt = t[None, :] + rng.uniform(0, every_s, (n, 1))
    keep = (np.abs(e) <= half_width_m * 1.3) & (np.abs(nn) <= half_width_m * 1.3)
    m = np.zeros(int(keep.sum()), MESSAGE_DTYPE)
    m["time_s"] = tt[keep]
    m["icao"] = np.broadcast_to(0x400000 + np.arange(n)[:, None], keep.shape)[keep]
    m["df"], m["tc"] = 17, 11
    m["lat"], m["lon"] = lat[keep], lon[keep]
    m["altitude_m"] = 10_000.0
    m["speed_mps"], m["track_rad"], m["vrate_mps"] = np.nan, np.nan, np.nan
    m["nic"], m["nacp"], m["nucp"], m["sil"] = 8, nacp, 7, 3
    m["cpr"] = 1
    for j in jammers:
        hit = j.inside(m["time_s"], m["lat"], m["lon"])
        m["nic"][hit], m["nacp"][hit], m["nucp"][hit], m["tc"][hit] = 0, 0, 0, 18
    return m[np.argsort(m["time_s"], kind="stable")]


def cells_reaching(j: Jammer, resolution: int) -> set[int]:
    """The H3 cells (int) that reach into the jammer's circle: any cell an aircraft can be degraded in."""
    center = h3.api.numpy_int.latlng_to_cell(j.lat, j.lon, resolution)
    k = int(j.radius_m / (h3.average_hexagon_edge_length(resolution, "m") * 1.5)) + 2
    out = set()
    for c in h3.api.numpy_int.grid_disk(center, k).tolist():
        ring = np.array(h3.api.numpy_int.cell_to_boundary(c))
        clat, clon = h3.api.numpy_int.cell_to_latlng(c)
        circum = distance_m(ring[:, 0], ring[:, 1], clat, clon).max()
        if distance_m(np.array([clat]), np.array([clon]), j.lat, j.lon)[0] <= j.radius_m + circum:
            out.add(int(c))
    return out
