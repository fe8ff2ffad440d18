"""Compiled per-report checks of ReportIntegrity (reports.py says what they judge and why).

An address's memory is one row of `state` (C, NCOL) float64, columns named below; NaN where not
known. Evidence columns hold log10 likelihood ratios spoofed : real, each decayed with the
report time (half life) before more is added.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit

# last report time of any kind
SEEN_T = 0
# the address's track: last position believed (time, lat, lon, alt m), its velocity (gs m/s, track rad)
REF_T, REF_LAT, REF_LON, REF_ALT, REF_GS, REF_TRK = 1, 2, 3, 4, 5, 6
REF_CONF_T = 7  # last time a report agreed with the track
# a position off the track, waiting for confirmation: time, lat, lon, alt, reports, first time
CAND_T, CAND_LAT, CAND_LON, CAND_ALT, CAND_N, CAND_T0 = 8, 9, 10, 11, 12, 13
VEL_T, VEL_GS, VEL_TRK, VEL_VR = 14, 15, 16, 17  # latest broadcast velocity
# the last position believed before any evidence: where a real aircraft would go on from
ANC_T, ANC_LAT, ANC_LON, ANC_GS, ANC_TRK = 18, 19, 20, 21, 22
SLOW_T0, SLOW_T = 23, 24  # start of the current slow-and-high run; time it was last counted
EV_T = 25  # time the evidence columns were last decayed
# kinematics (jumps, slow and high), outlier rate (binomial, floored at 0), two places, beyond
# range, receiver misses, quality
EV_KIN, EV_OUT, EV_TWO, EV_RANGE, EV_MISS, EV_QUAL = 26, 27, 28, 29, 30, 31
N_GOOD, N_OUT, N_JUMP, N_TWO, N_RETURN, N_BEYOND = 32, 33, 34, 35, 36, 37
PENDING = (
    38  # 1 after a sustained jump or a gap, until a position with a normal speed is checked for a return
)
N_ALT = 39  # reports whose position fits but whose altitude jumps (garbled Mode C / Gillham codes)
CAND_ALT_ONLY = 40  # 1 when the candidate is off the track in altitude only
N_VEL = 41  # broadcast velocities that change faster than an aircraft can turn or accelerate
VEL_BAD = 42  # time of the last broadcast velocity that was such an outlier (not taken); NaN: none
# the highest recent broadcast speed, falling by at most accel_mps2 a second, and its time: an
# aircraft seen at 128 m/s 3 s ago is not at 0 now whatever one message says
SPD, SPD_T = 43, 44
NCOL = 45
#: evidence columns in IntegrityReason order of the reasons they stand for
EVIDENCE = (EV_KIN, EV_OUT, EV_TWO, EV_RANGE, EV_MISS, EV_QUAL)

EARTH_RADIUS_M = 6371000.0


@jit
def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine), m; degrees in."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(min(1.0, np.sqrt(a)))


@jit
def _decay(state, r, t, half_life):
    dt = t - state[r, EV_T]
    if not dt > 0:  # NaN (first report) or a report older than the last decay
        if not np.isfinite(state[r, EV_T]):
            state[r, EV_T] = t
        return
    f = 0.5 ** (dt / half_life)
    for c in (EV_KIN, EV_OUT, EV_TWO, EV_RANGE, EV_MISS, EV_QUAL):
        state[r, c] *= f
    state[r, EV_T] = t


@jit
def _allowed(dt, gs_a, gs_b, slack, rules):
    """How far (m) a real aircraft can be from where its last position and velocity put it after
    dt s (readsb speed_check): slack + (dt + jitter) * (margin * the larger broadcast speed +
    accel * dt), no broadcast speed: the guess; capped at the highest speed."""
    jitter, margin, accel, guess, vmax = rules[1], rules[2], rules[3], rules[4], rules[5]
    g = -1.0
    if np.isfinite(gs_a):
        g = gs_a
    if np.isfinite(gs_b) and gs_b > g:
        g = gs_b
    v = guess if g < 0 else margin * g + accel * dt
    return slack + (dt + jitter) * min(v, vmax)


@jit
def _speed(state, r, t, rules):
    """The highest recent broadcast speed, let fall by accel_mps2 a second since (NaN: none)."""
    return state[r, SPD] - rules[3] * max(t - state[r, SPD_T], 0.0)


@jit
def _misfit(state, r, t, lat, lon, alt, slack, rules, cand):
    """How the report fits the track (cand False) or the off-track candidate (cand True): 0 it
    fits, 1 its position is out of reach, 2 only its altitude is."""
    c_t, c_lat = (CAND_T, CAND_LAT) if cand else (REF_T, REF_LAT)
    c_lon, c_alt = (CAND_LON, CAND_ALT) if cand else (REF_LON, REF_ALT)
    dt = max(t - state[r, c_t], 0.0)
    reach = _allowed(dt, _speed(state, r, t, rules), state[r, VEL_GS], slack, rules)
    d = distance_m(state[r, c_lat], state[r, c_lon], lat, lon)
    if d > reach and not _along(state, r, state[r, c_lat], state[r, c_lon], lat, lon, dt, d, reach, rules):
        return 1
    if np.isfinite(alt) and np.isfinite(state[r, c_alt]):
        vr = abs(state[r, VEL_VR]) if np.isfinite(state[r, VEL_VR]) else 0.0
        climb = max(1.5 * vr, rules[6])
        if abs(alt - state[r, c_alt]) > rules[7] + (dt + rules[1]) * climb:
            return 2
    return 0


@jit
def _along(state, r, lat0, lon0, lat, lon, dt, d, reach, rules):
    """Whether a position out of reach lies on the broadcast track, up to fix_time_error_s of
    flight ahead or behind: a fix labelled with a neighbouring message's time (state vectors,
    merged feeds) is mistimed, not misplaced. Off the track it may be off by what the circle allows
    in dt (turns), along it by (dt + fix_time_error_s) of the allowed speed."""
    gs, trk = state[r, VEL_GS], state[r, VEL_TRK]
    if not (np.isfinite(gs) and np.isfinite(trk)) or d > 50.0 * reach:
        return False
    dn = np.radians(lat - lat0) * EARTH_RADIUS_M
    dl = (lon - lon0 + 180.0) % 360.0 - 180.0  # across the antimeridian the short way
    de = np.radians(dl) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    along = de * np.sin(trk) + dn * np.cos(trk)
    cross = abs(de * np.cos(trk) - dn * np.sin(trk))
    slip = rules[23] * min(rules[2] * gs + rules[3] * dt, rules[5])
    return cross <= reach and -slip - reach <= along <= dt * gs + slip + reach


@jit
def _take(state, r, t, lat, lon, alt, believed):
    """The report becomes the track's last position (and the anchor when nothing is held against it)."""
    state[r, REF_T], state[r, REF_LAT], state[r, REF_LON] = t, lat, lon
    if np.isfinite(alt):
        state[r, REF_ALT] = alt
    if np.isfinite(state[r, VEL_GS]) and abs(t - state[r, VEL_T]) < 10.0:
        state[r, REF_GS], state[r, REF_TRK] = state[r, VEL_GS], state[r, VEL_TRK]
    state[r, REF_CONF_T] = t
    if believed:
        state[r, ANC_T], state[r, ANC_LAT], state[r, ANC_LON] = t, lat, lon
        state[r, ANC_GS], state[r, ANC_TRK] = state[r, REF_GS], state[r, REF_TRK]


@jit
def _event(state, r, jump_m, claims, rules):
    """log10 LR of a sustained jump (or second track) of jump_m, and the quality evidence when it
    lies beyond the containment radius the address claims."""
    k, p_out, cap, q_cap = rules[8], rules[10], rules[12], rules[20]
    llr = min(k * np.log10(1.0 / p_out), cap)
    rc, pe = claims[r, 0], claims[r, 1]
    if np.isfinite(rc) and np.isfinite(pe) and jump_m > rc:
        state[r, EV_QUAL] += min(np.log10(1.0 / pe), q_cap)
    return llr


@jit
def judge_reports(rep, state, rx, claims, rules):
    """Run the per-report checks over one window's reports, in time order, in place on state.

    rep: (t, lat, lon, alt, gs, trk, vr, row, sensor) (K,) columns of the reports (row: the
    address's state row); rx: (S, 5) per sensor [lat, lon, alt m, hearing limit m (inf: none
    stated), 4 sigma of position noise m]; claims: (C, 3) per row [containment radius m, SIL
    probability of exceeding it, may fly slow and high] (NaN / 0 unknown); rules: the settings
    (reports.py `_rules`). Returns the number of reports older than their address's last
    position (not judged)."""
    t_, lat_, lon_, alt_, gs_, trk_, vr_, row_, sensor_ = rep
    half_life, k_conf, cand_s = rules[0], rules[8], rules[9]
    p_out, p_spf = rules[10], rules[11]
    out_llr = np.log10(p_spf / p_out)
    good_llr = np.log10((1.0 - p_spf) / (1.0 - p_out))
    late = 0
    for i in range(t_.shape[0]):
        r, s, t = row_[i], sensor_[i], t_[i]
        lat, lon, alt = lat_[i], lon_[i], alt_[i]
        _decay(state, r, t, half_life)
        state[r, SEEN_T] = max(state[r, SEEN_T], t) if np.isfinite(state[r, SEEN_T]) else t
        take = np.isfinite(gs_[i])
        if take and _turns_too_fast(state, r, t, gs_[i], trk_[i], rules):
            # one garbled velocity is one outlier, not two (in and back out): it is not taken; a
            # second receiver's copy counts nothing; a later second one in a row that disagrees
            # with the last taken one is taken (that one was wrong, or the change is real)
            bad = state[r, VEL_BAD]
            take = np.isfinite(bad) and t - bad > 0.2
            if not np.isfinite(bad):
                state[r, N_VEL] += 1
                state[r, EV_OUT] += out_llr
                state[r, VEL_BAD] = t
        if take:
            state[r, VEL_BAD] = np.nan
            state[r, SPD] = max(gs_[i], _speed(state, r, t, rules)) if np.isfinite(state[r, SPD]) else gs_[i]
            state[r, SPD_T] = t
            state[r, VEL_T], state[r, VEL_GS], state[r, VEL_TRK] = t, gs_[i], trk_[i]
            state[r, VEL_VR] = vr_[i]
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue
        # heard from beyond the receiver's range or radio horizon
        if np.isfinite(rx[s, 3]) and distance_m(rx[s, 0], rx[s, 1], lat, lon) > _hearing(rx, s, alt, rules):
            state[r, EV_RANGE] += rules[15]
            state[r, N_BEYOND] += 1
        # slow and high: a ground speed no aircraft keeps at that altitude
        slow = (
            np.isfinite(alt) and alt > rules[16] and np.isfinite(state[r, VEL_GS])
            and state[r, VEL_GS] < rules[17] and claims[r, 2] == 0.0
        )  # fmt: skip
        if slow:
            if not np.isfinite(state[r, SLOW_T0]):
                state[r, SLOW_T0] = state[r, SLOW_T] = t
            elif t - state[r, SLOW_T0] >= rules[18]:
                state[r, EV_KIN] += rules[19] * max(t - state[r, SLOW_T], 0.0) / 60.0
                state[r, SLOW_T] = t
        else:
            state[r, SLOW_T0] = state[r, SLOW_T] = np.nan
        held = state[r, EV_KIN] + state[r, EV_OUT] + state[r, EV_TWO] + state[r, EV_QUAL]
        believed = not slow and held < 0.5
        if not np.isfinite(state[r, REF_T]):
            _take(state, r, t, lat, lon, alt, True)
            continue
        if t < state[r, REF_T] - rules[1]:
            late += 1
            continue
        slack = rules[13] + rx[s, 4]
        if np.isfinite(state[r, CAND_T]) and t - state[r, CAND_T] > cand_s:
            state[r, CAND_T] = state[r, CAND_N] = np.nan  # an isolated error, forgotten
        misfit = _misfit(state, r, t, lat, lon, alt, slack, rules, False)
        if misfit == 0:
            if t - state[r, REF_T] > cand_s:
                state[r, PENDING] = 1.0  # after a gap
            if state[r, PENDING] > 0 and not slow:
                state[r, PENDING] = 0.0
                believed = believed or _returned(state, r, t, lat, lon, slack, rules)
            _take(state, r, t, lat, lon, alt, believed)
            state[r, N_GOOD] += 1
            state[r, EV_OUT] = max(state[r, EV_OUT] + good_llr, 0.0)
            continue
        # misfit 2: the position fits, the altitude jumps. Common in real feeds (a garbled altitude
        # code, another aircraft's reply): no evidence alone, only if sustained in place of the track
        alt_only = misfit == 2
        state[r, N_ALT] += 1 if alt_only else 0
        if np.isfinite(state[r, CAND_T]) and _misfit(state, r, t, lat, lon, alt, slack, rules, True) == 0:
            # another receiver's copy of the same message confirms nothing
            state[r, CAND_N] += 1.0 if t - state[r, CAND_T] > 0.2 else 0.0
        else:  # a new off-track position: an outlier unless others confirm it
            state[r, CAND_N], state[r, CAND_T0] = 1.0, t
            state[r, CAND_ALT_ONLY] = 1.0 if alt_only else 0.0
            if not alt_only:
                state[r, N_OUT] += 1
                state[r, EV_OUT] += out_llr
        state[r, CAND_T], state[r, CAND_LAT], state[r, CAND_LON] = t, lat, lon
        state[r, CAND_ALT] = alt
        if state[r, CAND_N] < k_conf:
            continue
        jump = distance_m(state[r, REF_LAT], state[r, REF_LON], lat, lon)
        if state[r, REF_CONF_T] >= state[r, CAND_T0]:
            if state[r, CAND_ALT_ONLY] > 0:  # garbled altitudes among good ones: noise
                state[r, CAND_T] = state[r, CAND_N] = np.nan
                continue
            # the track goes on while another position is confirmed: two places at once
            if state[r, CAND_N] == k_conf:
                state[r, EV_TWO] += _event(state, r, jump, claims, rules)
                state[r, N_TWO] += 1
            else:
                state[r, EV_TWO] += out_llr
            continue
        back = not slow and state[r, CAND_ALT_ONLY] == 0 and _returned(state, r, t, lat, lon, slack, rules)
        state[r, PENDING] = 1.0 if slow else 0.0
        if not back:  # a sustained jump: its outliers were not isolated errors after all
            if state[r, CAND_ALT_ONLY] == 0:
                state[r, EV_OUT] = max(state[r, EV_OUT] - out_llr, 0.0)
            state[r, EV_KIN] += _event(state, r, jump, claims, rules)
            state[r, N_JUMP] += 1
        _take(state, r, t, lat, lon, alt, back)
        state[r, CAND_T] = state[r, CAND_N] = np.nan
    return late


@jit
def _turns_too_fast(state, r, t, gs, trk, rules):
    """Whether a broadcast velocity differs from the last one by more than max_accel_mps2 allows in
    the time between (+ velocity_slack_mps of noise) and by more than velocity_change_share of the
    speed (a reversal, not a speed falling to 0): a turn or a speed change no aircraft makes.
    Judged between 0.5 and 10 s apart and above 50 m/s (slow movers' tracks are noisy)."""
    dt = t - state[r, VEL_T]
    gs0, trk0 = state[r, VEL_GS], state[r, VEL_TRK]
    if not (0.5 <= dt <= 10.0) or not (np.isfinite(trk) and np.isfinite(trk0)) or max(gs, gs0) < 50.0:
        return False
    dv = np.hypot(gs * np.sin(trk) - gs0 * np.sin(trk0), gs * np.cos(trk) - gs0 * np.cos(trk0))
    return dv > rules[24] * dt + rules[25] and dv > rules[26] * max(gs, gs0)


@jit
def _hearing(rx, s, alt, rules):
    """How far (ground range, m) receiver s can hear an aircraft at alt: its sheet's range times
    range_margin, and the 4/3-Earth radio horizon times horizon_margin, of the altitude plus
    baro_allowance_m (a pressure altitude reads below the height at high QNH or on an airfield)
    (a sheet without a range is not judged: its position may be nominal, as for a feed that
    merges many receivers)."""
    limit = rx[s, 3] * rules[14]
    if np.isfinite(alt):
        two_kr = 2 * (4.0 / 3.0) * EARTH_RADIUS_M
        h = max(alt + rules[27], 0.0)
        horizon = np.sqrt(two_kr * h) + np.sqrt(two_kr * max(rx[s, 2], 0.0))
        limit = min(limit, horizon * rules[21])
    return limit


@jit
def _returned(state, r, t, lat, lon, slack, rules):
    """Whether a position after a jump or a gap is back where the anchor (the last believed
    position) would be had it flown on at its speed and track: within return_share of the distance
    flown (route changes) plus slack. If so the stretch between was the false one and the evidence
    it gave is cleared."""
    if not np.isfinite(state[r, ANC_T]) or not np.isfinite(state[r, ANC_GS]):
        return False
    if not np.isfinite(state[r, ANC_TRK]):
        return False
    dt = t - state[r, ANC_T]
    flown = state[r, ANC_GS] * dt
    trk = state[r, ANC_TRK]
    dn, de = flown * np.cos(trk), flown * np.sin(trk)
    plat = state[r, ANC_LAT] + np.degrees(dn / EARTH_RADIUS_M)
    coslat = max(np.cos(np.radians(0.5 * (plat + state[r, ANC_LAT]))), 1e-3)
    plon = state[r, ANC_LON] + np.degrees(de / (EARTH_RADIUS_M * coslat))
    if distance_m(plat, plon, lat, lon) > slack + rules[22] * flown:
        return False
    state[r, EV_KIN] = state[r, EV_OUT] = state[r, EV_QUAL] = state[r, EV_TWO] = 0.0
    state[r, N_RETURN] += 1
    return True


__all__ = ["EVIDENCE", "NCOL", "distance_m", "judge_reports"]
