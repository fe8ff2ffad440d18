"""Sensor models: rotating 2-D/3-D radars and ADS-B receivers, observing the simulated objects.

Each model takes the objects' positions at both ends of one time step (the truth is linear in
between) and returns that step's measurements as PLOT_DTYPE / REPORT_DTYPE rows. Parameters are the
keys of the sensor sheet (FORMAT.md, sensors.json); noise comes from the sheet's sigmas.

Radar: the beam turns clockwise from north once per scan_period_s, starting at the scenario start.
An object is seen when the beam crosses it: the plot's time is when the beam's azimuth equals the
object's (scan start + azimuth/360 of the period, the object's own motion included), at most once
per scan. Coverage is min/max slant range and min_elevation_deg (the scenario scorer's rule); a
sheet with "radar_horizon": true also hides objects beyond the 4/3-Earth radar horizon (the scorer
does not know that key: it would count those objects as visible). A radar with an "orbit" flies
(an airborne early-warning radar): it measures from where it is at each plot's time, in the local
frame there, and sees what lies within the radar horizon. A sheet's bias_range_m,
bias_azimuth_deg and bias_time_s are added to every detection (range, azimuth, time stamp): the
systematic errors sensor registration estimates (track/registration.py).
"""

from __future__ import annotations

import numpy as np

from airpicture.errors import ConfigError
from airpicture.geo import E2, A, EnuFrame, geodetic_to_ecef, rotation, wrap_lon
from airpicture.sensors import AdsbSheet, RadarSheet, covers
from airpicture.sim.clutter import clutter_plots
from airpicture.sim.targets import Codes
from airpicture.types import CLASSES, PLOT_DTYPE, REPORT_DTYPE, BoolArray, FloatArray, IntArray

FT = 0.3048
#: Mode C and ADS-B barometric altitude step (25 ft), ADS-B vertical-rate step (64 ft/min)
ALT_STEP_M = 25 * FT
VRATE_STEP_MPS = 64 * FT / 60
TWO_PI = 2 * np.pi
#: faster than anything simulated (m/s): bounds how far an object moves in a step
MAX_SPEED_MPS = 400.0


def quantise(x: FloatArray, step: float) -> FloatArray:
    """Round to whole multiples of step."""
    return np.round(x / step) * step


class Orbit:
    """A sensor flying a level circle (clockwise seen from above) of radius_m at speed_mps around
    its sheet's lat/lon, at its alt_m above the ellipsoid; phase_rad: bearing from the centre at
    the scenario start."""

    def __init__(self, spec: RadarSheet, start_s: float) -> None:
        o = spec.orbit
        if o is None:
            raise ConfigError(f"radar {spec.id}: orbit: not given")
        self.centre = EnuFrame(spec.lat, spec.lon, spec.alt_m)
        self.R = float(o.radius_m)
        self.speed = float(o.speed_mps)
        self.phase = float(o.phase_rad)
        self.alt = float(spec.alt_m)
        self.start_s = start_s

    def position(self, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(lat deg, lon deg, alt m) at times t : (K,)."""
        ang = self.phase + self.speed / self.R * (np.asarray(t, dtype=np.float64) - self.start_s)
        enu = np.column_stack([self.R * np.sin(ang), self.R * np.cos(ang), np.zeros_like(ang)])
        lat, lon, _ = self.centre.to_geodetic(enu)
        return lat, lon, np.full_like(lat, self.alt)


class RadarModel:
    """A rotating radar of the sensor sheet. index: its position in the sensor list."""

    def __init__(self, index: int, spec: RadarSheet, start_s: float, n_slots: int) -> None:
        self.index = index
        self.spec = spec
        self.frame = EnuFrame(spec.lat, spec.lon, spec.alt_m)
        self.orbit = Orbit(spec, start_s) if spec.orbit else None
        self.T = float(spec.scan_period_s)
        self.start_s = start_s
        self.rmin, self.rmax = float(spec.min_range_m), float(spec.max_range_m)
        self.s_r = float(spec.sigma_range_m)
        self.s_az = np.radians(float(spec.sigma_azimuth_deg))
        el = spec.sigma_elevation_deg
        self.s_el = None if el is None else np.radians(float(el))
        self.pd = np.array([spec.pd_of(c) for c in CLASSES])
        self.mode_c = spec.mode_c
        self.s_alt = float(spec.sigma_alt_m)
        self.p_mode_c_lost = float(spec.p_mode_c_lost)
        self.p_identity = float(spec.p_identity)
        self.clutter_per_scan = float(spec.clutter_per_scan)
        self.clutter_max_el = np.radians(float(spec.clutter_max_elevation_deg))
        self.antenna_alt = float(spec.alt_m)
        #: systematic errors added to every detection: range m, azimuth rad, time-stamp s
        self.bias = (
            float(spec.bias_range_m),
            np.radians(float(spec.bias_azimuth_deg)),
            float(spec.bias_time_s),
        )
        #: the scan in which each slot was last seen (one plot per object per scan)
        self.last_scan = np.full(n_slots, -1, np.int64)

    def beam(self, t: float) -> float:
        """Beam azimuth (rad, clockwise from north) at time t."""
        return float(TWO_PI * (((t - self.start_s) / self.T) % 1.0))

    def observe(
        self,
        t0: float,
        dt: float,
        ecef0: FloatArray,
        ecef1: FloatArray,
        h0: FloatArray,
        h1: FloatArray,
        kind: Codes,
        eligible: BoolArray,
        transponder: BoolArray,
        ident: IntArray,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, IntArray]:
        """Plots of [t0, t0 + dt): detections and clutter, unsorted, and the slot behind each plot
        (-1 for clutter).

        ecef0, ecef1 : (N, 3) float64 object positions (m) at t0 and t0 + dt; h0, h1 : (N,) heights
        (m) for Mode C; kind : (N,) int8 class code; eligible : (N,) bool (a real object, the same
        one at both ends); transponder : (N,) bool; ident : (N,) int64 ICAO address.
        """
        pdk = self.pd[kind]
        cand = np.flatnonzero(eligible & (pdk > 0))
        origin0 = origin1 = self.frame.origin_ecef
        R = self.frame.R
        reach = self.rmax + MAX_SPEED_MPS * dt
        if self.orbit is not None:
            # measured from where the antenna is, in the local frame there (frozen for the step:
            # it turns by a few arc seconds in a second); the arc of one step is a chord to 0.1 m
            lat, lon, alt = self.orbit.position(np.array([t0, t0 + dt]))
            origin0, origin1 = geodetic_to_ecef(lat, lon, alt)
            R = rotation(lat[0], lon[0])
            reach += self.orbit.speed * dt
            self.antenna_alt = float(alt[0])
        # objects out of reach for the whole step (faster than MAX_SPEED_MPS nothing flies) are
        # dropped before the beam geometry: a short-range radar then costs little
        d0 = ecef0[cand] - origin0
        near = np.einsum("ij,ij->i", d0, d0) < reach * reach
        cand = cand[near]
        p0 = d0[near] @ R.T
        p1 = (ecef1[cand] - origin1) @ R.T
        v = (p1 - p0) / dt
        clutter = clutter_plots(self, t0, t0 + dt, rng)
        out, src = [clutter], [np.full(len(clutter), -1, np.int64)]
        w = min(self.T, dt)
        a = t0
        while a < t0 + dt - 1e-9:
            b = min(a + w, t0 + dt)
            plots, slots = self._crossings(a, b, t0, dt, cand, p0, v, h0, h1, pdk, transponder, ident, rng)
            out.append(plots)
            src.append(slots)
            a = b
        return np.concatenate(out), np.concatenate(src)

    def _crossings(
        self,
        a: float,
        b: float,
        t0: float,
        dt: float,
        cand: IntArray,
        p0: FloatArray,
        v: FloatArray,
        h0: FloatArray,
        h1: FloatArray,
        pdk: FloatArray,
        transponder: BoolArray,
        ident: IntArray,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, IntArray]:
        """Detections of the objects the beam crosses within [a, b) (b - a <= one scan), and their
        slots."""
        pa = p0 + v * (a - t0)
        e, n = pa[:, 0], pa[:, 1]
        r2 = np.maximum(e * e + n * n, 1e-6)
        psi = np.arctan2(e, n)
        psi_dot = (n * v[:, 0] - e * v[:, 1]) / r2  # the object's own azimuth rate
        w_rel = TWO_PI / self.T - psi_dot  # how fast the beam closes on it
        ok = w_rel > 0  # an object circling the antenna faster than the beam: never caught
        delay = np.mod(psi - self.beam(a), TWO_PI) / np.where(ok, w_rel, 1.0)
        tau = a + delay
        hit = ok & (tau < b)
        scan = np.floor((tau - self.start_s) / self.T).astype(np.int64)
        hit &= scan != self.last_scan[cand]
        sel = np.flatnonzero(hit)
        slots = cand[sel]
        tau = tau[sel]
        p = pa[sel] + v[sel] * (tau - a)[:, None]
        # close in, the azimuth is not linear in time: one Newton step on azimuth - beam = 0
        r2 = np.maximum(p[:, 0] ** 2 + p[:, 1] ** 2, 1e-6)
        miss = (
            np.mod(np.arctan2(p[:, 0], p[:, 1]) - TWO_PI * ((tau - self.start_s) / self.T) + np.pi, TWO_PI)
            - np.pi
        )
        rate = TWO_PI / self.T - (p[:, 1] * v[sel, 0] - p[:, 0] * v[sel, 1]) / r2
        tau = np.clip(tau + miss / np.maximum(rate, 1e-9), a, np.nextafter(b, a))
        p = pa[sel] + v[sel] * (tau - a)[:, None]
        r = np.linalg.norm(p, axis=1)
        el = np.arcsin(np.clip(p[:, 2] / np.maximum(r, 1.0), -1.0, 1.0))
        h = h0[slots] + (h1[slots] - h0[slots]) * (tau - t0) / dt  # height above the ellipsoid
        # p is in the antenna's own frame; an orbiting radar is a moving one (the horizon limits it)
        seen = covers(self.spec, np.zeros(3), np.eye(3), p, alt_m=h, sensor_alt_m=self.antenna_alt)
        # the scan counts as looked at even when the object was missed (Pd) or out of coverage
        self.last_scan[slots] = scan[sel]
        seen &= rng.random(len(slots)) < pdk[slots]
        slots, tau, p, r, el, h = slots[seen], tau[seen], p[seen], r[seen], el[seen], h[seen]
        k = len(slots)
        plots = np.empty(k, PLOT_DTYPE)
        b_r, b_az, b_t = self.bias
        plots["time_s"] = tau + b_t
        plots["sensor"] = self.index
        plots["range_m"] = r + b_r + rng.normal(0.0, self.s_r, k)
        plots["azimuth_rad"] = np.mod(
            np.arctan2(p[:, 0], p[:, 1]) + b_az + rng.normal(0.0, self.s_az, k), TWO_PI
        )
        plots["elevation_rad"] = np.nan if self.s_el is None else el + rng.normal(0.0, self.s_el, k)
        alt = np.full(k, np.nan)
        xp = transponder[slots]
        if self.mode_c:
            reported = xp & (rng.random(k) >= self.p_mode_c_lost)
            alt[reported] = quantise(
                h[reported] + rng.normal(0.0, self.s_alt, int(reported.sum())), ALT_STEP_M
            )
        plots["altitude_m"] = alt
        identified = xp & (rng.random(k) < self.p_identity)
        plots["ident"] = np.where(identified, ident[slots], -1)
        return plots, slots

    def reset(self, slots: IntArray) -> None:
        """Slots that hold a new object: it has not been seen in any scan yet."""
        self.last_scan[slots] = -1


def metres_to_degrees(lat_deg: FloatArray, de: FloatArray, dn: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Small east/north offsets (m) at latitude lat_deg -> (dlat, dlon) in degrees (WGS-84 radii)."""
    s = np.sin(np.radians(lat_deg))
    w = np.sqrt(1.0 - E2 * s * s)
    meridian = A * (1.0 - E2) / w**3
    normal = A / w
    return np.degrees(dn / meridian), np.degrees(de / (normal * np.cos(np.radians(lat_deg))))


class AdsbModel:
    """An ADS-B receiver: every transponder broadcasts its position every update_period_s (each at
    its own phase); a share p_loss is not received; positions carry sigma_position_m of noise."""

    def __init__(
        self, index: int, spec: AdsbSheet, start_s: float, n_slots: int, rng: np.random.Generator
    ) -> None:
        self.index = index
        self.spec = spec
        self.frame = EnuFrame(spec.lat, spec.lon, spec.alt_m)
        self.P = float(spec.update_period_s)
        self.p_loss = float(spec.p_loss)
        self.sigma = float(spec.sigma_position_m)
        self.rmax = np.inf if spec.max_range_m is None else float(spec.max_range_m)
        self.next_s = start_s + rng.uniform(0.0, self.P, n_slots)

    def reset(self, slots: IntArray, t: float, rng: np.random.Generator) -> None:
        self.next_s[slots] = t + rng.uniform(0.0, self.P, len(slots))

    def observe(
        self,
        t0: float,
        dt: float,
        ecef0: FloatArray,
        ecef1: FloatArray,
        geo0: tuple[FloatArray, FloatArray, FloatArray],
        geo1: tuple[FloatArray, FloatArray, FloatArray],
        motion0: tuple[FloatArray, FloatArray, FloatArray],
        eligible: BoolArray,
        ident: IntArray,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, IntArray]:
        """Reports broadcast within [t0, t0 + dt), and the slot behind each report.

        geo0/geo1: (lat deg, lon deg, h m) at both ends, each (N,); motion0: (speed m/s, track rad,
        vertical rate m/s) during the step; eligible : (N,) bool (broadcasting, same object at both
        ends); ident : (N,) int64 ICAO address.
        """
        out, src = [], []
        t1 = t0 + dt
        while True:
            due = np.flatnonzero(eligible & (self.next_s < t1))
            if len(due) == 0:
                break
            tau = self.next_s[due]
            self.next_s[due] += self.P
            keep = rng.random(len(due)) >= self.p_loss
            due, tau = due[keep], tau[keep]
            f = ((tau - t0) / dt)[:, None]
            x = ecef0[due] + (ecef1[due] - ecef0[due]) * f
            enu = (x - self.frame.origin_ecef) @ self.frame.R.T
            inside = (np.hypot(enu[:, 0], enu[:, 1]) <= self.rmax) & (enu[:, 2] > -200.0)
            due, tau, f = due[inside], tau[inside], f[inside, 0]
            k = len(due)
            lat = geo0[0][due] + (geo1[0][due] - geo0[0][due]) * f
            # across the antimeridian the short way, not round the Earth
            lon = geo0[1][due] + wrap_lon(geo1[1][due] - geo0[1][due]) * f
            h = geo0[2][due] + (geo1[2][due] - geo0[2][due]) * f
            dlat, dlon = metres_to_degrees(lat, rng.normal(0, self.sigma, k), rng.normal(0, self.sigma, k))
            spd = motion0[0][due]
            rep = np.empty(k, REPORT_DTYPE)
            rep["time_s"] = tau
            rep["sensor"] = self.index
            rep["ident"] = ident[due]
            rep["lat"] = lat + dlat
            rep["lon"] = wrap_lon(lon + dlon)
            rep["altitude_m"] = quantise(h, ALT_STEP_M)
            rep["speed_mps"] = np.maximum(spd + rng.normal(0.0, 0.5, k), 0.0)
            rep["track_rad"] = np.mod(
                motion0[1][due] + rng.normal(0.0, 0.5, k) / np.maximum(spd, 1.0), TWO_PI
            )
            rep["vrate_mps"] = quantise(motion0[2][due], VRATE_STEP_MPS)
            out.append(rep)
            src.append(due)
        if not out:
            return np.empty(0, REPORT_DTYPE), np.empty(0, np.int64)
        return np.concatenate(out), np.concatenate(src)


__all__ = [
    "ALT_STEP_M",
    "VRATE_STEP_MPS",
    "AdsbModel",
    "Orbit",
    "RadarModel",
    "metres_to_degrees",
    "quantise",
]
