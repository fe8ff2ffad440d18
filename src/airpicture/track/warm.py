"""Warm-up: load (or compile, the first time) the tracker's kernels before a run is timed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.sensors import RadarSheet, SensorSheet
from airpicture.track.base import Measurements
from airpicture.track.tracker import ImmGnnTracker


def warm_up(sensors: Sequence[SensorSheet | Mapping[str, Any]], site: tuple[float, float, float]) -> None:
    """Load (or compile, the first time) the numba kernels by tracking a few made-up measurements
    with a throwaway tracker, so that timing a run measures tracking, not start-up: two radar
    targets close enough to compete for plots and to be merge candidates, and a cooperative
    track whose reports jump."""
    from airpicture.types import PLOT_DTYPE, REPORT_DTYPE

    t0 = 1.7e9
    trk = ImmGnnTracker(sensors, site)
    sheets = trk.sensors
    for k in range(6):
        t = t0 + 4.0 * k
        plots, reports = [], []
        for i, s in enumerate(sheets):
            if isinstance(s, RadarSheet):
                pl = np.zeros(2, PLOT_DTYPE)
                pl["time_s"] = t + np.array([0.0, 0.01])
                pl["sensor"], pl["range_m"] = i, [20_000.0 + 100 * k, 20_150.0 + 100 * k]
                pl["azimuth_rad"] = 0.5
                pl["elevation_rad"] = 0.05 if s.three_d else np.nan
                pl["altitude_m"], pl["ident"] = 1000.0, -1
                plots.append(pl)
            else:
                rp = np.zeros(1, REPORT_DTYPE)
                rp["time_s"], rp["sensor"], rp["ident"] = t, i, 0xABCDEF
                rp["lat"], rp["lon"] = site[0] + 0.001 * k + (0.5 if k == 5 else 0.0), site[1]
                rp["altitude_m"], rp["speed_mps"], rp["track_rad"], rp["vrate_mps"] = (
                    1000.0,
                    100.0,
                    0.0,
                    np.nan,
                )
                reports.append(rp)
        trk.step(
            Measurements(
                t + 4.0,
                np.concatenate(plots) if plots else np.zeros(0, PLOT_DTYPE),
                np.concatenate(reports) if reports else np.zeros(0, REPORT_DTYPE),
            )
        )


__all__ = ["warm_up"]
