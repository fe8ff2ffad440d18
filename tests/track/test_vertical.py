"""The vertical channel (track/vertical.py) on heights a 10 s Mode C radar would give: it averages
the replies in level flight and in a held climb, and follows a level-off within a few looks; and
the tracker publishes its height."""

from __future__ import annotations

import numpy as np
import trackkit as tk

from airpicture.track.measurement import MODE_C_STEP_M
from airpicture.track.table import TrackTable
from airpicture.track.vertical import vertical_at, vertical_model, vertical_update
from airpicture.types import REPORT_DTYPE

SIGMA_M = 15.0  # a Mode C reply's noise, m
R2 = SIGMA_M**2 + MODE_C_STEP_M**2 / 12
T = 10.0  # revisit, s


def _fly(heights: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Feed one row the noisy, 25 ft quantised replies of `heights` (one per look); return the
    channel's height 5 s after each look (what a picture between looks shows) and its climb rate."""
    rng = np.random.default_rng(seed)
    tb = TrackTable(n_sensors=1)
    row = tb.allocate(1)
    model = vertical_model(30.0)
    ahead, rate = [], []
    for i, h in enumerate(heights):
        z = np.round((h + rng.normal(0, SIGMA_M)) / MODE_C_STEP_M) * MODE_C_STEP_M
        vertical_update(tb.cols, row, np.array([i * T]), np.array([z]), np.array([R2]), model)
        ahead.append(vertical_at(tb.vx, tb.vcov, tb.vmu, tb.vt, row[0], i * T + 5.0, model.accel2)[0])
        mu = tb.vmu[row[0]]
        rate.append(float(mu @ tb.vx[row[0], :, 1]))
    return np.array(ahead), np.array(rate)


def test_level_flight_is_averaged_not_followed() -> None:
    n = 60
    ahead, rate = _fly(np.full(n, 3000.0), seed=1)
    err = ahead[10:] - 3000.0
    assert np.sqrt(np.mean(err**2)) < 0.8 * SIGMA_M  # better than one reply, 5 s after it
    assert np.abs(rate[10:]).max() < 1.5  # no climb rate made of noise


def test_a_held_climb_then_a_level_off() -> None:
    climb = 3000.0 + 12.0 * T * np.arange(30)  # 12 m/s for 5 minutes
    level = np.full(30, climb[-1] + 12.0 * T)
    truth = np.r_[climb, level]
    ahead, rate = _fly(truth, seed=2)
    t = np.arange(len(truth)) * T
    true_ahead = np.interp(t + 5.0, t, truth, right=truth[-1])
    err = ahead - true_ahead
    assert np.sqrt(np.mean(err[10:28] ** 2)) < SIGMA_M  # the held climb, averaged
    assert abs(rate[27] - 12.0) < 1.5
    # after the level-off (look 30), a few looks to see it, then level again
    assert np.sqrt(np.mean(err[35:] ** 2)) < SIGMA_M
    assert np.abs(rate[35:]).max() < 2.0


def test_the_tracker_publishes_the_vertical_channels_height() -> None:
    """A level aircraft seen by a 10 s Mode C radar and nothing else: its published heights between
    looks stay within a reply's noise, and a track from ADS-B heights has a channel too."""
    radar = dict(tk.RADAR, id="L1", scan_period_s=T, max_range_m=200_000.0, sigma_alt_m=SIGMA_M)
    path = tk.straight((60_000.0, 20_000.0, 3000.0), (-180.0, 60.0, 0.0))
    rng = np.random.default_rng(3)
    plots = tk.radar_plots(path, range(40), rng, radar, pd=0.9)
    trk, pictures = tk.track(plots, np.zeros(0, REPORT_DTYPE), tk.T0 + 40 * T, [radar, tk.ADSB])
    err = []
    for pic in pictures:
        m = tk.near(pic, path, 1500.0)
        if m.any() and pic.time_s > tk.T0 + 100:
            true_alt = tk.FRAME.to_geodetic(path(np.array([pic.row_time[m][0]])))[2][0]
            err.append(pic.alt_m[m][0] - true_alt)
    assert len(err) > 50
    assert np.sqrt(np.mean(np.square(err))) < SIGMA_M
    rows = trk.table.rows()
    assert np.isfinite(trk.table.vt[rows]).all()  # every track here has a measured height
