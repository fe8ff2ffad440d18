"""Radar clutter: false plots, a Poisson number per scan, spread evenly over the covered area.

Over a part of a scan (the simulator steps in slices shorter than a revolution) the beam sweeps
a sector; clutter of that slice is Poisson with the slice's share of the per-scan mean, at
azimuths the beam swept, timed when the beam was there. Slices add up to Poisson(mean) per scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from airpicture.types import PLOT_DTYPE

if TYPE_CHECKING:
    from airpicture.sim.sensors import RadarModel


def clutter_plots(radar: RadarModel, a: float, b: float, rng: np.random.Generator) -> np.ndarray:
    """False plots of `radar` within [a, b): uniform in area between min and max range."""
    lam = radar.clutter_per_scan * (b - a) / radar.T
    k = int(rng.poisson(lam)) if lam > 0 else 0
    plots = np.empty(k, PLOT_DTYPE)
    if k == 0:
        return plots
    t = rng.uniform(a, b, k)
    r2 = rng.uniform(radar.rmin**2, radar.rmax**2, k)  # uniform in area: r^2 uniform
    plots["time_s"] = t
    plots["sensor"] = radar.index
    plots["range_m"] = np.sqrt(r2)
    plots["azimuth_rad"] = 2 * np.pi * (((t - radar.start_s) / radar.T) % 1.0)
    plots["elevation_rad"] = np.nan if radar.s_el is None else rng.uniform(0.0, radar.clutter_max_el, k)
    plots["altitude_m"] = np.nan
    plots["ident"] = -1
    return plots


__all__ = ["clutter_plots"]
