"""Compiled integrity checks over a picture's cooperative tracks (radar.py says what they judge).

Letters: x (N, 6) the picture's states [e n u ve vn vu]; per track of the picture: ident,
radar_hits, manoeuvre_p, and the check's own memory (expected plots, looks, hits at entry,
flagged, twin, twin_s) gathered
into picture order.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.integrity.base import OK, SPOOFED, SUSPECT
from airpicture.track.gate import CELL_M, near_pairs

EARTH_RADIUS_M = 6371000.0


@jit
def corroborate(ident, radar_hits, coverage, dt, memory, spoofed, rules):
    """Radar corroboration of the picture's cooperative tracks, in place on memory = (expected,
    looks, hits0, flagged): since the track entered radar coverage, the plots expected if it is real
    (sum over looks of Pd), the radar looks, and its radar hits when it entered. coverage:
    (hit_rate, look_rate) (N,) expected plots and looks per second now (0: no radar that sees what
    the identity claims to be covers it); dt: time since the previous picture; spoofed: sorted
    identities found spoofed; rules: (corroborating hits, P(stray hit), log LR suspect, log LR
    spoofed).

    Each look hits a real object with the radars' Pd (p = expected / looks, the look-weighted Pd of
    the radars that covered it), a broadcast that nothing echoes only with P(stray hit) ps, so
    for h hits in n looks the log likelihood ratio spoofed : real is
    (n - h) log((1 - ps) / (1 - p)) + h log(ps / p): each look without a plot adds evidence, each
    plot takes it off. Returns (integrity, seen, whether the spoofed set must be updated)."""
    expected, looks, hits0, flagged = memory
    hit_rate, look_rate = coverage
    hits_needed, ps, llr_suspect, llr_spoofed = rules
    N = ident.shape[0]
    integrity = np.zeros(N, np.int8)
    seen = np.zeros(N, np.bool_)
    changed = False
    for r in range(N):
        if ident[r] < 0:
            continue
        hits = radar_hits[r]
        in_cov = look_rate[r] > 0.0
        if in_cov:
            expected[r] += hit_rate[r] * dt
            looks[r] += look_rate[r] * dt
        else:
            expected[r] = looks[r] = 0.0
            hits0[r] = hits
        h = min(float(hits - hits0[r]), looks[r])
        llr = 0.0
        if looks[r] > 0.0:
            p = min(max(expected[r] / looks[r], ps + 1e-6), 1.0 - 1e-6)
            llr = (looks[r] - h) * np.log((1.0 - ps) / (1.0 - p)) + h * np.log(ps / p)
        seen[r] = in_cov and hits - hits0[r] >= hits_needed and llr < 0.0
        state = OK
        if in_cov and not seen[r]:
            state = SPOOFED if llr >= llr_spoofed else (SUSPECT if llr >= llr_suspect else OK)
        i = np.searchsorted(spoofed, ident[r])
        known = i < spoofed.shape[0] and spoofed[i] == ident[r]
        fl = (flagged[r] or state == SPOOFED or known) and not seen[r]
        flagged[r] = fl
        integrity[r] = SPOOFED if fl else state
        changed = changed or (fl and not known) or (seen[r] and known)
    return integrity, seen, changed


@jit
def replay(x, ident, ids, radar_hits, manoeuvre_p, memory, integrity, dt, rules):
    """Twin time of the picture's cooperative tracks, and the replayed twins flagged (in place on
    memory = (twin, twin_s, flagged) and integrity). rules: (twin altitude m, twin speed m/s,
    separation m, twin s, manoeuvre vertical rate m/s, corroborating hits)."""
    twin, twin_s, flagged = memory
    twin_alt, twin_speed, separation, twin_time, man_vrate, hits_needed = rules
    rows = np.flatnonzero(ident >= 0)
    K = rows.shape[0]
    if K == 0:
        return
    # twins are within unit distance in (altitude, ve, vn) scaled by the twin tolerances
    feat = np.empty((K, 3))
    for i in range(K):
        xr = x[rows[i]]
        # height above the Earth, not ENU up: the tangent plane falls away ~d^2 / 2R with distance
        alt = xr[2] + (xr[0] ** 2 + xr[1] ** 2) / (2 * EARTH_RADIUS_M)
        feat[i, 0] = alt / twin_alt * CELL_M
        feat[i, 1] = xr[3] / twin_speed * CELL_M
        feat[i, 2] = xr[4] / twin_speed * CELL_M
    ia, ib = near_pairs(feat[:, :2], np.full(K, CELL_M), feat[:, :2])
    first_a = np.full(K, -1, np.int64)  # partner of the first pair (a, b) where the track is a
    first_b = np.full(K, -1, np.int64)  # ... or, when it is never a, where it is b
    for q in range(ia.shape[0]):
        a, b = ia[q], ib[q]
        if a >= b:
            continue
        if np.sqrt(np.sum((feat[a] - feat[b]) ** 2)) > CELL_M:
            continue
        xa, xb = x[rows[a]], x[rows[b]]
        if np.hypot(xa[0] - xb[0], xa[1] - xb[1]) <= separation:
            continue
        if first_a[a] < 0:
            first_a[a] = b
        if first_b[b] < 0:
            first_b[b] = a
    for i in range(K):
        r = rows[i]
        o = first_a[i] if first_a[i] >= 0 else first_b[i]
        twin_of = ids[rows[o]] if o >= 0 else -1
        xr = x[r]
        # climb rate is d(height)/dt, not the ENU vertical velocity: far from the site the tangent
        # plane tilts, and level flight 100 km away has 3-4 m/s of ENU "up" velocity
        climb = xr[5] + (xr[0] * xr[3] + xr[1] * xr[4]) / EARTH_RADIUS_M
        turning = manoeuvre_p[r] > 0.5  # the IMM's manoeuvre (or jump) modes dominate
        man = 1.0 if (abs(climb) > man_vrate or turning) else 0.0
        if twin_of >= 0 and twin_of == twin[r]:
            twin_s[r] += dt * man
        elif twin_of >= 0:
            twin_s[r] = 0.0
        else:
            twin_s[r] = max(twin_s[r] - 2 * dt, 0.0)
        if twin_of >= 0:
            twin[r] = twin_of
    for i in range(K):
        r = rows[i]
        if not twin_s[r] > twin_time:
            continue
        partner = -1
        for q in range(ids.shape[0]):
            if ids[q] == twin[r]:
                partner = q
                break
        if partner < 0:
            continue
        p_hits = radar_hits[partner]
        # the twin the radar confirms is real; the other, seen by the radar a fraction as often, is not
        if p_hits >= hits_needed and radar_hits[r] * 5 < p_hits:
            integrity[r] = SPOOFED
            flagged[r] = True


__all__ = ["EARTH_RADIUS_M", "corroborate", "replay"]
