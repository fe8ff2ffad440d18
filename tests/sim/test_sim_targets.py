"""Simulated objects: physically bounded motion, the behaviours they are labelled with, the
no-transponder rule shared with the scorer, determinism by seed."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.eval.truth import hash_unit
from airpicture.sim import BEHAVIOURS, SimConfig, Simulation, Trajectories, trajectories
from airpicture.sim.config import DRONE_MIX_KEYS
from airpicture.sim.identity import IcaoAllocator, icao_hash_unit
from airpicture.sim.targets import FLOOR_M, limits, turn_rate_limit
from airpicture.types import CLASSES


@pytest.fixture(scope="module")
def traj() -> Trajectories:
    mix = dict.fromkeys(DRONE_MIX_KEYS, 1.0)
    return trajectories(
        SimConfig(aircraft=60, drones=60, birds=60, ghosts=3, duration_s=600, seed=11, drone_mix=mix)
    )


def wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def test_every_behaviour_shows_up_and_ghosts_are_not_truth(traj: Trajectories) -> None:
    seen = {traj.behaviour_label(i) for i in range(len(traj))}
    assert seen == set(BEHAVIOURS) - {"spoofed"}
    assert {traj.kind_label(i) for i in range(len(traj))} == {"aircraft", "drone", "bird"}
    for i, sl in traj:
        assert (np.diff(traj.time_s[sl]) > 0).all() and (traj.uid[sl] == traj.uids[i]).all()


def test_kinematic_limits_hold_for_every_object(traj: Trajectories) -> None:
    dt = 1.0
    same = np.diff(traj.uid) == 0  # consecutive samples of one object
    beh = np.repeat(traj.behaviour, np.diff(traj.start))
    lim = limits(beh)
    spd = np.hypot(traj.ve, traj.vn)
    eps = 1e-6
    assert (spd <= lim["speed_hi"] + eps).all()
    assert (np.abs(traj.vu) <= lim["climb"] + eps).all()
    assert (traj.alt_m >= 60.0 + FLOOR_M - eps).all()
    a, b = np.flatnonzero(same), np.flatnonzero(same) + 1
    assert (np.abs(spd[b] - spd[a]) <= lim["accel"][a] * dt + eps).all()
    assert (np.abs(traj.vu[b] - traj.vu[a]) <= lim["vaccel"][a] * dt + eps).all()
    moving = (spd[a] > 0.5) & (spd[b] > 0.5)
    dh = np.abs(wrap(np.arctan2(traj.ve[b], traj.vn[b]) - np.arctan2(traj.ve[a], traj.vn[a])))
    wmax = turn_rate_limit(beh[a], spd[a])
    assert (dh[moving] <= wmax[moving] * dt + eps).all()
    # a coordinated turn: lateral acceleration v * omega within g tan(bank) for aircraft
    air = moving & (traj.kind[np.searchsorted(traj.uids, traj.uid[a])] == CLASSES.index("aircraft"))
    assert (spd[a][air] * dh[air] <= 9.80665 * np.tan(np.radians(30.0)) + 1e-6).all()
    # positions follow the velocities: no jump within one object's life
    step = np.hypot(traj.e[b] - traj.e[a], traj.n[b] - traj.n[a])
    assert (step <= np.maximum(spd[a], spd[b]) * dt + 1e-3).all()
    assert (step >= np.minimum(spd[a], spd[b]) * dt * np.cos(wmax / 2) - 1e-3).all()


def test_speeds_of_each_kind(traj: Trajectories) -> None:
    spd = np.hypot(traj.ve, traj.vn)
    kind = np.repeat(traj.kind, np.diff(traj.start))
    air = kind == CLASSES.index("aircraft")
    bird = kind == CLASSES.index("bird")
    assert spd[air].min() >= 60.0 - 1e-9 and spd[air].max() <= 260.0
    assert spd[air].max() > 200.0
    assert spd[bird].min() >= 5.0 - 1e-9 and spd[bird].max() <= 18.0


def test_behaviours_do_what_they_say(traj: Trajectories) -> None:
    spd = np.hypot(traj.ve, traj.vn)
    hovered = loitered = held = 0
    for i, sl in traj:
        label = traj.behaviour_label(i)
        e, n = traj.e[sl], traj.n[sl]
        if label == "multirotor":
            hovered += bool((spd[sl] < 0.3).sum() >= 5)
        elif label == "loiter" and sl.stop - sl.start > 400:
            # the scorer's test of loitering: the last 200 s stay near their centre
            ce, cn = e[-200:].mean(), n[-200:].mean()
            loitered += bool(np.hypot(e[-200:] - ce, n[-200:] - cn).max() < 500)
        elif label == "holding" and sl.stop - sl.start > 400:
            # a racetrack: after 400 s still within a few km of where it started
            held += bool(np.hypot(e[:400] - e[0], n[:400] - n[0]).max() < 25_000)
    assert hovered >= 3 and loitered >= 2 and held >= 1
    # flock birds fly together: the nearest other flock bird is close
    flock = [i for i in range(len(traj)) if traj.behaviour_label(i) == "flock"]
    t_mid = traj.time_s.min() + 60
    at = [
        s.start + int(t_mid - traj.time_s[s.start])
        for i, s in traj
        if i in flock and traj.time_s[s.start] <= t_mid < traj.time_s[s.stop - 1]
    ]
    pts = np.column_stack([traj.e[at], traj.n[at]])
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert len(at) >= 6 and np.median(d.min(axis=1)) < 100


def test_icao_hash_is_the_scorers_name_hash() -> None:
    rng = np.random.default_rng(0)
    icao = rng.integers(1, 1 << 24, 500)
    ours = icao_hash_unit(icao)
    theirs = np.array([hash_unit(f"{int(i):06x}") for i in icao])
    assert np.array_equal(ours, theirs)
    alloc = IcaoAllocator(rng, 0.4)
    side = rng.random(300) < 0.5
    got = alloc.draw(side)
    assert len(set(got.tolist())) == 300
    assert np.array_equal(icao_hash_unit(got) < 0.4, side)


def test_same_seed_same_data_other_seed_other_data() -> None:
    def run(seed: int) -> tuple[np.ndarray, np.ndarray]:
        sim = Simulation(SimConfig(aircraft=50, drones=5, birds=5, duration_s=30, seed=seed))
        frames = list(sim.frames())
        return np.concatenate([f.plots for f in frames]), np.concatenate([f.reports for f in frames])

    a, b, c = run(1), run(1), run(2)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert len(a[0]) > 100 and a[0].tobytes() != c[0].tobytes()


def test_a_sensor_change_leaves_the_truth_alone() -> None:
    base = SimConfig(aircraft=30, drones=5, birds=5, duration_s=20, seed=3)
    other = SimConfig(aircraft=30, drones=5, birds=5, duration_s=20, seed=3)
    assert other.sensors is not None
    other.sensors[0]["clutter_per_scan"] = 500
    ta = [f.truth for f in Simulation(base).frames(truth_every=5) if f.truth is not None]
    tb = [f.truth for f in Simulation(other).frames(truth_every=5) if f.truth is not None]
    assert len(ta) == 4
    for x, y in zip(ta, tb, strict=True):
        assert np.array_equal(x.lat, y.lat) and np.array_equal(x.uid, y.uid)


def test_object_counts_stay_constant_as_objects_come_and_go() -> None:
    sim = Simulation(SimConfig(aircraft=40, drones=8, birds=12, ghosts=0, duration_s=900, seed=5))
    sizes = [len(f.truth) for f in sim.frames(truth_every=100, measure=False) if f.truth is not None]
    assert sizes == [60] * len(sizes)
    assert sim.targets is not None and len(sim.targets.lives()["uid"]) > 60  # some were replaced


def test_takeoff_drones_rise_from_the_ground_near_the_site_and_racers_are_fast(traj: Trajectories) -> None:
    """The campaign's behaviours: a take-off starts on the ground inside the site's zone (the
    default takeoff_radius_m, 800 m) and climbs; a racer flies 25-35 m/s."""
    ups = [i for i in range(len(traj)) if traj.behaviour_label(i) == "takeoff"]
    racers = [i for i in range(len(traj)) if traj.behaviour_label(i) == "racer"]
    assert ups and racers
    for i in ups:
        sl = slice(traj.start[i], traj.start[i + 1])
        assert np.hypot(traj.e[sl][0], traj.n[sl][0]) <= 800.0 + 1e-6
        assert traj.alt_m[sl][0] == pytest.approx(60.0 + FLOOR_M)
        if traj.start[i + 1] - traj.start[i] > 30:
            assert traj.alt_m[sl][30] > traj.alt_m[sl][0] + 10.0
    for i in racers:
        sl = slice(traj.start[i], traj.start[i + 1])
        spd = np.hypot(traj.ve[sl], traj.vn[sl])
        assert spd.max() <= 35.0 + 1e-6 and np.median(spd) >= 25.0 - 1e-6
