"""The compiled assess kernels against their numpy version (assess_reference.py), on movers that
come and go: gaps shorter than a slot's grace, gaps longer (the track starts afresh), a burst of
tracks that makes the slot tables grow, radars whose coverage the movers leave, a moving radar."""

import copy

import assess_reference as reference
import numpy as np
import pytest

from airpicture.assess import (
    AssessSettings,
    BayesClassifier,
    CircleZone,
    FeatureTable,
    PolygonZone,
    SensorSheet,
    alert_kernels,
    kernels,
)
from airpicture.assess.alerts import _NK, AlertRules
from airpicture.assess.slots import SlotTable
from airpicture.sensors import load_sheets
from airpicture.types import icao_ident, remoteid_ident
from conftest import SENSORS, SITE, circling, only, straight, wandering

LR, SR, ADSB, SHIP = 1, 2, 4, 8
#: the test sensors and a radar on a ship (coverage from the radar horizon)
SHEETS = [
    *SENSORS,
    {
        "id": "SHIP",
        "kind": "radar",
        "lat": 48.80,
        "lon": 2.35,
        "alt_m": 30,
        "scan_period_s": 2.0,
        "max_range_m": 20000,
        "min_range_m": 100,
        "sigma_range_m": 20,
        "sigma_azimuth_deg": 0.5,
        "moving": True,
        "pd": {"aircraft": 0.9, "drone": 0.5, "bird": 0.3},
    },
]
BURST = list(range(100, 180))  # tracks only in pictures 20-39


def seen(p: float, bits: int, seed: int):
    rng = np.random.default_rng(seed)
    return lambda t: bits if rng.random() < p else 0


@pytest.fixture
def pictures(run_movers):
    movers = [
        (1, straight((-30000, 8000, 1500), (120, 0, 0)), lambda t: (LR if t % 4 == 0 else 0) | SHIP, -1),
        (2, circling((200, 300), 300, 20, 300), seen(0.8, SR, 1), -1),
        (3, wandering(3, (1500, 1500, 80), 9.0), seen(0.6, SR | SHIP, 2), -1),
        (4, straight((3000, 0, 100), (25, 2, 0.5)), seen(0.8, SR, 3), -1),  # leaves SR at ~6 km
        (5, straight((2000, 2000, 80), (0.3, 0.2, 0)), seen(0.8, SR, 4), -1),  # hovers
        (6, straight((0, -3000, 2000), (150, 0, 0)), seen(0.9, ADSB, 5), icao_ident("3944f5")),
        (7, straight((0, 3000, 80), (12, 0, 0)), seen(0.8, SR, 6), remoteid_ident("SN-1")),
        *[(tid, straight((50.0 * tid, -1000, 200), (5, 5, 0)), seen(0.7, SR, tid), -1) for tid in BURST],
    ]
    pics = run_movers(movers, 240)
    # crowded detections (a second plot in the gate): the bird (3) and the burst's flock often
    # and scans whose plot went to a neighbour's track (denied): the flock's, now and then
    rng, crowd_n = np.random.default_rng(7), np.zeros_like(pics[0].seen_n)
    denied_n = np.zeros_like(crowd_n)
    p_crowd = np.where(np.isin(pics[0].track, [3, *BURST]), 0.7, 0.05)[:, None]
    p_denied = np.where(np.isin(pics[0].track, BURST), 0.3, 0.0)[:, None]
    for prev, p in zip([None, *pics[:-1]], pics, strict=True):
        new = p.seen_n - (prev.seen_n if prev is not None else 0)
        crowd_n += rng.binomial(new, np.broadcast_to(p_crowd, new.shape)).astype(crowd_n.dtype)
        denied_n += rng.binomial(1, np.broadcast_to(p_denied, new.shape)).astype(denied_n.dtype)
        p.crowd_n, p.denied_n = crowd_n.copy(), denied_n.copy()
    for k, p in enumerate(pics):
        gone = [2] * (50 <= k < 60) + [3] * (80 <= k < 160) + [5] * (100 <= k < 120)
        keep = [tid for tid in p.track.tolist() if tid not in gone and (tid not in BURST or 20 <= k < 40)]
        only(p, keep)
        p.mode_c = p.ident == icao_ident("3944f5")
    return pics


def test_features_match_the_numpy_version(pictures) -> None:
    sheet = SensorSheet.from_specs(load_sheets(SHEETS))
    new = FeatureTable(sheet, SITE, tau_detect_s=600.0)
    ref = reference.ReferenceFeatureTable(sheet, SITE, tau_detect_s=600.0)
    assert new.slots.capacity < len(BURST)  # the burst makes the slots grow
    for p in pictures:
        a, b = new.update(p), ref.update(p)
        for name in vars(b):
            got, want = np.asarray(getattr(a, name), float), np.asarray(getattr(b, name), float)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=name)
    assert new.slots.capacity >= len(BURST)
    assert np.any(b.misses[:, 1] > 0) and np.any(b.misses[:, 3] > 0), "radars that miss"
    assert np.any(np.isfinite(b.loiter_turn_deg)), "full loiter windows"
    assert np.any(b.crowd > 1) and np.all(b.crowd <= b.hits), "crowded detections, at most the hits"


def test_classifier_matches_the_numpy_version(pictures) -> None:
    sheet = SensorSheet.from_specs(load_sheets(SHEETS))
    features = FeatureTable(sheet, SITE, tau_detect_s=600.0)
    c = BayesClassifier(sheet, AssessSettings())
    classes = set()
    st = AssessSettings()
    memory: dict[int, tuple[int, np.ndarray, float, float]] = {}  # id -> kind, avg, since, last
    evidence: list[np.ndarray] = []  # what ClassMemory.evidence added, picture by picture
    own = c.memory.evidence
    c.memory.evidence = lambda pic, f: evidence.append(own(pic, f)) or evidence[-1]  # type: ignore[method-assign]
    silent_rows = np.zeros(0, bool)
    for p in pictures:
        p.info = {icao_ident("3944f5"): {"uav": True}} if p.time_s % 2 else {}
        f = features.update(p)
        post = c.update(p, f)
        uav = np.isin(p.ident, list(p.info))
        silence = np.zeros((len(p), 3))
        silence[:, 0] = reference.adsb_silence(c, p, f.age_s)
        silent_rows = np.append(silent_rows, silence[:, 0] < -0.1)
        want = reference.posterior(c, f, p.ident, p.mode_c, uav, evidence[-1] + silence)
        np.testing.assert_allclose(post, want, rtol=1e-12, atol=1e-14)
        # the class shown (memory.ClassMemory.show), one track at a time
        t, shown = float(p.time_s), []
        memory = {k: v for k, v in memory.items() if v[3] >= t - st.history_grace_s}
        for tid, row in zip(p.track.tolist(), want, strict=True):
            logp = np.log(np.maximum(row, 1e-300))
            if tid in memory:
                prev, avg, since, last = memory[tid]
                dt = t - last
                a = min(dt / max(t - since, 1e-9), 1.0)
                if t - since > st.class_memory_s:
                    a = -np.expm1(-dt / st.class_memory_s)
                avg = avg + a * (logp - avg)
            else:
                prev, avg, since = -1, logp, t
            sm = np.exp(avg - avg.max())
            sm /= sm.sum()
            b = int(np.argmax(sm))
            named = b if sm[b] >= st.unknown_below_p else -1
            if b == prev:
                kind = b
            elif prev < 0:
                kind = named
            elif sm[b] >= st.class_switch_p:
                kind = b
            else:  # the kind shown is held while it stays above 1 - switch_p
                kind = named if sm[prev] <= 1.0 - st.class_switch_p else prev
            memory[tid] = (kind, avg, since, t)
            shown.append(kind + 1 if kind >= 0 else 0)
        np.testing.assert_array_equal(p.cls, shown)
        classes |= set(p.cls.tolist())
    assert classes == {0, 1, 2, 3}  # aircraft, drone, bird, and unknown while young
    assert np.any(silent_rows), "tracks the ADS-B receiver would have heard"


def test_alert_conditions_match_the_numpy_version(pictures) -> None:
    sheet = SensorSheet.from_specs(load_sheets(SHEETS))
    features = FeatureTable(sheet, SITE, tau_detect_s=600.0)
    zones = [
        CircleZone("core", 0.0, 0.0, 1000.0, 0.0, 600.0),
        PolygonZone(
            "box", [np.array([[1500.0, 1500.0], [2500.0, 1500.0], [2500.0, 2500.0], [1500.0, 2500.0]])]
        ),
    ]
    rules = AlertRules(zones, SITE["alt_m"], AssessSettings())
    rng = np.random.default_rng(0)
    n_keys = 0
    for p in pictures:
        f = features.update(p)
        ok = rng.random(len(p)) < 0.7
        strict = ok & (rng.random(len(p)) < 0.5)
        sub = np.flatnonzero(rng.random(len(p)) < 0.9)
        raise_keys, keep_keys, zt = rules.conditions(p, f, ok, strict, sub)
        ref_raise, ref_keep, ref_zt = reference.rule_keys(rules, p, f, ok, strict)
        in_sub = np.isin(ref_raise // (rules.nz * _NK), p.track[sub])
        assert sorted(raise_keys) == sorted(ref_raise[in_sub])
        assert sorted(keep_keys) == sorted(ref_keep[np.isin(ref_keep // (rules.nz * _NK), p.track[sub])])
        for k in ("depth", "tte"):
            np.testing.assert_array_equal(zt[k][sub], ref_zt[k][sub])
        n_keys += len(raise_keys)
    assert n_keys > 100


def test_alertable_matches_the_numpy_version(pictures) -> None:
    """Both levels and their hysteresis, on drone probabilities that cross alert_drone_p,
    zone_drone_p and keep_drone_p often, through gaps and the slot tables' growth."""
    sheet = SensorSheet.from_specs(load_sheets(SHEETS))
    features = FeatureTable(sheet, SITE, tau_detect_s=600.0)
    s = AssessSettings(
        alert_min_age_s=20.0, alert_hold_s=15.0, zone_alert_min_age_s=8.0, zone_alert_hold_s=4.0
    )
    rules = AlertRules([CircleZone("core", 0.0, 0.0, 1000.0)], SITE["alt_m"], s)
    state: dict[int, tuple[bool, bool, float, float]] = {}
    levels = np.zeros((2, 2), int)  # [ok, strict] x [False, True]
    for p in pictures:
        t, f = float(p.time_s), features.update(p)
        ids = np.asarray(p.track, dtype=np.int64)
        # a slow wave per track between 0.5 and 1, through both thresholds
        p_drone = 0.75 + 0.25 * np.sin(t / (15.0 + ids % 7) + ids)
        # shown a drone at a lagging probability, or not shown one
        p_shown = np.where(ids % 3 > 0, 0.75 + 0.25 * np.sin((t - 10.0) / (15.0 + ids % 7) + ids), 0.0)
        names = ("alertable", "alertable_all", "drone_since", "zone_since")
        rows, known = rules.slots.assign(rules, names, ids, t)
        slots = alert_kernels.AlertSlots(
            rules.alertable, rules.alertable_all, rules.drone_since, rules.zone_since
        )
        ok, strict, watch = (np.empty(len(p), bool) for _ in range(3))
        rows_in = alert_kernels.AlertableRows(ids, rows, known, p_drone, p_shown, f.age_s)
        alert_kernels.alertable(t, rows_in, slots, rules.key, rules.tuning, ok, strict, watch)
        for tid in ids[~known].tolist():
            state.pop(tid, None)  # its slot expired: the track starts afresh
        ref_ok, ref_strict = reference.alertable(state, s, t, ids, p_drone, p_shown, f.age_s)
        np.testing.assert_array_equal(ok, ref_ok)
        np.testing.assert_array_equal(strict, ref_strict)
        np.testing.assert_array_equal(watch, ok)  # no active alert
        levels[0, ok.astype(int)] += 1
        levels[1, strict.astype(int)] += 1
        assert not (strict & ~ok).any()
    assert (levels > 20).all()
    assert levels[0, 1] > levels[1, 1]  # the zone level opens first


def test_alert_refresh_matches_the_numpy_version(pictures) -> None:
    rules = AlertRules([CircleZone("core", 0.0, 0.0, 1000.0)], SITE["alt_m"], AssessSettings())
    nzk = rules.nz * _NK
    rng = np.random.default_rng(1)
    for p in pictures[::7]:
        t = float(p.time_s)
        tracks = rng.choice([1, 2, 3, 5, 6, 99], size=8)
        rules.key = np.unique(tracks * nzk + rng.integers(0, nzk, size=8))
        A = len(rules.key)
        rules.true_s = t - rng.uniform(0, 40, A)
        rules.sent_s = t - rng.uniform(0, 20, A)
        rules.seen_s = t - rng.uniform(0, 30, A)
        rules.last_pos = rng.normal(size=(A, 3))
        keep_keys = rules.key[rng.random(A) < 0.5]
        raise_keys = np.concatenate([rules.key[rng.random(A) < 0.5], [7 * nzk + 1]])
        ref = copy.deepcopy(rules)
        done, due, gone, fresh = rules.refresh(p, keep_keys, raise_keys)
        ref_done, ref_due, ref_gone = reference.refresh(ref, p, keep_keys, t)
        np.testing.assert_array_equal(done, ref_done)
        np.testing.assert_array_equal(due, ref_due)
        np.testing.assert_array_equal(gone, ref_gone)
        np.testing.assert_array_equal(fresh, ~np.isin(raise_keys, ref.key[~ref_done]))
        for name in ("true_s", "sent_s", "seen_s", "last_pos"):
            np.testing.assert_array_equal(getattr(rules, name), getattr(ref, name), err_msg=name)


class _Owner:
    def __init__(self, capacity: int) -> None:
        self.v = np.zeros(capacity)


def test_slot_rows_follow_ids_through_gaps_and_growth() -> None:
    slots = SlotTable(grace_s=10.0, capacity=2)
    owner = _Owner(slots.capacity)
    rows, known = slots.assign(owner, ("v",), np.array([5, 7]), 0.0)
    assert not known.any() and len(set(rows.tolist())) == 2
    owner.v[rows] = [50.0, 70.0]
    rows, known = slots.assign(owner, ("v",), np.array([9, 7, 3]), 1.0)  # 5 parked; grows
    assert known.tolist() == [False, True, False] and owner.v[rows[1]] == 70.0
    assert slots.capacity >= 5 and len(owner.v) == slots.capacity
    rows, known = slots.assign(owner, ("v",), np.array([5]), 10.5)  # back within grace_s of t = 0
    assert known.tolist() == [True] and owner.v[rows[0]] == 50.0
    slots.assign(owner, ("v",), np.array([], dtype=np.int64), 21.0)  # everyone is unseen for > 10 s
    rows, known = slots.assign(owner, ("v",), np.array([5, 7]), 22.0)
    assert not known.any() and slots.n_used == 2


def _arc(r: float, deg: float, n: int, noise: float, rng) -> np.ndarray:
    a = np.radians(np.linspace(0.0, deg, n)) + rng.uniform(0, 2 * np.pi)
    return (
        np.column_stack([r * np.cos(a), r * np.sin(a)])
        + rng.normal(0, noise, (n, 2))
        + rng.uniform(-1e4, 1e4, 2)
    )


def test_enclosing_circle_matches_brute_force() -> None:
    """The loiter window's circle: arcs (a circling drone), clusters (hovering), lines (transit,
    collinear triples), repeated points, against every pair's and triple's circle."""
    rng = np.random.default_rng(5)
    sets = [
        _arc(rng.uniform(100, 500), rng.uniform(10, 400), rng.integers(1, 24), rng.uniform(0, 20), rng)
        for _ in range(150)
    ]
    sets += [rng.normal(0, 30, (rng.integers(1, 24), 2)) for _ in range(50)]
    sets += [np.outer(np.arange(k), rng.normal(size=2)) * 20.0 for k in (2, 3, 7, 23)]  # exactly collinear
    sets += [np.repeat(rng.normal(size=(3, 2)) * 100, 5, axis=0), np.zeros((4, 2))]
    c = np.empty(3)
    for pts in sets:
        kernels.enclosing_circle(np.ascontiguousarray(pts), len(pts), c)
        np.testing.assert_allclose(c, reference.enclosing_circle(pts), rtol=1e-9, atol=1e-6)
        assert np.all(np.hypot(*(pts - c[:2]).T) <= c[2] + 1e-6)


def test_a_circling_drones_window_reads_its_orbit_radius() -> None:
    """Half an orbit of 344 m (a 28 m/s drone's 40 s window): the circle is the orbit, where the
    samples' centroid and their largest distance from it read ~410 m."""
    pts = _arc(344.0, 185.0, 21, 0.0, np.random.default_rng(0))
    c = np.empty(3)
    kernels.enclosing_circle(pts, len(pts), c)
    centroid = np.hypot(*(pts - pts.mean(axis=0)).T).max()
    assert c[2] == pytest.approx(344.0, rel=1e-6) and centroid > 400.0
