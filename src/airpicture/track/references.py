"""ADS-B aircraft as references for sensor registration (registration.py): their last reports, and
the pairing of a radar's plots with them.

A radar plot is compared with the report of its aircraft moved to the plot's time. Which
aircraft: the plot's Mode S address when it carries one; else, for a plot with a height (Mode C
or elevation), the ADS-B aircraft near it, when
exactly one lies inside the gate of the current estimate (a plot with two candidates, or two
plots wanting one aircraft, teach nothing and are counted as ambiguous). Mode C must agree with
the reference's altitude. Identities not heard for `forget_s` are dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np

from airpicture.config import RegistrationSettings
from airpicture.geo import EnuFrame
from airpicture.track import bias
from airpicture.track.geometry import SensorGeometry
from airpicture.track.keyed import KeyedStore
from airpicture.types import FloatArray, IntArray

#: fastest object a pre-gate allows for between a batch's plots (m/s)
MAX_SPEED_MPS = 350.0


class RadarPlots(NamedTuple):
    """One radar's batch as registration reads it (K plots, as stamped): t, r, az; el elevation
    (rad, NaN: not measured); alt Mode C (m, NaN: none); pid Mode S address (-1: none); pp (K, 3)
    the plots in site ENU after correction (for the pre-gate); o_v (K, 3) the antenna's velocity."""

    t: FloatArray
    r: FloatArray
    az: FloatArray
    el: FloatArray
    alt: FloatArray
    pid: IntArray
    pp: FloatArray
    o_v: FloatArray


class Pairings(NamedTuple):
    """Plots paired with a reference: sel (J,) the plots; y (J, 2); H (J, 2, 3) their radar's
    block; R (J, 2, 2); d2 (J,) normalised against the estimate the gate used."""

    sel: IntArray
    y: FloatArray
    H: FloatArray
    R: FloatArray
    d2: FloatArray


def antenna_velocity(g: SensorGeometry, frame: EnuFrame, t: FloatArray) -> FloatArray:
    """(K, 3) the antenna's velocity at times t (zero for a fixed radar): the rates seen from it."""
    if not g.moving:
        return np.zeros((len(t), 3))
    return np.asarray(g.at(frame, t + 0.5)[0] - g.at(frame, t - 0.5)[0])


class AdsbReferences:
    """The last ADS-B report per identity. ref_sigma: receiver index -> its position sigma (m);
    counts: where pairings that teach nothing are counted (ambiguous, outside_gate)."""

    def __init__(
        self, settings: RegistrationSettings, ref_sigma: dict[int, float], counts: Counter[str]
    ) -> None:
        self.settings = settings
        self.ref_sigma = ref_sigma
        self.store = KeyedStore({"p": (3,), "v": (3,), "alt": (), "sig": ()})
        self.counts = counts
        self._t_forget = -np.inf

    def observe(
        self, sensor: int, t: FloatArray, z: FloatArray, mask: np.ndarray, ident: IntArray, alt: FloatArray
    ) -> None:
        """One receiver's ADS-B reports (at most one per identity): t (K,); z (K, 6) site-ENU
        position and velocity, mask (K, 6) the parts present (measurement.prepare_reports);
        ident (K,); alt (K,) the reported altitude (m). A report without altitude or horizontal
        velocity is no reference (its slant range or its time Jacobian would be guessed)."""
        if sensor not in self.ref_sigma:
            return
        ok = mask[:, 0] & mask[:, 1] & mask[:, 2] & mask[:, 3] & mask[:, 4]
        ident, t, z, alt = ident[ok], t[ok], z[ok], alt[ok]
        if len(ident) == 0:
            return
        newer, s = self.store.put(ident, t)
        col = self.store.col
        col["p"][s] = z[newer, :3]
        col["v"][s] = z[newer, 3:]  # a missing vertical rate is 0 (prepare_reports)
        col["alt"][s] = alt[newer]
        col["sig"][s] = self.ref_sigma[sensor]
        now = float(t.max())
        if now >= self._t_forget + 10.0:  # expiry: a bounded store whatever the traffic
            self._t_forget = now
            self.store.expire(now - self.settings.forget_s)

    def pair(
        self,
        g: SensorGeometry,
        frame: EnuFrame,
        pl: RadarPlots,
        reach: tuple[float, float],
        estimate: tuple[FloatArray, FloatArray],
    ) -> Pairings | None:
        """Radar g's plots paired with references. reach: (pre-gate radius around a plot, the
        furthest reference from the antenna looked at) m; estimate: (b (3,), Pb (3, 3)) the gate
        is drawn around."""
        st = self.settings
        radius, far = reach
        t = pl.t
        t_mid, span = 0.5 * (float(t.min()) + float(t.max())), float(t.max() - t.min())
        ref_t, ref_p, ref_v = self.store.t, self.store.col["p"], self.store.col["v"]
        fresh = np.flatnonzero((self.store.id >= 0) & (np.abs(ref_t - t_mid) <= st.max_report_age_s + span))
        # ... and within the radar's reach (a short-range radar then costs next to nothing)
        o = g.at(frame, np.array([t_mid]))[0][0]
        d = ref_p[fresh, :2] - o[:2]
        fresh = fresh[np.einsum("ij,ij->i", d, d) < far**2]
        if len(fresh) == 0:
            return None
        K = len(t)
        cand = np.full((K, 3), -1, np.int64)
        by_id = pl.pid >= 0
        if by_id.any():  # the plot names its aircraft (Mode S)
            slot = self.store.lookup(pl.pid[by_id])
            cand[by_id, 0] = np.where(np.isin(slot, fresh), slot, -1)
        # a plot with neither an address nor a height is no reference: only its slant range ties
        # it to an aircraft, and a drone or bird at that range under one fits as well (a 2-D site
        # radar's plots paired so taught it a bias of -300 m, which it then applied to everything)
        blind = ~by_id & np.isnan(pl.el) & np.isnan(pl.alt)
        self.counts["without_height"] += int(blind.sum())
        rest = np.flatnonzero(~by_id & ~blind)
        if len(rest):
            # the three nearest within the radius (a plot batch and the references near one radar
            # are tens to hundreds: all distances cost less than building a tree)
            at_mid = ref_p[fresh, :2] + ref_v[fresh, :2] * (t_mid - ref_t[fresh])[:, None]
            d2 = ((pl.pp[rest, None, :2] - at_mid[None]) ** 2).sum(axis=-1)  # (plots, references)
            k = min(3, len(fresh))
            nn = (
                np.argpartition(d2, k - 1, axis=1)[:, :k]
                if len(fresh) > k
                else np.tile(np.arange(k), (len(rest), 1))
            )
            near = np.take_along_axis(d2, nn, axis=1) <= (radius + MAX_SPEED_MPS * span) ** 2
            cand[rest, :k] = np.where(near, fresh[nn], -1)
        d2, y, H, R = self._residuals(g, frame, pl, cand, estimate)
        best = np.argmin(d2, axis=1)
        inside = d2 < st.gate_d2
        ok = inside[np.arange(K), best] & (inside.sum(axis=1) == 1)
        self.counts["ambiguous"] += int((inside.sum(axis=1) > 1).sum())
        self.counts["outside_gate"] += int(((cand >= 0).any(axis=1) & ~inside.any(axis=1)).sum())
        chosen = cand[np.arange(K), best]
        n_used = np.bincount(chosen[ok], minlength=len(self.store.id))
        twice = ok & (n_used[np.maximum(chosen, 0)] > 1)
        self.counts["ambiguous"] += int(twice.sum())
        sel = np.flatnonzero(ok & ~twice)
        if len(sel) == 0:
            return None
        bs = best[sel]
        return Pairings(sel, y[sel, bs], H[sel, bs], R[sel, bs], d2[sel, bs])

    def _residuals(
        self,
        g: SensorGeometry,
        frame: EnuFrame,
        pl: RadarPlots,
        cand: IntArray,
        estimate: tuple[FloatArray, FloatArray],
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """For K plots x C candidate references: d^2 (K, C) (inf: no candidate), residuals y
        (K, C, 2), Jacobians H (K, C, 2, 3), noise R (K, C, 2, 2)."""
        st = self.settings
        K, C = cand.shape
        o, Mr = g.at(frame, pl.t)
        kk, cc = np.nonzero(cand >= 0)
        s = cand[kk, cc]
        col = self.store.col
        dt = pl.t[kk] - self.store.t[s]
        ref_p = col["p"][s] + col["v"][s] * dt[:, None]
        y, H, rho, el_ref = bias.residuals(pl.r[kk], pl.az[kk], ref_p, col["v"][s], o[kk], Mr[kk], pl.o_v[kk])
        spec = g.spec
        sr2 = spec.sigma_range_m**2  # type: ignore[union-attr]
        sa2 = np.radians(spec.sigma_azimuth_deg) ** 2  # type: ignore[union-attr]
        q2 = col["sig"][s] ** 2 + st.model_sigma_m**2
        R = np.zeros((len(s), 2, 2))
        R[:, 0, 0] = sr2 + q2
        R[:, 1, 1] = sa2 + q2 / rho**2
        d2 = bias.normalised(y, H, R, *estimate)
        # the height must agree: Mode C with the reference's altitude, or a 3-D radar's elevation
        # (NaN, not measured: not judged)
        bad = np.abs(pl.alt[kk] - col["alt"][s]) > st.max_alt_diff_m
        bad |= np.abs(pl.el[kk] - el_ref) > np.arctan2(st.max_alt_diff_m, np.maximum(rho, 1.0))
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


__all__ = ["AdsbReferences", "Pairings", "RadarPlots", "antenna_velocity"]
