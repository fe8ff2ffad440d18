"""airpicture.sim exports its public names, and the stream's frames carry the shared dtypes."""

from __future__ import annotations

import numpy as np

import airpicture.sim as sim
from airpicture.types import PLOT_DTYPE, REPORT_DTYPE


def test_public_names_are_exported() -> None:
    public = {n for n in dir(sim) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(sim, n)) is type(sim)}
    assert public - modules == set(sim.__all__)


def test_frames_use_the_shared_dtypes_and_the_sensor_sheet() -> None:
    s = sim.Simulation(sim.SimConfig(aircraft=20, drones=2, birds=2, duration_s=5))
    frames = list(s.frames())
    assert len(frames) == 5 and frames[0].t0 == s.config.start_s and frames[-1].t1 == s.config.end_s
    assert all(f.plots.dtype == PLOT_DTYPE and f.reports.dtype == REPORT_DTYPE for f in frames)
    assert [x["kind"] for x in s.sensors] == ["radar", "radar", "adsb"]
    assert s.site == {"name": "site-A", "lat": 48.86, "lon": 2.29, "alt_m": 60.0}
    assert all(len(f.plot_uid) == len(f.plots) and len(f.report_uid) == len(f.reports) for f in frames)


def test_frames_of_whole_scans_hold_the_same_measurements() -> None:
    cfg = sim.SimConfig(aircraft=50, drones=2, birds=2, duration_s=10)
    steps = list(sim.Simulation(cfg).frames())
    scans = list(sim.Simulation(cfg).frames(frame_s=4.0))
    assert [(f.t0 - cfg.start_s, f.t1 - cfg.start_s) for f in scans] == [(0, 4), (4, 8), (8, 10)]
    for name in ("plots", "reports", "plot_uid"):
        a = np.concatenate([getattr(f, name) for f in steps])
        b = np.concatenate([getattr(f, name) for f in scans])
        assert a.tobytes() == b.tobytes() and len(a) > 0
