"""Numpy oracle of the measurement kernels (src/airpicture/track/measurement.py: `radar_h` and
`radar_innovation` -> radar_predict; `height` -> altitude_of; `prepare_plots` -> plot_thirds,
radar_noise, plot_to_enu, clutter_density; `prepare_reports` -> report_to_enu, which goes through
the exact geodesy of airpicture.geo). Sensor geometry and the sheet's constants are the product's
(geometry.py, measurement.py): they are inputs here, not what is checked.

Measurement models: what each sensor measures of a state in the site's ENU frame.

Radar plots are used as measured — slant range, azimuth and (3-D radar) elevation or (2-D radar
with Mode C) altitude — in an extended Kalman filter, not converted to Cartesian first:
 * a 2-D plot without altitude constrains slant range, which mixes ground range and height; only
   the EKF on range keeps that coupling (a converted plot would have to invent a height);
 * the polar-to-Cartesian bias is negligible at these accuracies (r sigma_az^2 / 2 < 0.2 m at 120 km,
   sigma_az 0.08 deg), so linearising h at the prediction costs nothing measurable.
Cooperative reports (ADS-B, Remote ID) give a position and a velocity that convert exactly to ENU
with a linear H.

A missing third radar component (2-D plot without Mode C) is padded with a zero H row, zero
innovation and unit variance: that row then adds nothing to the gain, d^2 or log|S| (exact).

Sensor frames (geometry.py): `M` rotates site-ENU vectors into the sensor's own local ENU (its
north and up), `o` is the antenna in site ENU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from airpicture.config import TrackSettings
from airpicture.geo import EnuFrame, rotation
from airpicture.sensors import RadarSheet
from airpicture.track.measurement import (
    MODE_C_STEP_M,
)
from airpicture.types import FloatArray, IntArray

#: The measurement model's priors, as the tracker's settings give them by default.
_TS = TrackSettings()
P_CLUTTER_MODE_C, MODE_C_SPAN_M = _TS.p_clutter_mode_c, _TS.mode_c_span_m
PRIMARY_HEIGHT_M, PRIMARY_HEIGHT_SIGMA_M = _TS.primary_height_m, _TS.primary_height_sigma_m


def altitude_of(p: FloatArray, site_alt: float, rn: float, rm: float) -> tuple[FloatArray, FloatArray]:
    """Height above the ellipsoid of site-ENU points p (K, 3) to second order in distance, and its
    gradient (K, 3). The tangent plane falls away as e^2/2N + n^2/2M; the terms left out make
    0.4 m at 150 km on the ground and under 3 m at 10 km height there, well inside Mode C's
    25 ft steps and the altitude sigma."""
    e, n = p[:, 0], p[:, 1]
    alt = site_alt + p[:, 2] + e * e / (2 * rn) + n * n / (2 * rm)
    grad = np.column_stack([e / rn, n / rm, np.ones(len(p))])
    return alt, grad


def radar_predict(
    p: FloatArray, o: FloatArray, M: FloatArray, third: IntArray, site_alt: float, rn: float, rm: float
) -> tuple[FloatArray, FloatArray]:
    """Predicted radar measurement and its Jacobian w.r.t. position.

    p : (K, 3) predicted positions (site ENU); o, M : sensor position (K, 3) and rotation (K, 3, 3);
    third : (K,) int 0 none (2-D, no altitude), 1 elevation (3-D radar), 2 altitude (Mode C).
    Returns z (K, 3) [range, azimuth, third] and Hp (K, 3, 3) = dz/dp (third row 0 when none).
    """
    d = np.einsum("kij,kj->ki", M, p - o)
    de, dn, du = d[:, 0], d[:, 1], d[:, 2]
    rho2 = np.maximum(de * de + dn * dn, 1e-6)
    rho = np.sqrt(rho2)
    r = np.sqrt(rho2 + du * du)
    z = np.empty((len(p), 3))
    z[:, 0], z[:, 1] = r, np.arctan2(de, dn)
    J = np.zeros((len(p), 3, 3))
    J[:, 0] = d / r[:, None]
    J[:, 1, 0], J[:, 1, 1] = dn / rho2, -de / rho2
    el = third == 1
    z[:, 2] = np.where(el, np.arctan2(du, rho), 0.0)
    r2 = r * r
    J[:, 2, 0] = np.where(el, -de * du / (r2 * rho), 0.0)
    J[:, 2, 1] = np.where(el, -dn * du / (r2 * rho), 0.0)
    J[:, 2, 2] = np.where(el, rho / r2, 0.0)
    Hp = J @ M
    alt = third == 2
    if alt.any():
        h, g = altitude_of(p[alt], site_alt, rn, rm)
        z[alt, 2] = h
        Hp[alt, 2] = g
    return z, Hp


def radar_noise(spec: dict[str, Any], third: IntArray) -> FloatArray:
    """Measurement covariance (K, 3, 3) from the sheet's sigmas; unit variance on a padded row."""
    spec = sheet(spec)
    R = np.zeros((len(third), 3, 3))
    R[:, 0, 0] = spec.sigma_range_m**2
    R[:, 1, 1] = np.radians(spec.sigma_azimuth_deg) ** 2
    sig_el = np.radians(spec.sigma_elevation_deg or 0.0)
    sig_alt2 = spec.sigma_alt_m**2 + MODE_C_STEP_M**2 / 12
    R[:, 2, 2] = np.where(third == 1, sig_el**2, np.where(third == 2, sig_alt2, 1.0))
    return R


def plot_thirds(spec: dict[str, Any], elevation: FloatArray, altitude: FloatArray) -> IntArray:
    """Which third component each plot carries (0 none, 1 elevation, 2 altitude)."""
    spec = sheet(spec)
    if spec.sigma_elevation_deg is not None:
        return np.where(np.isfinite(elevation), 1, 0).astype(np.int64)
    return np.where(np.isfinite(altitude), 2, 0).astype(np.int64)


def plot_to_enu(
    r: FloatArray,
    az: FloatArray,
    el: FloatArray,
    alt: FloatArray,
    third: IntArray,
    o: FloatArray,
    M: FloatArray,
    spec: dict[str, Any],
    site_alt: float,
    rn: float,
    rm: float,
) -> tuple[FloatArray, FloatArray]:
    """Plots -> site-ENU positions (K, 3) and covariances (K, 3, 3), for starting tracks.

    A 2-D plot without altitude takes the primary-target height prior above the site (its sigma
    goes into the covariance, so the height is carried as unknown, not as zero).
    """
    spec = sheet(spec)
    sr2 = spec.sigma_range_m**2
    sa2 = np.radians(spec.sigma_azimuth_deg) ** 2
    # sensor altitude above the ellipsoid from its site-ENU position
    h_s, _ = altitude_of(o, site_alt, rn, rm)
    has_h = third == 2
    hp, hs = primary_height(spec)
    h = np.where(has_h, alt, site_alt + hp)
    sh2 = np.where(has_h, spec.sigma_alt_m**2, hs**2)
    rho = r.copy()
    for _ in range(3):  # du = dh - rho^2 / 2R (curvature), rho = sqrt(r^2 - du^2)
        du = np.clip(h - h_s - rho * rho / (2 * rn), -0.95 * r, 0.95 * r)
        rho = np.sqrt(r * r - du * du)
    is3 = third == 1
    cel, sel = np.cos(np.nan_to_num(el)), np.sin(np.nan_to_num(el))
    rho = np.where(is3, r * cel, rho)
    du = np.where(is3, r * sel, du)
    saz, caz = np.sin(az), np.cos(az)
    d = np.column_stack([rho * saz, rho * caz, du])
    # Jacobian of d w.r.t. (r, az, q) with q = elevation (3-D) or height (2-D)
    J = np.zeros((len(r), 3, 3))
    drho_dr = np.where(is3, cel, r / rho)
    drho_dq = np.where(is3, -r * sel, -du / rho)
    ddu_dr = np.where(is3, sel, 0.0)
    ddu_dq = np.where(is3, r * cel, 1.0)
    J[:, 0, 0], J[:, 1, 0], J[:, 2, 0] = drho_dr * saz, drho_dr * caz, ddu_dr
    J[:, 0, 1], J[:, 1, 1] = rho * caz, -rho * saz
    J[:, 0, 2], J[:, 1, 2], J[:, 2, 2] = drho_dq * saz, drho_dq * caz, ddu_dq
    C = np.zeros((len(r), 3, 3))
    C[:, 0, 0], C[:, 1, 1] = sr2, sa2
    C[:, 2, 2] = np.where(is3, np.radians(spec.sigma_elevation_deg or 1.0) ** 2, sh2)
    Cd = J @ C @ J.transpose(0, 2, 1)
    Mt = M.transpose(0, 2, 1)
    p = o + np.einsum("kij,kj->ki", Mt, d)
    return p, Mt @ Cd @ M


def clutter_density(spec: dict[str, Any], r: FloatArray, third: IntArray) -> FloatArray:
    """Density of false plots at range r in the measurement space of each plot.

    Clutter is spread evenly over the covered area, so per (m of range x rad of azimuth) it is
    n 2r / ((Rmax^2 - Rmin^2) 2 pi); a 3-D radar spreads it over its clutter elevations too, and
    only a small share of false plots carries a Mode C altitude.
    """
    spec = sheet(spec)
    n = max(spec.clutter_per_scan, 1e-3)
    rmax, rmin = spec.max_range_m, spec.min_range_m
    lam = n * 2 * np.maximum(r, 1.0) / ((rmax**2 - rmin**2) * 2 * np.pi)
    el_span = np.radians(spec.clutter_max_elevation_deg)
    per_third = np.where(third == 1, 1 / el_span, np.where(third == 2, P_CLUTTER_MODE_C / MODE_C_SPAN_M, 1.0))
    return lam * per_third


def report_to_enu(
    frame: EnuFrame,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    speed: FloatArray,
    track: FloatArray,
    vrate: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Cooperative reports -> position (K, 3) and velocity (K, 3) in site ENU.

    Velocity is given in the aircraft's own east/north/up; far from the site those axes are turned
    (2.5 deg at 250 km), so it is rotated through ECEF. Missing parts stay NaN.
    """
    p = frame.to_enu(lat, lon, alt)
    v_local = np.column_stack([speed * np.sin(track), speed * np.cos(track), vrate])
    known = np.isfinite(v_local)  # a missing (or broken) part must not leak into the others
    R_local = rotation(lat, lon)  # (K, 3, 3) ECEF -> local ENU
    v = np.einsum("mj,kij,ki->km", frame.R, R_local, np.where(known, v_local, 0.0))
    v[~known[:, 0] | ~known[:, 1]] = np.nan
    v[~known[:, 2], 2] = np.nan
    return p, v


__all__ = [
    "altitude_of",
    "clutter_density",
    "plot_thirds",
    "plot_to_enu",
    "radar_noise",
    "radar_predict",
    "report_to_enu",
]


def primary_height(spec: Any) -> tuple[float, float]:
    """The height prior of a 2-D plot without altitude, (m above the site, sigma m): the low one
    for a radar whose sheet gives drones or birds a Pd."""
    spec = sheet(spec)
    if spec.pd_of("drone") > 0 or spec.pd_of("bird") > 0:
        return _TS.primary_height_low_m, _TS.primary_height_low_sigma_m
    return PRIMARY_HEIGHT_M, PRIMARY_HEIGHT_SIGMA_M


def sheet(spec: Any) -> RadarSheet:
    """A radar sheet model from a sensors.json dict (given an id when it has none), or the model."""
    if isinstance(spec, RadarSheet):
        return spec
    return RadarSheet.model_validate({"id": "R", **spec})
