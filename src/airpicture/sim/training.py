"""Truth trajectories with kinds and behaviour labels, for training and testing classifiers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from airpicture.sim.config import SimConfig
from airpicture.sim.stream import Simulation
from airpicture.sim.targets import BEHAVIOURS
from airpicture.types import CLASSES, FloatArray, IntArray


@dataclass
class Trajectories:
    """Samples of every real object, grouped by object and in time order within each.

    Per sample (S,): uid, time_s, e, n (m, site tangent plane), alt_m (ellipsoid), lat, lon (deg),
    ve, vn, vu (m/s). Per object (U,), sorted by uid: uids, kind (code into CLASSES), behaviour
    (code into BEHAVIOURS), name; object i's samples are rows start[i]:start[i + 1].
    """

    uid: IntArray
    time_s: FloatArray
    e: FloatArray
    n: FloatArray
    alt_m: FloatArray
    lat: FloatArray
    lon: FloatArray
    ve: FloatArray
    vn: FloatArray
    vu: FloatArray
    uids: IntArray
    kind: np.ndarray
    behaviour: np.ndarray
    name: np.ndarray
    start: IntArray

    def __len__(self) -> int:
        return len(self.uids)

    def kind_label(self, i: int) -> str:
        return CLASSES[int(self.kind[i])]

    def behaviour_label(self, i: int) -> str:
        return BEHAVIOURS[int(self.behaviour[i])]

    def __iter__(self) -> Iterator[tuple[int, slice]]:
        """(object index, slice of its samples) for every object."""
        for i in range(len(self.uids)):
            yield i, slice(int(self.start[i]), int(self.start[i + 1]))


def trajectories(config: SimConfig, *, period_s: float = 1.0) -> Trajectories:
    """Run the simulation without sensors and collect every real object's trajectory, sampled every
    period_s (a whole multiple of config.dt_s). Memory grows with objects x duration: for training
    sets, not for load runs."""
    every = max(1, round(period_s / config.dt_s))
    sim = Simulation(config)
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("uid", "t", "e", "n", "alt", "lat", "lon", "ve", "vn", "vu")
    }
    meta: dict[int, tuple[int, int, str]] = {}
    for f in sim.frames(truth_every=every, measure=False):
        tr = f.truth
        if tr is None:
            continue
        for k, v in (
            ("uid", tr.uid),
            ("e", tr.e),
            ("n", tr.n),
            ("alt", tr.alt_m),
            ("lat", tr.lat),
            ("lon", tr.lon),
            ("ve", tr.ve),
            ("vn", tr.vn),
            ("vu", tr.vu),
        ):
            cols[k].append(v)
        cols["t"].append(np.full(len(tr), tr.time_s))
        new = (
            ~np.isin(tr.uid, np.fromiter(meta.keys(), np.int64, len(meta)))
            if meta
            else np.ones(len(tr), bool)
        )
        for u, k, b, nm in zip(
            tr.uid[new].tolist(),
            tr.kind[new].tolist(),
            tr.behaviour[new].tolist(),
            tr.name[new].tolist(),
            strict=True,
        ):
            meta[u] = (k, b, nm)
    a = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
    uid = a["uid"].astype(np.int64)
    o = np.lexsort((a["t"], uid))
    uids, first = np.unique(uid[o], return_index=True)
    info = [meta[int(u)] for u in uids]
    return Trajectories(
        uid=uid[o],
        time_s=a["t"][o],
        e=a["e"][o],
        n=a["n"][o],
        alt_m=a["alt"][o],
        lat=a["lat"][o],
        lon=a["lon"][o],
        ve=a["ve"][o],
        vn=a["vn"][o],
        vu=a["vu"][o],
        uids=uids,
        kind=np.array([x[0] for x in info], np.int8),
        behaviour=np.array([x[1] for x in info], np.int8),
        name=np.array([x[2] for x in info]),
        start=np.append(first, len(uid)).astype(np.int64),
    )


__all__ = ["Trajectories", "trajectories"]
