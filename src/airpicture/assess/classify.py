"""Recursive Bayesian classification of tracks: aircraft / drone / bird (else "unknown").

Each track keeps log-likelihoods L (N, 3) for (aircraft, drone, bird). Every picture adds

  detection   for each radar s in whose coverage the track is: new plots * log pd_s(kind)
              + missed scans * log(1 - pd_s(kind)), pd from the sensor's spec sheet (sensors.json),
              clipped to [pd_floor, 1 - pd_floor]. A long-range radar whose `pd` lists only aircraft
              thus counts against drones and birds each time it sees the track, and against
              aircraft each scan it does not: no sensor-specific rule, any sensor set works.
  kinematics  (dt / kinematic_tau_s) * [log p(speed | kind) + log p(height above site | kind)
              + log p(erratic-ness | kind)]: repeated looks at the same flight are not independent,
              so they count as one look per tau.

L is re-centred and clipped to [-llr_clip, 0] so a class can still change. Identity is state, not
accumulated: an ICAO address adds ident_weight to aircraft, a Remote ID to drone; a transponder
altitude (Mode C) without Remote ID adds mode_c_weight to aircraft. The posterior is
softmax(log prior + L + identity). The class shown is its most probable kind, "unknown" when that
probability is below unknown_below_p.

The kinematic likelihoods are hand-set from physics, not fitted (see `KINEMATICS`).
"""

from __future__ import annotations

import numpy as np

from airpicture.assess.base import AssessSettings
from airpicture.assess.features import Features, SensorSheet, rekey, take_rows
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray, Picture

#: Kind order of the likelihood columns; codes into types.CLASSES.
KINDS = ("aircraft", "drone", "bird")
KIND_CODES = np.array([1, 2, 3], dtype=np.int8)

#: Plateau densities (lo, hi, sigma below lo, sigma above hi) per kind and feature, with why.
KINEMATICS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    # horizontal speed, m/s: fixed wings fly above stall (~30 m/s), helicopters slower (soft edge);
    # small drones cruise up to ~25 m/s (fast fixed-wing drones 35); birds 5-15, rarely above 20
    "speed": {
        "aircraft": (30.0, 300.0, 15.0, 60.0),
        "drone": (0.0, 25.0, 1.0, 10.0),
        "bird": (0.0, 15.0, 1.0, 5.0),
    },
    # height above the site, m: aircraft are rarely this low away from runways; drones are kept
    # below ~120-400 m; most birds fly below 300 m
    "height": {
        "aircraft": (150.0, 13000.0, 150.0, 1000.0),
        "drone": (-30.0, 400.0, 30.0, 300.0),
        "bird": (-30.0, 300.0, 30.0, 200.0),
    },
}

#: Mean of the erratic-ness feature (|dv|/dt, m/s², exponentially weighted) per kind: aircraft
#: and drones fly smooth legs; birds flap and wander. Exponential likelihood with this mean.
ERRATIC_MEAN = {"aircraft": 0.6, "drone": 0.6, "bird": 1.2}


def plateau_logpdf(v: FloatArray, lo: float, hi: float, s_lo: float, s_hi: float) -> FloatArray:
    """Log density flat on [lo, hi] with half-Gaussian shoulders (normalised)."""
    norm = (hi - lo) + (s_lo + s_hi) * np.sqrt(np.pi / 2)
    below = np.maximum(lo - v, 0.0) / s_lo
    above = np.maximum(v - hi, 0.0) / s_hi
    return -np.log(norm) - 0.5 * (below**2 + above**2)


def kinematic_loglik(f: Features) -> FloatArray:
    """(N, 3) log p(features | kind) for one look."""
    out = np.zeros((len(f.speed), 3))
    for k, kind in enumerate(KINDS):
        out[:, k] += plateau_logpdf(f.speed, *KINEMATICS["speed"][kind])
        h = np.where(f.height_ok, f.height, 0.0)
        out[:, k] += np.where(f.height_ok, plateau_logpdf(h, *KINEMATICS["height"][kind]), 0.0)
        m = ERRATIC_MEAN[kind]
        out[:, k] += -np.log(m) - f.accel / m
    return out


def identity_loglik(ident: IntArray, mode_c: BoolArray, s: AssessSettings) -> FloatArray:
    """(N, 3) evidence of cooperative identity and transponder altitude."""
    out = np.zeros((len(ident), 3))
    icao = (ident >= 0) & (ident < (1 << 24))
    rid = (ident >= 0) & ((ident & REMOTEID_BIT) != 0)
    out[:, 0] += np.where(icao, s.ident_weight, 0.0)
    out[:, 1] += np.where(rid, s.ident_weight, 0.0)
    out[:, 0] += np.where(np.asarray(mode_c, bool) & ~rid, s.mode_c_weight, 0.0)
    return out


class BayesClassifier:
    """Keeps L (N, 3) per track id; `update` fills picture.cls / cls_p and returns the posterior."""

    def __init__(self, sheet: SensorSheet, settings: AssessSettings | None = None) -> None:
        self.s = settings or AssessSettings()
        self.sheet = sheet
        pd = np.clip(sheet.pd, self.s.pd_floor, 1.0 - self.s.pd_floor)
        self.log_pd = np.where(sheet.radar[:, None], np.log(pd), 0.0)  # (S, 3)
        self.log_miss = np.where(sheet.radar[:, None], np.log1p(-pd), 0.0)
        prior = np.array([self.s.prior_aircraft, self.s.prior_drone, self.s.prior_bird])
        self.log_prior = np.log(prior / prior.sum())
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.L = np.zeros((0, 3))

    def update(self, pic: Picture, f: Features) -> FloatArray:
        """Add one picture's evidence; returns the posterior (N, 3) over KINDS."""
        ids = np.asarray(pic.track, dtype=np.int64)
        known, old = rekey(self.ids, ids)
        self.L, self.ids = take_rows(self.L, known, old), ids.copy()
        dL = f.new_hits @ self.log_pd + f.new_misses @ self.log_miss
        dL += (f.dt / self.s.kinematic_tau_s)[:, None] * kinematic_loglik(f)
        L = self.L + dL
        self.L = np.clip(L - L.max(axis=1, keepdims=True), -self.s.llr_clip, 0.0)
        logp = self.log_prior + self.L + identity_loglik(pic.ident, pic.mode_c, self.s)
        post = np.exp(logp - logp.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        best = np.argmax(post, axis=1)
        p = post[np.arange(len(ids)), best]
        pic.cls = np.where(p >= self.s.unknown_below_p, KIND_CODES[best], 0).astype(np.int8)
        pic.cls_p = p
        return post


__all__ = ["ERRATIC_MEAN", "KINDS", "KINEMATICS", "BayesClassifier", "identity_loglik", "kinematic_loglik"]
