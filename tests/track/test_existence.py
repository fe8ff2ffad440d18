"""Tentative tracks shown before confirmation (track/existence.py) and the radar-plot motion model
(track/motion.py, steps=False), on synthetic scenes of a long-range 10 s radar."""

from __future__ import annotations

import numpy as np
import pytest
import trackkit as tk

from airpicture.config import TrackSettings
from airpicture.track.existence import ModeCEvidence, apart, mode_c_belied
from airpicture.track.gate import report_pairs
from airpicture.track.measurement import Reports
from airpicture.track.motion import JUMP_MODE, MODE_ACCEL, motion
from airpicture.track.table import TrackTable
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import REPORT_DTYPE

NO_REPORTS = np.zeros(0, REPORT_DTYPE)
#: a long-range radar with an airborne radar's revisit (its sheet as trackkit's, 10 s, 200 km)
SLOW = dict(
    tk.RADAR, id="L1", scan_period_s=10.0, max_range_m=200_000.0, sigma_alt_m=15.0, clutter_per_scan=30.0
)


def _table_with(n: int, sensor: int) -> tuple[TrackTable, np.ndarray]:
    tb = TrackTable(n_sensors=2)
    rows = tb.allocate(n)
    tb.show[rows] = True
    tb.sensors[rows] = 1 << sensor
    return tb, rows


def test_evidence_counts_confirmations_per_sensor_and_forgets() -> None:
    ev = ModeCEvidence(2, TrackSettings(p_show_tentative=0.9, show_memory=20))
    assert not ev.show().any()  # no evidence yet: 1/2
    tb, rows = _table_with(12, sensor=1)
    ev.observe(tb, rows, np.ones(12, bool), np.zeros(12, bool), tk.T0)
    assert ev.show().tolist() == [False, True]  # 13/14 of sensor 1's confirmed; sensor 0 unknown
    assert ev.share()[1] == (12 + 1) / (12 + 2)
    # a run of drops (false Mode C plots) takes it back: the share follows the recent decisions
    for _ in range(3):
        ev.observe(tb, rows, np.zeros(12, bool), np.ones(12, bool), tk.T0)
    assert not ev.show()[1]
    assert ev.share()[1] < 0.5
    # a track that may not be shown (its plot was in a track's gate) is not counted
    tb.show[rows] = False
    before = ev.share().copy()
    ev.observe(tb, rows, np.ones(12, bool), np.zeros(12, bool), tk.T0)
    assert np.array_equal(ev.share(), before)


def test_plot_motion_keeps_the_jump_mode_off_the_height_only() -> None:
    full, plot = motion(300.0, 30.0), motion(300.0, 30.0, steps=False)
    assert np.array_equal(full.accel2, MODE_ACCEL**2)
    assert plot.accel2[JUMP_MODE, 0] == full.accel2[JUMP_MODE, 0]  # sharp turns between looks
    assert plot.accel2[JUMP_MODE, 1] == full.accel2[1, 1]  # a Mode C height is read every scan
    assert np.array_equal(plot.accel2[:JUMP_MODE], full.accel2[:JUMP_MODE])


def _aircraft(k: int) -> tk.Path3:
    """Aircraft k of a stream entering one after another, 60-150 km out, level at 2-8 km."""
    ang = np.radians(37.0 * k)
    r = 60_000.0 + 9_000.0 * (k % 10)
    p0 = (r * np.sin(ang), r * np.cos(ang), 2000.0 + 600.0 * (k % 10))
    v = (-200.0 * np.cos(ang), 200.0 * np.sin(ang), 0.0)
    return tk.straight(p0, v, tk.T0 + 40.0 * k)


STREAM, SCANS = 12, 60  # aircraft, radar scans


def _stream(missed_last: tuple[int, ...] = ()) -> tuple[np.ndarray, list[float]]:
    """The plots of the aircraft stream in the radar's clutter (seeded), the last aircraft missed
    at these of its looks (counted from its first), and each aircraft's first plot time."""
    rng = np.random.default_rng(5)
    parts, first = [tk.clutter_plots(range(SCANS), rng, SLOW)], []
    for k in range(STREAM):
        start = int(np.ceil(40.0 * k / SLOW["scan_period_s"]))
        skip = missed_last if k == STREAM - 1 else ()
        looks = [s for s in range(start, SCANS) if s - start not in skip]
        p = tk.radar_plots(_aircraft(k), looks, rng, SLOW)
        first.append(float(p["time_s"].min()))
        parts.append(p)
    return np.concatenate(parts), first


def test_a_new_aircraft_is_shown_at_its_first_mode_c_plot_once_such_plots_prove_real() -> None:
    """Twelve aircraft enter one after another, 40 s apart, seen by a 10 s radar in its clutter.
    Shown at once (p_show 0.9), the last ones are in the picture from their first plot, where
    the default (never) waits for a second look; clutter (no Mode C) is never shown at once."""
    n, scans, T = STREAM, SCANS, SLOW["scan_period_s"]
    plots, first = _stream()
    sensors = [SLOW, tk.ADSB]
    delays: dict[float, list[float]] = {}
    for p_show in (1.0, 0.9):
        st = TrackSettings(p_show_tentative=p_show)
        scn = tk.scenario(plots, NO_REPORTS, tk.T0 + scans * T, sensors)
        trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings=st)
        pictures = trk.track(scenario_windows(scn, 1.0, False))  # a picture a second, as `track`
        seen = [np.inf] * n
        worst_far = 0
        for pic in pictures:
            near_any = np.zeros(len(pic), bool)
            for k in range(n):
                m = tk.near(pic, _aircraft(k), 1500.0)
                near_any |= m
                if m.any():
                    seen[k] = min(seen[k], pic.time_s)
            worst_far = max(worst_far, int((~near_any).sum()))
        assert worst_far <= 1  # no clutter shown (at most one stray row)
        delays[p_show] = [seen[k] - first[k] for k in range(n)]
        if p_show < 1:
            assert trk.evidence.show()[0]
    late = slice(8, n)  # after the first confirmations have built the evidence
    shown, waited = np.array(delays[0.9][late]), np.array(delays[1.0][late])
    assert np.median(shown) < 2.0  # the picture after the first plot
    assert np.median(waited) > T - 2.0  # waited for the second look
    assert (shown <= waited + 1e-6).all()


def test_an_aircraft_shown_at_its_first_plot_then_missed_twice_keeps_its_number() -> None:
    """The stream of aircraft above; the last one is shown at its first plot, then its next two
    looks miss it (its tentative track is dropped) and the plots after start another track. The
    operator sees one number for it throughout: the new track takes the dropped one's over. The
    aircraft before it, never missed, keep theirs too; none takes another's."""
    n = STREAM
    plots, first = _stream(missed_last=(1, 2))
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + SCANS * SLOW["scan_period_s"], [SLOW, tk.ADSB])
    st = TrackSettings(p_show_tentative=0.9)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings=st)
    ids: list[set[int]] = [set() for _ in range(n)]
    seen = [np.inf] * n
    for pic in trk.track(scenario_windows(scn, 1.0, False)):
        for k in range(n):
            m = tk.near(pic, _aircraft(k), 1500.0)
            ids[k] |= set(pic.track[m].tolist())
            if m.any():
                seen[k] = min(seen[k], pic.time_s)
    last = n - 1
    assert seen[last] - first[last] < 2.0  # shown at its first plot
    assert len(ids[last]) == 1, ids[last]  # and known by that number after the two misses
    assert trk.stats.handed_over >= 1
    assert all(len(i) == 1 for i in ids[:last]), ids
    assert len(set().union(*ids)) == n


def test_a_one_plot_track_takes_a_new_identity_on_its_position_alone() -> None:
    """An aircraft shown at its first plot starts broadcasting before the radar looks again. Its
    one-plot track has no velocity but the prior a new track would start from, so that prior
    must not count against the report joining it (on Paris the broadcast started a second track
    beside the shown one, and the operator saw the aircraft's number change): the report's
    velocity does not change the cost of the pair, and the pair is taken."""
    path = tk.straight((60_000.0, 90_000.0, 6000.0), (-160.0, 120.0, 0.0))
    plots = tk.radar_plots(path, [0], np.random.default_rng(2), SLOW)
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 10.0, [SLOW, tk.ADSB])
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    for window in scenario_windows(scn, 1.0, False):
        trk.step(window)
    tb = trk.table
    rows = tb.rows()
    assert len(rows) == 1 and tb.hits[rows[0]] == 1
    t = float(plots["time_s"][0]) + 2.0
    _, sp = trk._receivers[1]

    def cost(velocity: tuple[float, float]) -> float:
        z = np.r_[path(np.array([t]))[0], *velocity, 0.0][None, :]
        R = np.diag([8.0**2] * 3 + [1.0] * 3)[None]
        reports = Reports(np.array([t]), z, R, np.array([[True] * 5 + [False]]), np.array([0x3C6444]))
        k, _, c = report_pairs(tb.cols, rows, reports, np.array([0]), 3 * sp, 60.0, trk.gates, trk.motion)
        assert len(k) == 1
        return float(c[0])

    flying = cost((-160.0, 120.0))
    assert cost((250.0, 0.0)) == pytest.approx(flying, abs=1e-9)  # the velocity is not compared
    assert flying < 0.0  # taken before a new track is started


def test_a_split_plot_is_judged_beside_its_track_where_the_track_was_at_the_plot() -> None:
    """A confirmed track that missed a look is published predicted to the picture's time, 1.5 km
    on at 230 m/s; the plot it missed started a tentative track, published at the plot. Compared
    where both rows are, they are 1.6 km apart (beyond the 1.5 km reach) and the split would be
    shown as a new aircraft; compared at the plot's time they are 130 m apart: a split, not shown.
    A tentative track 3 km to the side is shown."""
    x = np.zeros((3, 6))
    x[0, :2], x[0, 3] = (1500.0, 0.0), 230.0  # the confirmed track, at t = 6.5 s
    x[1, :2] = (-110.0, 60.0)  # the plot of the look it missed, at t = 0
    x[2, :2] = (0.0, 3000.0)  # another aircraft's first plot, at t = 0
    row_time = np.array([6.5, 0.0, 0.0])
    tentative = np.array([False, True, True])
    assert apart(x, row_time, tentative, 1500.0).tolist() == [True, False, True]
    # at one time (a picture whose rows are all at a plot) nothing is carried
    assert apart(x, np.zeros(3), tentative, 1500.0).tolist() == [True, True, True]


def test_a_plot_whose_mode_c_presence_the_track_belies() -> None:
    plot = np.array([True, True, True, False, False])
    track = np.array([True, False, False, True, False])
    hits = np.array([5, 1, 3, 5, 5])
    # a Mode C track and a Mode C plot: as expected; a one-plot track without: nothing known yet;
    # a track whose 3 plots had none and a plot with one: belied; a Mode C track, a plot without:
    # belied; neither: as expected
    assert mode_c_belied(plot, track, hits).tolist() == [False, False, True, True, False]
