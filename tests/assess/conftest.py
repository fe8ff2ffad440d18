"""Hand-built pictures for the assess tests: straight, circling and wandering movers near a site."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from airpicture.geo import EnuFrame
from airpicture.types import NO_IDENT, Picture

SITE = {"lat": 48.86, "lon": 2.29, "alt_m": 60.0}

#: A long-range radar that sees only aircraft, a site radar that sees everything, an ADS-B receiver.
SENSORS: list[dict[str, object]] = [
    {
        "id": "LR",
        "kind": "radar",
        "lat": 48.75,
        "lon": 2.40,
        "alt_m": 120,
        "scan_period_s": 4.0,
        "max_range_m": 120000,
        "min_range_m": 500,
        "sigma_range_m": 40,
        "sigma_azimuth_deg": 0.08,
        "pd": {"aircraft": 0.9},
    },
    {
        "id": "SR",
        "kind": "radar",
        "lat": 48.8605,
        "lon": 2.2895,
        "alt_m": 80,
        "scan_period_s": 1.0,
        "max_range_m": 6000,
        "min_range_m": 50,
        "sigma_range_m": 5,
        "sigma_azimuth_deg": 0.4,
        "pd": {"aircraft": 0.95, "drone": 0.8, "bird": 0.6},
    },
    {"id": "ADSB", "kind": "adsb", "lat": 48.86, "lon": 2.29, "alt_m": 60, "max_range_m": 250000},
]

FRAME = EnuFrame(SITE["lat"], SITE["lon"], SITE["alt_m"])


def picture(
    t: float,
    tracks: list[int],
    pos: np.ndarray,
    vel: np.ndarray,
    sensors: list[int],
    ident: list[int] | None = None,
    mode_c: list[bool] | None = None,
    updated: bool = True,
) -> Picture:
    """A picture from ENU positions / velocities (N, 3) about the site; sensors = bit masks."""
    n = len(tracks)
    pos, vel = np.asarray(pos, float).reshape(n, 3), np.asarray(vel, float).reshape(n, 3)
    lat, lon, alt = FRAME.to_geodetic(pos)
    P = np.tile(np.diag([25.0, 25.0, 100.0, 1.0, 1.0, 1.0]), (n, 1, 1))
    return Picture(
        time_s=t,
        track=np.asarray(tracks, dtype=np.int64),
        x=np.hstack([pos, vel]),
        P=P,
        lat=lat,
        lon=lon,
        alt_m=alt,
        cls=np.zeros(n, np.int8),
        cls_p=np.zeros(n),
        ident=np.asarray(ident if ident is not None else [NO_IDENT] * n, dtype=np.int64),
        sensors=np.asarray(sensors, dtype=np.int64),
        last_update_s=np.full(n, t if updated else t - 1.0),
        integrity=np.zeros(n, np.int8),
        mode_c=np.asarray(mode_c if mode_c is not None else [False] * n, dtype=bool),
    )


def only(p: Picture, ids: list[int]) -> Picture:
    """Keep only the rows of these track ids (in place; returns p)."""
    keep = np.isin(p.track, ids)
    for name in (
        "track",
        "x",
        "P",
        "lat",
        "lon",
        "alt_m",
        "cls",
        "cls_p",
        "ident",
        "sensors",
        "last_update_s",
        "integrity",
        "mode_c",
    ):
        setattr(p, name, getattr(p, name)[keep])
    if p.seen_n is not None:
        p.seen_n = p.seen_n[keep]
    if p.crowd_n is not None:
        p.crowd_n = p.crowd_n[keep]
    if p.denied_n is not None:
        p.denied_n = p.denied_n[keep]
    return p


Mover = Callable[[float], tuple[np.ndarray, np.ndarray]]


def straight(p0: tuple[float, float, float], v: tuple[float, float, float]) -> Mover:
    p, vv = np.asarray(p0, float), np.asarray(v, float)
    return lambda t: (p + vv * t, vv)


def circling(centre: tuple[float, float], radius: float, speed: float, height: float) -> Mover:
    def f(t: float) -> tuple[np.ndarray, np.ndarray]:
        a = speed / radius * t
        pos = np.array([centre[0] + radius * np.sin(a), centre[1] + radius * np.cos(a), height])
        vel = np.array([speed * np.cos(a), -speed * np.sin(a), 0.0])
        return pos, vel

    return f


def wandering(seed: int, p0: tuple[float, float, float], speed: float) -> Mover:
    """A bird: heading random walk (10 deg/s), as a precomputed 1 s path."""
    rng = np.random.default_rng(seed)
    hdg = np.cumsum(np.radians(rng.normal(0, 10, 2000)))
    v = np.column_stack([speed * np.sin(hdg), speed * np.cos(hdg), np.zeros(2000)])
    p = np.asarray(p0, float) + np.cumsum(v, axis=0)

    def f(t: float) -> tuple[np.ndarray, np.ndarray]:
        i = int(t)
        return p[i], v[i]

    return f


@pytest.fixture
def run_movers() -> Callable[..., list[Picture]]:
    """Pictures every second for movers: [(track, mover, sensor_bits(t) -> int, ident)].

    As the tracker does, Picture.sensors is cumulative (every sensor that ever updated the track),
    last_update_s is the time of the latest update (bits(t) != 0) and seen_n counts each sensor's
    updates (by_sensor=False: left out, as a picture from elsewhere may).
    """

    def run(
        movers: list[tuple[int, Mover, Callable[[float], int], int]],
        seconds: int,
        t0: float = 1.7e9,
        by_sensor: bool = True,
    ) -> list[Picture]:
        pics = []
        mask = np.zeros(len(movers), dtype=np.int64)
        counts = np.zeros((len(movers), 8), dtype=np.int32)
        last = np.full(len(movers), t0)
        for k in range(seconds):
            pv = [m(float(k)) for _, m, _, _ in movers]
            now = np.array([bits(float(k)) for _, _, bits, _ in movers], dtype=np.int64)
            mask |= now
            counts += ((now[:, None] >> np.arange(8)[None, :]) & 1).astype(np.int32)
            last = np.where(now != 0, t0 + k, last)
            p = picture(
                t0 + k,
                [tid for tid, *_ in movers],
                np.array([p for p, _ in pv]),
                np.array([v for _, v in pv]),
                mask.tolist(),
                ident=[i for *_, i in movers],
            )
            p.last_update_s = last.copy()
            p.seen_n = counts.copy() if by_sensor else None
            pics.append(p)
        return pics

    return run
