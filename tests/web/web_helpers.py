"""Hand-built Pictures near Paris and a real uvicorn server on a free port, for the console tests.

A plain module, not conftest.py: other test folders have a conftest.py that their tests import by
name, and a second module named `conftest` would shadow theirs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from airpicture.sinks.web import LiveState, MapZone, SensorSite, create_app
from airpicture.types import Picture

SITE = (48.86, 2.29)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def make_picture(
    t: float,
    ids: Sequence[int],
    lat: Sequence[float],
    lon: Sequence[float],
    alt_m: Sequence[float] | float = 1000.0,
    vel: Sequence[tuple[float, float]] | None = None,
    cls: Sequence[int] | int = 1,
    ident: Sequence[int] | None = None,
    names: dict[int, str] | None = None,
    integrity: Sequence[int] | int = 0,
    sensors: int = 1,
) -> Picture:
    """A Picture as the tracker publishes it; vel = (ve, vn) m/s per track."""
    n = len(ids)
    x = np.zeros((n, 6))
    if vel is not None:
        x[:, 3:5] = np.asarray(vel, float).reshape(n, 2)
    return Picture(
        time_s=t,
        track=np.asarray(ids, np.int64),
        x=x,
        P=np.broadcast_to(np.eye(6), (n, 6, 6)).copy(),
        lat=np.asarray(lat, float),
        lon=np.asarray(lon, float),
        alt_m=np.broadcast_to(np.asarray(alt_m, float), (n,)).copy(),
        cls=np.broadcast_to(np.asarray(cls, np.int8), (n,)).copy(),
        cls_p=np.full(n, 0.9),
        ident=np.asarray(ident if ident is not None else [-1] * n, np.int64),
        sensors=np.full(n, sensors, np.int64),
        last_update_s=np.full(n, t),
        integrity=np.broadcast_to(np.asarray(integrity, np.int8), (n,)).copy(),
        mode_c=np.ones(n, bool),
        names=dict(names or {}),
    )


def grid_picture(t: float, n: int, seed: int = 0, spread_deg: float = 0.5) -> Picture:
    """n aircraft spread around Paris, moving east at 100-250 m/s, drifting with t."""
    rng = np.random.default_rng(seed)
    pool = 4096  # draw a fixed pool so track k is the same aircraft whatever n is
    lat = SITE[0] + rng.uniform(-spread_deg, spread_deg, pool)[:n]
    lon0 = SITE[1] + rng.uniform(-spread_deg, spread_deg, pool)[:n]
    spd = rng.uniform(100, 250, pool)[:n]
    lon = lon0 + spd * t / (111_320 * np.cos(np.radians(lat)))
    vel = np.stack([spd, rng.uniform(-20, 20, pool)[:n]], axis=1)
    alt = rng.uniform(300, 11000, pool)[:n]
    return make_picture(t, np.arange(1, n + 1), lat, lon, alt, [tuple(v) for v in vel])


def paris_state() -> LiveState:
    return LiveState(
        sensors=[
            SensorSite("TMA1", "radar", 48.75, 2.4, 120, 120_000),
            SensorSite("SITE1", "radar", 48.8605, 2.2895, 80, 6000),
        ],
        zones=[MapZone("site-A core", "circle", SITE[0], SITE[1], 1000, 0, 600)],
        site={"name": "site-A", "lat": SITE[0], "lon": SITE[1]},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    state: LiveState
    port: int


def run_server() -> Iterator[Server]:
    """The console app under a real uvicorn on 127.0.0.1, in a thread; stopped when resumed."""
    import uvicorn

    state = paris_state()
    port = free_port()
    app = create_app(state, token="s3cret")
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("console server did not start")
        time.sleep(0.02)
    yield Server(f"http://127.0.0.1:{port}", state, port)
    srv.should_exit = True
    th.join(timeout=10)
