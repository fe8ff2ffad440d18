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
              a mixture of a lone bird and (flock_share) a flock. And one object gives one plot a
              scan, a flock several: the share of a track's radar detections in which it gated
              more than one plot (crowd) is Beta(1, 1/crowd_p_lone - 1) for one object (clutter)
              and uniform for several (a flock's members come and go). A flock is seen as several
              objects, its track's plots echoing a group of its birds each scan (of one of the
              flock_groups sizes: how big a flock is and how it spreads, no sheet says), unless
              (flock_merged_share) the radar merges it into one plot a scan (flock_size birds);
              an aircraft or drone as one object, unless (crowd_share) in formation, a swarm or
              beside another. So a crowd, however clear, moves drone against bird by at most about
              log(flock_share / crowd_share).
  kinematics  w * [log c(speed | kind) + log c(height above site | kind) + log p(wander | kind)]
              (wander: how much the heading's turn changes over 10 s; no evidence until known),
              w = min(age / kinematic_tau_s, kinematic_max_looks): the smoothed features of an
              older track are worth a few looks, never more (looks at one flight are not
              independent). c is a compatibility: 1 over the range a kind can fly, Gaussian
              fall-off outside, so an overlap says nothing and only the implausible counts (a bird
              at 30 m/s, an aircraft at 5 m/s); a kind that flies two ways is a mixture (an
              aircraft at 20 m/s is a rotorcraft's, a tenth of the traffic). A track's speed or
              height is now and then wrong (a clutter plot or a flock member taken in): with
              kinematic_outlier_p, c never falls below that share, so one implausible value is
              worth ~4.6 nats a look, not hundreds. A speed's fall-off is at least the track's
              own speed sigma (features.speed_sd): a new track's first plots say little.
  identity    an ICAO address adds ident_weight to aircraft, a Remote ID to drone; a transponder
              altitude (Mode C) without Remote ID adds mode_c_weight to aircraft. And silence: a
              track without either, within an ADS-B receiver's range and radio horizon, is an
              aircraft only if that aircraft has no ADS-B Out (adsb_unheard_share) or each of its
              broadcasts since the track began was lost (p_loss ** (age / update period) from the
              receiver's sheet): log(q + (1 - q) p_loss ** n) for aircraft (adsb_silence).

The detection term is bounded to llr_clip nats between kinds. The posterior is
softmax(log prior + detection + kinematics + identity); the class shown is its most probable
kind, "unknown" when that probability is below unknown_below_p.

The likelihoods are hand-set from physics, not fitted (see `KINEMATICS`, `WANDER`). The whole
posterior is one compiled pass over the picture's rows (kernels.classify).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airpicture.assess import kernels
from airpicture.assess.base import AssessSettings
from airpicture.assess.features import Features, SensorSheet
from airpicture.assess.memory import ClassMemory
from airpicture.geo import geodetic_to_enu
from airpicture.sensors import AdsbSheet, radar_horizon
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray, ObjectClass, Picture

#: The kinds of the likelihood columns, in order: their ObjectClass codes and labels.
KIND_CLASSES = (ObjectClass.AIRCRAFT, ObjectClass.DRONE, ObjectClass.BIRD)
KINDS = tuple(k.label for k in KIND_CLASSES)
KIND_CODES = np.array(KIND_CLASSES, dtype=np.int8)
#: The log-likelihood terms of each kind, in the order of Picture.cls_terms' middle axis.
TERMS = ("prior", "detection", "speed", "height", "wander", "identity", "behaviour")

#: Compatibility per kind and feature: a mixture of plateaus, each (share, lo, hi, sigma below lo,
#: sigma above hi), with why. A kind that flies two ways (aircraft: fixed wings and rotorcraft) has
#: two components, so a value only the rarer way explains costs log(its share), not nothing.
KINEMATICS: dict[str, dict[str, tuple[tuple[float, float, float, float, float], ...]]] = {
    # horizontal speed, m/s: fixed wings fly above stall (light aircraft stall at ~25 m/s, few
    # cruise below 30; the soft edge is the speed estimate's noise and slow flight), rotorcraft at
    # any speed but are a minority of the traffic (~10 %); small drones cruise up to ~25 m/s (fast
    # fixed-wing drones 35) and multirotors hover; birds fly 5-15, rarely above 20, and few can
    # hover: a track that stays below ~4 m/s is no bird
    "speed": {
        "aircraft": ((0.9, 30.0, 300.0, 5.0, 60.0), (0.1, 0.0, 90.0, 1.0, 30.0)),
        "drone": ((1.0, 0.0, 25.0, 1.0, 10.0),),
        "bird": ((1.0, 4.0, 15.0, 1.5, 5.0),),
    },
    # height above the site, m: aircraft are rarely this low away from runways; drones are kept
    # below ~120-400 m; most birds fly below 300 m
    "height": {
        "aircraft": ((1.0, 150.0, 13000.0, 150.0, 1000.0),),
        "drone": ((1.0, -30.0, 400.0, 30.0, 300.0),),
        "bird": ((1.0, -30.0, 300.0, 30.0, 200.0),),
    },
}
#: the most components a kind's compatibility has (the kernel's array is padded with share 0)
_COMPONENTS = 2


def _plateau_table() -> FloatArray:
    """KINEMATICS as the kernel's (3 kinds, 2 features, _COMPONENTS, 5) array [log share, lo, hi,
    sigma lo, sigma hi]; a missing component has log share -inf."""
    out = np.zeros((len(KINDS), 2, _COMPONENTS, 5))
    out[..., 0] = -np.inf
    out[..., 3:] = 1.0
    for k, kind in enumerate(KINDS):
        for j, feature in enumerate(("speed", "height")):
            for c, (share, *plateau) in enumerate(KINEMATICS[feature][kind]):
                out[k, j, c] = (np.log(share), *plateau)
    return out


#: Heading wander w: the median change of the turn from one 10 s lag to the next (features.py,
#: kernels._wander_stat), rad. Every kind flies legs (w at the heading noise: LogNormal(0.15, 0.8))
#: or wanders (LogNormal(0.6, 0.6)); only the shares differ by kind: (share of legs, then the two
#: components' median and log-sigma). A bird's heading random-walks: at ~10 deg/sqrt(s) the second
#: difference over 10 s has sigma ~0.8 rad, median |.| ~0.5 (measured on tracks of both scenario
#: generators: birds 0.5-1.0, 10th-90th percentile; drones between waypoints 0.08-0.44, loiter
#: circles ~0.1). Birds that glide or migrate fly straight and craft flown by hand wander, so the
#: minority shares bound one look's ratio: bird against drone within log(0.3 / 0.85) and
#: log(0.7 / 0.15). Shared components: how straight a sensor sees a leg is the sensor's noise, not
#: the kind's.
WANDER: dict[str, tuple[float, float, float, float, float]] = {
    "aircraft": (0.95, 0.15, 0.8, 0.6, 0.6),
    "drone": (0.85, 0.15, 0.8, 0.6, 0.6),
    "bird": (0.3, 0.15, 0.8, 0.6, 0.6),
}


def _shares(w: float) -> FloatArray:
    """log [1 - w, w]: the two components of a mixture whose second has the share w."""
    return np.array([np.log1p(-w), np.log(w)]) if w > 0 else np.array([0.0, -np.inf])


def identity_loglik(
    ident: IntArray, mode_c: BoolArray, s: AssessSettings, uav: BoolArray | None = None
) -> FloatArray:
    """(N, 3) evidence of cooperative identity and transponder altitude. `uav`: the ICAO address
    broadcasts the UAV emitter category (ADS-B B6), which makes it a drone's, not an aircraft's."""
    out = np.zeros((len(ident), 3))
    uav = np.zeros(len(ident), bool) if uav is None else np.asarray(uav, bool)
    kernels.identity(
        np.asarray(ident, np.int64),
        np.asarray(mode_c, bool),
        uav,
        s.ident_weight,
        s.mode_c_weight,
        REMOTEID_BIT,
        out,
    )
    return out


#: the receiver's antenna above the ground its sheet's altitude gives, m (a mast; not in the sheet)
_MAST_M = 10.0


def adsb_silence(
    pic: Picture, age_s: FloatArray, receivers: Sequence[AdsbSheet], unheard_share: float
) -> FloatArray:
    """(N,) log P(no ADS-B identity so far | aircraft) for tracks that have neither an identity nor
    a transponder altitude (0 elsewhere, and where no receiver covers the track): an equipped
    aircraft within a receiver's range and radio horizon is heard unless every broadcast of its
    age was lost."""
    out = np.zeros(len(pic))
    silent = (np.asarray(pic.ident) < 0) & ~np.asarray(pic.mode_c, bool)
    if not receivers or not silent.any():
        return out
    lost_log = np.zeros(len(pic))  # log P(every broadcast lost | equipped), over the receivers
    in_reach = np.zeros(len(pic), bool)
    for r in receivers:
        enu = geodetic_to_enu(pic.lat, pic.lon, pic.alt_m, r.lat, r.lon, r.alt_m).reshape(-1, 3)
        horizon = radar_horizon(np.asarray(pic.alt_m, float) - r.alt_m, _MAST_M)
        reach = horizon if r.max_range_m is None else np.minimum(horizon, r.max_range_m)
        covered = np.hypot(enu[:, 0], enu[:, 1]) <= reach
        in_reach |= covered
        n_sent = np.maximum(age_s, 0.0) / r.update_period_s
        lost_log += np.where(covered, n_sent * np.log(max(r.p_loss, 1e-12)), 0.0)
    q, judged = unheard_share, silent & in_reach
    out[judged] = np.logaddexp(np.log(q), np.log1p(-q) + lost_log[judged]) if q < 1 else 0.0
    return out


class BayesClassifier:
    """Turns each picture's evidence state into classes; `update` fills picture.cls / cls_p."""

    def __init__(self, sheet: SensorSheet, settings: AssessSettings | None = None) -> None:
        self.s = settings or AssessSettings()
        self.sheet = sheet
        self.receivers = [r for r in sheet.sheets if isinstance(r, AdsbSheet)]
        pd = np.clip(sheet.pd, self.s.pd_floor, 1.0 - self.s.pd_floor)
        self.log_pd = np.where(sheet.radar[:, None], np.log(pd), 0.0)  # (S, 3)
        self.log_miss = np.where(sheet.radar[:, None], np.log1p(-pd), 0.0)
        flock = np.clip(
            1.0 - (1.0 - sheet.pd[:, 2]) ** self.s.flock_size, self.s.pd_floor, 1.0 - self.s.pd_floor
        )
        self.log_pd_flock = np.where(sheet.radar, np.log(flock), 0.0)  # (S,)
        self.log_miss_flock = np.where(sheet.radar, np.log1p(-flock), 0.0)
        sizes = np.asarray(self.s.flock_groups, np.float64)[:, None]
        groups = np.clip(1.0 - (1.0 - sheet.pd[None, :, 2]) ** sizes, self.s.pd_floor, 1.0 - self.s.pd_floor)
        self.log_pd_groups = np.where(sheet.radar[None, :], np.log(groups), 0.0)  # (G, S)
        self.log_miss_groups = np.where(sheet.radar[None, :], np.log1p(-groups), 0.0)
        prior = np.array([self.s.prior_aircraft, self.s.prior_drone, self.s.prior_bird])
        self.log_prior = np.log(prior / prior.sum())
        w = self.s.flock_share
        self.log_flock_share = _shares(w)  # (lone bird, flock)
        # the hand-set likelihood tables as arrays, per kind in KINDS order
        self.plateaus = _plateau_table()
        self.wanders = np.array([WANDER[kind] for kind in KINDS])
        self.memory = ClassMemory(self.s, self.log_prior)
        self.model = kernels.ClassifyModel(
            log_pd=self.log_pd,
            log_miss=self.log_miss,
            log_pd_flock=self.log_pd_flock,
            log_miss_flock=self.log_miss_flock,
            log_flock_share=self.log_flock_share,
            log_pd_groups=self.log_pd_groups,
            log_miss_groups=self.log_miss_groups,
            radar=sheet.radar.astype(np.float64),
            crowd_beta=np.array([1.0, 1.0 / self.s.crowd_p_lone - 1.0]),
            log_crowd_share=_shares(self.s.crowd_share),
            log_merged_share=_shares(self.s.flock_merged_share),
            log_prior=self.log_prior,
            plateaus=self.plateaus,
            wanders=self.wanders,
            kinematic_tau_s=self.s.kinematic_tau_s,
            kinematic_max_looks=self.s.kinematic_max_looks,
            log_outlier=float(np.log(self.s.kinematic_outlier_p)),
            llr_clip=self.s.llr_clip,
            unknown_below_p=self.s.unknown_below_p,
            codes=KIND_CODES,
        )

    def update(self, pic: Picture, f: Features) -> FloatArray:
        """Fill pic.cls / pic.cls_p (the class shown, with hysteresis: ClassMemory); returns the
        posterior (N, 3) over KINDS (with the formation evidence: ClassMemory)."""
        N = len(pic)
        uav_ids = np.fromiter((k for k, v in pic.info.items() if v.get("uav")), np.int64)
        uav = np.isin(pic.ident, uav_ids) if len(uav_ids) else np.zeros(N, dtype=bool)
        ident_ll = identity_loglik(pic.ident, pic.mode_c, self.s, uav)
        ident_ll[:, 0] += adsb_silence(pic, f.age_s, self.receivers, self.s.adsb_unheard_share)
        self.memory.assign(pic)
        memory = self.memory.evidence(pic, f)
        ident_ll += memory
        post, cls, p = np.empty((N, 3)), np.empty(N, dtype=np.int8), np.empty(N)
        terms = np.empty((N, len(TERMS) - 1, 3))  # the kernel's; "behaviour" is the memory's
        ev = kernels.ClassifyRows(
            f.hits, f.misses, f.crowd, f.age_s, f.speed, f.speed_sd, f.height, f.height_ok, f.wander, ident_ll
        )
        kernels.classify(ev, self.model, kernels.ClassifyOutputs(post, cls, p, terms))
        # the memory's evidence went in with the identity's: shown as its own term
        terms[:, 5, :] -= memory
        pic.cls_terms = np.concatenate([terms, memory[:, None, :]], axis=1)
        pic.cls, pic.cls_p = self.memory.show(float(pic.time_s), post)
        return post


def explain(terms: FloatArray, top: int = 4) -> dict[str, object]:
    """Why a track got its class, from its row of Picture.cls_terms (7, 3): the most probable kind,
    the runner-up, and the terms that separate them most, each with its log-likelihood ratio in
    nats (positive: for the leading kind). The ratios add up, over all terms, to the log of the
    posterior odds leading : runner-up, so the factors shown are what the classifier used."""
    total = terms.sum(axis=0)
    order = np.argsort(-total, kind="stable")
    lead, second = int(order[0]), int(order[1])
    llr = terms[:, lead] - terms[:, second]
    factors = [
        {"term": TERMS[j], "nats": round(float(llr[j]), 2)}
        for j in np.argsort(-np.abs(llr), kind="stable")[:top]
        if abs(llr[j]) >= 0.05
    ]
    return {
        "kind": KINDS[lead],
        "versus": KINDS[second],
        "log_odds": round(float(llr.sum()), 2),
        "factors": factors,
    }


__all__ = [
    "KINDS",
    "KINEMATICS",
    "TERMS",
    "WANDER",
    "BayesClassifier",
    "adsb_silence",
    "explain",
    "identity_loglik",
]
