"""The compiled kernels against the numpy oracle (same mathematics, same numbers) on made-up
states that reach every branch; test_oracle_paris.py does the same on the tracker's real state."""

from __future__ import annotations

import numpy as np
import oracle_imm as imm
import oracle_measure as measure
import oracle_models as models
import pytest

from airpicture.config import TrackSettings
from airpicture.geo import EnuFrame
from airpicture.track import gate, geometry, measurement, motion, update

SITE = (48.86, 2.29, 60.0)
RADAR = {"kind": "radar", "lat": 48.80, "lon": 2.35, "alt_m": 100.0, "sigma_range_m": 40.0,
         "sigma_azimuth_deg": 0.08, "sigma_alt_m": 10.0, "max_range_m": 100e3}  # fmt: skip
RADAR_3D = dict(RADAR, sigma_elevation_deg=0.4)
M_ = models.N_MODES
MOTION = motion.motion(300.0, 30.0)
EARTH = geometry.earth(EnuFrame(*SITE), SITE[2], SITE[0])
RN, RM = geometry.curvature_radii(SITE[0])


def _tracks(rng: np.random.Generator, K: int, spread: float = 20e3) -> tuple[np.ndarray, ...]:
    """K tracks with M modes that differ a little, SPD covariances, random mode probabilities."""
    base = rng.normal(size=(K, 1, 6)) * [spread, spread, 1000, 100, 100, 5] + [0, 0, 3000, 0, 0, 0]
    x = base + rng.normal(size=(K, M_, 6)) * [30, 30, 10, 3, 3, 1]
    A = rng.normal(size=(K, M_, 6, 6))
    P = A @ A.transpose(0, 1, 3, 2) + np.diag([900, 900, 400, 25, 25, 4.0])
    mu = rng.dirichlet(np.ones(M_), size=K)
    return x, P, mu


def _assert_same_step(got: tuple[np.ndarray, ...], ref: tuple[np.ndarray, ...], Pp: np.ndarray) -> None:
    """x, P, mu of a kernel's IMM cycle against imm.step's: the same to rounding. P+ = Pp - K H Pp
    keeps the absolute rounding of the prediction Pp (K, M, 6, 6), so P is compared to 1e-9 of the
    largest element of Pp (see test_oracle_paris.py)."""
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-9, atol=1e-6)
    scale = np.abs(Pp).max(axis=(-2, -1), keepdims=True)
    assert (np.abs(got[1] - ref[1]) <= 1e-9 * scale).all()
    np.testing.assert_allclose(got[2], ref[2], rtol=1e-9, atol=1e-12)


def test_combine_agrees() -> None:
    x, P, mu = _tracks(np.random.default_rng(30), 50)
    for a, b in zip(motion.combine(x, P, mu), imm.combine(x, P, mu), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize("mask_kind", ["all", "position_only", "no_altitude"])
def test_imm_linear_agrees_with_imm_step(mask_kind: str) -> None:
    rng = np.random.default_rng(31)
    K = 20
    x, P, mu = _tracks(rng, K)
    dt = rng.uniform(0.2, 8.0, K)
    z = x[:, 0] + rng.normal(size=(K, 6)) * [50, 50, 20, 5, 5, 2]
    R = np.broadcast_to(np.diag([64.0, 64.0, 100.0, 4.0, 4.0, 4.0]), (K, 6, 6)).copy()
    mask = np.ones((K, 6), bool)
    if mask_kind == "position_only":
        mask[:, 3:] = False
    elif mask_kind == "no_altitude":
        mask[:, 2] = False
    # the reference: a linear H picking the masked components, unit variance on the others
    Rr = np.where(mask[:, :, None] & mask[:, None, :], R, np.eye(6))
    zr = np.where(mask, z, 0.0)
    mk = np.repeat(mask, M_, axis=0)
    zrep = np.repeat(zr, M_, axis=0)

    def measure_fn(xx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        H = np.zeros((len(xx), 6, 6))
        H[:, np.arange(6), np.arange(6)] = mk
        return np.where(mk, xx, zrep), H

    ref = imm.step(x, P, mu, dt, zr, Rr, measure_fn, np.zeros(6, bool))[:3]
    xk, Pk, muk = x.copy(), P.copy(), mu.copy()
    for n in range(len(muk)):  # in place, one track at a time
        update.imm_linear(xk[n], Pk[n], muk[n], dt[n], z[n], R[n], mask[n], MOTION)
    _assert_same_step((xk, Pk, muk), ref, imm.mix_predict(x, P, mu, dt)[1])


@pytest.mark.parametrize(("spec", "third"), [(RADAR, 0), (RADAR, 2), (RADAR_3D, 1)])
def test_imm_radar_agrees_with_imm_step(spec: dict, third: int) -> None:
    rng = np.random.default_rng(32 + third)
    g = geometry.build_geometry([measure.sheet(x) for x in (spec,)], EnuFrame(*SITE))[0]
    K = 20
    x, P, mu = _tracks(rng, K, spread=40e3 if third != 1 else 3e3)
    dt = rng.uniform(0.5, 8.0, K)
    o, M = np.tile(g.origin, (K, 1)), np.tile(g.M, (K, 1, 1))
    th = np.full(K, third)
    xp = x[:, 0].copy()
    xp[:, :3] += dt[:, None] * xp[:, 3:]
    z, _ = measure.radar_predict(xp[:, :3], o, M, th, SITE[2], RN, RM)
    z += rng.normal(size=(K, 3)) * [40.0, np.radians(0.08), 10.0 if third == 2 else np.radians(0.4)]
    z[:, 1] = np.mod(z[:, 1], 2 * np.pi)
    if third == 0:
        z[:, 2] = 0.0
    R = measure.radar_noise(spec, th)
    o_m, M_m, th_m = np.repeat(o, M_, axis=0), np.repeat(M, M_, axis=0), np.repeat(th, M_)
    z_rep = np.repeat(z, M_, axis=0)

    def measure_fn(xx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zhat, Hp = measure.radar_predict(xx[:, :3], o_m, M_m, th_m, SITE[2], RN, RM)
        H = np.zeros((len(xx), 3, 6))
        H[:, :, :3] = Hp
        zhat[:, 2] = np.where(th_m == 0, z_rep[:, 2], zhat[:, 2])  # padded row: zero innovation
        return zhat, H

    ref = imm.step(x, P, mu, dt, z, R, measure_fn, np.array([False, True, False]))[:3]
    xk, Pk, muk = x.copy(), P.copy(), mu.copy()
    for n in range(len(muk)):  # in place, one track at a time
        update.imm_radar(xk[n], Pk[n], muk[n], dt[n], o[n], M[n], th[n], z[n], R[n], EARTH, MOTION)
    _assert_same_step((xk, Pk, muk), ref, imm.mix_predict(x, P, mu, dt)[1])


@pytest.mark.parametrize(("spec", "third"), [(RADAR, 0), (RADAR, 2), (RADAR_3D, 1)])
def test_plots_to_enu_agrees(spec: dict, third: int) -> None:
    rng = np.random.default_rng(35 + third)
    g = geometry.build_geometry([measure.sheet(x) for x in (spec,)], EnuFrame(*SITE))[0]
    K = 40
    r = rng.uniform(2e3, 95e3, K) if third != 1 else rng.uniform(100, 5e3, K)
    az = rng.uniform(0, 2 * np.pi, K)
    el = np.radians(rng.uniform(0.5, 20, K)) if third == 1 else np.full(K, np.nan)
    alt = rng.uniform(500, 11e3, K) if third == 2 else np.full(K, np.nan)
    th = np.full(K, third, np.int64)
    o, M = np.tile(g.origin, (K, 1)), np.tile(g.M, (K, 1, 1))
    pr, Cr = measure.plot_to_enu(r, az, el, alt, th, o, M, spec, SITE[2], RN, RM)
    pk, Ck = measurement.plots_to_enu(
        r, az, el, alt, th, o, M, measurement.radar_sheet(measure.sheet(spec), TrackSettings()), EARTH
    )
    np.testing.assert_allclose(pk, pr, rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(Ck, Cr, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize(("spec", "third"), [(RADAR, 0), (RADAR, 2), (RADAR_3D, 1)])
def test_radar_gate_agrees(spec: dict, third: int) -> None:
    """d2 and log-likelihood of track/plot pairs: the combined state predicted with the mixed
    process noise (plus the report time uncertainty along the velocity for sig_t > 0), then the
    Gaussian of the plot in its own measurement space (range, azimuth and, if any, the third)."""
    rng = np.random.default_rng(40 + third)
    g = geometry.build_geometry([measure.sheet(x) for x in (spec,)], EnuFrame(*SITE))[0]
    x, P, mu = _tracks(rng, 10, spread=40e3 if third != 1 else 3e3)
    xc, Pc = imm.combine(x, P, mu)
    N = 30
    ti = rng.integers(0, 10, N)
    dt = rng.uniform(0.0, 6.0, N)
    sig_t = np.where(rng.random(N) < 0.5, 1.5, 0.0)
    o, M = np.tile(g.origin, (N, 1)), np.tile(g.M, (N, 1, 1))
    th = np.full(N, third)
    z, _ = measure.radar_predict(xc[ti, :3] + rng.normal(size=(N, 3)) * 200, o, M, th, SITE[2], RN, RM)
    z[:, 1] = np.mod(z[:, 1], 2 * np.pi)
    R = measure.radar_noise(spec, th)
    d2, ll = np.array(
        [
            gate.gate_plot(xc[k], Pc[k], mu[k], dt[n], o[n], M[n], th[n], z[n], R[n], sig_t[n], EARTH, MOTION)
            for n, k in enumerate(ti)
        ]
    ).T  # fmt: skip
    c = imm.predicted_mode_probs(mu[ti], dt)
    xp, Pp = models.predict(xc[ti], Pc[ti], dt, models.mixed_accel(c))
    v = xp[:, 3:]
    Pp[:, :3, :3] += (sig_t**2)[:, None, None] * v[:, :, None] * v[:, None, :]
    zhat, Hp = measure.radar_predict(xp[:, :3], o, M, th, SITE[2], RN, RM)
    m = 2 if third == 0 else 3
    y = z[:, :m] - zhat[:, :m]
    y[:, 1] = np.arctan2(np.sin(y[:, 1]), np.cos(y[:, 1]))
    S = Hp[:, :m] @ Pp[:, :3, :3] @ Hp[:, :m].transpose(0, 2, 1) + R[:, :m, :m]
    d2_ref = np.einsum("ki,kij,kj->k", y, np.linalg.inv(S), y)
    ll_ref = -0.5 * (d2_ref + np.log(np.linalg.det(2 * np.pi * S)))
    np.testing.assert_allclose(d2, d2_ref, rtol=1e-9)
    np.testing.assert_allclose(ll, ll_ref, rtol=1e-9, atol=1e-7)


def test_mix_predict_agrees() -> None:
    rng = np.random.default_rng(50)
    K = 30
    x, P, mu = _tracks(rng, K)
    dt = rng.uniform(-1.0, 20.0, K)
    xr, Pr, cr = imm.mix_predict(x, P, mu, dt)
    for n in range(K):
        xp, Pp, c = np.empty((M_, 6)), np.empty((M_, 6, 6)), np.empty(M_)
        motion.mix_predict(x[n], P[n], mu[n], dt[n], MOTION, xp, Pp, c)
        np.testing.assert_allclose(xp, xr[n], rtol=1e-12, atol=1e-8)
        np.testing.assert_allclose(Pp, Pr[n], rtol=1e-11, atol=1e-8)
        np.testing.assert_allclose(c, cr[n], rtol=1e-12)


def test_prepare_reports_agrees_with_exact_geodesy() -> None:
    """Position and velocity of reports near and 250 km from the site; a missing part is masked,
    set to zero with unit variance, and does not leak into the others."""
    rng = np.random.default_rng(51)
    K = 40
    lat, lon = rng.uniform(46.6, 51.1, K), rng.uniform(-1.0, 5.6, K)
    alt = rng.uniform(0.0, 12e3, K)
    speed, track, vrate = rng.uniform(0, 300, K), rng.uniform(0, 2 * np.pi, K), rng.normal(0, 10, K)
    alt[:5], speed[5:10], vrate[10:15] = np.nan, np.nan, np.nan
    sig2 = np.array([64.0, 64.0, 105.0, 26.0, 26.0, 26.0])
    z, R, mask = measurement.prepare_reports(lat, lon, alt, speed, track, vrate, EARTH, sig2)
    p, v = measure.report_to_enu(
        EnuFrame(*SITE), lat, lon, np.where(np.isnan(alt), SITE[2], alt), speed, track, vrate
    )
    expect = np.column_stack([np.isfinite(p), np.isfinite(v)])
    expect[:5, 2] = False
    np.testing.assert_array_equal(mask, expect)
    np.testing.assert_allclose(z[:, :3], np.where(expect[:, :3], p, 0.0), rtol=0, atol=1e-6)
    np.testing.assert_allclose(z[:, 3:], np.where(expect[:, 3:], v, 0.0), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(np.diagonal(R, axis1=1, axis2=2), np.where(expect, sig2, 1.0))
    assert mask[5:10, 3:].sum() == 0 and mask[10:15, 5].sum() == 0 and mask[10:15, 3:5].all()
