"""The numpy version of the assess stage's feature table and classifier, kept as the oracle of
the compiled kernels (test_assess_kernels.py): the readable form of what kernels.py computes, and the
code that produced the reference outputs on Paris before the kernels replaced it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from airpicture.assess.alerts import _NK, AlertRules
from airpicture.assess.base import AssessSettings
from airpicture.assess.classify import KINDS, KINEMATICS, WANDER, BayesClassifier
from airpicture.assess.features import Features, FeatureTable, SensorSheet, rekey
from airpicture.assess.kernels import RECENT_SCANS
from airpicture.geo import geodetic_to_enu
from airpicture.types import REMOTEID_BIT, AlertKind, BoolArray, FloatArray, IntArray, Picture

_EARTH_K_M = 4 / 3 * 6371000.0  # radar horizon with standard refraction


def take_rows(a: np.ndarray, known: BoolArray, old: IntArray) -> np.ndarray:
    """Rows of `a` for the known tracks, zeros for new ones (same dtype and trailing shape)."""
    out = np.zeros((len(known), *a.shape[1:]), dtype=a.dtype)
    out[known] = a[old[known]]
    return out


class Parking:
    """Rows of tracks missing from the latest pictures, kept for grace_s.

    The tracker stops publishing a track it has missed a few times but may pick the object up
    again under the same id: its history must survive the gap. `realign` re-keys the named
    per-track arrays of `owner` (aligned with owner.ids) to the picture's ids, parking the rows of
    absent tracks and restoring those that come back.
    """

    def __init__(self, grace_s: float = 60.0) -> None:
        self.grace_s = grace_s
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.seen = np.zeros(0)
        self.cols: dict[str, np.ndarray] = {}
        self.last_t = -np.inf

    def realign(self, owner: object, names: tuple[str, ...], ids: IntArray, t: float) -> BoolArray:
        """Re-key owner's arrays `names` (and owner.ids) to `ids`; returns which rows are known."""
        cur_ids: IntArray = owner.ids  # type: ignore[attr-defined]
        pool_ids = np.concatenate([cur_ids, self.ids])
        pool_seen = np.concatenate([np.full(len(cur_ids), self.last_t), self.seen])
        known, old = rekey(pool_ids, ids)
        absent = ~np.isin(pool_ids, ids) & (pool_seen >= t - self.grace_s)
        cols = {}
        for n in names:
            a = getattr(owner, n)
            pool = np.concatenate([a, self.cols.get(n, a[:0])])
            setattr(owner, n, take_rows(pool, known, old))
            cols[n] = pool[absent]
        self.ids, self.seen, self.cols, self.last_t = pool_ids[absent], pool_seen[absent], cols, t
        owner.ids = ids.copy()  # type: ignore[attr-defined]
        return known


def coverage(sheet: SensorSheet, lat: FloatArray, lon: FloatArray, alt: FloatArray) -> BoolArray:
    """(N,) positions -> (N, S) whether each radar could see an object there."""
    out = np.zeros((len(lat), len(sheet.period_s)), dtype=bool)
    for s in np.flatnonzero(sheet.radar):  # a loop over sensors, not tracks
        enu = geodetic_to_enu(lat, lon, alt, *sheet.pos[s])
        r = np.linalg.norm(enu, axis=-1)
        if sheet.moving[s]:
            h = np.sqrt(2 * _EARTH_K_M * max(sheet.pos[s, 2], 0.0))
            above = r <= h + np.sqrt(2 * _EARTH_K_M * np.maximum(alt, 0.0))
        else:
            above = enu[:, 2] >= r * np.sin(sheet.min_el_rad[s])
        out[:, s] = (r >= sheet.min_range_m[s]) & (r <= sheet.max_range_m[s]) & above
    return out


#: the compiled table's per-sample ring terms (the reference keeps velocities instead)
_COMPILED_RING = ("ring_sp", "ring_psi", "ring_turn", "ring_psi_sd")


class ReferenceFeatureTable(FeatureTable):
    """The numpy FeatureTable: per-track arrays aligned with the picture's rows, re-keyed to each
    picture's ids (Parking); the settings are FeatureTable's."""

    def __init__(self, sheet: SensorSheet, site: dict[str, float], **settings: float) -> None:
        super().__init__(sheet, site, **settings)
        S, K = len(sheet.period_s), self.K
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.parking = Parking(self.slots.grace_s)
        self.first_s, self.last_s, self.last_update_s, self.speed_ew = (np.zeros(0) for _ in range(4))
        self.hits, self.chances, self.crowd = np.zeros((0, S)), np.zeros((0, S)), np.zeros((0, S))
        self.hit_s = np.zeros((0, S))
        self.ring_t, self.ring_en, self.ring_v = np.zeros((0, K)), np.zeros((0, K, 2)), np.zeros((0, K, 2))
        self.ring_vP = np.zeros((0, K, 2, 2))
        self.ring_head, self.mask = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.seen_n = np.zeros((0, S), dtype=np.int64)
        self.crowd_prev = np.zeros((0, S), dtype=np.int64)
        self.denied_prev = np.zeros((0, S), dtype=np.int64)

    # the ring keeps velocities and their covariance, not the compiled table's per-sample terms
    _ROW_FIELDS = (
        *(n for n in FeatureTable._ROW_FIELDS if n not in _COMPILED_RING),
        "ring_v",
        "ring_vP",
    )

    def _rekey(self, ids: IntArray, t: float) -> BoolArray:
        """Re-align every per-track array to `ids`; returns which rows are known tracks."""
        known = self.parking.realign(self, self._ROW_FIELDS, ids, t)
        fresh = ~known
        self.first_s[fresh] = t
        self.last_s[fresh] = t
        self.ring_t[fresh] = -1e18  # "never sampled", finite so differences stay finite
        self.last_update_s[fresh] = -np.inf
        self.hit_s[fresh] = -np.inf
        return known

    def _near(self, cover: BoolArray, new_hits: FloatArray, t: float) -> BoolArray:
        """(N, S) the scans that count: in the modelled coverage, or within RECENT_SCANS of the
        sensor's last measurement of the track (which this picture's hits make now)."""
        self.hit_s = np.where(new_hits > 0, t, self.hit_s)
        return cover | (t - self.hit_s <= RECENT_SCANS * self.sheet.period_s[None, :])

    def update(self, pic: Picture) -> Features:
        t = float(pic.time_s)
        known = self._rekey(np.asarray(pic.track, dtype=np.int64), t)
        N = len(pic)
        dt = np.where(known, np.maximum(t - self.last_s, 0.0), 0.0)
        v = pic.x[:, 3:5]
        speed = np.hypot(v[:, 0], v[:, 1])
        # exponentially weighted speed (a new track starts from its first value)
        a_s = np.where(known, 1.0 - np.exp(-dt / self.tau_speed_s), 1.0)
        self.speed_ew += a_s * (speed - self.speed_ew)
        S = self.hits.shape[1]
        mask = pic.sensors.astype(np.int64)
        cover = coverage(self.sheet, pic.lat, pic.lon, pic.alt_m)
        if pic.seen_n is not None:
            # each sensor's own count: a hit per new measurement, a chance per scan in coverage
            seen_n = np.asarray(pic.seen_n, dtype=np.int64)[:, :S]
            new_hits = np.maximum(seen_n - np.where(known[:, None], self.seen_n, seen_n), 0).astype(
                np.float64
            )
            new_chances = self._near(cover, new_hits, t) * dt[:, None] / self.sheet.period_s[None, :]
            self.seen_n = seen_n.copy()
            crowd_n = np.zeros_like(seen_n)
            if pic.crowd_n is not None:
                crowd_n = np.asarray(pic.crowd_n, np.int64)[:, :S]
            new_crowd = np.maximum(crowd_n - np.where(known[:, None], self.crowd_prev, crowd_n), 0)
            self.crowd_prev = crowd_n.copy()
            # a scan whose plot in the track's gate went to another track is no chance
            denied_n = np.zeros_like(seen_n)
            if pic.denied_n is not None:
                denied_n = np.asarray(pic.denied_n, np.int64)[:, :S]
            new_chances = new_chances - np.maximum(
                denied_n - np.where(known[:, None], self.denied_prev, denied_n), 0
            )
            self.denied_prev = denied_n.copy()
        else:
            # Picture.sensors is cumulative (every sensor that ever updated the track), so a hit
            # is attributed where it can be: a sensor's bit appearing, or an update of a track that
            # only one sensor has ever seen. Chances (scans in coverage) count while the updates
            # are attributable; after that only new bits add evidence (a second sensor seeing it).
            bits = ((mask[:, None] >> np.arange(S)[None, :]) & 1).astype(np.float64)
            new_bits = ((mask & ~self.mask)[:, None] >> np.arange(S)[None, :]) & 1
            single = bits.sum(axis=1) == 1
            updated = (pic.last_update_s > self.last_update_s) & single & (new_bits.sum(axis=1) == 0)
            new_hits = new_bits + bits * updated[:, None]
            new_chances = (
                self._near(cover, new_hits, t) * (dt * single)[:, None] / self.sheet.period_s[None, :]
            )
            new_crowd = None  # without per-sensor counts a crowd is not counted
        # bounded memory: older looks fade with tau_detect_s, so the evidence stays revisable
        fade = np.exp(-dt / self.tau_detect_s)[:, None]
        self.hits = self.hits * fade + new_hits
        self.chances = np.maximum(self.chances * fade + new_chances, self.hits)
        if new_crowd is None:
            self.crowd = np.zeros_like(self.hits)
        else:
            self.crowd = np.minimum(np.where(known[:, None], self.crowd, 0.0) * fade + new_crowd, self.hits)
        self.mask = mask.copy()
        self.last_update_s = pic.last_update_s.astype(np.float64).copy()
        self.last_s[:] = t
        self._sample(t, pic)
        height = pic.alt_m - self.site_alt
        height_ok = np.isfinite(height) & (np.sqrt(np.abs(pic.P[:, 2, 2])) < 150.0)
        loiter = self._loiter(t, N)
        return Features(
            dt=dt,
            age_s=t - self.first_s,
            speed=self.speed_ew.copy(),
            speed_sd=speed_sd(pic),
            height=height,
            height_ok=height_ok,
            wander=self._wander(),
            hits=self.hits.copy(),
            misses=self.chances - self.hits,
            crowd=self.crowd.copy(),
            **loiter,
        )

    def _sample(self, t: float, pic: Picture) -> None:
        """Push (t, e, n, ve, vn) into each track's ring when sample_dt_s has passed since its last."""
        last = np.take_along_axis(self.ring_t, ((self.ring_head - 1) % self.K)[:, None], axis=1)[:, 0]
        due = np.flatnonzero(t - last >= self.sample_dt_s - 1e-6)
        slot = self.ring_head[due]
        self.ring_t[due, slot] = t
        self.ring_en[due, slot] = pic.x[due, 0:2]
        self.ring_v[due, slot] = pic.x[due, 3:5]
        self.ring_vP[due, slot] = pic.P[due, 3:5, 3:5]
        self.ring_head[due] = (slot + 1) % self.K

    def _wander(self) -> FloatArray:
        """Median |psi(t) - 2 psi(t - L) + psi(t - 2L)| over each ring's evenly spaced triples of
        moving samples whose headings are known to wander_noise_rad (NaN below 3 triples)."""
        K, L = self.K, self.wander_lag
        idx = (self.ring_head[:, None] - 1 - np.arange(K)[None, :]) % K
        rt = np.take_along_axis(self.ring_t, idx, axis=1)
        rv = np.take_along_axis(self.ring_v, idx[..., None], axis=1)
        rP = np.take_along_axis(self.ring_vP, idx[..., None, None], axis=1)
        ve, vn = rv[..., 0], rv[..., 1]
        sp = np.hypot(ve, vn)
        s2 = np.where(sp > 2.0, ve**2 + vn**2, 1.0)  # standing samples get NaN below
        var = (vn**2 * rP[..., 0, 0] + ve**2 * rP[..., 1, 1] - 2 * ve * vn * rP[..., 0, 1]) / s2**2
        sd = np.where(sp > 2.0, np.sqrt(np.maximum(var, 0.0)), np.nan)
        # unwrapped heading, newest first: each sample's heading as the sum of the turns before it
        psi = np.arctan2(ve, vn)
        turn = np.angle(np.exp(1j * (psi[:, :-1] - psi[:, 1:])))
        up = np.concatenate([np.zeros((len(psi), 1)), -np.cumsum(turn, axis=1)], axis=1)
        out = np.full(len(psi), np.nan)
        tol = self.tuning.wander_noise_rad
        for i in range(len(psi)):
            vals = []
            for j in range(K - 2 * L):
                a, b, c = j, j + L, j + 2 * L
                noise = np.sqrt(sd[i, a] ** 2 + 4 * sd[i, b] ** 2 + sd[i, c] ** 2)
                even = rt[i, a] - rt[i, c] <= 2 * L * self.sample_dt_s * 1.5 and rt[i, c] > -1e17
                if noise <= tol and even and np.all(np.isfinite(sd[i, a : c + 1])):
                    vals.append(abs(up[i, a] - 2 * up[i, b] + up[i, c]))
            out[i] = np.median(vals) if len(vals) >= 3 else np.nan
        return out

    def _loiter(self, t: float, N: int) -> dict[str, FloatArray]:
        """Turn, steadiness, radius and speed over each track's last loiter window of samples."""
        # newest-first view of the ring
        idx = (self.ring_head[:, None] - 1 - np.arange(self.K)[None, :]) % self.K
        rt = np.take_along_axis(self.ring_t, idx, axis=1)
        ren = np.take_along_axis(self.ring_en, idx[..., None], axis=1)
        rv = np.take_along_axis(self.ring_v, idx[..., None], axis=1)
        w = self.window_s
        valid = rt >= t - w - 1e-6
        span = np.where(valid.any(axis=1), t - np.min(np.where(valid, rt, np.inf), axis=1), 0.0)
        n = np.maximum(valid.sum(axis=1), 1)
        circles = np.array([enclosing_circle(ren[i][valid[i]]) for i in range(N)]).reshape(N, 3)
        centre, radius = circles[:, :2], circles[:, 2]
        sp = np.hypot(rv[..., 0], rv[..., 1])
        mean_speed = np.sum(np.where(valid, sp, 0.0), axis=1) / n
        psi = np.arctan2(rv[..., 0], rv[..., 1])
        # consecutive pairs (newer, older): heading change where both speeds say where it points
        pair = valid[:, :-1] & valid[:, 1:] & (sp[:, :-1] > 2.0) & (sp[:, 1:] > 2.0)
        dpsi = np.angle(np.exp(1j * (psi[:, :-1] - psi[:, 1:])))
        dts = np.maximum(rt[:, :-1] - rt[:, 1:], 1e-6)
        turn = np.sum(np.where(pair, dpsi, 0.0), axis=1)
        turning = pair & (np.abs(dpsi) / np.where(np.isfinite(dts), dts, 1.0) >= np.radians(1.0))
        same = turning & (np.sign(dpsi) == np.sign(turn)[:, None])
        steady = same.sum(axis=1) / np.maximum(pair.sum(axis=1), 1)
        enough = span >= w - self.sample_dt_s - 1e-6
        nan = np.full(N, np.nan)
        return {
            "loiter_turn_deg": np.where(enough, np.degrees(np.abs(turn)), nan),
            "loiter_steady": np.where(enough, steady, nan),
            "loiter_radius_m": np.where(enough, radius, nan),
            "loiter_speed": np.where(enough, mean_speed, nan),
            "loiter_span_s": span,
            "centre_en": centre,
        }


def enclosing_circle(pts: FloatArray) -> FloatArray:
    """[e n r] of the smallest circle that holds pts (M, 2), by brute force: the smallest of the
    circles on two points as diameter and through three points that holds them all (zeros for
    no points)."""
    M = len(pts)
    if M == 0:
        return np.zeros(3)
    if M == 1:
        return np.array([pts[0, 0], pts[0, 1], 0.0])
    i, j = np.triu_indices(M, 1)
    cand = [np.column_stack([(pts[i] + pts[j]) / 2, np.hypot(*(pts[i] - pts[j]).T) / 2])]
    if M >= 3:
        a, b, c = (np.array(v) for v in zip(*itertools.combinations(range(M), 3), strict=True))
        B, C = pts[b] - pts[a], pts[c] - pts[a]
        d = 2 * (B[:, 0] * C[:, 1] - B[:, 1] * C[:, 0])
        b2, c2 = (B**2).sum(1), (C**2).sum(1)
        ok = np.abs(d) > 1e-12 * (b2 + c2)  # collinear triples: a pair's circle holds them
        u = np.column_stack([C[:, 1] * b2 - B[:, 1] * c2, B[:, 0] * c2 - C[:, 0] * b2])[ok] / d[ok, None]
        cand.append(np.column_stack([pts[a][ok] + u, np.hypot(*u.T)]))
    circles = np.concatenate(cand)
    dist = np.hypot(pts[None, :, 0] - circles[:, None, 0], pts[None, :, 1] - circles[:, None, 1])
    holds = np.all(dist <= circles[:, 2:3] * (1 + 1e-9) + 1e-6, axis=1)
    return circles[holds][np.argmin(circles[holds, 2])]


def _lognormal(w: FloatArray, median: float, sigma: float) -> FloatArray:
    z = np.log(w / median) / sigma
    return np.exp(-0.5 * z * z) / (w * sigma * np.sqrt(2 * np.pi))


def wander_logpdf(
    w: FloatArray, legs: float, m_leg: float, s_leg: float, m_wander: float, s_wander: float
) -> FloatArray:
    """log of legs * LogNormal(m_leg, s_leg) + (1 - legs) * LogNormal(m_wander, s_wander); 0 where
    w is NaN (not known yet)."""
    x = np.maximum(np.nan_to_num(w, nan=1.0), 1e-3)
    ll = np.log(legs * _lognormal(x, m_leg, s_leg) + (1 - legs) * _lognormal(x, m_wander, s_wander))
    return np.where(np.isnan(w), 0.0, ll)


def speed_sd(pic: Picture) -> FloatArray:
    """(N,) standard deviation of each row's speed: sqrt(u' P_v u), u the unit velocity (first
    order); at rest, of either velocity component."""
    v, Pv = pic.x[:, 3:5], pic.P[:, 3:5, 3:5]
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    u = v / np.maximum(norm, 1e-12)
    along = np.einsum("ni,nij,nj->n", u, Pv, u)
    rest = 0.5 * (Pv[:, 0, 0] + Pv[:, 1, 1])
    return np.sqrt(np.maximum(np.where(norm[:, 0] ** 2 < 1e-6, rest, along), 0.0))


def plateau_logc(
    v: FloatArray, lo: float, hi: float, s_lo: float, s_hi: float, sd: FloatArray | float = 0.0
) -> FloatArray:
    """Log compatibility: 0 on [lo, hi], half-Gaussian fall-off outside, each fall-off's sigma
    at least the estimate's error sd."""
    below = np.maximum(lo - v, 0.0) / np.maximum(s_lo, sd)
    above = np.maximum(v - hi, 0.0) / np.maximum(s_hi, sd)
    return -0.5 * (below**2 + above**2)


def mixture_logc(
    v: FloatArray, comps: tuple[tuple[float, float, float, float, float], ...], sd: FloatArray | float = 0.0
) -> FloatArray:
    """log sum over the components (share, lo, hi, s_lo, s_hi) of share * compatibility."""
    return np.logaddexp.reduce([np.log(share) + plateau_logc(v, *p, sd) for share, *p in comps], axis=0)


def kinematic_loglik(f: Features, log_outlier: float) -> FloatArray:
    """(N, 3) log p(features | kind) for one look; speed and height with an outlier share."""
    out = np.zeros((len(f.speed), 3))
    h = np.where(f.height_ok, f.height, 0.0)
    for k, kind in enumerate(KINDS):
        out[:, k] += np.logaddexp(mixture_logc(f.speed, KINEMATICS["speed"][kind], f.speed_sd), log_outlier)
        ht = np.logaddexp(mixture_logc(h, KINEMATICS["height"][kind]), log_outlier)
        out[:, k] += np.where(f.height_ok, ht, 0.0)
        out[:, k] += wander_logpdf(f.wander, *WANDER[kind])
    return out


def identity_loglik(ident: IntArray, mode_c: BoolArray, s: AssessSettings, uav: BoolArray) -> FloatArray:
    """classify.identity_loglik."""
    out = np.zeros((len(ident), 3))
    icao = (ident >= 0) & (ident < (1 << 24)) & ~uav
    out[:, 1] += np.where(uav, s.ident_weight, 0.0)
    rid = (ident >= 0) & ((ident & REMOTEID_BIT) != 0)
    out[:, 0] += np.where(icao, s.ident_weight, 0.0)
    out[:, 1] += np.where(rid, s.ident_weight, 0.0)
    out[:, 0] += np.where(np.asarray(mode_c, bool) & ~rid, s.mode_c_weight, 0.0)
    return out


def _mix(w: float, a: FloatArray, b: FloatArray) -> FloatArray:
    """log((1 - w) e^a + w e^b)."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(np.log1p(-w) + a, np.log(w) + b)


def _log_beta_seq(c: FloatArray, n: FloatArray, a: float, b: float) -> FloatArray:
    """log-probability of a sequence of n detections, c crowded, with a Beta(a, b) crowded share:
    log B(c + a, n - c + b) - log B(a, b)."""
    lg = np.vectorize(math.lgamma, otypes=[float])
    return lg(c + a) + lg(n - c + b) - lg(n + a + b) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


def detection_loglik(c: BayesClassifier, f: Features) -> FloatArray:
    """(N, 3) log p(hits, misses, crowds | kind), bounded to llr_clip below the best kind; the bird
    column is the mixture of a lone bird and a flock, a flock seen as several objects (crowded
    detections, a group of flock_groups birds a scan) unless merged, an aircraft or drone as one
    unless in company."""
    L = f.hits @ c.log_pd + f.misses @ c.log_miss
    flock = f.hits @ c.log_pd_flock + f.misses @ c.log_miss_flock
    radar = c.sheet.radar.astype(float)
    crowded, n = (f.crowd * radar).sum(axis=1), (f.hits * radar).sum(axis=1)
    one = _log_beta_seq(crowded, n, 1.0, 1.0 / c.s.crowd_p_lone - 1.0)
    several = _log_beta_seq(crowded, n, 1.0, 1.0)
    alone = _mix(c.s.crowd_share, one, several)
    sizes = np.asarray(c.s.flock_groups, float)
    grouped = np.full(len(L), -np.inf)
    for k in sizes:  # a group of k birds echoes in a scan with 1 - (1 - pd)^k
        pd_k = np.clip(1.0 - (1.0 - c.sheet.pd[:, 2]) ** k, c.s.pd_floor, 1.0 - c.s.pd_floor)
        ll = f.hits @ np.where(c.sheet.radar, np.log(pd_k), 0.0) + f.misses @ np.where(
            c.sheet.radar, np.log1p(-pd_k), 0.0
        )
        grouped = np.logaddexp(grouped, ll)
    resolved = several + grouped - np.log(len(sizes))
    flock = _mix(c.s.flock_merged_share, resolved, one + flock)
    L[:, 2] = _mix(c.s.flock_share, L[:, 2] + one, flock)
    L[:, 0] += alone
    L[:, 1] += alone
    return np.maximum(L - L.max(axis=1, keepdims=True), -c.s.llr_clip)


def adsb_silence(c: BayesClassifier, pic: Picture, age_s: FloatArray) -> FloatArray:
    """classify.adsb_silence, a row and a receiver at a time."""
    q = c.s.adsb_unheard_share
    out = np.zeros(len(pic))
    for i in range(len(pic)):
        if pic.ident[i] >= 0 or pic.mode_c[i]:
            continue
        lost, heard = 0.0, False
        for r in c.receivers:
            e, n, _ = geodetic_to_enu(pic.lat[i], pic.lon[i], pic.alt_m[i], r.lat, r.lon, r.alt_m).ravel()
            two_kr = 2 * (4.0 / 3.0) * 6371000.0  # 4/3 Earth; the receiver's mast 10 m up
            reach = math.sqrt(two_kr * 10.0) + math.sqrt(two_kr * max(pic.alt_m[i] - r.alt_m, 0.0))
            if r.max_range_m is not None:
                reach = min(reach, r.max_range_m)
            if math.hypot(e, n) <= reach:
                heard = True
                lost += max(age_s[i], 0.0) / r.update_period_s * math.log(max(r.p_loss, 1e-12))
        if heard:
            out[i] = math.log(q + (1.0 - q) * math.exp(lost))
    return out


def posterior(
    c: BayesClassifier,
    f: Features,
    ident: IntArray,
    mode_c: BoolArray,
    uav: BoolArray,
    memory: FloatArray | None = None,
) -> FloatArray:
    """BayesClassifier.update's posterior (N, 3) over KINDS; memory: the evidence of its
    ClassMemory (memory.py, plain numpy, not a kernel's), added as it is."""
    looks = np.minimum(f.age_s / c.s.kinematic_tau_s, c.s.kinematic_max_looks)
    kin = kinematic_loglik(f, np.log(c.s.kinematic_outlier_p))
    logp = c.log_prior + detection_loglik(c, f) + looks[:, None] * kin
    logp += identity_loglik(ident, mode_c, c.s, uav)
    if memory is not None:
        logp += memory
    post = np.exp(logp - logp.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def zone_terms(rules: AlertRules, pic: Picture) -> dict[str, np.ndarray]:
    """(N, Z) depth now, best depth along the predicted path, time of first predicted entry."""
    N, Z = len(pic), len(rules.zones)
    steps = np.arange(0.0, rules.s.predict_horizon_s + 1e-9, rules.s.predict_step_s)  # (K,)
    en = pic.x[:, None, 0:2] + pic.x[:, None, 3:5] * steps[None, :, None]  # (N, K, 2)
    h0 = pic.alt_m - rules.site_alt
    h = h0[:, None] + pic.x[:, None, 5] * steps[None, :]  # (N, K)
    depth_now = np.zeros((N, Z))
    path_in = np.zeros((N, Z, len(steps)), dtype=bool)
    path_keep = np.zeros((N, Z, len(steps)), dtype=bool)
    band_now = np.zeros((N, Z), dtype=bool)
    band_keep = np.zeros((N, Z), dtype=bool)
    m = rules.s.boundary_margin_m
    for j, z in enumerate(rules.zones):  # a loop over zones, not tracks
        d = z.depth(en)  # (N, K)
        hb = (h >= z.floor_m) & (h <= z.ceiling_m)
        hk = (h >= z.floor_m - m) & (h <= z.ceiling_m + m)
        depth_now[:, j] = d[:, 0]
        band_now[:, j], band_keep[:, j] = hb[:, 0], hk[:, 0]
        path_in[:, j] = (d > 0) & hb
        path_keep[:, j] = (d > -m) & hk
    first = np.argmax(path_in, axis=2)
    tte = np.where(path_in.any(axis=2), steps[first], np.nan)
    return {
        "depth": depth_now,
        "inside": (depth_now > 0) & band_now,
        "inside_keep": (depth_now > -m) & band_keep,
        "will_enter": np.any(path_in[:, :, 1:], axis=2),
        "path_keep": np.any(path_keep, axis=2),
        "tte": tte,
    }


def _held(t: float, since: float, age: float, min_age: float, hold: float) -> bool:
    """P(drone) above a threshold since `since` (NaN: not), counted from the age min_age, for hold."""
    return bool(not np.isnan(since) and age >= min_age and t - max(since, t - age + min_age) >= hold)


def _since(t: float, since: float, above: bool) -> float:
    return (t if np.isnan(since) else since) if above else np.nan


def alertable(
    state: dict[int, tuple[bool, bool, float, float]],
    s: AssessSettings,
    t: float,
    ids: IntArray,
    p: FloatArray,
    shown: FloatArray,
    age: FloatArray,
) -> tuple[BoolArray, BoolArray]:
    """AlertRules' alertable rows (ok: for a zone entry, strict: for every kind) of a picture at
    t, from each track's (ok, strict, since P(drone) >= alert_drone_p, since that or a drone
    shown at P >= zone_drone_p) at its previous picture (state, updated in place: a track absent
    from it is new); shown: the drone probability shown (0: not shown a drone)."""
    ok, strict = np.zeros(len(ids), bool), np.zeros(len(ids), bool)
    for i, tid in enumerate(ids.tolist()):
        was, was_strict, since, zone_since = state.get(tid, (False, False, np.nan, np.nan))
        since = _since(t, since, p[i] >= s.alert_drone_p)
        zone_since = _since(t, zone_since, p[i] >= s.alert_drone_p or shown[i] >= s.zone_drone_p)
        keep = bool(p[i] >= s.keep_drone_p)
        strict[i] = keep if was_strict else _held(t, since, age[i], s.alert_min_age_s, s.alert_hold_s)
        zone = _held(t, zone_since, age[i], s.zone_alert_min_age_s, s.zone_alert_hold_s)
        ok[i] = keep if was else (strict[i] or zone)
        state[tid] = (bool(ok[i]), bool(strict[i]), since, zone_since)
    return ok, strict


def rule_keys(
    rules: AlertRules, pic: Picture, f: Features, ok: BoolArray, strict: BoolArray
) -> tuple[IntArray, IntArray, dict[str, np.ndarray]]:
    """AlertRules' raise and keep keys of a picture whose alertable rows are ok (a zone entry; every
    kind kept) and strict (every kind raised), and its zone terms."""
    s, N, nz = rules.s, len(pic), rules.nz
    zt = zone_terms(rules, pic)
    Z = len(rules.zones)
    raise_c = np.zeros((N, nz, _NK), dtype=bool)
    keep_c = np.zeros((N, nz, _NK), dtype=bool)
    raise_c[:, :Z, AlertKind.ZONE_ENTRY] = zt["inside"] & ok[:, None]
    keep_c[:, :Z, AlertKind.ZONE_ENTRY] = zt["inside_keep"] & ok[:, None]
    raise_c[:, :Z, AlertKind.PREDICTED_ENTRY] = zt["will_enter"] & ~zt["inside"] & strict[:, None]
    keep_c[:, :Z, AlertKind.PREDICTED_ENTRY] = zt["path_keep"] & ok[:, None]
    circling = (f.loiter_turn_deg >= s.loiter_turn_deg) & (f.loiter_steady >= s.loiter_steady)
    hovering = (f.loiter_speed <= s.hover_speed_mps) & (f.loiter_radius_m <= s.hover_radius_m)
    loiter = ok & (f.loiter_span_s >= s.loiter_time_s - 1e-6) & (f.loiter_radius_m <= s.loiter_radius_m)
    loiter &= circling | hovering
    raise_c[:, Z, AlertKind.LOITERING] = loiter & strict
    keep_c[:, Z, AlertKind.LOITERING] = loiter
    rng = np.hypot(pic.x[:, 0], pic.x[:, 1])
    unco = ok & (pic.ident < 0) & (rng <= s.uncooperative_range_m)
    raise_c[:, Z, AlertKind.UNCOOPERATIVE] = unco & strict
    keep_c[:, Z, AlertKind.UNCOOPERATIVE] = ok & (pic.ident < 0) & (rng <= s.uncooperative_range_m + 1000)
    ids = np.asarray(pic.track, dtype=np.int64)
    base = (
        ids[:, None, None] * (nz * _NK) + np.arange(nz)[None, :, None] * _NK + np.arange(_NK)[None, None, :]
    )
    return base[raise_c], base[keep_c], zt


def refresh(
    rules: AlertRules, pic: Picture, keep_keys: IntArray, t: float
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """AlertRules' refresh of its active alerts (in place): (done, due, gone) (A,)."""
    s, nzk = rules.s, rules.nz * _NK
    rules.true_s = np.where(np.isin(rules.key, keep_keys), t, rules.true_s)
    present, row = rekey(np.asarray(pic.track, dtype=np.int64), rules.key // nzk)
    here = np.column_stack([pic.lat, pic.lon, pic.alt_m])
    rules.last_pos[present] = here[row[present]]
    rules.seen_s[present] = t
    gone = t - rules.seen_s > s.track_lost_s  # unpublished for longer than a short gap
    done = gone | (present & (t - rules.true_s >= s.clear_after_s))
    due = ~done & present & (t - rules.sent_s >= s.update_every_s)
    rules.sent_s[due] = t
    return done, due, gone
