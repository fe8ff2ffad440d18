"""Sensor registration: each radar's systematic errors — range offset, azimuth offset, time-stamp
offset — estimated online and taken out of its plots before they are tracked (what ATC multi-radar
trackers such as ARTAS do before fusing radars; the math is in bias.py).

References are ADS-B aircraft: their reports (site ENU position, velocity, altitude) are kept per
identity, and a radar plot is compared with the report of its aircraft moved to the plot's time.
Which aircraft: the plot's Mode S address when it carries one; else the ADS-B aircraft near it,
when exactly one lies inside the gate of the current estimate (a plot with two candidates, or two
plots wanting one aircraft, teach nothing and are counted as ambiguous). Mode C must agree with the
reference's altitude. Residuals are taken on the plots as stamped, so the estimate is always of the
whole bias, whatever correction is applied.

Per radar the state is bounded: a 3x3 information matrix, its vector, 8 azimuth-sector weights,
all forgotten with `memory_s`; a bias is applied only once the estimate is observable (its
marginal sigmas under the `ready_*` settings, from pairings in `min_sectors` azimuth sectors) and
stops being applied when it no longer is (no pairings for a while: the information decays).
ADS-B identities not heard for `forget_s` are dropped.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

import numpy as np

from airpicture.config import RegistrationSettings
from airpicture.geo import EnuFrame
from airpicture.track import bias
from airpicture.track.geometry import SensorGeometry
from airpicture.types import FloatArray, IntArray

#: azimuth sectors counted for observability
SECTORS = 8
#: fastest object a pre-gate allows for between a batch's plots (m/s)
MAX_SPEED_MPS = 350.0


@dataclass(frozen=True)
class RadarBias:
    """One radar's estimated biases (what `/api/sensors` shows): range m, azimuth deg (clockwise),
    time-stamp s (late: positive), their 1-sigma, the pairings in memory (forgetting-weighted),
    whether the tracker applies them, and the time of the last pairing (s, NaN: none)."""

    sensor: str
    range_m: float
    azimuth_deg: float
    time_s: float
    sigma_range_m: float
    sigma_azimuth_deg: float
    sigma_time_s: float
    pairs: float
    sectors: int
    applied: bool
    last_pair_s: float

    def as_dict(self) -> dict[str, float | int | bool | None]:
        """The fields but the sensor's id, NaN as None (JSON)."""
        d = dataclasses.asdict(self)
        del d["sensor"]
        return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


class _Radar:
    """The estimator state of one radar."""

    def __init__(self, L0: FloatArray) -> None:
        self.L = np.zeros((3, 3))
        self.e = np.zeros(3)
        self.b = np.zeros(3)
        self.Pb: FloatArray = np.diag(1.0 / np.diag(L0))
        self.sectors = np.zeros(SECTORS)
        self.t = -np.inf
        self.applied = False
        self.observable = False  # its marginal sigmas under the ready ones, from enough sectors
        self.known = False  # observable, to half the ready sigmas
        self.radius = 0.0  # pre-gate radius around a plot, m
        self.reach = 0.0  # references further than this from the antenna are not looked at, m
        self.batches = 0


class BiasRegistration:
    """Estimates and applies the radars' biases (does nothing when settings.enabled is false).
    geo: the tracker's sensor geometry; frame: the site's ENU frame; ref_sigma: receiver index ->
    its 1-sigma position noise (m); only ADS-B receivers give references."""

    def __init__(
        self,
        geo: list[SensorGeometry],
        frame: EnuFrame,
        settings: RegistrationSettings,
        ref_sigma: dict[int, float],
    ) -> None:
        self.settings = st = settings
        self.geo = geo
        self.frame = frame
        self.ref_sigma = {i: v for i, v in ref_sigma.items() if geo[i].kind == "adsb"}
        self._L0 = np.diag(
            1.0
            / np.array(
                [st.prior_sigma_range_m, np.radians(st.prior_sigma_azimuth_deg), st.prior_sigma_time_s]
            )
            ** 2
        )
        self._P0: FloatArray = np.diag(1.0 / np.diag(self._L0))
        self._ready = np.array(
            [st.ready_sigma_range_m, np.radians(st.ready_sigma_azimuth_deg), st.ready_sigma_time_s]
        )
        # registration off: no radar is estimated, so nothing is corrected or paired
        self.radars = {g.index: _Radar(self._L0) for g in geo if g.kind == "radar" and st.enabled}
        for i, rad in self.radars.items():
            # how far a plot may lie from its aircraft: 3 prior sigmas at the radar's longest range
            # (azimuth), for the fastest aircraft (time), capped by pair_radius_m
            max_range = float(geo[i].spec.max_range_m or 0.0)
            spread = np.hypot(
                np.hypot(st.prior_sigma_range_m, MAX_SPEED_MPS * st.prior_sigma_time_s),
                max_range * np.radians(st.prior_sigma_azimuth_deg),
            )
            rad.radius = float(min(st.pair_radius_m, 3.0 * spread))
            rad.reach = max_range + rad.radius
        self.counts: Counter[str] = Counter()
        # ADS-B references, a struct of arrays that grows by doubling (ident -1: a free slot)
        self._id = np.full(64, -1, np.int64)
        self._t = np.zeros(64)
        self._p = np.zeros((64, 3))
        self._v = np.zeros((64, 3))
        self._alt = np.zeros(64)
        self._sig = np.zeros(64)
        self._t_forget = -np.inf

    # ------------------------------------------------------------------ references
    def _lookup(self, ident: IntArray) -> IntArray:
        """Slot of each identity (-1: not held)."""
        live = np.flatnonzero(self._id >= 0)
        out = np.full(len(ident), -1, np.int64)
        if len(live) == 0 or len(ident) == 0:
            return out
        order = live[np.argsort(self._id[live])]
        pos = np.clip(np.searchsorted(self._id[order], ident), 0, len(order) - 1)
        has = self._id[order[pos]] == ident
        out[has] = order[pos[has]]
        return out

    def _allocate(self, n: int) -> IntArray:
        free = np.flatnonzero(self._id < 0)
        while len(free) < n:
            c = len(self._id)
            self._id = np.r_[self._id, np.full(c, -1, np.int64)]
            self._t, self._alt, self._sig = (np.r_[a, np.zeros(c)] for a in (self._t, self._alt, self._sig))
            self._p, self._v = (np.vstack([a, np.zeros((c, 3))]) for a in (self._p, self._v))
            free = np.flatnonzero(self._id < 0)
        return free[:n]

    def observe_reports(
        self, sensor: int, t: FloatArray, z: FloatArray, mask: np.ndarray, ident: IntArray, alt: FloatArray
    ) -> None:
        """One receiver's ADS-B reports (at most one per identity): t (K,); z (K, 6) site-ENU
        position and velocity, mask (K, 6) the parts present (measurement.prepare_reports);
        ident (K,); alt (K,) the reported altitude (m). A report without altitude or horizontal
        velocity is no reference (its slant range or its time Jacobian would be guessed)."""
        if sensor not in self.ref_sigma or not self.radars:
            return
        ok = mask[:, 0] & mask[:, 1] & mask[:, 2] & mask[:, 3] & mask[:, 4]
        ident, t, z, alt = ident[ok], t[ok], z[ok], alt[ok]
        if len(ident) == 0:
            return
        slot = self._lookup(ident)
        new = slot < 0
        if new.any():
            slot[new] = self._allocate(int(new.sum()))
            self._t[slot[new]] = -np.inf
        newer = t >= self._t[slot]
        s = slot[newer]
        self._id[s] = ident[newer]
        self._t[s] = t[newer]
        self._p[s] = z[newer, :3]
        self._v[s] = z[newer, 3:]  # a missing vertical rate is 0 (prepare_reports)
        self._alt[s] = alt[newer]
        self._sig[s] = self.ref_sigma[sensor]
        now = float(t.max())
        if now >= self._t_forget + 10.0:  # expiry: a bounded store whatever the traffic
            self._t_forget = now
            self._id[(self._id >= 0) & (self._t < now - self.settings.forget_s)] = -1

    # ------------------------------------------------------------------ plots
    def correct(
        self, sensor: int, t: FloatArray, r: FloatArray, az: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The plots of radar `sensor` with its applied biases taken out: (time s, range m,
        azimuth rad). Unchanged while its estimate is not applied."""
        rad = self.radars.get(sensor)
        if rad is None or not rad.applied:
            return t, r, az
        b = rad.b
        return t - b[2], r - b[0], np.mod(az - b[1], 2 * np.pi)

    def observe_plots(
        self,
        g: SensorGeometry,
        t: FloatArray,
        r: FloatArray,
        az: FloatArray,
        el: FloatArray,
        alt: FloatArray,
        pid: IntArray,
        pp: FloatArray,
    ) -> None:
        """Pair one radar's plots (as stamped: t, r, az, el elevation rad or NaN, alt Mode C or
        NaN, pid Mode S address or -1) with ADS-B references and update its estimate.
        pp (K, 3): the plots in site ENU after correction, for the pre-gate."""
        rad = self.radars.get(g.index)
        if rad is None or len(t) == 0:
            return
        st = self.settings
        rad.batches += 1
        if rad.known and rad.batches % st.known_every:
            return  # well known: refreshed from every known_every-th batch only (it costs)
        t_lo, t_hi = float(t.min()), float(t.max())
        t_mid, span = 0.5 * (t_lo + t_hi), t_hi - t_lo
        fresh = np.flatnonzero((self._id >= 0) & (np.abs(self._t - t_mid) <= st.max_report_age_s + span))
        # ... and within the radar's reach (a short-range radar then costs next to nothing)
        o = g.at(self.frame, np.array([t_mid]))[0][0]
        radius = rad.radius
        d = self._p[fresh, :2] - o[:2]
        fresh = fresh[np.einsum("ij,ij->i", d, d) < rad.reach**2]
        if len(fresh) == 0:
            return
        K = len(t)
        cand = np.full((K, 3), -1, np.int64)
        by_id = pid >= 0
        if by_id.any():  # the plot names its aircraft (Mode S)
            slot = self._lookup(pid[by_id])
            cand[by_id, 0] = np.where(np.isin(slot, fresh), slot, -1)
        rest = np.flatnonzero(~by_id)
        if len(rest):
            # the three nearest within the radius (a plot batch and the references near one radar
            # are tens to hundreds: all distances cost less than building a tree)
            at_mid = self._p[fresh, :2] + self._v[fresh, :2] * (t_mid - self._t[fresh])[:, None]
            d2 = ((pp[rest, None, :2] - at_mid[None]) ** 2).sum(axis=-1)  # (plots, references)
            k = min(3, len(fresh))
            nn = (
                np.argpartition(d2, k - 1, axis=1)[:, :k]
                if len(fresh) > k
                else np.tile(np.arange(k), (len(rest), 1))
            )
            near = np.take_along_axis(d2, nn, axis=1) <= (radius + MAX_SPEED_MPS * span) ** 2
            cand[rest, :k] = np.where(near, fresh[nn], -1)
        d2, y, H, R = self._pairs(g, t, r, az, el, alt, cand, rad)
        best = np.argmin(d2, axis=1)
        d2_best = d2[np.arange(K), best]
        inside = d2 < st.gate_d2
        ok = inside[np.arange(K), best] & (inside.sum(axis=1) == 1)
        self.counts["ambiguous"] += int((inside.sum(axis=1) > 1).sum())
        self.counts["outside_gate"] += int(((cand >= 0).any(axis=1) & ~inside.any(axis=1)).sum())
        chosen = cand[np.arange(K), best]
        n_used = np.bincount(chosen[ok], minlength=len(self._id))
        twice = ok & (n_used[np.maximum(chosen, 0)] > 1)
        self.counts["ambiguous"] += int(twice.sum())
        ok &= ~twice
        if not ok.any():
            return
        sel = np.flatnonzero(ok)
        y, H, R = y[sel, best[sel]], H[sel, best[sel]], R[sel, best[sel]]
        w = bias.huber(d2_best[sel], st.huber_k)
        t_now = float(t.max())
        lam = float(np.exp(-max(t_now - rad.t, 0.0) / st.memory_s)) if np.isfinite(rad.t) else 1.0
        rad.L, rad.e = bias.accumulate(rad.L, rad.e, lam, y, H, R, w)
        sector = (np.mod(az[sel], 2 * np.pi) / (2 * np.pi / SECTORS)).astype(np.int64) % SECTORS
        rad.sectors = lam * rad.sectors + np.bincount(sector, weights=w, minlength=SECTORS)
        rad.t = t_now
        rad.b, rad.Pb = bias.solve(rad.L, rad.e, self._L0)
        self.counts["pairs"] += len(sel)
        self._judge(rad)

    def _pairs(
        self,
        g: SensorGeometry,
        t: FloatArray,
        r: FloatArray,
        az: FloatArray,
        el: FloatArray,
        alt: FloatArray,
        cand: IntArray,
        rad: _Radar,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """For K plots x C candidate references: d^2 (K, C) (inf: no candidate), residuals y
        (K, C, 2), Jacobians H (K, C, 3), noise R (K, C, 2, 2). Until its estimate is observable,
        a radar's pairings are gated against the prior (zero bias, prior sigmas), so that a few
        early wrong pairings cannot pull the gate away from the right ones."""
        st = self.settings
        K, C = cand.shape
        o, Mr = g.at(self.frame, t)
        o_v = np.zeros((K, 3))
        if g.moving:  # the antenna's own velocity, for the rates seen from it
            o_v = (g.at(self.frame, t + 0.5)[0] - g.at(self.frame, t - 0.5)[0]).copy()
        kk, cc = np.nonzero(cand >= 0)
        s = cand[kk, cc]
        dt = t[kk] - self._t[s]
        ref_p = self._p[s] + self._v[s] * dt[:, None]
        y, H, rho, el_ref = bias.residuals(r[kk], az[kk], ref_p, self._v[s], o[kk], Mr[kk], o_v[kk])
        spec = g.spec
        sr2 = spec.sigma_range_m**2  # type: ignore[union-attr]
        sa2 = np.radians(spec.sigma_azimuth_deg) ** 2  # type: ignore[union-attr]
        q2 = self._sig[s] ** 2 + st.model_sigma_m**2
        R = np.zeros((len(s), 2, 2))
        R[:, 0, 0] = sr2 + q2
        R[:, 1, 1] = sa2 + q2 / rho**2
        b, Pb = (rad.b, rad.Pb) if rad.observable else (np.zeros(3), self._P0)
        d2 = bias.normalised(y, H, R, b, Pb)
        # the height must agree: Mode C with the reference's altitude, or a 3-D radar's elevation
        # (NaN, not measured: not judged)
        bad = np.abs(alt[kk] - self._alt[s]) > st.max_alt_diff_m
        bad |= np.abs(el[kk] - el_ref) > np.arctan2(st.max_alt_diff_m, np.maximum(rho, 1.0))
        d2[bad] = np.inf
        D2 = np.full((K, C), np.inf)
        D2[kk, cc] = d2
        Y = np.zeros((K, C, 2))
        Y[kk, cc] = y
        HH = np.zeros((K, C, 2, 3))
        HH[kk, cc] = H
        RR = np.tile(np.eye(2), (K, C, 1, 1))
        RR[kk, cc] = R
        return D2, Y, HH, RR

    def _judge(self, rad: _Radar) -> None:
        """Applied while observable — marginal sigmas under the ready ones (twice them once applied,
        so that it does not flicker), from pairings in enough azimuth sectors — and significant."""
        sig = np.sqrt(np.diag(rad.Pb))
        lim = self._ready * (2.0 if rad.observable else 1.0)
        spread = int((rad.sectors >= 1.0).sum()) >= self.settings.min_sectors
        rad.observable = known = spread and bool((sig <= lim).all())
        rad.known = known and bool((sig <= 0.5 * self._ready).all())
        # a bias consistent with zero is not applied: correcting by the estimate's noise only adds it
        d2 = float(rad.b @ np.linalg.solve(rad.Pb, rad.b))
        rad.applied = known and d2 >= self.settings.significant_d2

    def expire(self, t: float) -> None:
        """At time t: a radar whose estimate has decayed without pairings is no longer applied."""
        for rad in self.radars.values():
            # a minute without pairings changes nothing worth a matrix inverse each window
            if rad.observable and np.isfinite(rad.t) and t > rad.t + 60.0:
                lam = float(np.exp(-(t - rad.t) / self.settings.memory_s))
                Pb = np.linalg.inv(lam * rad.L + self._L0)
                sig = np.sqrt(np.diag(Pb))
                if (sig > 2.0 * self._ready).any():
                    rad.applied = rad.known = rad.observable = False

    def lateness(self) -> float:
        """How much older than its stamp a plot is, at most over the radars (s, >= 0): the applied
        time offsets. A radar that stamps late delivers each plot that much after the instant it
        describes, so a track it updates looks that much staler at a picture's time."""
        late = [rad.b[2] for rad in self.radars.values() if rad.applied]
        return max(0.0, *late) if late else 0.0

    # ------------------------------------------------------------------ output
    def estimates(self) -> list[RadarBias]:
        """Every radar's estimate, in sensor order."""
        out = []
        for i, rad in self.radars.items():
            sig = np.sqrt(np.diag(rad.Pb))
            out.append(
                RadarBias(
                    sensor=self.geo[i].spec.id,
                    range_m=float(rad.b[0]),
                    azimuth_deg=float(np.degrees(rad.b[1])),
                    time_s=float(rad.b[2]),
                    sigma_range_m=float(sig[0]),
                    sigma_azimuth_deg=float(np.degrees(sig[1])),
                    sigma_time_s=float(sig[2]),
                    pairs=float(rad.sectors.sum()),
                    sectors=int((rad.sectors >= 1.0).sum()),
                    applied=rad.applied,
                    last_pair_s=float(rad.t) if np.isfinite(rad.t) else float("nan"),
                )
            )
        return out


__all__ = ["BiasRegistration", "RadarBias"]
