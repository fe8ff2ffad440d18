"""Compiled integrity checks over a picture's cooperative tracks (radar.py says what they judge).

Letters: x (N, 6) the picture's states [e n u ve vn vu]; per track of the picture: ident,
radar_hits, manoeuvre_p, and the stage's own memory (expected plots, looks, hits at entry,
flagged, twin, twin_s) gathered into picture order. Evidence is a log10 likelihood ratio
spoofed : real per track and per check; `decide` adds them up and marks the track.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.integrity.base import OK, SPOOFED, SUSPECT
from airpicture.track.gate import CELL_M, near_pairs
from airpicture.types import IntegrityReason

LOG10E = float(np.log10(np.e))
R_RADAR, R_TWIN = int(IntegrityReason.RADAR_SILENT), int(IntegrityReason.REPLAY_TWIN)


@jit
def corroborate(ident, radar_hits, coverage, dt, memory, rules):
    """Radar corroboration of the picture's cooperative tracks, in place on memory = (expected,
    looks, hits0): since the track entered radar coverage, the plots expected if it is real (sum
    over looks of Pd), the radar looks, and its radar hits when it entered. coverage: (hit_rate,
    look_rate) (N,) expected plots and looks per second now (0: no radar that sees what the
    identity claims to be covers it); dt: time since the previous picture; rules: (corroborating
    hits, P(stray hit)).

    Each look hits a real object with the radars' Pd (p = expected / looks, the look-weighted Pd of
    the radars that covered it), a broadcast that nothing echoes only with P(stray hit) ps, so
    for h hits in n looks the log likelihood ratio spoofed : real is
    (n - h) log((1 - ps) / (1 - p)) + h log(ps / p): each look without a plot adds evidence, each
    plot takes it off. Returns (log10 LR (N,), seen: inside coverage and corroborated)."""
    expected, looks, hits0 = memory
    hit_rate, look_rate = coverage
    hits_needed, ps = rules
    N = ident.shape[0]
    l10 = np.zeros(N)
    seen = np.zeros(N, np.bool_)
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
        if in_cov:
            l10[r] = llr * LOG10E
    return l10, seen


#: Columns of heard.HeardAddresses' memory (one row per address): its last report (time, e, n,
#: height, ve, vn), climb and turn over the reports, the reference they are measured from, whether
#: it manoeuvres, and its twin evidence (time, last agreement, how much its geometry counts, LR).
T, E, N, H, VE, VN, CLIMB, TURN, T_REF, H_REF, TRK_REF, MAN, TWIN_S, TWIN_LAST, COUNTS, L10 = range(16)
HEARD_COLUMNS = 16
#: How much a second of agreement counts while both manoeuvre (climb, descend, turn) at once.
JOINT_MANOEUVRE = 2.0


@jit
def remember(mem, pos, rep, rules):
    """Each address's last report into its memory row pos[k] (in place); rep: (time, e, n, height,
    speed, track, vertical rate) arrays, one report per address. Climb and turn are measured over
    at least rules[0] s of reports (a broadcast vertical rate wins); a reference older than a
    minute starts afresh. rules: (slope s, manoeuvre climb m/s, manoeuvre turn rad/s)."""
    t, e, n, h, speed, trk, vrate = rep
    slope_s, man_climb, man_turn = rules
    for k in range(pos.shape[0]):
        m = mem[pos[k]]
        m[T], m[E], m[N], m[H] = t[k], e[k], n[k], h[k]
        m[VE], m[VN] = speed[k] * np.sin(trk[k]), speed[k] * np.cos(trk[k])
        span = t[k] - m[T_REF]
        if span >= slope_s:
            climb = (h[k] - m[H_REF]) / span if not np.isfinite(vrate[k]) else vrate[k]
            turn = np.angle(np.exp(1j * (trk[k] - m[TRK_REF]))) / span
            if span < 60.0:
                m[CLIMB], m[TURN] = climb, turn
                m[MAN] = 1.0 if abs(climb) > man_climb or abs(turn) > man_turn else 0.0
            else:
                m[CLIMB] = m[TURN] = m[MAN] = 0.0
        if not span < slope_s:  # due, stale or never set
            m[T_REF], m[H_REF], m[TRK_REF] = t[k], h[k], trk[k]


@jit
def twins(mem, live, ident, twin, now, dt, rules):
    """Replay twins among the addresses heard lately (rows `live` of the memory, by address):
    time each has agreed with another in height and velocity, far apart, in a geometry real
    traffic rarely keeps, and the log10 LR spoofed-pair : real-pair of that time (in place on the
    memory and twin). rules: (height m, speed m/s, separation m, |cos| of an in-trail offset,
    log10 LR at the shortest twin time, that time s, tail s, reports compared when this close in
    time s, an agreement lasts this long s).

    Two addresses are compared only on reports of about the same time (broadcast velocities are
    noisy from one second to the next; a replay repeats them). Two real aircraft at one level on
    one airway agree in height and velocity for minutes, but one behind the other (the offset
    along the track) and not through turns and climbs, which the follower flies later, where the
    leader did. So only time abeam (offset across the track) or manoeuvring counts, and time both
    manoeuvre in step counts JOINT_MANOEUVRE times: two real aircraft at one height and velocity
    seldom start and end a climb or turn together, and a replay always does. The rate real pairs
    keep that up falls exponentially with the time (tail s), from the measured rate at the
    shortest time: the LR is its inverse."""
    tol_alt, tol_v, separation, cos_along, l10_min, t_min, tail, same_t, hold = rules
    K = live.shape[0]
    if K == 0:
        return
    # e, n brought to now for the geometry; height and velocity as broadcast
    state = np.empty((K, 5))
    feat = np.empty((K, 3))  # candidates are within unit distance in (height, ve, vn) / tolerances
    for i in range(K):
        m = mem[live[i]]
        age = now - m[T]
        state[i, 0], state[i, 1] = m[E] + m[VE] * age, m[N] + m[VN] * age
        state[i, 2], state[i, 3], state[i, 4] = m[H], m[VE], m[VN]
        feat[i, 0] = m[H] / tol_alt * CELL_M
        feat[i, 1] = m[VE] / tol_v * CELL_M
        feat[i, 2] = m[VN] / tol_v * CELL_M
    ids = ident[live]
    for a in range(K):  # the twin each had: compared again where it can be
        ma = mem[live[a]]
        if twin[live[a]] < 0:
            continue
        b = np.searchsorted(ids, twin[live[a]])
        if b < K and ids[b] == twin[live[a]] and abs(ma[T] - mem[live[b], T]) <= same_t:
            ok, counts = _agree(state, feat, a, b, separation, cos_along, ma[MAN], mem[live[b], MAN])
            if ok:
                ma[TWIN_LAST] = now
                ma[COUNTS] = counts
            else:  # they parted: no pair, so no evidence left to attribute
                twin[live[a]] = -1
                ma[TWIN_S] = ma[L10] = 0.0
    ia, ib = near_pairs(feat[:, :2], np.full(K, CELL_M), feat[:, :2])
    for q in range(ia.shape[0]):  # a new twin for those without one
        a, b = ia[q], ib[q]
        ma = mem[live[a]]
        if a == b or twin[live[a]] >= 0 or abs(ma[T] - mem[live[b], T]) > same_t:
            continue
        ok, counts = _agree(state, feat, a, b, separation, cos_along, ma[MAN], mem[live[b], MAN])
        if ok:
            twin[live[a]] = ids[b]
            ma[TWIN_S], ma[TWIN_LAST], ma[COUNTS] = 0.0, now, counts
    for a in range(K):
        ma = mem[live[a]]
        if twin[live[a]] < 0:
            continue
        if now - ma[TWIN_LAST] <= hold:
            ma[TWIN_S] += dt * ma[COUNTS]
        else:  # no comparison for a while: the evidence fades
            ma[TWIN_S] = max(ma[TWIN_S] - 2 * dt, 0.0)
            if ma[TWIN_S] == 0.0:
                twin[live[a]] = -1
        ma[L10] = l10_min + (ma[TWIN_S] - t_min) / tail * LOG10E if ma[TWIN_S] >= t_min else 0.0


@jit
def _agree(state, feat, a, b, separation, cos_along, man_a, man_b):
    """Whether addresses a and b agree as twins, and how much their time counts as evidence: 0
    in trail in steady flight, 1 abeam or while one manoeuvres, JOINT_MANOEUVRE while both do."""
    if np.sqrt(np.sum((feat[a] - feat[b]) ** 2)) > CELL_M:
        return False, 0.0
    de, dn = state[b, 0] - state[a, 0], state[b, 1] - state[a, 1]
    sep = np.hypot(de, dn)
    if sep <= separation:
        return False, 0.0
    speed = np.hypot(state[a, 3], state[a, 4])
    along = speed > 0.0 and abs(de * state[a, 3] + dn * state[a, 4]) / (sep * speed) > cos_along
    if man_a > 0.0 and man_b > 0.0:
        return True, JOINT_MANOEUVRE
    return True, 1.0 if man_a > 0.0 or man_b > 0.0 or not along else 0.0


@jit
def decide(ident, radar_hits, evidence, seen, pairs, memory, spoofed, rules):
    """Integrity of the picture's cooperative tracks from the checks' evidence (log10 LR each,
    (N,): radar, twin, reports, and the reports' reason), in place on memory = (flagged, why: the
    reason it was flagged for); pairs: (row of each track's twin or -1, (2, N) whether no state
    holds its address, and its twin's); spoofed: (identities found spoofed, sorted; their reasons).

    A twin is a replay when the radar corroborates its partner and not it, or else when no state
    holds its address and one holds its partner's; when nothing tells them apart, either may be
    the replay, so the pair's evidence makes both suspect, never spoofed. A track found spoofed
    stays spoofed (and its identity in its later tracks) until a radar corroborates it; it keeps
    the reason it was found out for. rules: (corroborating hits, log10 suspect LR, log10 spoofed
    LR). Returns (integrity, reason, total log10 LR, whether the spoofed set must be updated)."""
    radar, twin, report, report_reason = evidence
    flagged, why = memory
    partner, stateless = pairs
    spoofed_ids, spoofed_why = spoofed
    hits_needed, l10_suspect, l10_spoofed = rules
    N = ident.shape[0]
    integrity = np.zeros(N, np.int8)
    reason = np.zeros(N, np.int8)
    total = np.zeros(N)
    changed = False
    for r in range(N):
        if ident[r] < 0:
            continue
        t = twin[r]
        p = partner[r]
        if t > 0.0:
            attributed = p >= 0 and radar_hits[p] >= hits_needed and radar_hits[r] * 5 < radar_hits[p]
            radar_real = seen[r] or (
                radar_hits[r] >= hits_needed and (p < 0 or not radar_hits[r] * 5 < radar_hits[p])
            )
            if not attributed and not radar_real and stateless[0, r] != stateless[1, r]:
                attributed = stateless[0, r]  # the address no state holds is the made-up one
                radar_real = not stateless[0, r]
            if radar_real:
                t = 0.0  # this one is real: its twin is the replay
            elif not attributed:
                t = min(t, l10_suspect)
        parts = (radar[r], t, report[r])
        s = parts[0] + parts[1] + parts[2]
        total[r] = s
        best = 0.0
        for k in range(3):
            if parts[k] > best:
                best = parts[k]
                reason[r] = R_RADAR if k == 0 else (R_TWIN if k == 1 else report_reason[r])
        state = SPOOFED if s >= l10_spoofed else (SUSPECT if s >= l10_suspect else OK)
        i = np.searchsorted(spoofed_ids, ident[r])
        known = i < spoofed_ids.shape[0] and spoofed_ids[i] == ident[r]
        if state == SPOOFED:
            why[r] = reason[r]
        elif known and not flagged[r]:
            why[r] = spoofed_why[i]
        fl = (flagged[r] or state == SPOOFED or known) and not seen[r]
        flagged[r] = fl
        integrity[r] = SPOOFED if fl else state
        if fl:
            reason[r] = why[r]
        elif state == OK:
            reason[r] = 0
        changed = changed or (fl and not known) or (seen[r] and known)
    return integrity, reason, total, changed


__all__ = ["HEARD_COLUMNS", "corroborate", "decide", "remember", "twins"]
