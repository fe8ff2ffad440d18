"""The integrity checks of integrity.py (radar corroboration, replayed twins) as compiled loops
over the cooperative tracks: the numpy versions there are the reference, and cost ~40 small array
operations per window whatever the number of tracks.
"""

from __future__ import annotations

import numpy as np

from airpicture.track.grid import CELL_M, near_pairs
from airpicture.track.integrity import (
    CORROBORATED_HITS,
    EARTH_RADIUS_M,
    MANOEUVRE_VRATE_MPS,
    MIN_HIT_SHARE,
    SPOOF_LOOKS,
    TWIN_ALT_M,
    TWIN_S,
    TWIN_SEPARATION_M,
    TWIN_SPEED_MPS,
)
from airpicture.track.kernels import _jit
from airpicture.track.table import CONFIRMED, OK, SPOOFED, SUSPECT


@_jit
def corroborate(
    alive, ident, x, mu, t_cov, radar_hits, flagged, integrity, t,
    ro, rM, rmax, rmin, rlook, r_air, r_drone, rid_bit, spoofed,
):  # fmt: skip
    """integrity.corroboration in place. ro (R, 3), rM (R, 3, 3), rmax, rmin, rlook, r_air,
    r_drone: position, rotation, max and min range, scan period and whether it sees aircraft /
    drones, of each active radar; spoofed: sorted identities found spoofed. Returns (seen mask
    over the table, whether the spoofed set must be updated)."""
    C = alive.shape[0]
    seen = np.zeros(C, np.bool_)
    changed = False
    for r in range(C):
        if not alive[r] or ident[r] < 0:
            continue
        p = np.zeros(3)
        for j in range(mu.shape[1]):
            for a in range(3):
                p[a] += mu[r, j] * x[r, j, a]
        drone = (ident[r] & rid_bit) != 0
        in_cov = False
        look = np.inf
        for q in range(ro.shape[0]):
            if not (r_drone[q] if drone else r_air[q]):
                continue
            d = rM[q] @ (p - ro[q])
            rr = np.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
            el = np.degrees(np.arcsin(min(max(d[2] / max(rr, 1.0), -1.0), 1.0)))
            if rmin[q] <= rr <= rmax[q] and el >= -0.5:
                in_cov = True
                look = min(look, rlook[q])
        if not in_cov:
            t_cov[r] = t
        looks = (t - t_cov[r]) / (look if np.isfinite(look) else 1.0) if in_cov else 0.0
        hits = radar_hits[r]
        seen[r] = hits >= CORROBORATED_HITS and hits >= MIN_HIT_SHARE * looks
        unseen = looks > SPOOF_LOOKS and hits < MIN_HIT_SHARE * looks
        state = OK if (not in_cov or seen[r]) else (SPOOFED if unseen else SUSPECT)
        i = np.searchsorted(spoofed, ident[r])
        known = i < spoofed.shape[0] and spoofed[i] == ident[r]
        fl = (flagged[r] or state == SPOOFED or known) and not seen[r]
        flagged[r] = fl
        integrity[r] = SPOOFED if fl else state
        changed = changed or (fl and not known) or (seen[r] and known)
    return seen, changed


@_jit
def replay(alive, status, ident, ids, x, mu, twin, twin_s, radar_hits, integrity, flagged, dt):
    """integrity.replay in place (pairs taken in order of rows, as the reference sorts them)."""
    rows = np.flatnonzero(alive & (ident >= 0) & (status == CONFIRMED))
    K = rows.shape[0]
    if K == 0:
        return
    xc = np.zeros((K, 6))
    for i in range(K):
        for j in range(mu.shape[1]):
            for a in range(6):
                xc[i, a] += mu[rows[i], j] * x[rows[i], j, a]
    # twins are within unit distance in (altitude, ve, vn) scaled by the TWIN_ tolerances
    feat = np.empty((K, 3))
    for i in range(K):
        alt = xc[i, 2] + (xc[i, 0] ** 2 + xc[i, 1] ** 2) / (2 * EARTH_RADIUS_M)
        feat[i, 0] = alt / TWIN_ALT_M * CELL_M
        feat[i, 1] = xc[i, 3] / TWIN_SPEED_MPS * CELL_M
        feat[i, 2] = xc[i, 4] / TWIN_SPEED_MPS * CELL_M
    ia, ib = near_pairs(feat[:, :2], np.full(K, CELL_M), feat[:, :2])
    first_a = np.full(K, -1, np.int64)  # partner of the first pair (a, b) where the track is a
    first_b = np.full(K, -1, np.int64)  # ... or, when it is never a, where it is b
    for q in range(ia.shape[0]):
        a, b = ia[q], ib[q]
        if a >= b:
            continue
        if np.sqrt(np.sum((feat[a] - feat[b]) ** 2)) > CELL_M:
            continue
        if np.hypot(xc[a, 0] - xc[b, 0], xc[a, 1] - xc[b, 1]) <= TWIN_SEPARATION_M:
            continue
        if first_a[a] < 0:
            first_a[a] = b
        if first_b[b] < 0:
            first_b[b] = a
    for i in range(K):
        r = rows[i]
        o = first_a[i] if first_a[i] >= 0 else first_b[i]
        twin_of = ids[rows[o]] if o >= 0 else -1
        climb = xc[i, 5] + (xc[i, 0] * xc[i, 3] + xc[i, 1] * xc[i, 4]) / EARTH_RADIUS_M
        turning = mu[r, 1:].sum() > 0.5
        man = 1.0 if (abs(climb) > MANOEUVRE_VRATE_MPS or turning) else 0.0
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
        if not twin_s[r] > TWIN_S:
            continue
        partner = -1
        for q in range(alive.shape[0]):
            if alive[q] and ids[q] == twin[r]:
                partner = q
                break
        if partner < 0:
            continue
        p_hits = radar_hits[partner]
        if p_hits >= CORROBORATED_HITS and radar_hits[r] * 5 < p_hits:
            integrity[r] = SPOOFED
            flagged[r] = True


__all__ = ["corroborate", "replay"]
