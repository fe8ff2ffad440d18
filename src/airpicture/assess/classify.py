"""Bayesian classification of tracks: aircraft / drone / bird (else "unknown").

The log-likelihood of each kind (aircraft, drone, bird) is recomputed every picture from the
track's evidence state (features.py), so it needs no per-track memory of its own:

  detection   for each radar s: hits_s * log pd_s(kind) + misses_s * log(1 - pd_s(kind)), hits and
              misses being the plots and the missed scans in the radar's coverage, faded over
              detect_memory_s; pd from the sensor's spec sheet (sensors.json), clipped to
              [pd_floor, 1 - pd_floor]. A long-range radar whose `pd` lists only aircraft thus
              counts against drones and birds when it sees the track, and against aircraft each
              scan it does not: no sensor-specific rule, any sensor set works. Birds often fly in
              flocks, and a flock of k echoes is seen with 1 - (1 - pd)^k: the bird likelihood is
              a mixture of a lone bird and (flock_share) a flock of flock_size.
  kinematics  w * [log c(speed | kind) + log c(height above site | kind) + log p(wander | kind)],
              w = min(age / kinematic_tau_s, kinematic_max_looks): the smoothed features of an
              older track are worth a few looks, never more (looks at one flight are not
              independent). c is a compatibility: 1 over the range a kind can fly, Gaussian
              fall-off outside, so an overlap says nothing and only the implausible counts (a bird
              at 30 m/s, an aircraft at 5 m/s).
  identity    an ICAO address adds ident_weight to aircraft, a Remote ID to drone; a transponder
              altitude (Mode C) without Remote ID adds mode_c_weight to aircraft.

The detection term is bounded to llr_clip nats between kinds. The posterior is
softmax(log prior + detection + kinematics + identity); the class shown is its most probable
kind, "unknown" when that probability is below unknown_below_p.

The likelihoods are hand-set from physics, not fitted (see `KINEMATICS`, `WANDER`).
"""

from __future__ import annotations

import numpy as np

from airpicture.assess.base import AssessSettings
from airpicture.assess.features import Features, SensorSheet
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray, Picture

#: Kind order of the likelihood columns; codes into types.CLASSES.
KINDS = ("aircraft", "drone", "bird")
KIND_CODES = np.array([1, 2, 3], dtype=np.int8)

#: Compatibility plateaus (lo, hi, sigma below lo, sigma above hi) per kind and feature, with why.
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

#: Heading wander w = 1 - |mean unit heading| over ~20 s (features.py), as a mixture per kind:
#: (share flying straight legs, mean w on a leg, share wandering, median w when wandering).
#: Drones and aircraft fly legs (w ~ 0: heading noise only) with turns or circles between; birds'
#: headings random-walk (~10 deg/sqrt(s)): over the 20 s average w ~ 1 - 1/(1 + s²tau/2) ~ 0.25,
#: and they sometimes glide straight.
WANDER: dict[str, tuple[float, float, float, float]] = {
    "aircraft": (0.6, 0.02, 0.4, 0.3),
    "drone": (0.6, 0.02, 0.4, 0.3),
    "bird": (0.3, 0.02, 0.7, 0.25),
}


def wander_logpdf(w: FloatArray, legs: float, leg_mean: float, wandering: float, median: float) -> FloatArray:
    """log of legs * Exp(leg_mean) + wandering * LogNormal(median, 0.9)."""
    w = np.clip(w, 1e-4, 1.0)
    z = np.log(w / median) / 0.9
    lognorm = np.exp(-0.5 * z * z) / (w * 0.9 * np.sqrt(2 * np.pi))
    return np.log(legs * np.exp(-w / leg_mean) / leg_mean + wandering * lognorm + 1e-3)


def plateau_logc(v: FloatArray, lo: float, hi: float, s_lo: float, s_hi: float) -> FloatArray:
    """Log compatibility: 0 on [lo, hi], half-Gaussian fall-off outside."""
    below = np.maximum(lo - v, 0.0) / s_lo
    above = np.maximum(v - hi, 0.0) / s_hi
    return -0.5 * (below**2 + above**2)


def kinematic_loglik(f: Features, wander_weight: FloatArray | float = 1.0) -> FloatArray:
    """(N, 3) log p(features | kind) for one look; wander_weight (N,) scales the heading term."""
    out = np.zeros((len(f.speed), 3))
    h = np.where(f.height_ok, f.height, 0.0)
    for k, kind in enumerate(KINDS):
        out[:, k] += plateau_logc(f.speed, *KINEMATICS["speed"][kind])
        out[:, k] += np.where(f.height_ok, plateau_logc(h, *KINEMATICS["height"][kind]), 0.0)
        out[:, k] += wander_weight * wander_logpdf(f.wander, *WANDER[kind])
    return out


def identity_loglik(
    ident: IntArray, mode_c: BoolArray, s: AssessSettings, uav: BoolArray | None = None
) -> FloatArray:
    """(N, 3) evidence of cooperative identity and transponder altitude. `uav`: the ICAO address
    broadcasts the UAV emitter category (ADS-B B6), which makes it a drone's, not an aircraft's."""
    out = np.zeros((len(ident), 3))
    uav = np.zeros(len(ident), bool) if uav is None else np.asarray(uav, bool)
    icao = (ident >= 0) & (ident < (1 << 24)) & ~uav
    out[:, 1] += np.where(uav, s.ident_weight, 0.0)
    rid = (ident >= 0) & ((ident & REMOTEID_BIT) != 0)
    out[:, 0] += np.where(icao, s.ident_weight, 0.0)
    out[:, 1] += np.where(rid, s.ident_weight, 0.0)
    out[:, 0] += np.where(np.asarray(mode_c, bool) & ~rid, s.mode_c_weight, 0.0)
    return out


class BayesClassifier:
    """Turns each picture's evidence state into classes; `update` fills picture.cls / cls_p."""

    def __init__(self, sheet: SensorSheet, settings: AssessSettings | None = None) -> None:
        self.s = settings or AssessSettings()
        self.sheet = sheet
        pd = np.clip(sheet.pd, self.s.pd_floor, 1.0 - self.s.pd_floor)
        self.log_pd = np.where(sheet.radar[:, None], np.log(pd), 0.0)  # (S, 3)
        self.log_miss = np.where(sheet.radar[:, None], np.log1p(-pd), 0.0)
        flock = np.clip(
            1.0 - (1.0 - sheet.pd[:, 2]) ** self.s.flock_size, self.s.pd_floor, 1.0 - self.s.pd_floor
        )
        self.log_pd_flock = np.where(sheet.radar, np.log(flock), 0.0)  # (S,)
        self.log_miss_flock = np.where(sheet.radar, np.log1p(-flock), 0.0)
        prior = np.array([self.s.prior_aircraft, self.s.prior_drone, self.s.prior_bird])
        self.log_prior = np.log(prior / prior.sum())

    def detection_loglik(self, f: Features) -> FloatArray:
        """(N, 3) log p(hits, misses | kind), bounded to llr_clip below the best kind; the bird
        column is the mixture of a lone bird and a flock."""
        L = f.hits @ self.log_pd + f.misses @ self.log_miss
        flock = f.hits @ self.log_pd_flock + f.misses @ self.log_miss_flock
        w = self.s.flock_share
        L[:, 2] = np.logaddexp(np.log1p(-w) + L[:, 2], np.log(w) + flock)
        return np.maximum(L - L.max(axis=1, keepdims=True), -self.s.llr_clip)

    def update(self, pic: Picture, f: Features) -> FloatArray:
        """Fill pic.cls / pic.cls_p; returns the posterior (N, 3) over KINDS."""
        looks = np.minimum(f.age_s / self.s.kinematic_tau_s, self.s.kinematic_max_looks)
        # heading wander needs its averaging time (~20 s) before it means anything
        settled = np.clip((f.age_s - 10.0) / 20.0, 0.0, 1.0)
        logp = self.log_prior + self.detection_loglik(f) + looks[:, None] * kinematic_loglik(f, settled)
        uav_ids = np.fromiter((k for k, v in pic.info.items() if v.get("uav")), np.int64)
        logp += identity_loglik(pic.ident, pic.mode_c, self.s, np.isin(pic.ident, uav_ids))
        post = np.exp(logp - logp.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        best = np.argmax(post, axis=1)
        p = post[np.arange(len(pic)), best]
        pic.cls = np.where(p >= self.s.unknown_below_p, KIND_CODES[best], 0).astype(np.int8)
        pic.cls_p = p
        return post


__all__ = ["KINDS", "KINEMATICS", "WANDER", "BayesClassifier", "identity_loglik", "kinematic_loglik"]
