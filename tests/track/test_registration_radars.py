"""Sensor registration between radars without ADS-B (track/registration.py, track/bias.py): two
radars' plots on one track pair with each other, and the biases of both are one joint estimate.
The model is checked against the exact measurement, the joint least squares against what is and
is not observable, and the real tracker on simulated two-radar traffic that broadcasts nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from airpicture.config import RegistrationSettings
from airpicture.errors import ConfigError
from airpicture.sim import SimConfig, Simulation
from airpicture.sim.config import Site
from airpicture.track import bias
from airpicture.track.base import Measurements
from airpicture.track.tracker import ImmGnnTracker

#: two long-range radars 90 km apart near Amsterdam, Mode C, and no ADS-B receiver
RADARS: list[dict[str, Any]] = [
    {"id": "RADN", "kind": "radar", "lat": 52.75, "lon": 4.9, "alt_m": 40, "scan_period_s": 6.0,
     "max_range_m": 160000, "min_range_m": 1000, "sigma_range_m": 50, "sigma_azimuth_deg": 0.1,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.9}, "clutter_per_scan": 30},
    {"id": "RADS", "kind": "radar", "lat": 51.95, "lon": 4.45, "alt_m": 30, "scan_period_s": 4.0,
     "max_range_m": 120000, "min_range_m": 500, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.92}, "clutter_per_scan": 40},
]  # fmt: skip


def _geometry(rng: np.random.Generator, K: int) -> tuple[np.ndarray, ...]:
    """K objects (position, velocity) seen by two fixed radars A and B 90 km apart."""
    p = np.column_stack([rng.uniform(-9e4, 9e4, K), rng.uniform(-9e4, 9e4, K), rng.uniform(2e3, 1e4, K)])
    v = np.column_stack([rng.uniform(-250, 250, (K, 2)), np.zeros(K)])
    oa = np.tile([0.0, 45e3, 0.0], (K, 1))
    ob = np.tile([-20e3, -40e3, 0.0], (K, 1))
    return p, v, oa, ob


def _cross(
    p: np.ndarray,
    v: np.ndarray,
    oa: np.ndarray,
    ob: np.ndarray,
    ba: np.ndarray,
    bb: np.ndarray,
    dt: np.ndarray,
    ob_v: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Radar A's plot of each object at stamped time 0 and B's at stamped time -dt, both measured
    with their biases (range m, azimuth rad, time s) from where the antenna was at the true time
    (B's moves with ob_v: an airborne radar); B's placed with its height held, from its antenna at
    the stamped time, and moved to A's time. Returns y, H_A, H_B."""
    K = len(p)
    Mr = np.tile(np.eye(3), (K, 1, 1))
    ob_v = np.zeros((K, 3)) if ob_v is None else ob_v
    ra, aza, _ = bias.polar(p + v * (0.0 - ba[2]) - oa, Mr)
    t_true = (-dt - bb[2])[:, None]
    rb, azb, _ = bias.polar(p + v * t_true - (ob + ob_v * t_true), Mr)
    rb, azb = rb + bb[0], azb + bb[1]
    third = np.full(K, 2)
    ob_stamp = ob - ob_v * dt[:, None]
    pb, G, _ = bias.plot_points(
        rb, azb, ob_stamp, Mr, p[:, 2] - ob[:, 2], third, np.tile(np.eye(3), (K, 1, 1))
    )
    ref = pb + v * dt[:, None]
    y, Ha, _, _ = bias.residuals(ra + ba[0], aza + ba[1], ref, v, oa, Mr, np.zeros((K, 3)))
    J = bias.polar_jacobian(ref, oa, Mr)
    return y, Ha, bias.reference_jacobian(J, G, v - ob_v)


@pytest.mark.parametrize("speed", [0.0, 180.0], ids=["fixed", "airborne"])
def test_a_pairing_of_two_radars_is_the_first_order_of_both_biases(speed: float) -> None:
    rng = np.random.default_rng(3)
    K = 300
    p, v, oa, ob = _geometry(rng, K)
    ba = np.array([100.0, np.radians(0.2), 0.5])
    bb = np.array([-80.0, np.radians(-0.15), -0.3])
    ob_v = np.tile([speed * 0.6, -speed * 0.8, 0.0], (K, 1))
    y, Ha, Hb = _cross(p, v, oa, ob, ba, bb, rng.uniform(-3, 3, K), ob_v)
    pred = Ha @ ba + Hb @ bb
    far = (np.linalg.norm((p - oa)[:, :2], axis=1) > 20e3) & (np.linalg.norm((p - ob)[:, :2], axis=1) > 20e3)
    assert far.sum() > 200
    # to the second order: offsets of a few hundred m, at r > 20 km, leave about 1 % (in m)
    rho_a = np.linalg.norm((p - oa)[far, :2], axis=1)
    err_m = np.column_stack([y[far, 0] - pred[far, 0], bias.wrap(y[far, 1] - pred[far, 1]) * rho_a])
    y_m = np.hypot(y[far, 0], y[far, 1] * rho_a)
    assert np.all(np.abs(err_m) <= 0.015 * y_m[:, None] + 2.0)
    assert np.abs(y[far, 0]).max() > 100.0  # the biases do show


def _joint(ba: np.ndarray, bb: np.ndarray, prior_b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The joint estimate from noisy pairings of A with B only; prior_b scales B's prior sigmas."""
    rng = np.random.default_rng(5)
    K = 4000
    p, v, oa, ob = _geometry(rng, K)
    y, Ha, Hb = _cross(p, v, oa, ob, ba, bb, rng.uniform(-3, 3, K))
    R = np.tile(np.diag([60.0**2, np.radians(0.12) ** 2]), (K, 1, 1))
    y = y + rng.normal(0, 1, (K, 2)) * np.sqrt(np.diagonal(R, axis1=1, axis2=2))
    H = np.concatenate([Ha, Hb], axis=2)
    L, e = bias.accumulate(np.zeros((6, 6)), np.zeros(6), 1.0, y, H, R, np.ones(K))
    prior = np.array([500.0, np.radians(1.0), 2.0])
    L0 = np.diag(1.0 / np.r_[prior, prior * prior_b] ** 2)
    return bias.solve(L, e, L0)


READY = np.tile([8.0, np.radians(0.015), 0.06], 2)


def test_without_a_reference_only_the_common_time_offset_is_unknown() -> None:
    ba = np.array([100.0, np.radians(0.2), 0.5])
    bb = np.array([0.0, 0.0, 0.0])
    b, Pb = _joint(ba, bb)
    part, P_part, free = bias.observable_part(b, Pb, READY)
    # one direction is unknown: both radars late alike (the prior keeps it at zero)
    assert free.shape == (6, 1)
    common = np.array([0, 0, 1, 0, 0, 1]) / np.sqrt(2)
    assert abs(free[:, 0] @ common) > 0.99
    # ranges and azimuths (the baseline shows a common azimuth offset) and the relative time are known
    assert np.allclose(part[[0, 1, 3, 4]], np.r_[ba[:2], bb[:2]], atol=np.r_[8, 4e-4, 8, 4e-4] * 3)
    assert part[2] - part[5] == pytest.approx(ba[2] - bb[2], abs=0.05)
    assert abs(part[2] + part[5]) < 1e-6  # the unknown part is left out, not guessed
    assert np.all(np.sqrt(np.diag(P_part)) <= READY * 1.0001)


def test_a_reference_radar_fixes_the_other_radars_absolute_biases() -> None:
    ba = np.array([100.0, np.radians(0.2), 0.5])
    b, Pb = _joint(ba, np.zeros(3), prior_b=1e-3)
    part, _, free = bias.observable_part(b, Pb, READY)
    assert free.shape == (6, 0)
    assert np.allclose(part[:3], ba, rtol=0.05)
    assert np.all(np.abs(part[3:]) < 0.1 * READY[3:])  # the reference stays at zero


def _track(biases: dict[str, tuple[float, float, float]], seconds: float, **reg: Any) -> ImmGnnTracker:
    """The real tracker on 80 simulated aircraft seen by the two radars (with `biases`), no ADS-B."""
    cfg = SimConfig(aircraft=80, drones=0, birds=0, ghosts=0, duration_s=seconds, seed=3)
    cfg.site = Site(52.31, 4.76, 0.0)
    cfg.sensors = [dict(s) for s in RADARS]
    for s in cfg.sensors:
        r, a, t = biases.get(s["id"], (0.0, 0.0, 0.0))
        s.update(bias_range_m=r, bias_azimuth_deg=a, bias_time_s=t)
    cfg.validate()
    sim = Simulation(cfg)
    site = (sim.site["lat"], sim.site["lon"], sim.site["alt_m"])
    trk = ImmGnnTracker(sim.sensors, site, registration=RegistrationSettings(**reg))
    for f in sim.frames():
        assert len(f.reports) == 0
        trk.step(Measurements(until=f.t1, plots=f.plots, reports=f.reports))
    return trk


def test_two_radars_without_adsb_one_a_reference_converge_within_20_percent() -> None:
    true = (100.0, 0.2, 0.5)
    trk = _track({"RADN": true}, 240.0, reference_radars=["RADS"])
    est = {e.sensor: e for e in trk.registration.estimates()}
    n = est["RADN"]
    assert n.applied and not n.relative and est["RADS"].reference and not est["RADS"].applied
    got = (n.applied_range_m, n.applied_azimuth_deg, n.applied_time_s)
    for g, t in zip(got, true, strict=True):
        assert abs(g - t) <= 0.2 * abs(t)
    assert trk.registration.counts["cross_pairs"] > 1000


def test_two_biased_radars_without_a_reference_give_what_is_observable() -> None:
    bn, bs = (-100.0, 0.2, 0.5), (100.0, -0.2, -0.3)
    trk = _track({"RADN": bn, "RADS": bs}, 240.0)
    est = {e.sensor: e for e in trk.registration.estimates()}
    n, s = est["RADN"], est["RADS"]
    assert n.applied and s.applied and n.relative and s.relative
    for e, t in ((n, bn), (s, bs)):  # range and azimuth: absolute
        assert abs(e.applied_range_m - t[0]) <= 0.2 * abs(t[0])
        assert abs(e.applied_azimuth_deg - t[1]) <= 0.2 * abs(t[1])
        assert e.sigma_time_s > 1.0  # the absolute time offset is not known ...
    rel = n.applied_time_s - s.applied_time_s  # ... the relative one is
    assert abs(rel - (bn[2] - bs[2])) <= 0.2 * abs(bn[2] - bs[2])


def test_unbiased_radars_are_left_as_they_are() -> None:
    trk = _track({}, 180.0)
    for e in trk.registration.estimates():
        assert not e.applied and e.pairs > 100
        assert abs(e.range_m) < 4 * e.sigma_range_m and abs(e.azimuth_deg) < 4 * e.sigma_azimuth_deg
    assert trk.registration.lateness() == 0.0


def test_an_unknown_reference_radar_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NOPE"):
        ImmGnnTracker(
            RADARS, (52.31, 4.76, 0.0), registration=RegistrationSettings(reference_radars=["NOPE"])
        )
