"""upkeep.py, the compiled track upkeep, against its numpy reference on the same tracker state."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np
import pytest
import trackkit as tk
from airpicture.track.measure import altitude_of
from airpicture.track.run import window_s

from airpicture.geo import ecef_to_geodetic, geodetic_to_ecef
from airpicture.track import kernels, manage, tracker, upkeep
from airpicture.track.table import CONFIRMED
from airpicture.track.tracker import Tracker
from airpicture.types import Picture

T = tk.RADAR["scan_period_s"]
PATH = tk.straight((20_000.0, 10_000.0, 3000.0), (-150.0, 80.0, 0.0))
#: mode accelerations squared, as the tracker passes them to the kernels
ACCEL2 = kernels._motion()[0]


def test_geodetic_equals_ecef_to_geodetic() -> None:
    rng = np.random.default_rng(30)
    n = 4000
    lat = np.concatenate(
        [
            rng.uniform(-90.0, 90.0, n),
            90.0 - 10.0 ** rng.uniform(-9, 0, n // 4),  # near the north pole
            -90.0 + 10.0 ** rng.uniform(-9, 0, n // 4),  # near the south pole
            [90.0, -90.0, 0.0, 0.0, 45.0],
        ]
    )
    k = len(lat)
    lon = np.concatenate([rng.uniform(-180.0, 180.0, k - 5), [0.0, 0.0, 180.0, -90.0, -180.0]])
    alt = np.concatenate([rng.uniform(0.0, 12_000.0, k - 5), [0.0, 12_000.0, 0.0, 5000.0, 100.0]])
    xyz = geodetic_to_ecef(lat, lon, alt)
    ref_lat, ref_lon, _ = ecef_to_geodetic(xyz)
    got = np.array([upkeep._geodetic(*p) for p in xyz])
    np.testing.assert_allclose(got[:, 0], ref_lat, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], ref_lon, rtol=0, atol=1e-9)
    # and both are the point we started from (away from the poles, where longitude is undefined)
    np.testing.assert_allclose(got[:, 0], lat, rtol=0, atol=1e-9)
    ok = np.abs(lat) < 90.0 - 1e-6
    dlon = np.mod(got[ok, 1] - lon[ok] + 180.0, 360.0) - 180.0
    np.testing.assert_allclose(dlon, 0.0, rtol=0, atol=1e-9)


def _scene() -> tuple[np.ndarray, np.ndarray, float]:
    """A fused aircraft, a second radar target, an ADS-B-only aircraft 150 km out (where the
    tangent plane has fallen 1.8 km below the ellipsoid), a target that stops, and clutter."""
    rng = np.random.default_rng(31)
    far = tk.over_the_earth(tk.straight((120_000.0, -90_000.0, 9000.0), (-200.0, 50.0, 0.0)))
    other = tk.straight((-10_000.0, 30_000.0, 1500.0), (90.0, -40.0, 0.0))
    plots = np.concatenate(
        [
            tk.radar_plots(PATH, range(30), rng, pd=0.9),
            tk.radar_plots(other, range(15), rng, mode_c=False),
            tk.clutter_plots(range(30), rng),
        ]
    )
    t = tk.T0 + np.arange(10.0, 120.0, 1.0)
    reports = np.concatenate(
        [tk.adsb_reports(PATH, t, 0x3C6444, rng), tk.adsb_reports(far, t, 0xABCDEF, rng)]
    )
    return plots, reports, tk.T0 + 30 * T


def _states(before_maintain: bool = False) -> Iterator[tuple[Tracker, float]]:
    """A compiled tracker after each window of the scene (as run_scenario drives it), and the
    window's end; `before_maintain`: with the window's measurements in but before maintain()."""
    plots, reports, end = _scene()
    scn = tk.scenario(plots, reports, end)
    trk = Tracker(scn.sensors, scn.site_lla, scn.platforms, scn.active, compiled=True)
    edges = scn.start_s + window_s(scn) * np.arange(int(np.ceil((end - scn.start_s) / window_s(scn))) + 1)
    edges[-1] = max(edges[-1], scn.plots["time_s"][-1] + 1e-6, scn.reports["time_s"][-1] + 1e-6)
    pi = np.searchsorted(scn.plots["time_s"], edges)
    ri = np.searchsorted(scn.reports["time_s"], edges)
    for k in range(len(edges) - 1):
        trk.update_reports(scn.reports[ri[k] : ri[k + 1]])
        trk.update_plots(scn.plots[pi[k] : pi[k + 1]])
        t = float(edges[k + 1])
        if before_maintain:
            yield trk, t
        trk.maintain(t)
        if not before_maintain:
            yield trk, t


def _reference_picture(trk: Tracker, t: float, fresh_s: float) -> Picture:
    """The picture of the numpy reference path on the tracker's current state."""
    trk.compiled = False
    try:
        return trk.picture(t, fresh_s=fresh_s)
    finally:
        trk.compiled = True


@pytest.mark.parametrize("fresh_s", [0.0, 4.0])
def test_publish_equals_the_reference_picture_on_the_same_state(fresh_s: float) -> None:
    n = far = held = 0
    for trk, t in _states():
        for at in (t, t + 7.5):  # at the window's end, and predicted ahead
            a = trk.picture(at, fresh_s=fresh_s)
            b = _reference_picture(trk, at, fresh_s)
            np.testing.assert_array_equal(a.track, b.track)
            np.testing.assert_array_equal(a.ident, b.ident)
            assert a.row_time is not None and b.row_time is not None
            np.testing.assert_array_equal(a.row_time, b.row_time)
            np.testing.assert_allclose(a.x, b.x, rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(a.P, b.P, rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(a.lat, b.lat, rtol=0, atol=1e-9)
            np.testing.assert_allclose(a.lon, b.lon, rtol=0, atol=1e-9)
            np.testing.assert_allclose(a.alt_m, b.alt_m, rtol=0, atol=1e-6)
            n += len(a)
            far += int((a.ident == 0xABCDEF).sum())
            assert (a.row_time <= at).all()
            held += int((a.row_time < at).sum())
    assert n > 100 and far > 30
    # fresh_s > 0: some rows at their own last measurement, the others predicted to the picture's time
    assert (held > 50) == (fresh_s > 0) and (held < n)


def test_published_position_is_its_state_in_lat_lon_and_height() -> None:
    n = 0
    for trk, t in _states():
        pic = trk.picture(t, fresh_s=4.0)
        lat, lon, _ = trk.frame.to_geodetic(pic.x[:, :3])
        alt, _ = altitude_of(pic.x[:, :3], trk.site_alt, trk.rn, trk.rm)
        np.testing.assert_allclose(pic.lat, lat, rtol=0, atol=1e-9)
        np.testing.assert_allclose(pic.lon, lon, rtol=0, atol=1e-9)
        np.testing.assert_allclose(pic.alt_m, alt, rtol=0, atol=1e-6)
        n += len(pic)
        # the far aircraft's published height is its flight level, not the tangent plane's "up"
        m = pic.ident == 0xABCDEF
        if m.any():
            assert np.abs(pic.alt_m[m] - 9000.0) < 100.0
            assert (pic.x[m, 2] < 9000.0 - 1000.0).all()
    assert n > 100


def test_judge_equals_the_reference_on_the_same_state() -> None:
    seen = {"confirm": 0, "drop": 0}
    for trk, t in _states(before_maintain=True):
        for at in (t, t + 9.0, t + 70.0):  # soon, after a few misses, after the coast limit
            a, b = copy.deepcopy(trk), copy.deepcopy(trk)
            rows = a.table.rows()
            ta, tb_ = a.table, b.table
            ca, da, la = upkeep.judge(
                rows, at, ta.t_seen, ta.t_update, a.revisit_s, a.log_miss, manage.MISS_MEMORY_S,
                ta.score, ta.peak, ta.miss_lp, ta.status, ta.P, tracker.CONFIRM_LLR, tracker.TENTATIVE_DROP,
                np.log(tracker.P_FALSE_DELETE), tracker.MAX_SIGMA_H_M, tracker.MAX_COAST_S,
            )  # fmt: skip
            cb, db, lb = b._judge(rows, at)
            np.testing.assert_array_equal(ca, cb)
            np.testing.assert_array_equal(da, db)
            assert la == lb
            np.testing.assert_allclose(ta.score[rows], tb_.score[rows], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(ta.miss_lp[rows], tb_.miss_lp[rows], rtol=1e-12, atol=1e-12)
            seen["confirm"] += int(ca.sum())
            seen["drop"] += int(da.sum())
    assert seen["confirm"] > 0 and seen["drop"] > 0


def test_duplicates_and_predicted_equal_the_reference_on_the_same_state() -> None:
    pairs = 0
    for trk, t in _states():
        tb = trk.table
        rows = tb.rows()[tb.status[tb.rows()] == CONFIRMED]
        if len(rows) < 1:
            continue
        at = np.full(len(rows), t + 3.0)
        xa, Pa = upkeep.predicted(rows, tb.xc, tb.Pc, tb.mu, tb.t, at, ACCEL2)
        trk.compiled = False
        xb, Pb = trk.predicted(rows, at)
        trk.compiled = True
        np.testing.assert_allclose(xa, xb, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Pa, Pb, rtol=1e-12, atol=1e-9)
        # a copy of each track next to itself: every track is its own duplicate
        twin = np.concatenate([rows, rows])
        a, b = upkeep.duplicates(twin, tb.xc, tb.Pc, tb.mu, tb.t, tb.ident, t, manage.MERGE_REACH_M,
                                 manage.GATE[6], ACCEL2)  # fmt: skip
        trk.compiled = False
        ra, rb = manage._duplicates(trk, twin, t)
        trk.compiled = True
        got = set(zip(a.tolist(), b.tolist(), strict=True))
        assert got == set(zip(ra.tolist(), rb.tolist(), strict=True))
        assert {(i, i + len(rows)) for i in range(len(rows))} <= got
        pairs += len(got)
    assert pairs > 50
