"""Measurement models, the oracle's and the compiled ones (measurement.py), against geometry and
geodesy: radar geometry, Jacobians, heights, clutter density, report velocities."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import oracle_measure as measure
import pytest
from oracle_measure import (
    altitude_of,
    clutter_density,
    plot_thirds,
    plot_to_enu,
    radar_noise,
    radar_predict,
    report_to_enu,
)

import airpicture
from airpicture.config import TrackSettings
from airpicture.geo import EnuFrame, enu_to_geodetic, geodetic_to_ecef, geodetic_to_enu
from airpicture.track import geometry, measurement
from airpicture.track.geometry import build_geometry, curvature_radii

SITE = (48.86, 2.29, 60.0)
EARTH = geometry.earth(EnuFrame(*SITE), SITE[2], SITE[0])
#: the bundled Paris scenario's sheets: a 2-D terminal radar with Mode C, a 3-D site radar
RADAR_2D, RADAR_3D, _ = json.loads((Path(airpicture.__file__).parent / "data/paris/sensors.json").read_text())
Predict = Callable[..., tuple[np.ndarray, np.ndarray]]


def _radar_h(
    p: np.ndarray, o: np.ndarray, M: np.ndarray, third: np.ndarray, site_alt: float, rn: float, rm: float
) -> tuple[np.ndarray, np.ndarray]:
    """The compiled measurement.radar_h, point by point, in radar_predict's form."""
    assert (site_alt, rn, rm) == (EARTH.site_alt, EARTH.rn, EARTH.rm)
    z, H = np.empty((len(p), 3)), np.empty((len(p), 3, 3))
    for k in range(len(p)):
        measurement.radar_h(p[k], o[k], M[k], third[k], EARTH, z[k], H[k])
    return z, H


#: the radar measurement function: the oracle's and the kernel's
PREDICTS = pytest.mark.parametrize("predict", [radar_predict, _radar_h], ids=["oracle", "kernel"])


@pytest.fixture(scope="module")
def world() -> tuple[EnuFrame, float, float]:
    frame = EnuFrame(*SITE)
    rn, rm = curvature_radii(SITE[0])
    return frame, rn, rm


def _around(
    g: geometry.SensorGeometry, rng: np.random.Generator, n: int, half_m: float, up_m: tuple[float, float]
) -> np.ndarray:
    """n site-ENU points in a square of half-side half_m around the sensor, up_m above it."""
    return g.origin + np.column_stack(
        [rng.uniform(-half_m, half_m, n), rng.uniform(-half_m, half_m, n), rng.uniform(*up_m, n)]
    )


def _at_site(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((n, 3)), np.broadcast_to(np.eye(3), (n, 3, 3)).copy()


@PREDICTS
def test_radar_predict_hand_placed_targets(predict: Predict) -> None:
    # a sensor at the site, its axes the site's: north-east at 45 deg, due south, due west
    p = np.array([[1000.0, 1000.0, 500.0], [0.0, -2000.0, 0.0], [-5000.0, 0.0, 1000.0]])
    o, M = _at_site(3)
    z, _ = predict(p, o, M, np.array([1, 1, 0]), SITE[2], *curvature_radii(SITE[0]))
    np.testing.assert_allclose(z[0], [1500.0, np.pi / 4, np.arctan2(500.0, 1000.0 * np.sqrt(2))])
    assert z[1, 0] == pytest.approx(2000.0)
    assert np.cos(z[1, 1]) == pytest.approx(-1.0)  # south: +-pi
    assert z[1, 2] == pytest.approx(0.0)
    assert z[2, 0] == pytest.approx(np.hypot(5000.0, 1000.0))
    # 270 deg as a plot gives it: the innovation wraps to zero
    assert (np.radians(270.0) - z[2, 1] + np.pi) % (2 * np.pi) - np.pi == pytest.approx(0.0, abs=1e-12)
    assert z[2, 2] == 0.0  # no third component


@PREDICTS
def test_radar_predict_matches_geodesy_for_an_offset_sensor(
    world: tuple[EnuFrame, float, float], predict: Predict
) -> None:
    """Range is the straight line between antenna and target; azimuth/elevation are taken in the
    sensor's own local frame (its north, its up), not the site's."""
    frame, rn, rm = world
    g = build_geometry(
        [
            measure.sheet(x)
            for x in (
                RADAR_2D,
                RADAR_3D,
            )
        ],
        frame,
    )
    tgt = np.array([[49.2, 2.9, 3000.0], [48.5, 1.9, 9000.0], [48.86, 2.32, 300.0]])
    p = frame.to_enu(tgt[:, 0], tgt[:, 1], tgt[:, 2])
    for s, spec in zip(g, (RADAR_2D, RADAR_3D), strict=True):
        n = len(p)
        z, _ = predict(
            p, np.tile(s.origin, (n, 1)), np.tile(s.M, (n, 1, 1)), np.ones(n, int), SITE[2], rn, rm
        )
        ant = (spec["lat"], spec["lon"], spec["alt_m"])
        rng_true = np.linalg.norm(
            geodetic_to_ecef(tgt[:, 0], tgt[:, 1], tgt[:, 2]) - geodetic_to_ecef(*ant), axis=1
        )
        d = geodetic_to_enu(tgt[:, 0], tgt[:, 1], tgt[:, 2], *ant)
        np.testing.assert_allclose(z[:, 0], rng_true, rtol=0, atol=1e-5)
        np.testing.assert_allclose(z[:, 1], np.arctan2(d[:, 0], d[:, 1]), rtol=0, atol=1e-10)
        np.testing.assert_allclose(z[:, 2], np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1])), atol=1e-10)
    # the sensor frames really differ from the site's (about 0.08 deg of north at 13 km): the test
    # above would catch a kernel that ignored M
    assert not np.allclose(g[0].M, np.eye(3), atol=1e-4)


@PREDICTS
@pytest.mark.parametrize("third", [0, 1, 2])
def test_radar_jacobian_by_finite_differences(
    world: tuple[EnuFrame, float, float], third: int, predict: Predict
) -> None:
    frame, rn, rm = world
    g = build_geometry([measure.sheet(x) for x in (RADAR_2D,)], frame)[0]
    rng = np.random.default_rng(third)
    n = 6
    p = _around(g, rng, n, 80e3, (200, 10e3))
    o, M, th = np.tile(g.origin, (n, 1)), np.tile(g.M, (n, 1, 1)), np.full(n, third)
    _, H = predict(p, o, M, th, SITE[2], rn, rm)
    h = 0.5  # m: central differences, error ~ h^2 z''' (tiny at tens of km)
    num = np.empty((n, 3, 3))
    for j in range(3):
        dp = np.zeros(3)
        dp[j] = h
        zp, _ = predict(p + dp, o, M, th, SITE[2], rn, rm)
        zm, _ = predict(p - dp, o, M, th, SITE[2], rn, rm)
        num[:, :, j] = (zp - zm) / (2 * h)
    np.testing.assert_allclose(H, num, rtol=1e-6, atol=1e-12)
    if third == 0:
        assert np.all(H[:, 2] == 0.0)


def _points_at_height(frame: EnuFrame, d: float, h: float, n: int = 16) -> np.ndarray:
    """Site-ENU points at horizontal distance d around the site, at exact ellipsoidal height h."""
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    e, nn = d * np.sin(ang), d * np.cos(ang)
    u = np.zeros(n)
    for _ in range(6):
        _, _, hh = frame.to_geodetic(np.column_stack([e, nn, u]))
        u += h - hh
    return np.column_stack([e, nn, u])


@pytest.mark.parametrize(("d", "h", "tol"), [(30e3, 0.0, 0.005), (150e3, 0.0, 0.5), (150e3, 10e3, 3.0)])
def test_altitude_of_against_exact_geodesy(
    world: tuple[EnuFrame, float, float], d: float, h: float, tol: float
) -> None:
    """What the second-order height holds to (measured: 1.5 mm at 30 km on the ground, 0.4 m at
    150 km, 2.7 m at 150 km and 10 km up) — well inside the Mode C sigma (10 m + 25 ft steps)."""
    frame, rn, rm = world
    p = _points_at_height(frame, d, h)
    alt, grad = altitude_of(p, SITE[2], rn, rm)
    np.testing.assert_allclose(alt, h, atol=tol)
    kernel = np.array([measurement.height(q, EARTH) for q in p])  # what the tracker computes
    np.testing.assert_allclose(kernel, h, atol=tol)
    np.testing.assert_allclose(kernel, alt, rtol=1e-15, atol=1e-9)
    # the gradient is that of the exact height to first order (|grad| ~ 1, the tilt d/R)
    eps = 1.0
    exact_grad = np.column_stack(
        [(frame.to_geodetic(p + dp)[2] - frame.to_geodetic(p - dp)[2]) / (2 * eps) for dp in np.eye(3) * eps]
    )
    np.testing.assert_allclose(grad, exact_grad, atol=2e-3)


def test_altitude_of_docstring_claim_at_150km(world: tuple[EnuFrame, float, float]) -> None:
    # the docstring: 0.4 m at 150 km on the ground, under 3 m at 10 km height
    frame, rn, rm = world
    for h, tol in ((0.0, 0.5), (3000.0, 1.5), (10000.0, 3.0)):
        p = _points_at_height(frame, 150e3, h)
        np.testing.assert_allclose(altitude_of(p, SITE[2], rn, rm)[0], h, atol=tol)
        np.testing.assert_allclose([measurement.height(q, EARTH) for q in p], h, atol=tol)


def test_plot_to_enu_round_trips_radar_predict_3d(world: tuple[EnuFrame, float, float]) -> None:
    frame, rn, rm = world
    g = build_geometry([measure.sheet(x) for x in (RADAR_3D,)], frame)[0]
    rng = np.random.default_rng(5)
    n = 20
    p = _around(g, rng, n, 5e3, (10, 800))
    o, M, third = np.tile(g.origin, (n, 1)), np.tile(g.M, (n, 1, 1)), np.ones(n, np.int64)
    z, H = radar_predict(p, o, M, third, SITE[2], rn, rm)
    az = np.mod(z[:, 1], 2 * np.pi)  # as plots carry it, 0..2pi
    back, C = plot_to_enu(z[:, 0], az, z[:, 2], np.full(n, np.nan), third, o, M, RADAR_3D, SITE[2], rn, rm)
    np.testing.assert_allclose(back, p, atol=1e-6)
    # first-order covariance: H^-1 R H^-T
    Hi = np.linalg.inv(H)
    np.testing.assert_allclose(C, Hi @ radar_noise(RADAR_3D, third) @ Hi.transpose(0, 2, 1), rtol=1e-6)


def test_plot_to_enu_round_trips_radar_predict_mode_c(world: tuple[EnuFrame, float, float]) -> None:
    frame, rn, rm = world
    g = build_geometry([measure.sheet(x) for x in (RADAR_2D,)], frame)[0]
    rng = np.random.default_rng(6)
    n = 30
    p = _around(g, rng, n, 100e3, (500, 11e3))
    p = p[np.linalg.norm(p[:, :2] - g.origin[:2], axis=1) > 5e3]
    n = len(p)
    o, M, third = np.tile(g.origin, (n, 1)), np.tile(g.M, (n, 1, 1)), np.full(n, 2)
    z, _ = radar_predict(p, o, M, third, SITE[2], rn, rm)
    back, C = plot_to_enu(
        z[:, 0],
        np.mod(z[:, 1], 2 * np.pi),
        np.full(n, np.nan),
        z[:, 2],
        third,
        o,
        M,
        RADAR_2D,
        SITE[2],
        rn,
        rm,
    )
    # the height is turned into a slant-range split with the same curvature model: metres at most,
    # against a 40 m range sigma and 100+ m azimuth sigma at these ranges
    np.testing.assert_allclose(back, p, atol=5.0)
    assert np.all(np.linalg.eigvalsh(C) > 0)


def test_plot_to_enu_without_height_keeps_range_and_azimuth(world: tuple[EnuFrame, float, float]) -> None:
    """A 2-D plot without Mode C takes the height prior above the site (not above the antenna);
    the measured range and azimuth still hold, and the height is carried with the prior's large
    sigma."""
    frame, rn, rm = world
    g = build_geometry([measure.sheet(x) for x in (RADAR_2D,)], frame)[0]
    n = 4
    r = np.array([5e3, 20e3, 60e3, 110e3])
    az = np.radians([10.0, 100.0, 200.0, 350.0])
    o, M, third = np.tile(g.origin, (n, 1)), np.tile(g.M, (n, 1, 1)), np.zeros(n, np.int64)
    nan = np.full(n, np.nan)
    p, C = plot_to_enu(r, az, nan, nan, third, o, M, RADAR_2D, SITE[2], rn, rm)
    z, _ = radar_predict(p, o, M, third, SITE[2], rn, rm)
    np.testing.assert_allclose(z[:, 0], r, rtol=1e-9)
    np.testing.assert_allclose(np.mod(z[:, 1], 2 * np.pi), az, atol=1e-9)
    h, _ = altitude_of(p, SITE[2], rn, rm)
    np.testing.assert_allclose(h, SITE[2] + measure.PRIMARY_HEIGHT_M, atol=5.0)
    assert np.all(np.sqrt(C[:, 2, 2]) > 0.5 * measure.PRIMARY_HEIGHT_SIGMA_M)


def _prepared(spec: dict, r: np.ndarray, el: np.ndarray, alt: np.ndarray) -> tuple[np.ndarray, ...]:
    """measurement.prepare_plots of plots at ranges r due north of an antenna at the site:
    third, R, clutter density."""
    o, M = _at_site(len(r))
    third, _, R, _, _, lam = measurement.prepare_plots(
        r,
        np.zeros(len(r)),
        el,
        alt,
        o,
        M,
        measurement.radar_sheet(measure.sheet(spec), TrackSettings()),
        EARTH,
    )
    return third, R, lam


def test_radar_noise_and_plot_thirds() -> None:
    nan = np.nan
    th2 = plot_thirds(RADAR_2D, np.array([nan, nan]), np.array([nan, 3000.0]))
    np.testing.assert_array_equal(th2, [0, 2])
    th3 = plot_thirds(RADAR_3D, np.array([0.1, nan]), np.array([nan, nan]))
    np.testing.assert_array_equal(th3, [1, 0])
    R = radar_noise(RADAR_2D, np.array([0, 2]))
    np.testing.assert_allclose(R[:, 0, 0], 40.0**2)
    np.testing.assert_allclose(R[:, 1, 1], np.radians(0.08) ** 2)
    assert R[0, 2, 2] == 1.0  # padded row
    assert R[1, 2, 2] == pytest.approx(10.0**2 + (25 * 0.3048) ** 2 / 12)
    assert radar_noise(RADAR_3D, np.array([1]))[0, 2, 2] == pytest.approx(np.radians(0.4) ** 2)
    assert np.all(R[:, [0, 0, 1], [1, 2, 2]] == 0.0)
    # the kernel: the same thirds and noise
    for spec, el, alt in ((RADAR_2D, [nan, nan], [nan, 3000.0]), (RADAR_3D, [0.1, nan], [nan, nan])):
        el_, alt_ = np.array(el), np.array(alt)
        third, Rk, _ = _prepared(spec, np.array([5e3, 6e3]), el_, alt_)
        np.testing.assert_array_equal(third, plot_thirds(spec, el_, alt_))
        np.testing.assert_allclose(Rk, radar_noise(spec, third), rtol=1e-15)


@pytest.mark.parametrize("spec", [RADAR_2D, RADAR_3D], ids=["2-D", "3-D"])
def test_platform_navigation_sigma_widens_the_plot_noise(spec: dict) -> None:
    """A sheet's sigma_nav_m (the antenna known to that per axis) adds nav^2 dz/do dz/do^T to R: a
    slant range by exactly nav^2 (its gradient is a unit vector), an azimuth due north on the
    ground by (nav / ground range)^2; a Mode C altitude not at all (it does not depend on where
    the antenna is); the plot's position by nav^2 per axis."""
    nav = 50.0
    r = np.array([5e3, 40e3])
    none = np.full(2, np.nan)
    el, alt = (np.array([0.01, 0.02]), none) if spec is RADAR_3D else (none, np.array([np.nan, 3000.0]))
    o, M = _at_site(2)
    sheets = [
        measurement.radar_sheet(measure.sheet(dict(spec, sigma_nav_m=v)), TrackSettings()) for v in (0, nav)
    ]
    (t0, _, R0, p0, C0, _), (t1, _, R1, _, C1, _) = (
        measurement.prepare_plots(r, np.zeros(2), el, alt, o, M, sh, EARTH) for sh in sheets
    )
    np.testing.assert_array_equal(t0, t1)
    np.testing.assert_allclose(R1[:, 0, 0] - R0[:, 0, 0], nav**2, rtol=1e-6)
    ground = np.hypot(*(p0 - o)[:, :2].T)  # the antenna at the site: its frame is the site's
    np.testing.assert_allclose(R1[:, 1, 1] - R0[:, 1, 1], (nav / ground) ** 2, rtol=1e-6)
    if spec is RADAR_2D:
        assert R1[1, 2, 2] == R0[1, 2, 2]  # the Mode C altitude
    np.testing.assert_allclose(np.diagonal(C1 - C0, axis1=1, axis2=2), nav**2, rtol=1e-9)


@pytest.mark.parametrize(
    ("spec", "third", "share"), [(RADAR_2D, 0, 1.0), (RADAR_3D, 1, 1.0), (RADAR_2D, 2, 0.01)]
)
def test_clutter_density_integrates_to_clutter_per_scan(spec: dict, third: int, share: float) -> None:
    """Over range x azimuth (x elevation or altitude span) the density holds clutter_per_scan plots
    (only a small share carries Mode C)."""
    r = np.linspace(spec["min_range_m"], spec["max_range_m"], 20001)
    lam = clutter_density(spec, r, np.full(len(r), third))
    nan = np.full(len(r), np.nan)
    filled = np.full(len(r), 0.1 if third == 1 else 3000.0)
    el, alt = (filled, nan) if third == 1 else (nan, filled if third == 2 else nan)
    th, _, lam_kernel = _prepared(spec, r, el, alt)
    assert (th == third).all()
    np.testing.assert_allclose(lam_kernel, lam, rtol=1e-12)
    per_scan = np.trapezoid(lam, r) * 2 * np.pi
    if third == 1:
        per_scan *= np.radians(spec["clutter_max_elevation_deg"])
    if third == 2:
        per_scan *= measure.MODE_C_SPAN_M
    assert per_scan == pytest.approx(spec["clutter_per_scan"] * share, rel=1e-4)
    # evenly spread over the area: per unit range it grows with r
    assert lam[-1] / lam[len(r) // 2] == pytest.approx(r[-1] / r[len(r) // 2], rel=1e-9)


def test_report_to_enu_velocity_far_from_site(world: tuple[EnuFrame, float, float]) -> None:
    """An aircraft 250 km east flying its own east at 200 m/s: the site-ENU velocity is the time
    derivative of its site-ENU position (finite difference along its local east/north/up)."""
    frame, _, _ = world
    lat, lon, alt = np.array([48.9, 46.5]), np.array([5.7, 2.3]), np.array([10000.0, 3000.0])
    speed, track, vrate = np.array([200.0, 150.0]), np.radians([90.0, 30.0]), np.array([0.0, -5.0])
    p, v = report_to_enu(frame, lat, lon, alt, speed, track, vrate)
    np.testing.assert_allclose(p, frame.to_enu(lat, lon, alt))
    v_local = np.column_stack([speed * np.sin(track), speed * np.cos(track), vrate])
    dt = 0.5
    fd = []
    for s in (-1, 1):
        la, lo, al = enu_to_geodetic(s * dt * v_local, lat, lon, alt)
        fd.append(frame.to_enu(la, lo, al))
    v_fd = (fd[1] - fd[0]) / (2 * dt)
    np.testing.assert_allclose(v, v_fd, atol=1e-3)
    z, _, mask = measurement.prepare_reports(lat, lon, alt, speed, track, vrate, EARTH, np.ones(6))
    assert mask.all()
    np.testing.assert_allclose(z[:, :3], p, rtol=0, atol=1e-6)
    np.testing.assert_allclose(z[:, 3:], v_fd, atol=1e-3)
    # the rotation matters out there: several m/s against the unrotated local velocity
    assert np.linalg.norm(v[0] - v_local[0]) > 5.0


def test_report_to_enu_missing_parts_stay_nan(world: tuple[EnuFrame, float, float]) -> None:
    frame, _, _ = world
    nan = np.nan
    p, v = report_to_enu(
        frame,
        np.array([48.9, 48.9, 48.9]),
        np.array([2.3, 2.3, 2.3]),
        np.array([1000.0, 1000.0, 1000.0]),
        np.array([100.0, nan, 100.0]),
        np.array([0.5, 0.5, 0.5]),
        np.array([1.0, 1.0, nan]),
    )
    assert np.isfinite(p).all()
    assert np.isfinite(v[0]).all()
    assert np.isnan(v[1]).all()
    assert np.isfinite(v[2, :2]).all() and np.isnan(v[2, 2])


def test_report_to_enu_infinite_parts_are_missing_parts(world: tuple[EnuFrame, float, float]) -> None:
    frame, _, _ = world
    args = (np.array([48.0, 48.0]), np.array([4.0, 4.0]), np.array([9000.0, 9000.0]))
    _, v = report_to_enu(
        frame, *args, np.array([200.0, 200.0]), np.array([1.0, 1.0]), np.array([np.nan, np.inf])
    )
    np.testing.assert_allclose(v[1, :2], v[0, :2])
    assert np.isnan(v[1, 2])
