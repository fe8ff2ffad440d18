"""Helpers of the simulator tests: run a small simulation, and the truth behind each measurement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from airpicture.geo import geodetic_to_ecef
from airpicture.sim import Frame, SimConfig, Simulation


@dataclass
class Run:
    sim: Simulation
    frames: list[Frame]
    plots: np.ndarray
    plot_uid: np.ndarray
    plot_frame: np.ndarray  # index of the frame each plot came in
    reports: np.ndarray
    report_uid: np.ndarray
    report_frame: np.ndarray
    lives: dict[str, np.ndarray]

    def life(self, uid: np.ndarray, key: str) -> np.ndarray:
        """A per-object column (kind, behaviour, transponder...) for each uid."""
        order = np.argsort(self.lives["uid"])
        return self.lives[key][order][np.searchsorted(self.lives["uid"][order], uid)]

    def true_ecef(self, uid: np.ndarray, frame: np.ndarray, t: np.ndarray) -> np.ndarray:
        """(N, 3) ECEF of object `uid` at time t, within frame `frame` (linear between its ends)."""
        out = np.full((len(uid), 3), np.nan)
        for k in np.unique(frame):
            m = frame == k
            a, b = self.frames[k].truth, self.frames[k + 1].truth
            assert a is not None and b is not None
            ia = np.searchsorted(a.uid, uid[m])
            ib = np.searchsorted(b.uid, uid[m])
            x0 = geodetic_to_ecef(a.lat[ia], a.lon[ia], a.alt_m[ia])
            x1 = geodetic_to_ecef(b.lat[ib], b.lon[ib], b.alt_m[ib])
            f = ((t[m] - a.time_s) / (b.time_s - a.time_s))[:, None]
            out[m] = x0 + (x1 - x0) * f
        return out


def simulate(**kw: Any) -> Run:
    """Run a simulation with truth on every frame; the last frame only closes the one before."""
    sim = Simulation(SimConfig(**kw))
    frames = list(sim.frames(truth_every=1))
    for f in frames:  # truth uids sorted, for searchsorted look-ups
        assert f.truth is not None
        o = np.argsort(f.truth.uid)
        for name in ("uid", "name", "kind", "behaviour", "lat", "lon", "alt_m", "e", "n", "ve", "vn", "vu"):
            setattr(f.truth, name, getattr(f.truth, name)[o])
    use = frames[:-1]
    assert sim.targets is not None

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(f, attr) for f in use])

    return Run(
        sim=sim,
        frames=frames,
        plots=cat("plots"),
        plot_uid=cat("plot_uid"),
        plot_frame=np.concatenate([np.full(len(f.plots), k) for k, f in enumerate(use)]),
        reports=cat("reports"),
        report_uid=cat("report_uid"),
        report_frame=np.concatenate([np.full(len(f.reports), k) for k, f in enumerate(use)]),
        lives=sim.targets.lives(),
    )
