"""The coordinated-turn modes (track/motion.py): a sustained turn between sparse looks, and the
sensors they are kept from (those that look often: TrackSettings.turn_min_revisit_s)."""

from __future__ import annotations

import numpy as np
import trackkit as tk

from airpicture.config import TrackSettings
from airpicture.track import motion
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import REPORT_DTYPE

NO_REPORTS = np.zeros(0, REPORT_DTYPE)
#: a long-range radar with an airborne radar's revisit: a look every 10 s, 0.2 deg across
SLOW = dict(tk.RADAR, id="L1", scan_period_s=10.0, max_range_m=200_000.0, sigma_azimuth_deg=0.2)


def _errors(settings: TrackSettings, seed: int) -> tuple[np.ndarray, int]:
    """An airliner at 150 m/s, 60 km out, turning at 1.5 deg/s (0.4 g) for 240 s between straight
    legs, its plots (Pd 0.9) in clutter: the distance of its nearest track at each picture of the
    turn, and how many tracks held it."""
    path = tk.turning((0.0, 60_000.0, 5000.0), 150.0, 90.0, 1.5, (120.0, 360.0))
    rng = np.random.default_rng(seed)
    scans = range(50)
    target = tk.radar_plots(path, scans, rng, SLOW, pd=0.9)
    plots = np.concatenate([target, tk.clutter_plots(scans, rng, SLOW)])
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 500.0, [SLOW, tk.ADSB])
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings=settings)
    err, ids = [], set()
    for pic in trk.track(scenario_windows(scn, 2.0, False)):
        s = pic.time_s - tk.T0
        m = tk.near(pic, path, 3000.0)
        ids |= set(pic.track[m].tolist())
        if 140.0 <= s <= 360.0:
            d = np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T)
            err.append(d.min() if len(d) else np.inf)
    return np.array(err), len(ids)


def test_a_sustained_turn_between_sparse_looks_is_followed_on_its_arc() -> None:
    """With the turn modes the track keeps to the arc; with the straight modes alone (the turn
    modes kept from every sensor) a random walk of the velocity lags it between 10 s looks."""
    turning, straight, kept = [], [], []
    for seed in range(4):
        e_t, n_t = _errors(TrackSettings(), seed)
        e_s, n_s = _errors(TrackSettings(turn_min_revisit_s=1e6), seed)
        assert n_t == 1 and np.isfinite(e_t).mean() >= 0.95  # one track, in the turn's pictures
        kept.append(n_s)
        turning.append(e_t[np.isfinite(e_t)])
        straight.append(e_s[np.isfinite(e_s)])
    assert max(kept) > 1  # the straight modes lost it, and a second track took it up
    rms_t = float(np.sqrt(np.mean(np.concatenate(turning) ** 2)))
    rms_s = float(np.sqrt(np.mean(np.concatenate(straight) ** 2)))
    assert rms_t < 0.8 * rms_s, (rms_t, rms_s)


def test_a_sensor_that_looks_often_never_switches_a_track_into_a_turn() -> None:
    """motion(turns=False): no switch into the turn modes, no prior in them; the IMM's update keeps
    a mode nothing switched into at 0 (not at the 1e-6 floor), so a track only such sensors
    measure runs the straight modes alone, as a 3-mode IMM."""
    often = motion.motion(300.0, 30.0, turns=False)
    turn = motion.MODE_TURN != 0.0
    assert (often.switch[:, turn] == 0.0).all() and (often.prior[turn] == 0.0).all()
    np.testing.assert_allclose(often.switch.sum(axis=1), 1.0)
    straight = ~turn
    np.testing.assert_allclose(often.switch[np.ix_(straight, straight)], (1.0 - np.eye(3)) / 2)
    # a 1 s radar among a 10 s one: tracks of its plots alone have no turn probability at all
    fast = dict(tk.RADAR_3D)
    path = tk.turning((500.0, 1500.0, 100.0), 15.0, 0.0, 20.0, (20.0, 60.0))
    rng = np.random.default_rng(1)
    plots = tk.radar_plots(path, range(100), rng, fast, pd=0.9)
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 100.0, [fast, SLOW])
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    for _ in trk.track(scenario_windows(scn, 1.0, False)):
        pass
    rows = trk.table.rows()
    assert len(rows) >= 1
    assert (trk.table.mu[rows][:, turn] == 0.0).all()
