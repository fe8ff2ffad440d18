"""Compiled (numba) kernels of the assess stage: the feature update and the classifier, each one
loop over a picture's rows.

Why: the numpy version cost ~1 ms a picture on Paris (~25 tracks), five times the tracker, all in
the fixed cost of a few hundred small array operations a picture (profile: re-keying the history,
the loiter window, the per-kind likelihoods). Here a row reads and writes its
track's slot (slots.py) in place. Operations keep numpy's order, sums included (`_npsum`), so the
results are the numpy version's but where libm and numpy's SIMD functions round differently (an
ulp); that version is the oracle of tests/assess/test_assess_kernels.py.

Records: each kernel takes its columns as NamedTuple records (defined below, with their fields'
shapes). They cross into compiled code as plain tuples: numba types a plain tuple argument in C
from a fingerprint, a NamedTuple in Python field by field (~0.1 us an array field a call). So
`name(...)` takes the records, passes record[:] (its fields as a plain tuple, cheaper than
tuple(record)), and the compiled `_name` rebuilds the same NamedTuple from the fields at its
top: field order is the class's own. FeatureTuning and ClassifyModel are built once,
SlotHistory when the slots grow, the others each picture (positionally, in the class's field
order).

Letters (per row i of the picture, s its slot, k a sensor, j a ring sample newest first):
x (N, 6) [e n u ve vn vu] site ENU, P (N, 6, 6) its covariance, t the picture time.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from airpicture.compiled import jit
from airpicture.types import ObjectClass

_F = npt.NDArray[np.float64]
_B = npt.NDArray[np.bool_]
_I = npt.NDArray[np.int64]
# a plain int: numba cannot unify an IntEnum member with the int8 class codes in one expression
_UNKNOWN = int(ObjectClass.UNKNOWN)

_DEG = np.pi / 180.0
#: below this speed (m/s) a track's heading says little: it is not sampled for wander
_MOVING_MPS = 2.0


class PictureRows(NamedTuple):
    """A picture's rows as update_features takes them (N rows, S sensors).

    rows (N,) int64 slot of each row; known (N,) bool the slot holds the track's history (else it
    is initialised); x (N, 6) [e n u ve vn vu] site ENU; P (N, 6, 6) its covariance; alt (N,) m;
    sensors (N,) int64 cumulative bit mask of the sensors that updated the track; last_update (N,)
    s its last measurement; cover (N, S) bool which radar covers each row
    (airpicture.sensors.covers, features.SensorSheet.coverage); seen_n (N, S) int64 measurements
    each sensor gave the track (Picture.seen_n) and by_sensor whether it is known (else zeros);
    crowd_n (N, S) int64 scans of each sensor in which the track gated more than one plot
    (Picture.crowd_n; zeros when not known).
    """

    rows: _I
    known: _B
    x: _F
    P: _F
    alt: _F
    sensors: _I
    last_update: _F
    cover: _B
    seen_n: _I
    crowd_n: _I
    denied_n: _I
    by_sensor: bool


#: A sensor that measured a track within this many of its scans covers it, whatever the coverage
#: model makes of its estimated height (at the low edge of a beam a noisy height says "not
#: covered" while the plots come: counting only the hits there, a drone seen with Pd 0.6 looked
#: seen every scan, as only a flock or an aircraft is). Four misses in a row at Pd 0.6: 3 %.
RECENT_SCANS = 3.0


class SlotHistory(NamedTuple):
    """The per-slot history of features.FeatureTable (C slots, S sensors, K ring samples), read
    and written in place; rebuilt only when the slot arrays grow.

    first_s, last_s (C,) first / latest picture time; last_update_s (C,) the track's last
    measurement at its previous picture; speed_ew (C,) weighted speed m/s;
    mask (C,) int64 sensor bits at its previous picture; seen_n (C, S)
    int64 each sensor's measurements of the track at its previous picture, crowd_prev, denied_prev
    (C, S) int64 its crowded and denied scans then (Picture.crowd_n, denied_n); hits, chances,
    crowd (C, S) faded detections, scans in coverage (less the denied ones) and crowded scans (at
    most the hits); hit_s (C, S) each sensor's last measurement of the track
    (-inf: none); the ring of samples every sample_dt_s:
    ring_t (C, K) s (-1e18: never), ring_en (C, K, 2) [e n] m, ring_sp (C, K) speed m/s, ring_psi
    (C, K) heading rad, ring_turn (C, K) heading change since the previous sample rad, ring_psi_sd
    (C, K) the heading's standard deviation rad (from the velocity covariance; NaN when standing),
    ring_head (C,) int64 index of the next sample.
    """

    first_s: _F
    last_s: _F
    last_update_s: _F
    speed_ew: _F
    mask: _I
    seen_n: _I
    crowd_prev: _I
    denied_prev: _I
    hits: _F
    chances: _F
    crowd: _F
    hit_s: _F
    ring_t: _F
    ring_en: _F
    ring_sp: _F
    ring_psi: _F
    ring_turn: _F
    ring_psi_sd: _F
    ring_head: _I


class FeatureTuning(NamedTuple):
    """update_features' constants, built once (features.FeatureTable): period_s (S,) each
    sensor's revisit s; tau_speed_s, tau_detect_s time constants of the weighted speed and
    detections s; site_alt m; sample_dt_s ring sampling s; window_s loiter window s; wander_lag
    the wander's lag in ring samples; wander_noise_rad the most heading noise a wander sample may
    hold, rad."""

    period_s: _F
    tau_speed_s: float
    tau_detect_s: float
    site_alt: float
    sample_dt_s: float
    window_s: float
    wander_lag: int
    wander_noise_rad: float


class FeatureOutputs(NamedTuple):
    """What update_features writes per row (N rows, S sensors): out (11, N) [dt, age, speed,
    height, wander, turn, steady, radius, loiter speed, span, speed sd]; height_ok (N,) bool; hits, misses,
    crowd (N, S); centre (N, 2) [e n] of the loiter window."""

    out: _F
    height_ok: _B
    hits: _F
    misses: _F
    crowd: _F
    centre: _F


class ClassifyRows(NamedTuple):
    """classify's evidence per row (N rows, S sensors): hits, misses, crowd (N, S); age, speed,
    speed_sd, height (above the site), wander (N,); height_ok (N,) bool; ident_ll (N, 3) identity
    evidence."""

    hits: _F
    misses: _F
    crowd: _F
    age: _F
    speed: _F
    speed_sd: _F
    height: _F
    height_ok: _B
    wander: _F
    ident_ll: _F


class ClassifyModel(NamedTuple):
    """classify's model, built once (classify.BayesClassifier), S sensors, 3 kinds (KINDS).

    log_pd, log_miss (S, 3); log_pd_flock, log_miss_flock (S,); log_flock_share (2,) [lone bird,
    flock]; log_pd_groups, log_miss_groups (G, S) of a group of birds of each flock_groups size;
    radar (S,) 1.0 for a radar (its crowds count), else 0; crowd_beta (2,) the Beta prior of one
    object's crowded share of detections (several objects': uniform); log_crowd_share (2,)
    [one, several] of an aircraft or drone; log_merged_share (2,) [resolved, merged] of a flock;
    log_prior (3,);
    plateaus (3, 2, C, 5) per kind [speed, height] C mixture components (log share, lo, hi,
    sigma lo, sigma hi; classify.KINEMATICS); wanders (3, 5)
    (classify.WANDER); kinematic_tau_s, kinematic_max_looks, llr_clip, unknown_below_p the
    settings; log_outlier log of kinematic_outlier_p; codes (3,) int8 ObjectClass codes of the kinds.
    """

    log_pd: _F
    log_miss: _F
    log_pd_flock: _F
    log_miss_flock: _F
    log_flock_share: _F
    log_pd_groups: _F
    log_miss_groups: _F
    radar: _F
    crowd_beta: _F
    log_crowd_share: _F
    log_merged_share: _F
    log_prior: _F
    plateaus: _F
    wanders: _F
    kinematic_tau_s: float
    kinematic_max_looks: float
    log_outlier: float
    llr_clip: float
    unknown_below_p: float
    codes: npt.NDArray[np.int8]


class ClassifyOutputs(NamedTuple):
    """What classify writes (N rows): post (N, 3) posterior over KINDS; cls (N,) int8 the class
    shown; cls_p (N,) its probability; terms (N, 6, 3) the log-likelihood terms that add up to
    each kind's log posterior (before normalising), in classify.TERMS order: prior, detection
    (clipped), speed, height, wander (each weighted by its looks), identity."""

    post: _F
    cls: npt.NDArray[np.int8]
    cls_p: _F
    terms: _F


@jit
def _max(a, b):
    """np.maximum of two floats (NaN wins)."""
    return a if a >= b or a != a else b


@jit
def _min(a, b):
    """np.minimum of two floats (NaN wins)."""
    return a if a <= b or a != a else b


@jit
def _npsum(a, n):
    """a[:n].sum() in numpy's order (pairwise, eight accumulators from eight terms on)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
        r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@jit
def _sign(v):
    if v > 0.0:
        return 1.0
    if v < 0.0:
        return -1.0
    return v  # 0 or NaN, as np.sign


@jit
def _circle2(pts, i, j, c):
    """The circle on the segment pts[i] pts[j] as diameter: c (3,) [e n r]."""
    c[0], c[1] = 0.5 * (pts[i, 0] + pts[j, 0]), 0.5 * (pts[i, 1] + pts[j, 1])
    c[2] = 0.5 * np.hypot(pts[i, 0] - pts[j, 0], pts[i, 1] - pts[j, 1])


@jit
def _circle3(pts, i, j, k, c):
    """The circle through pts[i], pts[j], pts[k] (c (3,) [e n r]); for (nearly) collinear points
    the circle on the farthest two as diameter, which holds the third."""
    bx, by = pts[j, 0] - pts[i, 0], pts[j, 1] - pts[i, 1]
    cx, cy = pts[k, 0] - pts[i, 0], pts[k, 1] - pts[i, 1]
    d = 2.0 * (bx * cy - by * cx)
    b2, c2 = bx * bx + by * by, cx * cx + cy * cy
    if np.abs(d) <= 1e-12 * (b2 + c2):
        dij, dik, djk = b2, c2, (pts[k, 0] - pts[j, 0]) ** 2 + (pts[k, 1] - pts[j, 1]) ** 2
        if dij >= dik and dij >= djk:
            _circle2(pts, i, j, c)
        elif dik >= djk:
            _circle2(pts, i, k, c)
        else:
            _circle2(pts, j, k, c)
        return
    ux, uy = (cy * b2 - by * c2) / d, (bx * c2 - cx * b2) / d
    c[0], c[1], c[2] = pts[i, 0] + ux, pts[i, 1] + uy, np.hypot(ux, uy)


@jit
def _outside(pts, i, c):
    return np.hypot(pts[i, 0] - c[0], pts[i, 1] - c[1]) > c[2] * (1.0 + 1e-12) + 1e-9


@jit
def enclosing_circle(pts, n, c):
    """The smallest circle that holds pts[:n] (n >= 1), into c (3,) [e n r]: the incremental
    (Welzl) construction, exact whatever the order of the points, O(n^3) at worst for the ~20
    points of a loiter window.

    Why not the samples' centroid and their largest distance from it: on an arc, as a circling
    drone's window mostly is, the centroid sits inside the circle and the farthest samples are
    ~1.2 radii from it, so an orbit of 340 m read as 410 m and failed a 400 m limit."""
    c[0], c[1], c[2] = pts[0, 0], pts[0, 1], 0.0
    for i in range(1, n):
        if not _outside(pts, i, c):
            continue
        c[0], c[1], c[2] = pts[i, 0], pts[i, 1], 0.0
        for j in range(i):
            if not _outside(pts, j, c):
                continue
            _circle2(pts, i, j, c)
            for k in range(j):
                if _outside(pts, k, c):
                    _circle3(pts, i, j, k, c)


@jit
def _loiter(t, ring, head, window_s, sample_dt_s, out, centre, scratch):
    """One track's loiter window from its ring of samples, ring = (ring_t (K,) [t], ring_en (K, 2)
    [e n], ring_sp (K,) [speed], ring_turn (K,) [heading change since the previous sample]), the
    newest at head - 1:
    out (5,) [turn deg, steadiness, radius m, mean speed m/s, span s] (NaN but the span while the
    history is shorter than the window), centre (2,) [e n] of the smallest circle that holds the
    window's samples, radius its radius; scratch = (buf (K,), pts (K, 2), circle (3,))."""
    ring_t, ring_en, ring_sp, ring_turn = ring
    K = ring_t.shape[0]
    t0 = t - window_s - 1e-6  # samples since t0 are in the window
    buf, pts, circle = scratch
    nv, t_min = 0, np.inf
    for j in range(K):  # newest first, as every loop here (numpy's summation order)
        r = (head - 1 - j) % K
        buf[j] = ring_sp[r] if ring_t[r] >= t0 else 0.0
        if ring_t[r] >= t0:
            t_min = _min(t_min, ring_t[r])
            pts[nv, 0], pts[nv, 1] = ring_en[r, 0], ring_en[r, 1]
            nv += 1
    span = t - t_min if nv > 0 else 0.0
    n = max(nv, 1)
    if nv > 0:
        enclosing_circle(pts, nv, circle)
    else:
        circle[:] = 0.0
    centre[0], centre[1], radius = circle[0], circle[1], circle[2]
    mean_speed = _npsum(buf, K) / n
    # consecutive pairs (newer r, older q): heading change where both speeds say where it points
    n_pair = 0
    for j in range(K - 1):
        r, q = (head - 1 - j) % K, (head - 2 - j) % K
        pair = ring_t[r] >= t0 and ring_t[q] >= t0 and ring_sp[r] > 2.0 and ring_sp[q] > 2.0
        buf[j] = ring_turn[r] if pair else 0.0
        n_pair += pair
    turn = _npsum(buf, K - 1)
    n_same = 0
    for j in range(K - 1):
        if buf[j] != 0.0:  # a pair (a pair without a heading change is not turning either)
            r, q = (head - 1 - j) % K, (head - 2 - j) % K
            dts = _max(ring_t[r] - ring_t[q], 1e-6)
            turning = np.abs(buf[j]) / (dts if np.isfinite(dts) else 1.0) >= _DEG
            n_same += turning and _sign(buf[j]) == _sign(turn)
    enough = span >= window_s - sample_dt_s - 1e-6
    out[0] = np.abs(turn) * (180.0 / np.pi) if enough else np.nan
    out[1] = n_same / max(n_pair, 1) if enough else np.nan
    out[2] = radius if enough else np.nan
    out[3] = mean_speed if enough else np.nan
    out[4] = span


def update_features(
    t: float, pic: PictureRows, hist: SlotHistory, tuning: FeatureTuning, res: FeatureOutputs
) -> None:
    """Fold the picture's rows pic (PictureRows) at time t into their slots' history hist
    (SlotHistory, in place; a row not known initialises its slot here), with the constants tuning
    (FeatureTuning). Writes the features.Features of each row into res (FeatureOutputs)."""
    _update_features(t, pic[:], hist[:], tuning[:], res[:])


@jit
def _chances(hit_s, k, hit, cover, t, period):
    """Scans per second that sensor k had to see the track: 1 / period while it covers the track,
    by its coverage model or by a measurement within RECENT_SCANS (hit: one now, stamped into
    hit_s (S,)); else 0."""
    if hit:
        hit_s[k] = t
    return 1.0 / period if cover or t - hit_s[k] <= RECENT_SCANS * period else 0.0


@jit
def _update_features(t, pic_fields, hist_fields, tuning_fields, res_fields):
    """update_features, compiled: its records come as plain tuples (see Records above)."""
    pic, hist = PictureRows(*pic_fields), SlotHistory(*hist_fields)
    tuning, res = FeatureTuning(*tuning_fields), FeatureOutputs(*res_fields)
    rows, known, x, P, alt = pic.rows, pic.known, pic.x, pic.P, pic.alt
    sensors, last_update, cover = pic.sensors, pic.last_update, pic.cover
    first_s, last_s, last_update_s, speed_ew = hist.first_s, hist.last_s, hist.last_update_s, hist.speed_ew
    mask, hits, chances, crowd, hit_s = hist.mask, hist.hits, hist.chances, hist.crowd, hist.hit_s
    seen_prev, crowd_prev, denied_prev = hist.seen_n, hist.crowd_prev, hist.denied_prev
    ring_t, ring_en, ring_sp, ring_psi = hist.ring_t, hist.ring_en, hist.ring_sp, hist.ring_psi
    ring_turn, ring_psi_sd, ring_head = hist.ring_turn, hist.ring_psi_sd, hist.ring_head
    period_s, tau_speed_s = tuning.period_s, tuning.tau_speed_s
    tau_detect_s, site_alt = tuning.tau_detect_s, tuning.site_alt
    sample_dt_s, window_s = tuning.sample_dt_s, tuning.window_s
    out, height_ok, hits_out, misses_out, centre = res.out, res.height_ok, res.hits, res.misses, res.centre
    crowd_out = res.crowd
    S, K = hits.shape[1], ring_t.shape[1]
    buf, scratch = np.empty(K), (np.empty(K), np.empty((K, 2)), np.empty(3))
    for i in range(rows.shape[0]):
        s = rows[i]
        if not known[i]:
            first_s[s], last_s[s], last_update_s[s] = t, t, -np.inf
            speed_ew[s], mask[s], ring_head[s] = 0.0, 0, 0
            hits[s], chances[s], crowd[s], hit_s[s] = 0.0, 0.0, 0.0, -np.inf
            ring_t[s] = -1e18  # "never sampled", finite so differences stay finite
            ring_en[s], ring_sp[s], ring_psi[s], ring_turn[s], ring_psi_sd[s] = 0.0, 0.0, 0.0, 0.0, np.nan
        dt = _max(t - last_s[s], 0.0) if known[i] else 0.0
        ve, vn = x[i, 3], x[i, 4]
        speed = np.hypot(ve, vn)
        # exponentially weighted speed (a new track starts from its first value)
        a_s = 1.0 - np.exp(-dt / tau_speed_s) if known[i] else 1.0
        speed_ew[s] += a_s * (speed - speed_ew[s])
        fade = np.exp(-dt / tau_detect_s)  # bounded memory: older looks fade, evidence stays revisable
        if pic.by_sensor:
            # each sensor's own count: a hit per new measurement, a chance per scan in coverage.
            # The plots that made a track confirm it are no evidence: it was published because it
            # got them (counting them, every new track would look like a high-Pd aircraft).
            # A sensor that measured the track recently covers it (RECENT_SCANS). A scan whose
            # plot in the track's gate went to another track is no chance (Picture.denied_n).
            for k in range(S):
                n_new = pic.seen_n[i, k] - (seen_prev[s, k] if known[i] else pic.seen_n[i, k])
                n_den = pic.denied_n[i, k] - (denied_prev[s, k] if known[i] else pic.denied_n[i, k])
                h = hits[s, k] * fade + _max(float(n_new), 0.0)
                c = _chances(hit_s[s], k, n_new > 0, cover[i, k], t, period_s[k]) * dt
                c -= _max(float(n_den), 0.0)
                hits[s, k] = h
                chances[s, k] = _max(chances[s, k] * fade + c, h)
                denied_prev[s, k] = pic.denied_n[i, k]
                hits_out[i, k] = h
                misses_out[i, k] = chances[s, k] - h
                seen_prev[s, k] = pic.seen_n[i, k]
                n_crowd = pic.crowd_n[i, k] - (crowd_prev[s, k] if known[i] else pic.crowd_n[i, k])
                crowd[s, k] = _min(crowd[s, k] * fade + _max(float(n_crowd), 0.0), h)
                crowd_out[i, k] = crowd[s, k]
                crowd_prev[s, k] = pic.crowd_n[i, k]
        else:
            # Picture.sensors is cumulative (every sensor that ever updated the track), so a hit
            # is attributed where it can be: a sensor's bit appearing, or an update of a track that
            # only one sensor has ever seen. Chances (scans in coverage) count while the updates
            # are attributable; after that only new bits add evidence (a second sensor seeing it).
            m = sensors[i]
            new = m & ~mask[s]
            n_bits = n_new = 0
            for k in range(S):
                n_bits += (m >> k) & 1
                n_new += (new >> k) & 1
            single = 1.0 if n_bits == 1 else 0.0
            updated = 1.0 if last_update[i] > last_update_s[s] and n_bits == 1 and n_new == 0 else 0.0
            for k in range(S):
                got = ((new >> k) & 1) + ((m >> k) & 1) * updated
                h = hits[s, k] * fade + got
                c = _chances(hit_s[s], k, got > 0, cover[i, k], t, period_s[k]) * (dt * single)
                hits[s, k] = h
                chances[s, k] = _max(chances[s, k] * fade + c, h)
                hits_out[i, k] = h
                misses_out[i, k] = chances[s, k] - h
                crowd_out[i, k] = crowd[s, k] = 0.0  # a crowd is counted per sensor, or not at all
        mask[s], last_update_s[s], last_s[s] = sensors[i], last_update[i], t
        # the ring, for loitering: (t, e, n, speed, heading, heading change since the previous
        # sample, wrapped to (-pi, pi]) every sample_dt_s; a sample's terms are computed once
        head, prev = ring_head[s], (ring_head[s] - 1) % K
        if t - ring_t[s, prev] >= sample_dt_s - 1e-6:
            psi = np.arctan2(ve, vn)
            ring_t[s, head], ring_sp[s, head], ring_psi[s, head] = t, speed, psi
            ring_en[s, head, 0], ring_en[s, head, 1] = x[i, 0], x[i, 1]
            d = psi - ring_psi[s, prev]
            ring_turn[s, head] = np.arctan2(np.sin(d), np.cos(d))
            ring_psi_sd[s, head] = _heading_sd(ve, vn, P[i]) if speed > _MOVING_MPS else np.nan
            ring_head[s] = (head + 1) % K
        height = alt[i] - site_alt
        height_ok[i] = np.isfinite(height) and np.sqrt(np.abs(P[i, 2, 2])) < 150.0
        out[0, i], out[1, i], out[2, i], out[3, i] = dt, t - first_s[s], speed_ew[s], height
        out[10, i] = _speed_sd(ve, vn, P[i])
        out[4, i] = _wander_stat(
            ring_t[s],
            ring_turn[s],
            ring_psi_sd[s],
            ring_head[s],
            tuning.wander_lag,
            tuning.wander_noise_rad,
            sample_dt_s,
            buf,
        )
        ring = (ring_t[s], ring_en[s], ring_sp[s], ring_turn[s])
        _loiter(t, ring, ring_head[s], window_s, sample_dt_s, out[5:, i], centre[i], scratch)


@jit
def _heading_sd(ve, vn, P):
    """Standard deviation (rad) of the heading atan2(ve, vn), from the velocity covariance
    P[3:5, 3:5] (first order)."""
    s2 = ve * ve + vn * vn
    var = (vn * vn * P[3, 3] + ve * ve * P[4, 4] - 2.0 * ve * vn * P[3, 4]) / (s2 * s2)
    return np.sqrt(_max(var, 0.0))


@jit
def _speed_sd(ve, vn, P):
    """Standard deviation (m/s) of the speed hypot(ve, vn), from the velocity covariance
    P[3:5, 3:5]: along the velocity (first order); at rest, of either component."""
    s2 = ve * ve + vn * vn
    if s2 < 1e-6:
        return np.sqrt(_max(0.5 * (P[3, 3] + P[4, 4]), 0.0))
    var = (ve * ve * P[3, 3] + vn * vn * P[4, 4] + 2.0 * ve * vn * P[3, 4]) / s2
    return np.sqrt(_max(var, 0.0))


@jit
def _wander_stat(ring_t, ring_turn, ring_psi_sd, head, lag, noise_max, sample_dt_s, buf):
    """Heading wander of one track from its ring (newest at head - 1): the median, over the ring,
    of |psi(t) - 2 psi(t - L) + psi(t - 2L)| (rad), L = lag samples: how much the turn rate changes
    from one lag to the next. A bird's heading random-walks, so this grows with sqrt(L); a craft
    flying legs or circles holds its turn rate, so it stays at the noise with a few spikes (its
    turns), which the median ignores. A triple counts when its three samples are moving, evenly
    spaced and their headings known to noise_max (combined); NaN when fewer than 3 count."""
    K = ring_t.shape[0]
    n = 0
    for j in range(K - 2 * lag):
        a, b, c = (head - 1 - j) % K, (head - 1 - j - lag) % K, (head - 1 - j - 2 * lag) % K
        sa, sb, sc = ring_psi_sd[a], ring_psi_sd[b], ring_psi_sd[c]
        noise = np.sqrt(sa * sa + 4.0 * sb * sb + sc * sc)
        even = ring_t[a] - ring_t[c] <= 2 * lag * sample_dt_s * 1.5 and ring_t[c] > -1e17
        if not (noise <= noise_max and even):  # NaN sd (standing) fails too
            continue
        d = 0.0
        moving = True  # every sample between a and c has a heading (its sd is not NaN)
        for m in range(lag):
            p, q = (head - 1 - j - m) % K, (head - 1 - j - lag - m) % K
            d += ring_turn[p] - ring_turn[q]
            moving = moving and ring_psi_sd[p] == ring_psi_sd[p] and ring_psi_sd[q] == ring_psi_sd[q]
        if moving:
            buf[n] = np.abs(d)
            n += 1
    return np.median(buf[:n]) if n >= 3 else np.nan


@jit
def _plateau(v, c, sd):
    """Log compatibility of v with c = (lo, hi, sigma below lo, sigma above hi): 0 on [lo, hi],
    half-Gaussian fall-off outside, each sigma at least sd."""
    below = _max(c[0] - v, 0.0) / _max(c[2], sd)
    above = _max(v - c[1], 0.0) / _max(c[3], sd)
    return -0.5 * (below * below + above * above)


@jit
def _mixture(v, comps, sd):
    """log sum_c share_c * exp(_plateau(v, c, sd)) over comps (C, 5) [log share, lo, hi, sigma lo,
    sigma hi], of an estimate v whose error has standard deviation sd: a fall-off's sigma already
    holds a settled track's error (KINEMATICS), so it widens to sd where sd is larger (a new or
    manoeuvring track's estimate). A component of log share -inf adds nothing."""
    out = -np.inf
    for j in range(comps.shape[0]):
        if comps[j, 0] > -np.inf:
            out = np.logaddexp(out, comps[j, 0] + _plateau(v, comps[j, 1:], sd))
    return out


@jit
def _lognormal(w, median, sigma):
    z = np.log(w / median) / sigma
    return np.exp(-0.5 * z * z) / (w * sigma * np.sqrt(2 * np.pi))


@jit
def _wander(w, c):
    """log of legs * LogNormal(c[1], c[2]) + (1 - legs) * LogNormal(c[3], c[4]), legs = c[0]
    (classify.WANDER); 0 (no evidence) when w is NaN."""
    if w != w:
        return 0.0
    w = _max(w, 1e-3)
    return np.log(c[0] * _lognormal(w, c[1], c[2]) + (1.0 - c[0]) * _lognormal(w, c[3], c[4]))


@jit
def _log_beta_seq(c, n, a, b):
    """log-probability of one sequence of n detections, c of them crowded, when the crowded share
    is Beta(a, b): log B(c + a, n - c + b) - log B(a, b)."""
    return (
        math.lgamma(c + a) + math.lgamma(n - c + b) - math.lgamma(n + a + b)
        - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    )  # fmt: skip


@jit
def identity(ident, mode_c, uav, ident_weight, mode_c_weight, rid_bit, out):
    """out (N, 3) += evidence of cooperative identity (ICAO -> aircraft unless `uav`, Remote ID
    or `uav` -> drone) and of a transponder altitude without Remote ID (-> aircraft)."""
    for i in range(ident.shape[0]):
        rid = ident[i] >= 0 and (ident[i] & rid_bit) != 0
        icao = ident[i] >= 0 and ident[i] < (1 << 24) and not uav[i]
        out[i, 0] += (ident_weight if icao else 0.0) + (mode_c_weight if mode_c[i] and not rid else 0.0)
        out[i, 1] += (ident_weight if uav[i] else 0.0) + (ident_weight if rid else 0.0)


def classify(ev: ClassifyRows, model: ClassifyModel, res: ClassifyOutputs) -> None:
    """Posterior (N, 3) over classify.KINDS, the class shown (N,) int8 and its probability, into
    res (ClassifyOutputs), from the rows' evidence ev (ClassifyRows) and the model (ClassifyModel)."""
    _classify(ev[:], model[:], res[:])


@jit
def _classify(ev_fields, model_fields, res_fields):
    """classify, compiled: its records come as plain tuples (see Records above)."""
    ev, model, res = ClassifyRows(*ev_fields), ClassifyModel(*model_fields), ClassifyOutputs(*res_fields)
    hits, misses, crowd, age, speed, height = ev.hits, ev.misses, ev.crowd, ev.age, ev.speed, ev.height
    speed_sd, height_ok, wander, ident_ll = ev.speed_sd, ev.height_ok, ev.wander, ev.ident_ll
    log_pd, log_miss, log_prior = model.log_pd, model.log_miss, model.log_prior
    log_pd_flock, log_miss_flock = model.log_pd_flock, model.log_miss_flock
    log_flock_share, plateaus, wanders = model.log_flock_share, model.plateaus, model.wanders
    radar, crowd_beta, log_crowd_share = model.radar, model.crowd_beta, model.log_crowd_share
    log_merged_share = model.log_merged_share
    log_pd_groups, log_miss_groups = model.log_pd_groups, model.log_miss_groups
    G = log_pd_groups.shape[0]
    log_g = np.log(float(G))
    kinematic_tau_s, kinematic_max_looks = model.kinematic_tau_s, model.kinematic_max_looks
    log_outlier = model.log_outlier
    llr_clip, unknown_below_p, codes = model.llr_clip, model.unknown_below_p, model.codes
    post, cls, cls_p, terms = res.post, res.cls, res.cls_p, res.terms
    S = hits.shape[1]
    L = np.empty(3)
    logp = np.empty(3)
    for i in range(hits.shape[0]):
        # detection: hits and misses per radar, the bird a mixture of a lone bird and a flock
        for k in range(3):
            a = b = 0.0
            for q in range(S):
                a += hits[i, q] * log_pd[q, k]
                b += misses[i, q] * log_miss[q, k]
            L[k] = a + b
        a = b = 0.0
        for q in range(S):
            a += hits[i, q] * log_pd_flock[q]
            b += misses[i, q] * log_miss_flock[q]
        # ... and how crowded its radar detections were (a flock's gate holds several plots), as
        # one object's (c1) or several objects' (cs: any share; a flock's members come and go)
        c = n = 0.0
        for q in range(S):
            c += radar[q] * crowd[i, q]
            n += radar[q] * hits[i, q]
        c1 = _log_beta_seq(c, n, crowd_beta[0], crowd_beta[1])
        cs = _log_beta_seq(c, n, 1.0, 1.0)
        alone = np.logaddexp(log_crowd_share[0] + c1, log_crowd_share[1] + cs)
        # the bird: lone; a flock in resolved plots, the track's plots echoing a group of its birds
        # each scan (one of G sizes, as likely); a flock the radar merges into one plot a scan,
        # seen as the flock (flock_size birds)
        grouped = -np.inf
        for g in range(G):
            lg = 0.0
            for q in range(S):
                lg += hits[i, q] * log_pd_groups[g, q] + misses[i, q] * log_miss_groups[g, q]
            grouped = np.logaddexp(grouped, lg)
        resolved = log_merged_share[0] + cs + grouped - log_g
        merged = log_merged_share[1] + c1 + (a + b)
        flock = log_flock_share[1] + np.logaddexp(resolved, merged)
        L[2] = np.logaddexp(log_flock_share[0] + L[2] + c1, flock)
        L[0] += alone
        L[1] += alone
        top = _max(_max(L[0], L[1]), L[2])
        # kinematics, worth a few looks (wander is NaN, no evidence, until its ring holds enough)
        # a look per kinematic_tau_s of age: a new track's state is made of the plots that got it
        # confirmed (a flock's two birds can make a 60 m/s start), no look yet, as they are no hits
        looks = _min(age[i] / kinematic_tau_s, kinematic_max_looks)
        h = height[i] if height_ok[i] else 0.0
        for k in range(3):
            # a wrong value now and then (outlier share): one implausible look is bounded
            sp = np.logaddexp(_mixture(speed[i], plateaus[k, 0], speed_sd[i]), log_outlier)
            ht = np.logaddexp(_mixture(h, plateaus[k, 1], 0.0), log_outlier) if height_ok[i] else 0.0
            wd = _wander(wander[i], wanders[k])
            det = _max(L[k] - top, -llr_clip)
            logp[k] = (log_prior[k] + det) + looks * (sp + ht + wd) + ident_ll[i, k]
            terms[i, 0, k], terms[i, 1, k] = log_prior[k], det
            terms[i, 2, k], terms[i, 3, k], terms[i, 4, k] = looks * sp, looks * ht, looks * wd
            terms[i, 5, k] = ident_ll[i, k]
        top = _max(_max(logp[0], logp[1]), logp[2])
        for k in range(3):
            post[i, k] = np.exp(logp[k] - top)
        total = post[i, 0] + post[i, 1] + post[i, 2]
        best = 0
        for k in range(3):
            post[i, k] /= total
            if post[i, k] > post[i, best] or (post[i, k] != post[i, k] and post[i, best] == post[i, best]):
                best = k  # np.argmax: the first largest, a NaN first of all
        cls_p[i] = post[i, best]
        cls[i] = codes[best] if cls_p[i] >= unknown_below_p else _UNKNOWN
