"""The per-window upkeep kernels (manage.judge, manage.duplicates, manage.predicted,
publish.publish, publish.geodetic) against the numpy oracle (oracle_manage.py) and exact geodesy,
on the states of a tracker running the first two minutes of the bundled Paris scenario — asked
about other times than the tracker asks (ahead of the window's end, after the coast limit), and
with made-up duplicates, to reach the branches the run alone seldom takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import oracle_manage
import pytest

import airpicture
from airpicture.config import TrackSettings
from airpicture.geo import ecef_to_geodetic, geodetic_to_ecef
from airpicture.sources.scenario import Scenario, load_scenario
from airpicture.track import manage, measurement, publish
from airpicture.track.gate import gate_table
from airpicture.track.geometry import curvature_radii
from airpicture.track.table import CONFIRMED, TrackColumns
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.vertical import vertical_at
from airpicture.track.windows import scenario_windows

PARIS = Path(airpicture.__file__).resolve().parent / "data" / "paris"
SPAN_S = 120.0

TS = TrackSettings()
GATES = gate_table(TS.p_gate)


@pytest.fixture(scope="module")
def paris() -> Scenario:
    return load_scenario(PARIS)


def _states(scn: Scenario, before_maintain: bool = False) -> Iterator[tuple[ImmGnnTracker, float]]:
    """A tracker after each window of the first SPAN_S seconds (as step() drives it), and the
    window's end; `before_maintain`: with the window's measurements in, before maintain()."""
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    for w in scenario_windows(scn, progress=False):
        if w.until > scn.start_s + SPAN_S:
            return
        trk.update_reports(w.reports, w.names, w.info)
        trk.update_plots(w.plots)
        if before_maintain:
            yield trk, w.until
        trk.maintain(w.until)
        if not before_maintain:
            yield trk, w.until


def _copy(cols: TrackColumns) -> TrackColumns:
    return TrackColumns(*(a.copy() for a in cols))


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
    got = np.array([publish.geodetic(*p) for p in xyz])
    np.testing.assert_allclose(got[:, 0], ref_lat, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], ref_lon, rtol=0, atol=1e-9)
    # and both are the point we started from (away from the poles, where longitude is undefined)
    np.testing.assert_allclose(got[:, 0], lat, rtol=0, atol=1e-9)
    ok = np.abs(lat) < 90.0 - 1e-6
    dlon = np.mod(got[ok, 1] - lon[ok] + 180.0, 360.0) - 180.0
    np.testing.assert_allclose(dlon, 0.0, rtol=0, atol=1e-9)


def _reporters(trk: ImmGnnTracker) -> int:
    """Bit mask of the tracker's report sensors (their heights stay with the 6-state IMM)."""
    return sum(1 << i for i, s in enumerate(trk.sensors) if s.kind != "radar")


@pytest.mark.parametrize("fresh_s", [0.0, 4.0])
def test_publish_equals_the_oracle_ahead(paris: Scenario, fresh_s: float) -> None:
    """The picture at the window's end and 7.5 s ahead of it, with and without publishing fresh
    tracks at their measurement."""
    n = held = 0
    for trk, t in _states(paris):
        rn, rm = curvature_radii(trk.frame.lat0)
        for at in (t, t + 7.5):
            cols = trk.table.cols
            show, v_a2, rep = trk.evidence.show(), trk.vertical.accel2, _reporters(trk)
            got = publish.publish(
                cols, at, fresh_s, np.log(TS.p_still_there), trk.motion.accel2, trk.earth, show, v_a2, rep
            )
            ref = oracle_manage.publish(
                cols, at, fresh_s, np.log(TS.p_still_there), trk.frame, trk.earth.site_alt, rn, rm, show, rep
            )
            np.testing.assert_array_equal(got[0], ref.rows)
            np.testing.assert_array_equal(got[1], ref.row_time)
            np.testing.assert_allclose(got[2], ref.x, rtol=1e-12, atol=1e-6)
            np.testing.assert_allclose(got[3], ref.P, rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(got[4], ref.lat, rtol=0, atol=1e-9)
            np.testing.assert_allclose(got[5], ref.lon, rtol=0, atol=1e-9)
            np.testing.assert_allclose(got[6], ref.alt, rtol=0, atol=1e-6)
            np.testing.assert_allclose(got[7], ref.alt_var, rtol=1e-9, atol=1e-9)
            n += len(ref.rows)
            assert (ref.row_time <= at).all()
            held += int((ref.row_time < at).sum())
    assert n > 500
    # fresh_s > 0: some rows at their own last measurement, the others predicted to the picture's time
    assert (held > 100) == (fresh_s > 0) and held < n


def test_published_position_is_its_state_in_lat_lon_and_height(paris: Scenario) -> None:
    n = n_far = n_vert = 0
    for trk, t in _states(paris):
        pic = trk.picture(t)
        lat, lon, _ = trk.frame.to_geodetic(pic.x[:, :3])
        np.testing.assert_allclose(pic.lat, lat, rtol=0, atol=1e-9)
        np.testing.assert_allclose(pic.lon, lon, rtol=0, atol=1e-9)
        # the height: the vertical channel's for a track only a radar's Mode C measured in height
        tb = trk.table
        row = {int(i): r for r, i in zip(tb.rows(), tb.id[tb.rows()], strict=True)}
        rows = np.array([row[int(i)] for i in pic.track], np.int64)
        vert = (tb.vt[rows] >= tb.t_height[rows]) & ((tb.sensors[rows] & _reporters(trk)) == 0)
        alt = [
            vertical_at(tb.vx, tb.vcov, tb.vmu, tb.vt, r, rt, trk.vertical.accel2)[0]
            if v
            else measurement.height(x, trk.earth)
            for r, rt, v, x in zip(rows, pic.row_time, vert, pic.x, strict=True)
        ]
        np.testing.assert_allclose(pic.alt_m, alt, rtol=0, atol=1e-9)
        n_vert += int(vert.sum())
        n += len(pic)
        # published heights are heights above the ellipsoid, not the tangent plane's "up", which
        # falls hundreds of metres below it at the range of the ADS-B traffic
        far = np.hypot(pic.x[:, 0], pic.x[:, 1]) > 80e3
        assert (pic.alt_m[far] - pic.x[far, 2] > 300.0).all()
        n_far += int(far.sum())
    assert n > 500 and n_far > 50 and n_vert > 10


def test_judge_equals_the_oracle_ahead(paris: Scenario) -> None:
    """judge soon after the window, after a few misses, and after the coast limit."""
    seen = {"confirm": 0, "drop": 0, "lost": 0}
    for trk, t in _states(paris, before_maintain=True):
        rows = trk.table.rows()
        for at in (t, t + 9.0, t + 70.0):
            cols = _copy(trk.table.cols)
            ref = oracle_manage.judge(cols, rows, at, trk._looks, trk._limits)
            confirm, drop, lost = manage.judge(cols, rows, at, trk._looks, trk._limits)
            np.testing.assert_array_equal(confirm, ref.confirm)
            np.testing.assert_array_equal(drop, ref.drop)
            assert lost == ref.lost
            np.testing.assert_allclose(cols.score[rows], ref.score, rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(cols.miss_lp[rows], ref.miss_lp, rtol=1e-12, atol=1e-9)
            seen["confirm"] += int(confirm.sum())
            seen["drop"] += int(drop.sum())
            seen["lost"] += lost
    assert seen["confirm"] > 0 and seen["drop"] > 0 and seen["lost"] > 0


def test_predicted_and_duplicates_equal_the_oracle(paris: Scenario) -> None:
    pairs = 0
    for trk, t in _states(paris):
        tb = trk.table
        rows = tb.rows()[tb.status[tb.rows()] == CONFIRMED]
        if len(rows) < 1:
            continue
        xa, Pa = manage.predicted(tb, rows, t + 3.0, trk.motion.accel2)
        xb, Pb = oracle_manage.predicted(tb.cols, rows, t + 3.0)
        np.testing.assert_allclose(xa, xb, rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(Pa, Pb, rtol=1e-12, atol=1e-9)
        # a copy of each track next to itself: every track is its own duplicate
        twin = np.concatenate([rows, rows])
        revisit = trk._looks[0]
        a, b = manage.duplicates(tb.cols, twin, t, TS.merge_reach_m, GATES[6], trk.motion.accel2, revisit)
        ra, rb = oracle_manage.duplicates(tb.cols, twin, t, TS.merge_reach_m, GATES[6], revisit)
        got = set(zip(a.tolist(), b.tolist(), strict=True))
        assert got == set(zip(ra.tolist(), rb.tolist(), strict=True))
        assert {(i, i + len(rows)) for i in range(len(rows))} <= got
        pairs += len(got)
    assert pairs > 500
