"""Track management through the Tracker API on synthetic scenes made from known geometry."""

from __future__ import annotations

import numpy as np
import pytest
import trackkit as tk

from airpicture.config import TrackSettings
from airpicture.integrity import OK, SPOOFED, SUSPECT
from airpicture.sinks.export import TracksCsvWriter
from airpicture.track.base import Measurements, Tracker
from airpicture.track.table import CONFIRMED
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import NO_IDENT, PLOT_DTYPE, REPORT_DTYPE, remoteid_ident

T = tk.RADAR["scan_period_s"]
NO_REPORTS = np.zeros(0, REPORT_DTYPE)
#: 30 km from the radar at 3 km, 170 m/s towards the north-west
PATH = tk.straight((20_000.0, 10_000.0, 3000.0), (-150.0, 80.0, 0.0))


@pytest.mark.parametrize(("mode_c", "plots_to_confirm", "rms_m"), [(True, 3, 80.0), (False, 5, 250.0)])
def test_radar_target_confirmed_within_a_few_scans_and_held(
    mode_c: bool, plots_to_confirm: int, rms_m: float
) -> None:
    rng = np.random.default_rng(10)
    # seen on every scan at first (the confirmation delay is then a fixed number of plots), then
    # with Pd 0.9
    target = np.concatenate(
        [
            tk.radar_plots(PATH, range(10), rng, mode_c=mode_c),
            tk.radar_plots(PATH, range(10, 40), rng, pd=0.9, mode_c=mode_c),
        ]
    )
    plots = np.concatenate([target, tk.clutter_plots(range(40), rng)])
    confirmed_at, ids, err, alt_err, false_max, held = None, set(), [], [], 0, []
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 40 * T)
    for pic in pictures:
        m = tk.near(pic, PATH, 1000.0)
        if m.any() and confirmed_at is None:
            confirmed_at = pic.time_s
        if confirmed_at is not None:
            held.append(m.sum() == 1)
        ids |= set(pic.track[m].tolist())
        false_max = max(false_max, int((~m).sum()))
        assert pic.row_time is not None
        err += np.hypot(*(pic.x[m, :2] - PATH(pic.row_time[m])[:, :2]).T).tolist()
        alt_err += (pic.alt_m[m] - tk.FRAME.to_geodetic(PATH(pic.row_time[m]))[2]).tolist()
    assert confirmed_at is not None
    # published by the end of the window holding the target's Nth plot
    assert confirmed_at <= target["time_s"][plots_to_confirm - 1] + T
    assert len(ids) == 1  # one track id all along
    assert np.mean(held) > 0.95  # in the picture, exactly once, from confirmation on
    assert false_max <= 1
    assert np.sqrt(np.mean(np.square(err))) < rms_m
    if mode_c:  # Mode C holds the height to about the altitude sigma
        assert np.sqrt(np.mean(np.square(alt_err))) < 30.0


@pytest.mark.parametrize("rate_deg_s", [1.5, 3.0])
def test_a_turning_target_keeps_its_track(rate_deg_s: float) -> None:
    """A 90-180 deg turn at a standard (3 deg/s: 0.8 g at 150 m/s) or half-standard rate: the IMM
    follows it with one track and one id."""
    path = tk.turning((20_000.0, 10_000.0, 3000.0), 150.0, 300.0, rate_deg_s, (60.0, 120.0))
    # the path is continuous and flown at constant speed through the turn
    t = tk.T0 + np.arange(0.0, 200.0, 0.5)
    steps = np.linalg.norm(np.diff(path(t), axis=0), axis=1)
    np.testing.assert_allclose(steps, 75.0, rtol=1e-3)
    rng = np.random.default_rng(24)
    plots = np.concatenate([tk.radar_plots(path, range(50), rng, pd=0.9), tk.clutter_plots(range(50), rng)])
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 50 * T)
    ids, held, err = set(), [], []
    for pic in pictures:
        m = tk.near(pic, path, 1000.0)
        ids |= set(pic.track[m].tolist())
        if pic.time_s > tk.T0 + 5 * T:
            held.append(m.sum() == 1)
        assert pic.row_time is not None
        err += np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T).tolist()
    assert len(ids) == 1
    assert np.mean(held) > 0.95
    assert np.sqrt(np.mean(np.square(err))) < 200.0


def test_drone_seen_by_the_3d_site_radar() -> None:
    """A small drone 2 km from the site radar (elevation measured, Pd 0.8, 1 s scans, clutter spread
    in elevation): confirmed within seconds, one track, metres of error in position and height."""
    path = tk.straight((1500.0, 1200.0, 60.0), (-8.0, -6.0, 0.5))
    rng = np.random.default_rng(25)
    spec = tk.RADAR_3D
    target = tk.radar_plots(path, range(120), rng, spec=spec, pd=0.8)
    plots = np.concatenate([target, tk.clutter_plots(range(120), rng, spec=spec)])
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 120.0, sensors=[spec])
    first, ids, err, alt_err, false_max = None, set(), [], [], 0
    for pic in pictures:
        m = tk.near(pic, path, 200.0)
        if first is None and m.any():
            first = pic.time_s - tk.T0
        ids |= set(pic.track[m].tolist())
        false_max = max(false_max, int((~m).sum()))
        assert pic.row_time is not None
        err += np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T).tolist()
        alt_err += (pic.alt_m[m] - tk.FRAME.to_geodetic(path(pic.row_time[m]))[2]).tolist()
    assert first is not None and first <= 10.0
    assert len(ids) == 1 and false_max == 0
    assert np.sqrt(np.mean(np.square(err))) < 20.0
    assert np.sqrt(np.mean(np.square(alt_err))) < 15.0


def test_a_flock_track_counts_crowded_scans_a_lone_drone_almost_none() -> None:
    """Five birds within ~40 m of each other (Pd 0.6 each) give several plots a scan in one track's
    gate; a lone drone, in the same radar's clutter, one. Picture.crowd_n counts, per sensor, the
    scans in which a track gated more than one plot: most of a flock track's detections, few of the
    drone's. And Picture.denied_n the scans in which a track gated a plot that another track got,
    and got none: the flock's tracks share their members' plots, the lone drone's are its own."""
    rng = np.random.default_rng(3)
    spec = tk.RADAR_3D
    drone = tk.straight((1500.0, 1200.0, 60.0), (-8.0, -6.0, 0.5))
    lead = tk.straight((-1500.0, 1000.0, 120.0), (9.0, -3.0, 0.0))
    offsets = rng.uniform(-40.0, 40.0, (5, 3)) * [1.0, 1.0, 0.25]
    birds = [lambda t, o=o: lead(t) + o for o in offsets]
    plots = np.concatenate(
        [tk.radar_plots(drone, range(150), rng, spec=spec, pd=0.8)]
        + [tk.radar_plots(b, range(150), rng, spec=spec, pd=0.6) for b in birds]
        + [tk.clutter_plots(range(150), rng, spec=spec)]
    )
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 150.0, sensors=[spec])
    last = list(pictures)[-1]
    assert last.crowd_n is not None and last.seen_n is not None
    share = last.crowd_n[:, 0] / np.maximum(last.seen_n[:, 0], 1)
    on_drone, on_flock = tk.near(last, drone, 100.0), tk.near(last, lead, 150.0)
    assert on_drone.sum() == 1 and on_flock.any()
    assert last.seen_n[on_drone, 0][0] > 80
    assert share[on_drone][0] < 0.1
    assert share[on_flock].max() > 0.5, (share, on_flock)
    assert last.denied_n is not None
    assert last.denied_n[on_drone, 0][0] <= 2
    assert last.denied_n[on_flock, 0].max() >= 5, last.denied_n[on_flock, 0]


def test_moving_radar_plots_are_measured_from_the_platform() -> None:
    """An airborne radar flying east at 150 m/s, 60-70 km from the target: its plots are taken from
    where it is at each plot's time (platforms), so the track is as good as the radar's sigmas allow;
    the same plots placed at the sheet's fixed position would be off by kilometres."""
    aew = dict(
        tk.RADAR, id="AEW", moving=True, lat=48.4, lon=2.3, alt_m=9000.0, scan_period_s=10.0,
        max_range_m=300_000.0, min_range_m=1000.0, sigma_range_m=100.0, sigma_azimuth_deg=0.2,
        clutter_per_scan=20.0,
    )  # fmt: skip
    platform = tk.straight((-20_000.0, -50_000.0, 9000.0), (150.0, 0.0, 0.0))
    t_nav = tk.T0 + np.arange(-20.0, 400.0, 1.0)
    lla = np.column_stack(tk.FRAME.to_geodetic(platform(t_nav)))

    def nav(t: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(t, t_nav, lla[:, k]) for k in range(3)])

    rng = np.random.default_rng(26)
    plots = np.concatenate(
        [
            tk.radar_plots(PATH, range(30), rng, spec=aew, pd=0.9, nav=nav),
            tk.clutter_plots(range(30), rng, spec=aew),
        ]
    )
    rms = {}
    for moving in (True, False):
        _, pictures = tk.track(
            plots, NO_REPORTS, tk.T0 + 300.0, sensors=[aew], platforms={0: (t_nav, lla)} if moving else None
        )
        ids, err = set(), []
        for pic in pictures:
            m = tk.near(pic, PATH, 5000.0)
            ids |= set(pic.track[m].tolist())
            assert pic.row_time is not None
            err += np.hypot(*(pic.x[m, :2] - PATH(pic.row_time[m])[:, :2]).T).tolist()
        if moving:
            assert len(ids) == 1
        rms[moving] = np.sqrt(np.mean(np.square(err))) if err else np.inf
    assert rms[True] < 400.0  # 0.2 deg at 70 km is 240 m
    assert rms[False] > 1000.0


@pytest.mark.parametrize("mode_c", [False, True], ids=["primary-only", "mode-c"])
def test_a_height_never_measured_is_published_as_unknown(mode_c: bool) -> None:
    """An airborne 2-D radar 9 km up sees an aircraft at 1,500 m 40 km away. Without Mode C the
    track's height is never measured: it is published empty (NaN), its sigma says how little is
    known, and the slant range still gives the ground position (the height prior's sigma carried
    through the slant-to-ground conversion, not a guess at the platform's height). With Mode C the
    height is published, within tens of metres."""
    aew = dict(
        tk.RADAR, id="AEW", moving=True, lat=48.86, lon=2.29, alt_m=9000.0, scan_period_s=10.0,
        max_range_m=300_000.0, min_range_m=1000.0, sigma_range_m=100.0, sigma_azimuth_deg=0.2,
        clutter_per_scan=5.0,
    )  # fmt: skip
    path = tk.straight((30_000.0, 25_000.0, 1500.0), (-120.0, 60.0, 0.0))
    platform = tk.straight((0.0, -10_000.0, 9000.0), (150.0, 0.0, 0.0))
    t_nav = tk.T0 + np.arange(-20.0, 400.0, 1.0)
    lla = np.column_stack(tk.FRAME.to_geodetic(platform(t_nav)))

    def nav(t: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(t, t_nav, lla[:, k]) for k in range(3)])

    rng = np.random.default_rng(16)
    plots = tk.radar_plots(path, range(30), rng, spec=aew, pd=1.0, mode_c=mode_c, nav=nav)
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 300.0, sensors=[aew], platforms={0: (t_nav, lla)})
    alt, sigma, err = [], [], []
    for pic in pictures:
        m = tk.near(pic, path, 3000.0)
        assert pic.row_time is not None and pic.alt_sigma_m is not None
        true_alt = tk.FRAME.to_geodetic(path(pic.row_time[m]))[2]  # above the ellipsoid
        alt += (pic.published_alt_m()[m] - true_alt).tolist()
        sigma += pic.alt_sigma_m[m].tolist()
        err += np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T).tolist()
    assert len(alt) > 10
    if mode_c:
        assert np.all(np.isfinite(alt))
        assert np.max(np.abs(alt)) < 60.0
    else:
        assert np.all(np.isnan(alt))
        assert np.min(sigma) > 300.0  # the prior's, not a measurement's
    assert np.sqrt(np.mean(np.square(err))) < 400.0  # 0.2 deg at 40 km is 140 m


def test_two_radars_one_aircraft_one_track() -> None:
    """A light aircraft crossing the site, seen by the 2-D surveillance radar (4 s, no Mode C) and
    the 3-D site radar (1 s): one track fed by both, as accurate as the better radar."""
    path = tk.straight((-4000.0, 2000.0, 900.0), (60.0, -20.0, 0.0))
    rng = np.random.default_rng(27)
    plots = np.concatenate(
        [
            tk.radar_plots(path, range(30), rng, spec=tk.RADAR, sensor=0, pd=0.9, mode_c=False),
            tk.radar_plots(path, range(120), rng, spec=tk.RADAR_3D, sensor=1, pd=0.95),
            tk.clutter_plots(range(30), rng, spec=tk.RADAR, sensor=0),
            tk.clutter_plots(range(120), rng, spec=tk.RADAR_3D, sensor=1),
        ]
    )
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 120.0, sensors=[tk.RADAR, tk.RADAR_3D])
    counts, ids, masks, err = [], set(), set(), []
    for pic in pictures:
        m = tk.near(pic, path, 1000.0)
        ids |= set(pic.track[m].tolist())
        if pic.time_s > tk.T0 + 20.0:
            counts.append(int(m.sum()))
            masks |= set(pic.sensors[m].tolist())
        assert pic.row_time is not None
        err += np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T).tolist()
    assert set(counts) == {1} and len(ids) == 1
    assert masks == {0b11}
    assert np.sqrt(np.mean(np.square(err))) < 15.0  # the 2-D radar alone gives 28 m here


@pytest.mark.parametrize(("angle_deg", "above_m"), [(90.0, 0.0), (30.0, 300.0)])
def test_crossing_aircraft_keep_their_ids(angle_deg: float, above_m: float) -> None:
    """Two aircraft crossing one point at the same time, at right angles at one level or at 30 deg
    1000 ft apart (Mode C tells them apart): each track stays on its aircraft (the same id before
    and after the crossing). (At 30 deg at one level they would collide; there the tracker may
    merge the two tracks, in 3 of 60 seeded runs.)"""
    c = np.array([20_000.0, 10_000.0, 3000.0])
    a = np.radians(angle_deg)
    va, vb = np.array([150.0, 0.0, 0.0]), 150.0 * np.array([np.cos(a), np.sin(a), 0.0])
    path_a = tk.straight(tuple(c - 60 * va), tuple(va))
    path_b = tk.straight(tuple(c + np.array([0.0, 0.0, above_m]) - 60 * vb), tuple(vb))
    rng = np.random.default_rng(28)
    plots = np.concatenate(
        [
            tk.radar_plots(path_a, range(30), rng, pd=0.9),
            tk.radar_plots(path_b, range(30), rng, pd=0.9),
            tk.clutter_plots(range(30), rng),
        ]
    )
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 120.0)
    ids_a, ids_b = set(), set()
    for pic in pictures:
        if tk.T0 + 40.0 <= pic.time_s <= tk.T0 + 90.0:
            continue  # while they are within a few hundred metres, who is who is not scored
        ma, mb = tk.near(pic, path_a, 300.0), tk.near(pic, path_b, 300.0)
        ids_a |= set(pic.track[ma].tolist())
        ids_b |= set(pic.track[mb].tolist())
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b
    assert trk.stats.merged == 0


def test_tentative_tracks_never_published_unless_shown() -> None:
    """With p_show_tentative 1 no tentative track is published; a shown one (from a Mode C plot,
    test_existence.py) is the only exception."""
    rng = np.random.default_rng(11)
    plots = np.concatenate([tk.radar_plots(PATH, range(20), rng), tk.clutter_plots(range(20), rng)])
    saw_tentative_only = False
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 20 * T, settings=TrackSettings(p_show_tentative=1.0))
    for pic in pictures:
        tb = trk.table
        rows = tb.rows()
        confirmed_ids = set(tb.id[rows[tb.status[rows] == CONFIRMED]].tolist())
        assert set(pic.track.tolist()) <= confirmed_ids
        if len(rows) and not confirmed_ids:
            assert len(pic) == 0
            saw_tentative_only = True
    assert saw_tentative_only  # the first windows hold only tentative tracks: the check above ran
    assert trk.stats.confirmed >= 1


def test_clutter_only_confirms_almost_nothing() -> None:
    """Five minutes of false plots at the sheet's density (3000 plots): every one starts a tentative
    track, and the likelihood-ratio test confirms (almost) none."""
    rng = np.random.default_rng(12)
    plots = tk.clutter_plots(range(75), rng)
    biggest = 0
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 75 * T)
    for pic in pictures:
        biggest = max(biggest, len(pic))
    assert trk.stats.plots == len(plots) > 2500
    assert trk.stats.started > 0.9 * len(plots)
    assert trk.stats.confirmed <= 1
    assert biggest <= 1


def test_target_that_disappears_leaves_the_picture_then_is_deleted() -> None:
    rng = np.random.default_rng(13)
    target = tk.radar_plots(PATH, range(20), rng)
    plots = np.concatenate([target, tk.clutter_plots(range(40), rng)])
    t_last = target["time_s"][-1]
    track_id, published, alive = None, [], []
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 40 * T)
    for pic in pictures:
        m = tk.near(pic, PATH, 1000.0)
        if track_id is None and m.any():
            track_id = int(pic.track[m][0])
        if track_id is not None:
            published.append((pic.time_s, track_id in pic.track))
            tb = trk.table
            alive.append((pic.time_s, track_id in tb.id[tb.rows()]))
    assert track_id is not None
    pub = np.array(published)
    liv = np.array(alive)
    # a single missed look is coasted through...
    one_miss = (pub[:, 0] > t_last) & (pub[:, 0] < t_last + T + 0.5)
    assert one_miss.any() and pub[one_miss, 1].all()
    # ...but three are not: out of the picture (P_STILL_THERE) and then out of the table
    assert not pub[pub[:, 0] > t_last + 3 * T + 1, 1].any()
    assert not liv[liv[:, 0] > t_last + 6 * T + 1, 1].any()
    kept = (liv[:, 0] > t_last) & (liv[:, 0] < t_last + 3 * T + 1)
    assert kept.any() and liv[kept, 1].all()  # kept, unpublished, to pick the object up again
    assert trk.stats.deleted >= 1


def test_adsb_fuses_with_the_radar_track_of_the_same_aircraft() -> None:
    """The radar holds the aircraft first; when its ADS-B appears the reports join that track: one
    track, one id, the identity set, both sensors in its mask."""
    rng = np.random.default_rng(14)
    plots = np.concatenate([tk.radar_plots(PATH, range(40), rng, pd=0.9), tk.clutter_plots(range(40), rng)])
    icao = 0x3C6444
    reports = tk.adsb_reports(PATH, tk.T0 + np.arange(60.0, 160.0, 1.0), icao, rng)
    before, after = set(), set()
    trk, pictures = tk.track(plots, reports, tk.T0 + 40 * T)
    for pic in pictures:
        m = tk.near(pic, PATH, 1000.0)
        if pic.time_s < tk.T0 + 60:
            before |= set(pic.track[m].tolist())
            assert (pic.ident[m] == NO_IDENT).all()
        elif pic.time_s > tk.T0 + 65:
            assert m.sum() == 1, "one track for one aircraft"
            after.add(int(pic.track[m][0]))
            assert pic.ident[m][0] == icao
            assert pic.sensors[m][0] == 0b11
            assert pic.integrity[m][0] == OK
    assert len(before) == 1
    assert after == before  # the radar track's id lives on
    assert trk.stats.fused >= 1


def test_reports_that_no_radar_corroborates_are_flagged_and_published_as_such(tmp_path) -> None:
    """An identity broadcasting a position well inside radar coverage, never seen by the radar, is
    suspect, then spoofed, and written to tracks.csv with that mark; a real aircraft (radar +
    ADS-B) and one out of the radar's range stay ok."""
    rng = np.random.default_rng(15)
    ghost = tk.straight((-30_000.0, -5000.0, 5000.0), (120.0, 60.0, 0.0))
    far = tk.straight((160_000.0, 0.0, 9000.0), (0.0, 200.0, 0.0))  # 150+ km: beyond the radar
    plots = np.concatenate([tk.radar_plots(PATH, range(40), rng, pd=0.9), tk.clutter_plots(range(40), rng)])
    t = tk.T0 + np.arange(0.0, 160.0, 1.0)
    reports = np.concatenate(
        [
            tk.adsb_reports(PATH, t, 0x3C6444, rng),
            tk.adsb_reports(ghost, t, 0xABCDEF, rng),
            tk.adsb_reports(far, t, 0x111111, rng),
        ]
    )
    states: dict[int, list[tuple[float, int]]] = {0x3C6444: [], 0xABCDEF: [], 0x111111: []}
    out = tmp_path / "tracks.csv"
    _, pictures = tk.track(plots, reports, tk.T0 + 40 * T)
    with TracksCsvWriter(out) as w:
        for pic in pictures:
            w.write(pic)
            for ident, lst in states.items():
                sel = pic.ident == ident
                assert sel.sum() <= 1
                if sel.any():
                    lst.append((pic.time_s - tk.T0, int(pic.integrity[sel][0])))
    ghost_states = np.array(states[0xABCDEF])
    flagged_at = ghost_states[ghost_states[:, 1] != OK, 0]
    assert SUSPECT in ghost_states[:, 1] and flagged_at.min() <= 6 * T  # suspect after 4 empty looks...
    assert (ghost_states[ghost_states[:, 0] > 7 * T, 1] == SPOOFED).all()  # ...then spoofed, for good
    for ident in (0x3C6444, 0x111111):
        s = np.array(states[ident])
        assert (s[s[:, 0] > 3 * T, 1] == OK).all()
    rows = [r.split(",") for r in out.read_text().splitlines()[1:]]
    ghost_rows = [(float(r[0]) - tk.T0, r[8]) for r in rows if r[7] == "abcdef"]
    assert ghost_rows and all(g == "spoofed" for t, g in ghost_rows if t > 7 * T)
    assert {r[8] for r in rows if r[7] in ("3c6444", "111111")} == {"ok"}


def _replay_scene(
    first: tk.Path3, second: tk.Path3, radar_sees_second_within_m: float = 0.0, scans: int = 40
) -> tuple[dict[int, list[int]], int]:
    """Two ADS-B tracks (0x3c6444 on `first`, seen by the radar; 0x4ca1b2 on `second`, seen by it
    only within the given range of the radar) over `scans` radar scans; the integrity of each."""
    rng = np.random.default_rng(29)
    end = scans * T
    plots = [tk.radar_plots(first, range(scans), rng, pd=0.9), tk.clutter_plots(range(scans), rng)]
    if radar_sees_second_within_m:
        o = tk.FRAME.to_enu(
            np.array([tk.RADAR["lat"]]), np.array([tk.RADAR["lon"]]), np.array([tk.RADAR["alt_m"]])
        )
        p2 = tk.radar_plots(second, range(scans), rng, pd=0.9)
        plots.append(p2[np.linalg.norm(second(p2["time_s"]) - o, axis=1) < radar_sees_second_within_m])
    t = tk.T0 + np.arange(0.0, end, 1.0)
    reports = np.concatenate(
        [tk.adsb_reports(first, t, 0x3C6444, rng), tk.adsb_reports(second, t, 0x4CA1B2, rng)]
    )
    states: dict[int, list[int]] = {0x3C6444: [], 0x4CA1B2: []}
    trk, pictures = tk.track(np.concatenate(plots), reports, tk.T0 + end)
    for pic in pictures:
        for ident, lst in states.items():
            lst += pic.integrity[pic.ident == ident].tolist()
    return states, trk.stats.confirmed


@pytest.mark.parametrize(("climb", "suspect_s"), [(8.0, (50, 100)), (0.0, (100, 180))])
def test_a_replay_far_away_is_spoofed_climbing_or_level(climb: float, suspect_s: tuple[int, int]) -> None:
    """A spoofer replays an aircraft's broadcasts 140 km away, beyond the radar, abeam of it (the
    offset across its track): the twin that agrees in height and velocity, seen by no radar, is
    suspect after about two minutes and spoofed after about four (IntegritySettings: real pairs
    keep that up once in ~10^4 pair-hours), in about half that while both climb in step
    (JOINT_MANOEUVRE); the real one (radar-corroborated) stays ok."""
    real = tk.over_the_earth(tk.straight((20_000.0, 10_000.0, 2000.0), (-150.0, 80.0, climb)))
    ghost = tk.over_the_earth(tk.straight((90_000.0, 140_000.0, 2000.0), (-150.0, 80.0, climb)))
    states, _ = _replay_scene(real, ghost, scans=75)
    assert SPOOFED not in states[0x3C6444] and states[0x3C6444][-20:] == [OK] * 20  # suspect until 2 plots
    ghost_states = np.array(states[0x4CA1B2])
    lo, hi = suspect_s
    assert (ghost_states[:lo] == OK).all()
    assert (ghost_states[lo:hi] != OK).any() and (ghost_states[-20:] == SPOOFED).all()


def test_level_traffic_in_trail_beyond_radar_range_is_not_a_replay() -> None:
    """Two airliners at FL350 on one airway 40 km apart, flying towards the radar: the leader is in
    its range, the follower enters it a minute later. Same height and velocity, but level: in-trail
    traffic, not a replay; both stay ok."""
    o = tk.FRAME.to_enu(
        np.array([tk.RADAR["lat"]]), np.array([tk.RADAR["lon"]]), np.array([tk.RADAR["alt_m"]])
    )[0]
    ne = np.array([np.sin(np.radians(45.0)), np.cos(np.radians(45.0))])
    v = tuple([*(-230.0 * ne), 0.0])
    lead = tk.over_the_earth(tk.straight((*(o[:2] + 80e3 * ne), 10_668.0), v))
    follower = tk.over_the_earth(tk.straight((*(o[:2] + 120e3 * ne), 10_668.0), v))
    states, _ = _replay_scene(lead, follower, radar_sees_second_within_m=tk.RADAR["max_range_m"])
    assert SPOOFED not in states[0x3C6444] and states[0x3C6444][-20:] == [OK] * 20  # suspect until 2 plots
    assert SPOOFED not in states[0x4CA1B2]
    assert states[0x4CA1B2][-20:] == [OK] * 20  # seen by the radar at the end


@pytest.mark.parametrize(
    ("where", "site_radar_sees_it", "expect"),
    [
        ("near", True, OK),  # the site radar sees drones: its plots corroborate the broadcast
        ("far", False, OK),  # only the surveillance radar covers it, and it does not see drones
        ("near", False, SPOOFED),  # the site radar should see it and never does
    ],
)
def test_remote_id_drone_is_corroborated_only_by_radars_that_see_drones(
    where: str, site_radar_sees_it: bool, expect: int
) -> None:
    rid = {"id": "RID1", "kind": "remoteid", "lat": tk.SITE[0], "lon": tk.SITE[1], "alt_m": tk.SITE[2],
           "update_period_s": 1.0, "p_loss": 0.3, "sigma_position_m": 10.0}  # fmt: skip
    sensors = [tk.RADAR, tk.ADSB, tk.RADAR_3D, rid]
    serial = remoteid_ident("1581F5FJD0000000001")
    p0 = (1500.0, 1200.0, 60.0) if where == "near" else (15_000.0, 12_000.0, 100.0)
    path = tk.straight(p0, (-8.0, -6.0, 0.0))
    rng = np.random.default_rng(30)
    plots = [tk.clutter_plots(range(30), rng), tk.clutter_plots(range(120), rng, spec=tk.RADAR_3D, sensor=2)]
    if site_radar_sees_it:
        plots.append(tk.radar_plots(path, range(120), rng, spec=tk.RADAR_3D, sensor=2, pd=0.8))
    reports = tk.adsb_reports(path, tk.T0 + np.arange(0.0, 120.0), serial, rng, spec=rid, sensor=3)
    _, pictures = tk.track(np.concatenate(plots), reports, tk.T0 + 120.0, sensors=sensors)
    states, masks = [], set()
    for pic in pictures:
        sel = pic.ident == serial
        assert sel.sum() <= 1
        if pic.time_s > tk.T0 + 10.0:
            assert sel.sum() == 1
            states.append(int(pic.integrity[sel][0]))
            masks.add(int(pic.sensors[sel][0]))
    assert set(states) == {expect}
    assert masks == ({0b1100} if site_radar_sees_it else {0b1000})


def test_a_real_aircraft_missed_on_its_first_scans_is_not_spoofed_for_good() -> None:
    """An ADS-B aircraft in radar coverage that the radar misses on scans 0, 1 and 3, then sees on
    every scan: it may be suspect, even spoofed, for a while, but once the radar has seen it scan
    after scan it is ok."""
    rng = np.random.default_rng(31)
    scans = [2, *range(4, 40)]
    plots = np.concatenate([tk.radar_plots(PATH, scans, rng), tk.clutter_plots(range(40), rng)])
    reports = tk.adsb_reports(PATH, tk.T0 + np.arange(0.0, 160.0), 0x3C6444, rng)
    states = []
    _, pictures = tk.track(plots, reports, tk.T0 + 160.0)
    for pic in pictures:
        states += pic.integrity[pic.ident == 0x3C6444].tolist()
    assert len(states) > 100
    assert states[-20:] == [OK] * 20


def test_rejects_counted_not_raised() -> None:
    trk = ImmGnnTracker(tk.SENSORS, tk.SITE)
    rep = np.zeros(3, REPORT_DTYPE)
    rep["time_s"] = tk.T0 + np.arange(3.0)
    rep["sensor"], rep["ident"] = 1, 0x123456
    rep["lat"], rep["lon"], rep["altitude_m"] = [48.9, np.nan, 48.9], [2.3, 2.3, np.inf], 1000.0
    rep["speed_mps"] = rep["track_rad"] = rep["vrate_mps"] = np.nan
    trk.update_reports(rep)
    assert trk.rejects["report_without_position"] == 2
    assert len(trk.table) == 1  # the good report started a track
    pl = np.zeros(2, PLOT_DTYPE)
    pl["time_s"], pl["sensor"], pl["range_m"], pl["azimuth_rad"] = tk.T0, 1, 1e4, 1.0
    pl["elevation_rad"] = pl["altitude_m"] = np.nan
    pl["ident"] = NO_IDENT
    trk.update_plots(pl)  # an ADS-B receiver gives no plots
    assert trk.rejects["plot_from_non_radar"] == 2
    assert len(trk.table) == 1 and trk.stats.started == 1


def test_two_close_parallel_targets_keep_two_tracks() -> None:
    """Two aircraft 1 km apart side by side (25 azimuth sigmas at 30 km): two tracks, two stable ids,
    no merge."""
    rng = np.random.default_rng(16)
    other = tk.straight((20_000.0 + 470.0, 10_000.0 + 880.0, 3000.0), (-150.0, 80.0, 0.0))
    plots = np.concatenate([tk.radar_plots(PATH, range(30), rng), tk.radar_plots(other, range(30), rng)])
    ids_a, ids_b = set(), set()
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 30 * T)
    for pic in pictures:
        a, b = tk.near(pic, PATH, 300.0), tk.near(pic, other, 300.0)
        assert not (a & b).any()
        ids_a |= set(pic.track[a].tolist())
        ids_b |= set(pic.track[b].tolist())
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b
    assert trk.stats.merged == 0


def test_the_tracker_is_a_tracker_and_step_is_the_parts_in_order() -> None:
    """ImmGnnTracker satisfies the Tracker protocol; step() gives the same pictures as its parts
    (reports, plots, upkeep, picture) called by hand."""
    rng = np.random.default_rng(17)
    plots = np.concatenate([tk.radar_plots(PATH, range(20), rng), tk.clutter_plots(range(20), rng)])
    plots = plots[np.argsort(plots["time_s"], kind="stable")]
    reports = tk.adsb_reports(PATH, tk.T0 + np.arange(10.0, 80.0, 1.0), 0x3C6444, rng)
    a, b = ImmGnnTracker(tk.SENSORS, tk.SITE), ImmGnnTracker(tk.SENSORS, tk.SITE)
    assert isinstance(a, Tracker)
    n = 0
    for k in range(20):
        lo, hi = tk.T0 + k * T, tk.T0 + (k + 1) * T
        pl = plots[(plots["time_s"] >= lo) & (plots["time_s"] < hi)]
        rp = reports[(reports["time_s"] >= lo) & (reports["time_s"] < hi)]
        pa = a.step(Measurements(hi, pl, rp))
        b.update_reports(rp)
        b.update_plots(pl)
        b.maintain(hi)
        pb = b.picture(hi)
        np.testing.assert_array_equal(pa.track, pb.track)
        np.testing.assert_array_equal(pa.x, pb.x)
        n += len(pa)
    assert n >= 15  # the aircraft is in nearly every picture


def test_a_report_without_identity_does_not_move_a_radar_track() -> None:
    rng = np.random.default_rng(18)
    trk = ImmGnnTracker(tk.SENSORS, tk.SITE)
    plots = tk.radar_plots(PATH, range(10), rng)
    for k in range(10):
        trk.update_plots(plots[k : k + 1])
        trk.maintain(tk.T0 + (k + 1) * T)
    before = trk.picture(tk.T0 + 40.0)
    assert len(before) == 1 and tk.near(before, PATH, 300.0).all()
    far = tk.straight((-60_000.0, -40_000.0, 8000.0), (0.0, 0.0, 0.0))
    trk.update_reports(tk.adsb_reports(far, np.array([tk.T0 + 40.5]), NO_IDENT, rng))
    trk.maintain(tk.T0 + 41.0)
    after = trk.picture(tk.T0 + 41.0)
    sel = after.track == before.track[0]
    assert sel.any() and tk.near(after, PATH, 300.0)[sel].all()


def test_a_non_finite_plot_is_a_counted_reject_not_a_crash() -> None:
    rng = np.random.default_rng(19)
    plots = tk.radar_plots(PATH, range(8), rng)
    trk = ImmGnnTracker(tk.SENSORS, tk.SITE)
    for k in range(8):
        batch = plots[k : k + 1]
        if k == 5:
            bad = np.repeat(batch, 2)
            bad["range_m"][0], bad["azimuth_rad"][1] = np.nan, np.inf
            batch = np.concatenate([batch, bad])
        trk.update_plots(batch)
        trk.maintain(tk.T0 + (k + 1) * T)
    assert sum(trk.rejects.values()) == 2
    pic = trk.picture(tk.T0 + 8 * T)
    assert len(pic) == 1 and np.isfinite(pic.x).all()


def test_a_2d_site_radar_places_a_low_drone_near_where_it_is() -> None:
    """A 2-D site radar (range and azimuth, no elevation) sees a drone 100 m up flying across its
    coverage 600-1,600 m out. Its plots say nothing of height, so the track takes the height
    prior of a radar that sees drones and birds (150 +- 150 m, what such a radar sees without
    altitude flies low); with the aircraft radars' 800 +- 800 m the ground range came out short
    by the height: 200-300 m off at 1 km."""
    spec = dict(tk.RADAR_3D, id="S2D")
    del spec["sigma_elevation_deg"]
    rng = np.random.default_rng(21)
    path = tk.straight((-1200.0, 900.0, 100.0), (15.0, -5.0, 0.0))
    plots = np.concatenate(
        [
            tk.radar_plots(path, range(150), rng, spec=spec, pd=0.8, mode_c=False),
            tk.clutter_plots(range(150), rng, spec=spec),
        ]
    )
    _, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 150, sensors=[spec])
    err = []
    for pic in pictures:
        m = tk.near(pic, path, 400.0)
        if pic.time_s > tk.T0 + 20 and m.any():
            assert pic.row_time is not None
            err += np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T).tolist()
    assert len(err) > 100
    assert np.sqrt(np.mean(np.square(err))) < 40.0


def _site_2d() -> dict:
    """The 3-D site radar's sheet without elevation: a 2-D site radar."""
    spec = dict(tk.RADAR_3D, id="S2D")
    del spec["sigma_elevation_deg"]
    return spec


def _meandering_bird(g: np.random.Generator, o: np.ndarray, duration_s: int) -> tk.Path3:
    """A bird 600 m from o, 150-300 m up, at 5-15 m/s, its heading a random walk of 10 deg a second
    and its height one of 0.5 m (make_scenario's birds)."""
    a = g.uniform(0, 2 * np.pi)
    p = np.array([o[0] + 600 * np.sin(a), o[1] + 600 * np.cos(a), g.uniform(150, 300)])
    heading, speed = g.uniform(0, 2 * np.pi), g.uniform(5, 15)
    pts = [p.copy()]
    for _ in range(duration_s):
        heading += np.radians(g.normal(0, 10))
        p = p + np.array([speed * np.sin(heading), speed * np.cos(heading), g.normal(0, 0.5)])
        pts.append(p.copy())
    at, ts = np.array(pts), tk.T0 + np.arange(len(pts))
    return lambda t: np.column_stack([np.interp(t, ts, at[:, k]) for k in range(3)])


def test_a_2d_site_radar_keeps_meandering_birds_where_they_are() -> None:
    """Birds meander near a 2-D site radar. Range alone cannot tell ground range from height, so a
    track's height must stay the prior (150 +- 150 m above the site), not be estimated: an EKF
    that estimated it took these birds from 1.2 km up to 0.9 km below the ground and put them
    148 m RMS from where they flew."""
    spec = _site_2d()
    o = tk.FRAME.to_enu(np.array([spec["lat"]]), np.array([spec["lon"]]), np.array([spec["alt_m"]]))[0]
    err, up = [], []
    for seed in range(4):
        path = _meandering_bird(np.random.default_rng(100 + seed), o, 400)
        rng = np.random.default_rng(seed)
        plots = np.concatenate(
            [
                tk.radar_plots(path, range(400), rng, spec=spec, pd=0.6, mode_c=False),
                tk.clutter_plots(range(400), rng, spec=spec),
            ]
        )
        for pic in tk.track(plots, NO_REPORTS, tk.T0 + 400, sensors=[spec])[1]:
            m = tk.near(pic, path, 1500.0)
            if pic.time_s > tk.T0 + 20 and m.any():
                assert pic.row_time is not None
                d = np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T)
                err.append(d.min())
                up.append(pic.x[m][np.argmin(d), 2])
    assert len(err) > 1400
    assert np.sqrt(np.mean(np.square(err))) < 50.0  # 24 m; 148 m estimating the height
    assert min(up) > -300.0 and max(up) < 600.0  # the prior +- 3 sigma


def test_a_2d_site_radar_s_plots_of_an_aircraft_overhead_join_its_track() -> None:
    """An aircraft broadcasting ADS-B passes 3 km above a 2-D site radar, which sees it. Its plots are
    put at the height prior of what such a radar is for (150 m), so at up to 2 km from where the
    aircraft flies: they are compared with where the aircraft's own 2-D plots would be put, join its
    track, and start no track of their own (they started drone-like tracks km off the aircraft)."""
    spec = _site_2d()
    path = tk.over_the_earth(tk.straight((-5000.0, 300.0, 3000.0), (90.0, 0.0, 0.0)))
    rng = np.random.default_rng(9)
    plots = tk.radar_plots(path, range(110), rng, spec=spec, pd=0.95, mode_c=False)
    reports = tk.adsb_reports(path, tk.T0 + np.arange(0.0, 110.0, 1.0), 0x3C6586, rng, sensor=1)
    seen_by = 0
    counts = []
    for pic in tk.track(plots, reports, tk.T0 + 110, sensors=[spec, tk.ADSB])[1]:
        if pic.time_s > tk.T0 + 10:
            counts.append(len(pic))
            seen_by |= int(np.bitwise_or.reduce(pic.sensors)) if len(pic) else 0
    assert len(counts) > 50
    assert set(counts) == {1}
    assert seen_by == 0b11


def test_a_report_beyond_the_radio_horizon_is_a_counted_reject_not_a_restart() -> None:
    """One report of a held identity carries a corrupt position 40 deg of longitude off (a receiver
    at 60 m hears an aircraft at 3 km to ~270 km). It cannot have been heard: it is rejected and
    counted, not taken as the jump that restarts the track there (a restart so far made every
    mode's likelihood underflow, and the track's state NaN)."""
    rng = np.random.default_rng(2)
    path = tk.over_the_earth(PATH)
    reports = tk.adsb_reports(path, tk.T0 + np.arange(0.0, 40.0, 1.0), 0x3C6586, rng, sensor=1)
    reports["lon"][20] += 40.0
    lossy = dict(tk.ADSB, p_loss=0.3)  # with none lost, one report missing would end the track
    trk, pictures = tk.track(np.zeros(0, PLOT_DTYPE), reports, tk.T0 + 40.0, sensors=[tk.RADAR, lossy])
    err = []
    for pic in pictures:
        assert np.isfinite(pic.x).all()
        if pic.time_s < tk.T0 + 5.0:
            continue
        m = tk.near(pic, path, 1000.0)
        assert len(pic) == int(m.sum()) == 1
        assert pic.row_time is not None
        err.append(float(np.hypot(*(pic.x[m, :2] - path(pic.row_time[m])[:, :2]).T)[0]))
    assert len(err) > 25 and max(err) < 60.0
    assert trk.rejects["report_beyond_horizon"] == 1
