"""Measurement models: what each sensor measures of a state in the site's ENU frame, written once
(function, Jacobian, noise), and the preparation of a batch of raw measurements for the gate.

Radar plots are used as measured — slant range, azimuth and (3-D radar) elevation or (2-D radar
with Mode C) altitude — in an extended Kalman filter, not converted to Cartesian first:
 * a 2-D plot without altitude constrains slant range, which mixes ground range and height; only
   the EKF on range keeps that coupling (a converted plot would have to invent a height);
 * the polar-to-Cartesian bias is negligible at these accuracies (r sigma_az^2 / 2 < 0.2 m at 120 km,
   sigma_az 0.08 deg), so linearising h at the prediction costs nothing measurable.
A missing third radar component (2-D plot without Mode C) is padded with a zero H row, zero
innovation and unit variance: that row then adds nothing to the gain, d^2 or log|S| (exact).
Plots are also converted to ENU, with their covariance, to start tracks and to pre-gate.

Cooperative reports (ADS-B, Remote ID) give a position and a velocity that convert exactly to ENU
with a linear H (a mask says which parts a report carries).

Letters: o (3,) antenna in site ENU, Mr (3, 3) site-ENU -> sensor-ENU rotation, third 0 none /
1 elevation / 2 altitude, z measurement, R its noise, zh its prediction, Hp dz/d(position).
The numpy oracle of these kernels is tests/track/oracle_measure.py.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from airpicture.compiled import jit
from airpicture.config import TrackSettings
from airpicture.geo import E2, A
from airpicture.sensors import CooperativeSheet, RadarSheet
from airpicture.track.geometry import Earth
from airpicture.types import FloatArray

#: Mode C reports altitude in 25 ft steps: add the quantisation variance to the sheet's sigma.
MODE_C_STEP_M = 25 * 0.3048


class RadarSheetRecord(NamedTuple):
    """A radar's sheet as kernels take it. sigmas: [range^2, azimuth^2, elevation^2 (R),
    elevation^2 (start), altitude^2 (start), altitude^2 + Mode C step^2/12 (R), primary height,
    primary height^2, platform navigation position^2 per axis]; clutter: [false plots per scan,
    max range, min range, clutter elevation span (rad), Mode C share / Mode C span]; pd:
    detection probability used in association (the best of the kinds it sees); three_d: it
    measures elevation; moving: its antenna flies (an airborne radar)."""

    sigmas: FloatArray
    clutter: FloatArray
    pd: float
    three_d: bool
    moving: bool


def radar_sheet(spec: RadarSheet, settings: TrackSettings) -> RadarSheetRecord:
    """A radar's sheet as kernels take it, with the measurement model's priors from the settings:
    the height prior of a 2-D plot without altitude (low for a radar that sees drones or birds),
    and the share of false plots that carry a Mode C altitude (SSR replies come from
    transponders, not from ground or weather clutter)."""
    sh2 = spec.sigma_alt_m**2
    low = spec.sees("drone") or spec.sees("bird")
    h_prior = settings.primary_height_low_m if low else settings.primary_height_m
    h_sigma = settings.primary_height_low_sigma_m if low else settings.primary_height_sigma_m
    sigmas = np.array(
        [
            spec.sigma_range_m**2,
            np.radians(spec.sigma_azimuth_deg) ** 2,
            np.radians(spec.sigma_elevation_deg or 0.0) ** 2,
            np.radians(spec.sigma_elevation_deg or 1.0) ** 2,
            sh2,
            sh2 + MODE_C_STEP_M**2 / 12,
            h_prior,
            h_sigma**2,
            spec.sigma_nav_m**2,
        ]
    )
    clutter = np.array(
        [
            max(spec.clutter_per_scan, 1e-3),
            spec.max_range_m,
            spec.min_range_m,
            np.radians(spec.clutter_max_elevation_deg),
            settings.p_clutter_mode_c / settings.mode_c_span_m,
        ]
    )
    return RadarSheetRecord(sigmas, clutter, spec.pd_max, spec.three_d, spec.moving)


def report_variances(spec: CooperativeSheet) -> FloatArray:
    """A receiver's report variances [e n u ve vn vu] from its sheet's sigmas."""
    sp, sv = spec.sigma_position_m, spec.sigma_velocity_mps
    sa2 = spec.sigma_alt_m**2 + MODE_C_STEP_M**2 / 12
    return np.array([sp * sp, sp * sp, sa2, sv * sv, sv * sv, sv * sv])


class Plots(NamedTuple):
    """A radar batch prepared for the gate (K plots): t (K,); z (K, 3) [range azimuth third];
    R (K, 3, 3); third (K,) int64; o (K, 3), Mr (K, 3, 3) the antenna at each plot's time;
    pp (K, 3), Cpp (K, 3, 3) the plot in site ENU; lam (K,) clutter density in the plot's own
    measurement space; pid (K,) Mode S address carried by the plot (-1: none)."""

    t: FloatArray
    z: FloatArray
    R: FloatArray
    third: Any
    o: FloatArray
    Mr: FloatArray
    pp: FloatArray
    Cpp: FloatArray
    lam: FloatArray
    pid: Any


class Reports(NamedTuple):
    """A batch of cooperative reports prepared for the update (K reports): t (K,); z (K, 6)
    [position velocity] in site ENU; R (K, 6, 6); mask (K, 6) the parts present; ident (K,)."""

    t: FloatArray
    z: FloatArray
    R: FloatArray
    mask: Any
    ident: Any


@jit
def screen_plots(t, r, az, el, alt, sensor, n_sensors, limits):
    """Plots whose values are physical (the others are counted as rejects), and whether all the
    good ones come from one sensor. limits: (earliest time, latest time, max range, max |alt|)."""
    t_lo, t_hi, max_range, max_alt = limits
    K = t.shape[0]
    ok = np.empty(K, np.bool_)
    first = -1
    one = True
    for k in range(K):
        ok[k] = (
            t_lo < t[k] < t_hi
            and np.isfinite(r[k])
            and np.isfinite(az[k])
            and 0 < r[k] < max_range
            and abs(az[k]) <= 4 * np.pi
            and not abs(el[k]) > np.pi / 2
            and not abs(alt[k]) > max_alt
            and 0 <= sensor[k] < n_sensors
        )
        if ok[k]:
            if first < 0:
                first = sensor[k]
            one = one and sensor[k] == first
    return ok, one


@jit
def radar_h(p, o, Mr, third, earth, zh, Hp):
    """Predicted [range, azimuth, third] zh (3,) and dz/dp Hp (3, 3) of position p."""
    d0 = p[0] - o[0]
    d1 = p[1] - o[1]
    d2 = p[2] - o[2]
    de = Mr[0, 0] * d0 + Mr[0, 1] * d1 + Mr[0, 2] * d2
    dn = Mr[1, 0] * d0 + Mr[1, 1] * d1 + Mr[1, 2] * d2
    du = Mr[2, 0] * d0 + Mr[2, 1] * d1 + Mr[2, 2] * d2
    rho2 = max(de * de + dn * dn, 1e-6)
    rho = np.sqrt(rho2)
    r = np.sqrt(rho2 + du * du)
    zh[0] = r
    zh[1] = np.arctan2(de, dn)
    J = np.zeros((3, 3))
    J[0, 0], J[0, 1], J[0, 2] = de / r, dn / r, du / r
    J[1, 0], J[1, 1] = dn / rho2, -de / rho2
    zh[2] = 0.0
    if third == 1:
        zh[2] = np.arctan2(du, rho)
        r2 = r * r
        J[2, 0], J[2, 1], J[2, 2] = -de * du / (r2 * rho), -dn * du / (r2 * rho), rho / r2
    for i in range(3):
        for j in range(3):
            Hp[i, j] = J[i, 0] * Mr[0, j] + J[i, 1] * Mr[1, j] + J[i, 2] * Mr[2, j]
    if third == 2:
        zh[2] = height(p, earth)
        Hp[2, 0], Hp[2, 1], Hp[2, 2] = p[0] / earth.rn, p[1] / earth.rm, 1.0


@jit
def height(p, earth):
    """Height above the ellipsoid of site-ENU point p to second order in distance. The tangent
    plane falls away as e^2/2N + n^2/2M; the terms left out make 0.4 m at 150 km on the ground
    and under 3 m at 10 km height there, well inside Mode C's 25 ft steps and the altitude sigma."""
    return earth.site_alt + p[2] + p[0] * p[0] / (2 * earth.rn) + p[1] * p[1] / (2 * earth.rm)


@jit
def radar_innovation(zh, Hp, Ppp, z, R, third, y, S):
    """Innovation y (3,) (azimuth wrapped; zero third component without one) and its covariance
    S (3, 3) = Hp Ppp Hp^T + R."""
    for i in range(3):
        y[i] = z[i] - zh[i]
    y[1] = (y[1] + np.pi) % (2 * np.pi) - np.pi
    if third == 0:
        y[2] = 0.0
    HP = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            s = 0.0
            for k in range(3):
                s += Hp[i, k] * Ppp[k, j]
            HP[i, j] = s
    for i in range(3):
        for j in range(3):
            s = R[i, j]
            for k in range(3):
                s += HP[i, k] * Hp[j, k]
            S[i, j] = s


@jit
def ground_at(rk, h, h_s, rn):
    """(ground range, up) in the antenna's frame of a slant range rk to a height h (above the
    ellipsoid) from an antenna at height h_s, over the curved Earth (radius rn)."""
    rho = rk
    du = 0.0
    for _ in range(3):  # du = dh - rho^2 / 2R (curvature), rho = sqrt(r^2 - du^2)
        du = min(max(h - h_s - rho * rho / (2 * rn), -0.95 * rk), 0.95 * rk)
        rho = np.sqrt(rk * rk - du * du)
    return rho, du


@jit
def plots_to_enu(r, az, el, alt, third, o, Mr, sheet, earth):
    """Plots -> site-ENU positions (K, 3) and covariances (K, 3, 3), for starting tracks. A 2-D
    plot without altitude takes the primary-target height prior above the site's ground (its
    sigma goes through the slant-to-ground conversion into the horizontal covariance too: from an
    antenna 9 km up, a height wrong by 800 m moves the ground position by km at short range)."""
    sr2, sa2, se2, sh2 = sheet.sigmas[0], sheet.sigmas[1], sheet.sigmas[3], sheet.sigmas[4]
    h_prior, sh2_prior = sheet.sigmas[6], sheet.sigmas[7]
    rn = earth.rn
    K = r.shape[0]
    p = np.empty((K, 3))
    C = np.empty((K, 3, 3))
    for k in range(K):
        h_s = height(o[k], earth)
        rk, ak = r[k], az[k]
        saz, caz = np.sin(ak), np.cos(ak)
        J = np.zeros((3, 3))
        if third[k] == 1:
            ce, se = np.cos(el[k]), np.sin(el[k])
            rho, du = rk * ce, rk * se
            drho_dr, drho_dq, ddu_dr, ddu_dq = ce, -rk * se, se, rk * ce
            q2 = se2
        else:
            h = alt[k] if third[k] == 2 else earth.site_alt + h_prior
            q2 = sh2 if third[k] == 2 else sh2_prior
            rho, du = ground_at(rk, h, h_s, rn)
            drho_dr, drho_dq, ddu_dr, ddu_dq = rk / rho, -du / rho, 0.0, 1.0
        d = np.array([rho * saz, rho * caz, du])
        J[0, 0], J[1, 0], J[2, 0] = drho_dr * saz, drho_dr * caz, ddu_dr
        J[0, 1], J[1, 1] = rho * caz, -rho * saz
        J[0, 2], J[1, 2], J[2, 2] = drho_dq * saz, drho_dq * caz, ddu_dq
        # Cd = J diag(sr2, sa2, q2) J^T, then rotate to the site frame: M^T Cd M
        Cd = np.empty((3, 3))
        for i in range(3):
            for j in range(3):
                Cd[i, j] = J[i, 0] * J[j, 0] * sr2 + J[i, 1] * J[j, 1] * sa2 + J[i, 2] * J[j, 2] * q2
        for i in range(3):
            p[k, i] = o[k, i] + Mr[k, 0, i] * d[0] + Mr[k, 1, i] * d[1] + Mr[k, 2, i] * d[2]
        T = np.empty((3, 3))
        for i in range(3):
            for j in range(3):
                T[i, j] = Mr[k, 0, i] * Cd[0, j] + Mr[k, 1, i] * Cd[1, j] + Mr[k, 2, i] * Cd[2, j]
        for i in range(3):
            for j in range(3):
                C[k, i, j] = T[i, 0] * Mr[k, 0, j] + T[i, 1] * Mr[k, 1, j] + T[i, 2] * Mr[k, 2, j]
    return p, C


def prepare_plots(r, az, el, alt, o, Mr, sheet, earth):
    """Per-plot measurement z (K, 3), noise R (K, 3, 3), third component, position (K, 3) and
    covariance (K, 3, 3) in site ENU, and clutter density. Clutter is spread evenly over the
    covered area, so per (m of range x rad of azimuth) it is n 2r / ((Rmax^2 - Rmin^2) 2 pi); a
    3-D radar spreads it over its clutter elevations too, and only a small share of false plots
    carries a Mode C altitude."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _prepare_plots(r, az, el, alt, o, Mr, sheet[:], earth[:])


@jit
def _prepare_plots(r, az, el, alt, o, Mr, sheet_f, earth_f):
    sheet, earth = RadarSheetRecord(*sheet_f), Earth(*earth_f)
    sigmas, clutter = sheet.sigmas, sheet.clutter
    K = r.shape[0]
    third = np.zeros(K, np.int64)
    z = np.empty((K, 3))
    R = np.zeros((K, 3, 3))
    lam = np.empty(K)
    area = (clutter[1] ** 2 - clutter[2] ** 2) * 2 * np.pi
    for k in range(K):
        if sheet.three_d:
            third[k] = 1 if np.isfinite(el[k]) else 0
        else:
            third[k] = 2 if np.isfinite(alt[k]) else 0
        z[k, 0], z[k, 1] = r[k], az[k]
        z[k, 2] = el[k] if third[k] == 1 else (alt[k] if third[k] == 2 else 0.0)
        R[k, 0, 0], R[k, 1, 1] = sigmas[0], sigmas[1]
        R[k, 2, 2] = sigmas[2] if third[k] == 1 else (sigmas[5] if third[k] == 2 else 1.0)
        per = 1.0 / clutter[3] if third[k] == 1 else (clutter[4] if third[k] == 2 else 1.0)
        lam[k] = clutter[0] * 2 * max(r[k], 1.0) / area * per
    pp, Cpp = plots_to_enu(r, az, el, alt, third, o, Mr, sheet, earth)
    nav2 = sigmas[8]
    if nav2 > 0:  # the antenna is where its navigation says, to nav2 per axis: dz/do = -dz/dp
        zh, Hp = np.empty(3), np.empty((3, 3))
        for k in range(K):
            radar_h(pp[k], o[k], Mr[k], 1 if third[k] == 1 else 0, earth, zh, Hp)
            n_ang = 3 if third[k] == 1 else 2  # a Mode C altitude does not depend on the antenna
            for i in range(n_ang):
                for j in range(n_ang):
                    R[k, i, j] += nav2 * (Hp[i, 0] * Hp[j, 0] + Hp[i, 1] * Hp[j, 1] + Hp[i, 2] * Hp[j, 2])
            for i in range(3):
                Cpp[k, i, i] += nav2
    return third, z, R, pp, Cpp, lam


def prepare_reports(lat, lon, alt, speed, track, vrate, earth, sig2):
    """Reports -> z (K, 6) [position, velocity] in site ENU, R (K, 6, 6) and mask (K, 6) of the
    parts present (a missing part stays out, never leaks into others; a report without altitude is
    placed at the site's height and its height is not measured). Velocity is given in the
    aircraft's own east/north/up; far from the site those axes are turned (2.5 deg at 250 km), so
    it is rotated through ECEF. sig2: variances of [e n u ve vn vu]."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _prepare_reports(lat, lon, alt, speed, track, vrate, earth[:], sig2)


@jit
def _prepare_reports(lat, lon, alt, speed, track, vrate, earth_f, sig2):
    earth = Earth(*earth_f)
    Rf, origin = earth.rot, earth.origin
    K = lat.shape[0]
    z = np.zeros((K, 6))
    R = np.zeros((K, 6, 6))
    mask = np.zeros((K, 6), np.bool_)
    for k in range(K):
        la, lo = np.radians(lat[k]), np.radians(lon[k])
        sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
        h = alt[k] if np.isfinite(alt[k]) else earth.site_alt
        n = A / np.sqrt(1.0 - E2 * sla * sla)
        d0 = (n + h) * cla * clo - origin[0]
        d1 = (n + h) * cla * slo - origin[1]
        d2 = (n * (1.0 - E2) + h) * sla - origin[2]
        for i in range(3):
            z[k, i] = Rf[i, 0] * d0 + Rf[i, 1] * d1 + Rf[i, 2] * d2
        ve, vn, vu = speed[k] * np.sin(track[k]), speed[k] * np.cos(track[k]), vrate[k]
        h_ok = np.isfinite(ve) and np.isfinite(vn)
        v_ok = np.isfinite(vu)
        ve, vn, vu = (ve if h_ok else 0.0), (vn if h_ok else 0.0), (vu if v_ok else 0.0)
        # local ENU -> ECEF (transpose of the rotation at lat, lon) -> site ENU
        ex = -slo * ve - sla * clo * vn + cla * clo * vu
        ey = clo * ve - sla * slo * vn + cla * slo * vu
        ez = cla * vn + sla * vu
        for i in range(3):
            z[k, 3 + i] = Rf[i, 0] * ex + Rf[i, 1] * ey + Rf[i, 2] * ez
        mask[k, 0] = np.isfinite(z[k, 0])
        mask[k, 1] = np.isfinite(z[k, 1])
        mask[k, 2] = np.isfinite(z[k, 2]) and np.isfinite(alt[k])
        mask[k, 3] = mask[k, 4] = h_ok and np.isfinite(z[k, 3]) and np.isfinite(z[k, 4])
        mask[k, 5] = h_ok and v_ok and np.isfinite(z[k, 5])
        for i in range(6):
            R[k, i, i] = sig2[i] if mask[k, i] else 1.0
            if not mask[k, i]:
                z[k, i] = 0.0
    return z, R, mask


__all__ = [
    "MODE_C_STEP_M",
    "Plots",
    "RadarSheetRecord",
    "Reports",
    "ground_at",
    "height",
    "plots_to_enu",
    "prepare_plots",
    "prepare_reports",
    "radar_h",
    "radar_innovation",
    "radar_sheet",
    "report_variances",
    "screen_plots",
]
