"""Sensor registration (track/registration.py, track/bias.py): the radars' range, azimuth and
time-stamp offsets, estimated against ADS-B aircraft by the real tracker on simulated traffic
whose radar the simulator gives those biases."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.config import RegistrationSettings
from airpicture.sim import SimConfig, Simulation
from airpicture.track import bias
from airpicture.track.base import Measurements
from airpicture.track.tracker import ImmGnnTracker

TRUE = (100.0, 0.2, 0.5)  # range m, azimuth deg, time s


def _run(
    biases: tuple[float, float, float],
    seconds: float = 240.0,
    registration: RegistrationSettings | None = None,
) -> ImmGnnTracker:
    """The tracker after `seconds` of 60 aircraft seen by the default TMA radar (with `biases`) and
    the ADS-B receiver (no site radar, drones or birds: registration needs aircraft only)."""
    cfg = SimConfig(aircraft=60, drones=0, birds=0, ghosts=0, duration_s=seconds, seed=4)
    tma, _, adsb = cfg.sensors or []
    tma.update(bias_range_m=biases[0], bias_azimuth_deg=biases[1], bias_time_s=biases[2])
    cfg.sensors = [tma, adsb]
    cfg.validate()
    sim = Simulation(cfg)
    site = (sim.site["lat"], sim.site["lon"], sim.site["alt_m"])
    trk = ImmGnnTracker(sim.sensors, site, registration=registration)
    for f in sim.frames():
        trk.step(Measurements(until=f.t1, plots=f.plots, reports=f.reports))
    return trk


@pytest.fixture(scope="module")
def biased() -> ImmGnnTracker:
    return _run(TRUE)


def test_the_biases_are_estimated_within_a_few_minutes_and_applied(biased: ImmGnnTracker) -> None:
    (est,) = [b for b in biased.registration.estimates() if b.sensor == "TMA1"]
    got = (est.range_m, est.azimuth_deg, est.time_s)
    assert est.applied and est.sectors >= 3
    for g, t, s in zip(got, TRUE, (est.sigma_range_m, est.sigma_azimuth_deg, est.sigma_time_s), strict=True):
        assert abs(g - t) <= 0.1 * abs(t)  # within 10 % after 4 minutes
        assert abs(g - t) <= 6 * s  # and its sigma says so
    # the correction is what the tracker now applies to the radar's plots
    t, r, az = biased.registration.correct(0, np.array([10.0]), np.array([5000.0]), np.array([0.001]))
    assert t[0] == pytest.approx(10.0 - est.time_s)
    assert r[0] == pytest.approx(5000.0 - est.range_m)
    assert az[0] == pytest.approx((0.001 - np.radians(est.azimuth_deg)) % (2 * np.pi))
    assert biased.registration.lateness() == pytest.approx(est.time_s)


def test_an_unbiased_radar_is_estimated_unbiased() -> None:
    (est,) = [b for b in _run((0.0, 0.0, 0.0), seconds=180.0).registration.estimates() if b.sensor == "TMA1"]
    assert est.sigma_range_m < 8 and est.sigma_azimuth_deg < 0.015 and est.sigma_time_s < 0.06
    assert abs(est.range_m) < 4 * est.sigma_range_m and abs(est.azimuth_deg) < 4 * est.sigma_azimuth_deg
    assert abs(est.time_s) < 4 * est.sigma_time_s


def test_registration_off_estimates_and_changes_nothing() -> None:
    trk = _run(TRUE, seconds=30.0, registration=RegistrationSettings(enabled=False))
    assert trk.registration.estimates() == [] and trk.registration.lateness() == 0.0
    t, r, az = np.array([1.0]), np.array([2.0]), np.array([0.5])
    assert trk.registration.correct(0, t, r, az) == (t, r, az)


def test_an_estimate_not_fed_expires(biased: ImmGnnTracker) -> None:
    reg = biased.registration
    rad = reg.radars[0]
    assert rad.applied
    reg.expire(rad.t + 60.0)  # a minute without pairings: still known
    assert rad.applied
    reg.expire(rad.t + 20 * reg.settings.memory_s)  # the information has decayed
    assert not rad.applied
    assert reg.lateness() == 0.0 and reg.correct(0, np.ones(1), np.ones(1), np.ones(1))[1][0] == 1.0
    # ADS-B identities not heard for forget_s leave the reference store
    held = len(reg.refs.store)
    assert held > 0
    z, mask = np.zeros((1, 6)), np.ones((1, 6), bool)
    reg.observe_reports(
        1, np.array([rad.t + 10 * reg.settings.forget_s]), z, mask, np.array([1]), np.zeros(1)
    )
    assert len(reg.refs.store) == 1


def test_the_residual_model_is_the_first_order_of_the_true_measurement() -> None:
    """y = z - h(x_ref(t)) = H b for a radar that measures with biases b, a moving antenna too."""
    rng = np.random.default_rng(1)
    K = 200
    p0 = np.column_stack([rng.uniform(-1e5, 1e5, K), rng.uniform(-1e5, 1e5, K), rng.uniform(1e3, 1e4, K)])
    v = np.column_stack([rng.uniform(-250, 250, (K, 2)), np.zeros(K)])
    o_v = np.tile([150.0, -80.0, 0.0], (K, 1))
    b = np.array([100.0, np.radians(0.2), 0.5])
    Mr = np.tile(np.eye(3), (K, 1, 1))
    t = 3.0  # stamped time; the object was measured at t - b[2], from where the antenna was then
    o_true = o_v * (t - b[2])
    r, az, _ = bias.polar(p0 + v * (t - b[2]) - o_true, Mr)
    y, H, rho, _ = bias.residuals(r + b[0], az + b[1], p0 + v * t, v, o_v * t, Mr, o_v)
    pred = np.einsum("kij,j->ki", H, b)
    far = rho > 20e3  # the second order, (relative motion in b[2])^2 / 2 r, is then under 1 m
    assert far.sum() > 100
    assert np.abs(y[far, 0] - pred[far, 0]).max() < 1.0  # m
    assert np.abs(bias.wrap(y[far, 1] - pred[far, 1])).max() < np.radians(0.002)


def test_the_estimate_solves_the_weighted_least_squares() -> None:
    rng = np.random.default_rng(2)
    K = 500
    H = np.zeros((K, 2, 3))
    H[:, 0, 0] = H[:, 1, 1] = 1.0
    H[:, 0, 2] = rng.uniform(-250, 250, K)
    H[:, 1, 2] = rng.uniform(-0.004, 0.004, K)
    b = np.array([80.0, 0.003, 0.4])
    R = np.tile(np.diag([40.0**2, 0.0014**2]), (K, 1, 1))
    y = H @ b + rng.normal(0, 1, (K, 2)) * np.sqrt(np.diagonal(R, axis1=1, axis2=2))
    L, e = bias.accumulate(np.zeros((3, 3)), np.zeros(3), 1.0, y, H, R, np.ones(K))
    est, Pb = bias.solve(L, e, np.zeros((3, 3)) + 1e-12 * np.eye(3))
    ref = np.linalg.lstsq(
        (H / np.sqrt(np.diagonal(R, axis1=1, axis2=2))[..., None]).reshape(-1, 3),
        (y / np.sqrt(np.diagonal(R, axis1=1, axis2=2))).reshape(-1),
        rcond=None,
    )[0]
    assert np.allclose(est, ref, rtol=1e-6)
    assert np.all(np.abs(est - b) < 5 * np.sqrt(np.diag(Pb)))


def test_a_2d_site_radar_under_traffic_learns_no_bias_from_drones_and_birds() -> None:
    """An unbiased 2-D site radar (no elevation, no Mode C) under traffic, with drones and birds
    near it. Its plots carry no height: a drone's slant range can match an aircraft high above, so
    they are no references. Paired with ADS-B aircraft, they taught it a range bias of about
    -300 m, which it then took out of every plot, drones' and birds' included."""
    cfg = SimConfig(
        aircraft=60, drones=6, birds=20, ghosts=0, duration_s=180.0, seed=1, air_radius_m=30_000.0
    )
    site = (cfg.sensors or [])[1]
    del site["sigma_elevation_deg"]
    cfg.validate()
    sim = Simulation(cfg)
    trk = ImmGnnTracker(sim.sensors, (sim.site["lat"], sim.site["lon"], sim.site["alt_m"]))
    for f in sim.frames():
        trk.step(Measurements(until=f.t1, plots=f.plots, reports=f.reports))
    (est,) = [b for b in trk.registration.estimates() if b.sensor == site["id"]]
    assert not est.applied
    assert abs(est.range_m) < 20.0 and abs(est.time_s) < 0.2
    assert trk.registration.counts["without_height"] > 1000
