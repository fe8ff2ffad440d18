"""The vertical channel (track/vertical.py) on heights a 10 s Mode C radar would give: level flight
and a held climb keep their climb rate, a level-off is followed within a few looks; and the
tracker publishes its height."""

from __future__ import annotations

import numpy as np
import trackkit as tk

from airpicture.track.measurement import MODE_C_STEP_M, height
from airpicture.track.table import TrackTable
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.vertical import vertical_at, vertical_model, vertical_update
from airpicture.track.windows import scenario_windows
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


def test_level_flight_is_held_level() -> None:
    """Level at 3 km: the climb rate stays about zero, so the height between looks is about as
    good as a reply (the 6-state IMM, whose modes follow the horizontal, extrapolated 25-30 m)."""
    ahead, rate = _fly(np.full(60, 3000.0), seed=1)
    assert np.sqrt(np.mean((ahead[10:] - 3000.0) ** 2)) < 1.1 * SIGMA_M
    assert abs(rate[10:].mean()) < 0.5


def test_a_held_climb_then_a_level_off() -> None:
    climb = 3000.0 + 12.0 * T * np.arange(30)  # 12 m/s for 5 minutes
    truth = np.r_[climb, np.full(30, climb[-1] + 12.0 * T)]  # then level
    ahead, rate = _fly(truth, seed=2)
    t = np.arange(len(truth)) * T
    err = ahead - np.interp(t + 5.0, t, truth, right=truth[-1])
    assert np.sqrt(np.mean(err[10:28] ** 2)) < 1.25 * SIGMA_M  # the held climb
    assert abs(rate[20:29].mean() - 12.0) < 0.5
    # a few looks to see the level-off (look 30), then level again
    assert np.sqrt(np.mean(err[35:] ** 2)) < 1.25 * SIGMA_M
    assert abs(rate[35:].mean()) < 0.5


def test_gentle_climb_changes_are_not_extrapolated_from_one_reply() -> None:
    """An airliner's profile at 0.25 m/s^2 of vertical acceleration (level, a climb at 12 m/s,
    level, a descent at 6 m/s, level), sampled once a second: the height 8 s after each look (a
    picture between looks) over twelve noise draws. A manoeuvre mode of 0.1 g let single replies
    kick the climb rate (1.44 sigma here); at 0.05 g it is 1.39 sigma."""
    t = np.arange(0.0, 1200.0)
    knots = [0, 200, 248, 600, 648, 700, 724, 1000, 1024]
    truth = 3000.0 + np.cumsum(np.interp(t, knots, [0, 0, 12, 12, 0, 0, -6, -6, 0]))
    looks = np.arange(0.0, 1190.0, T)
    model = vertical_model(30.0)
    err = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        noisy = np.interp(looks, t, truth) + rng.normal(0, SIGMA_M, len(looks))
        z = np.round(noisy / MODE_C_STEP_M) * MODE_C_STEP_M  # 25 ft steps
        tb = TrackTable(n_sensors=1)
        row = tb.allocate(1)
        for i, tl in enumerate(looks):
            vertical_update(tb.cols, row, looks[i : i + 1], z[i : i + 1], np.array([R2]), model)
            if i >= 10:
                h = vertical_at(tb.vx, tb.vcov, tb.vmu, tb.vt, row[0], tl + 8.0, model.accel2)[0]
                err.append(h - np.interp(tl + 8.0, t, truth))
    assert np.sqrt(np.mean(np.square(err))) < 1.41 * SIGMA_M


def test_the_tracker_publishes_the_vertical_channels_height() -> None:
    """An aircraft seen by a 10 s Mode C radar and nothing else: its published heights, at the
    looks and between them, are closer to the truth than the 6-state IMM's own (what was
    published before), which follows each reply with the manoeuvre modes' vertical noise."""
    radar = dict(tk.RADAR, id="L1", scan_period_s=T, max_range_m=200_000.0, sigma_alt_m=SIGMA_M)
    path = tk.straight((60_000.0, 20_000.0, 3000.0), (-180.0, 60.0, 0.0))
    rng = np.random.default_rng(3)
    plots = tk.radar_plots(path, range(60), rng, radar, pd=0.9)
    scn = tk.scenario(plots, np.zeros(0, REPORT_DTYPE), tk.T0 + 60 * T, [radar, tk.ADSB])
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    err, err_6 = [], []
    for pic in trk.track(scenario_windows(scn, 1.0, False)):  # a picture a second, as `track`
        m = tk.near(pic, path, 1500.0)
        if m.any() and pic.time_s > tk.T0 + 100:
            i = np.flatnonzero(m)[0]
            true_alt = tk.FRAME.to_geodetic(path(pic.row_time[i : i + 1]))[2][0]
            err.append(pic.alt_m[i] - true_alt)
            err_6.append(height(pic.x[i], trk.earth) - true_alt)
    assert len(err) > 300
    rms, rms_6 = np.sqrt(np.mean(np.square(err))), np.sqrt(np.mean(np.square(err_6)))
    assert rms < 0.9 * rms_6
    rows = trk.table.rows()
    assert np.isfinite(trk.table.vt[rows]).all()  # the aircraft's track has a Mode C height
