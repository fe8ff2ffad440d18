"""Compiled (numba) kernels of the alert rules (alerts.py): which tracks may alert, the raise and
keep conditions of each (track, zone, kind) as keys, and the refresh of the active alerts.

Why: on Paris with every sensor, two pictures in three hold a drone that may alert; there the
numpy rules cost ~150 us a picture in the fixed cost of small array operations (set operations
on keys, (N, zones, steps) stacks). Here each step is one loop over the tracks concerned or over
the active alerts.

Records: each kernel takes its columns as NamedTuple records (defined below, with their fields'
shapes). They cross into compiled code as plain tuples: numba types a plain tuple argument in C
from a fingerprint, a NamedTuple in Python field by field (~0.1 us an array field a call). So
`name(...)` takes the records, passes record[:] (its fields as a plain tuple, cheaper than
tuple(record)), and the compiled `_name` rebuilds the same NamedTuple from the fields at its
top: field order is the class's own. AlertTuning is built once, AlertSlots when the slots grow,
the others each picture (positionally, in the class's field order).

Keys: track * nzk + zone * nk + kind (nzk = nz * nk; zone nz - 1 means "no zone"); kinds (4,)
holds the indices of [zone_entry, predicted_entry, loitering, uncooperative] in ALERT_KINDS.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from airpicture.compiled import jit

_F = npt.NDArray[np.float64]
_B = npt.NDArray[np.bool_]
_I = npt.NDArray[np.int64]


class AlertTuning(NamedTuple):
    """The rules' constants, built once (alerts.AlertRules), as the kernels take them.

    alert_drone_p, keep_drone_p, alert_min_age_s, alert_hold_s: when a track may alert
    (alertable); zone_drone_p (of the drone probability shown), zone_min_age_s, zone_hold_s:
    ...a zone entry; site_alt m; margin_m the keep
    conditions' widening; loiter_time_s, loiter_radius_m, loiter_turn_deg, loiter_steady,
    hover_speed_mps, hover_radius_m: loitering;
    uncooperative_range_m; track_lost_s, clear_after_s, update_every_s: an alert's lifecycle
    (refresh); nz zones + 1 ("no zone"), nk alert kinds, nzk = nz * nk (keys); kinds (4,) int64.
    """

    alert_drone_p: float
    keep_drone_p: float
    alert_min_age_s: float
    alert_hold_s: float
    zone_drone_p: float
    zone_min_age_s: float
    zone_hold_s: float
    site_alt: float
    margin_m: float
    loiter_time_s: float
    loiter_radius_m: float
    loiter_turn_deg: float
    loiter_steady: float
    hover_speed_mps: float
    hover_radius_m: float
    uncooperative_range_m: float
    track_lost_s: float
    clear_after_s: float
    update_every_s: float
    nz: int
    nk: int
    nzk: int
    kinds: _I


class AlertSlots(NamedTuple):
    """Per slot (C,), read and written by alertable; rebuilt only when the slot arrays grow:
    was, was_strict bool (the track was alertable, for a zone entry / for every kind, at its
    previous picture), since (since when P(drone) >= alert_drone_p, NaN: not), zone_since (since
    when it may raise a zone entry: that, or shown a drone at P >= zone_drone_p)."""

    was: _B
    was_strict: _B
    since: _F
    zone_since: _F


class AlertableRows(NamedTuple):
    """The picture's rows as alertable takes them (N,): ids int64 track ids, rows int64 their
    slots, known bool (the slot holds the track's state), p_drone P(drone), p_shown the drone
    probability shown (averaged; 0: not shown a drone), age s."""

    ids: _I
    rows: _I
    known: _B
    p_drone: _F
    p_shown: _F
    age: _F


class ConditionRows(NamedTuple):
    """The picture's rows as conditions takes them (N,): ids int64 track ids, ok bool alertable
    (may raise a zone entry, keeps every kind), strict bool (may raise every kind), x (N, 6)
    [e n u ve vn vu], alt m, ident int64 (< 0: none); the loiter window's turn deg, steady,
    span s, radius m, loiter_speed m/s (features.Features)."""

    ids: _I
    ok: _B
    strict: _B
    x: _F
    alt: _F
    ident: _I
    turn: _F
    steady: _F
    span: _F
    radius: _F
    loiter_speed: _F


class ZonePaths(NamedTuple):
    """The zones against the rows' paths (Z zones, M rows of sub, K steps): depth (Z, M, K) m of
    each row's straight-line path at steps (K,) s; floor, ceiling (Z,) m above the site."""

    depth: _F
    floor: _F
    ceiling: _F
    steps: _F


class ConditionKeys(NamedTuple):
    """What conditions writes: raise_keys, keep_keys (cap,) int64 (the first n raise / n keep);
    depth_now, tte (N, Z) at the rows of sub."""

    raise_keys: _I
    keep_keys: _I
    depth_now: _F
    tte: _F


class ActiveAlerts(NamedTuple):
    """The active alerts (A,) as refresh takes them: key int64; true_s, sent_s, seen_s when the
    keep condition was last true, the alert last sent, its track last seen; last_pos (A, 3)
    [lat lon alt_m] (updated in place)."""

    key: _I
    true_s: _F
    sent_s: _F
    seen_s: _F
    last_pos: _F


class TrackPositions(NamedTuple):
    """The picture's tracks as refresh takes them (N,): ids int64, lat, lon deg, alt m."""

    ids: _I
    lat: _F
    lon: _F
    alt: _F


class RefreshOutputs(NamedTuple):
    """What refresh writes: done, due, gone (A,) bool per active alert; new (R,) bool per raise
    key."""

    done: _B
    due: _B
    gone: _B
    new: _B


@jit
def _find(sorted_a, v):
    """Index of v in the sorted array, -1 if absent."""
    j = np.searchsorted(sorted_a, v)
    return j if j < sorted_a.shape[0] and sorted_a[j] == v else -1


def alertable(
    t: float,
    pic: AlertableRows,
    slots: AlertSlots,
    key: _I,
    tuning: AlertTuning,
    ok: _B,
    strict: _B,
    watch: _B,
) -> int:
    """Which rows of pic (AlertableRows) may alert. A track must look like a drone (P >=
    alert_drone_p) since it was alert_min_age_s old, for alert_hold_s, to raise any alert
    (strict (N,)); that or shown a drone at P >= zone_drone_p, since zone_min_age_s, for
    zone_hold_s, to raise a zone entry (ok (N,), which holds strict). Either stays while P >=
    keep_drone_p (tuning: AlertTuning). slots (AlertSlots) are updated here. watch (N,): the
    rows the rules must evaluate, those alertable and the tracks of active alerts (key (A,)),
    whose steps describe them; returns how many."""
    return _alertable(t, pic[:], slots[:], key, tuning[:], ok, strict, watch)


@jit
def _held(t, since, age, min_age, hold):
    """P(drone) above a threshold since `since` (NaN: not), counted from the age min_age: for hold?"""
    return not np.isnan(since) and age >= min_age and t - max(since, t - age + min_age) >= hold


@jit
def _alertable(t, pic_fields, slots_fields, key, tuning_fields, ok, strict, watch):
    """alertable, compiled: its records come as plain tuples (see Records above)."""
    pic, slots, tuning = AlertableRows(*pic_fields), AlertSlots(*slots_fields), AlertTuning(*tuning_fields)
    ids, rows, known, p_drone, p_shown, age = pic.ids, pic.rows, pic.known, pic.p_drone, pic.p_shown, pic.age
    was, was_strict, since, zone_since, nzk = (
        slots.was,
        slots.was_strict,
        slots.since,
        slots.zone_since,
        tuning.nzk,
    )
    alert_drone_p, zone_drone_p, keep_drone_p = tuning.alert_drone_p, tuning.zone_drone_p, tuning.keep_drone_p
    tracks = np.sort(key // nzk)
    n_watch = 0
    for i in range(ids.shape[0]):
        s = rows[i]
        t0 = since[s] if known[i] else np.nan
        since[s] = (t if np.isnan(t0) else t0) if p_drone[i] >= alert_drone_p else np.nan
        t0 = zone_since[s] if known[i] else np.nan
        zone = p_drone[i] >= alert_drone_p or p_shown[i] >= zone_drone_p
        zone_since[s] = (t if np.isnan(t0) else t0) if zone else np.nan
        keep = p_drone[i] >= keep_drone_p
        if known[i] and was_strict[s]:
            strict[i] = keep
        else:
            strict[i] = _held(t, since[s], age[i], tuning.alert_min_age_s, tuning.alert_hold_s)
        if known[i] and was[s]:
            ok[i] = keep
        else:
            ok[i] = strict[i] or _held(t, zone_since[s], age[i], tuning.zone_min_age_s, tuning.zone_hold_s)
        was[s], was_strict[s] = ok[i], strict[i]
        watch[i] = ok[i] or _find(tracks, ids[i]) >= 0
        n_watch += watch[i]
    return n_watch


def conditions(
    sub: _I, pic: ConditionRows, zones: ZonePaths, tuning: AlertTuning, res: ConditionKeys
) -> tuple[int, int]:
    """Raise and keep conditions of the rows sub (M,) of pic (ConditionRows) as keys into res
    (ConditionKeys); returns (n raise, n keep).

    zones (ZonePaths): each zone's depth of each row's straight-line path and its height band.
    Writes depth_now and tte (time to first predicted entry, NaN: none) (N, Z) at the rows sub.
    A keep condition is a raise condition widened by margin_m around footprints and height bands
    (zones) or by 1 km (uncooperative range); tuning: AlertTuning. Rows that are ok raise zone
    entries and keep every kind; only strict rows raise the other kinds.
    """
    return _conditions(sub, pic[:], zones[:], tuning[:], res[:])


@jit
def _conditions(sub, pic_fields, zones_fields, tuning_fields, res_fields):
    """conditions, compiled: its records come as plain tuples (see Records above)."""
    pic, zones, tuning, res = (
        ConditionRows(*pic_fields),
        ZonePaths(*zones_fields),
        AlertTuning(*tuning_fields),
        ConditionKeys(*res_fields),
    )
    ids, ok, strict, x, alt, ident = pic.ids, pic.ok, pic.strict, pic.x, pic.alt, pic.ident
    turn, steady, span, radius, loiter_speed = pic.turn, pic.steady, pic.span, pic.radius, pic.loiter_speed
    depth, floor, ceiling, steps = zones.depth, zones.floor, zones.ceiling, zones.steps
    site_alt, margin_m, loiter_time_s = tuning.site_alt, tuning.margin_m, tuning.loiter_time_s
    hover_speed_mps, hover_radius_m = tuning.hover_speed_mps, tuning.hover_radius_m
    uncooperative_range_m, nz, nk, kinds = tuning.uncooperative_range_m, tuning.nz, tuning.nk, tuning.kinds
    raise_keys, keep_keys, depth_now, tte = res.raise_keys, res.keep_keys, res.depth_now, res.tte
    Z, K = depth.shape[0], steps.shape[0]
    n_raise = n_keep = 0
    for i in range(sub.shape[0]):
        r = sub[i]
        base = ids[r] * (nz * nk)
        h0 = alt[r] - site_alt
        for z in range(Z):
            d = depth[z, i]
            will_enter = path_keep = False
            tte[r, z] = np.nan
            for k in range(K):
                h = h0 + x[r, 5] * steps[k]
                path_in = d[k] > 0 and h >= floor[z] and h <= ceiling[z]
                path_keep |= d[k] > -margin_m and h >= floor[z] - margin_m and h <= ceiling[z] + margin_m
                if path_in and np.isnan(tte[r, z]):
                    tte[r, z] = steps[k]
                will_enter |= path_in and k > 0
            depth_now[r, z] = d[0]
            if not ok[r]:
                continue
            inside = d[0] > 0 and h0 >= floor[z] and h0 <= ceiling[z]
            if inside:
                raise_keys[n_raise] = base + z * nk + kinds[0]
                n_raise += 1
            if d[0] > -margin_m and h0 >= floor[z] - margin_m and h0 <= ceiling[z] + margin_m:
                keep_keys[n_keep] = base + z * nk + kinds[0]
                n_keep += 1
            if will_enter and not inside and strict[r]:
                raise_keys[n_raise] = base + z * nk + kinds[1]
                n_raise += 1
            if path_keep:
                keep_keys[n_keep] = base + z * nk + kinds[1]
                n_keep += 1
        if not ok[r]:
            continue
        none = base + (nz - 1) * nk  # the alerts of no zone
        circling = turn[r] >= tuning.loiter_turn_deg and steady[r] >= tuning.loiter_steady
        hovering = loiter_speed[r] <= hover_speed_mps and radius[r] <= hover_radius_m
        if span[r] >= loiter_time_s - 1e-6 and radius[r] <= tuning.loiter_radius_m and (circling or hovering):
            if strict[r]:
                raise_keys[n_raise] = none + kinds[2]
                n_raise += 1
            keep_keys[n_keep] = none + kinds[2]
            n_keep += 1
        rng = np.hypot(x[r, 0], x[r, 1])
        if ident[r] < 0 and rng <= uncooperative_range_m and strict[r]:
            raise_keys[n_raise] = none + kinds[3]
            n_raise += 1
        if ident[r] < 0 and rng <= uncooperative_range_m + 1000:
            keep_keys[n_keep] = none + kinds[3]
            n_keep += 1
    return n_raise, n_keep


def refresh(
    t: float,
    alerts: ActiveAlerts,
    keep_keys: _I,
    raise_keys: _I,
    here: TrackPositions,
    tuning: AlertTuning,
    res: RefreshOutputs,
) -> None:
    """Refresh the active alerts (alerts: ActiveAlerts, (A,)) with the picture's keep conditions (and its
    tracks here, TrackPositions): each is done (cleared) when its track was unpublished for
    longer than track_lost_s or its keep condition was false for clear_after_s, due (updated)
    when update_every_s passed since it was last sent (tuning: AlertTuning). true_s, sent_s,
    seen_s, last_pos are updated in place; res (RefreshOutputs): done, due, gone (A,) and new
    (R,), the raise keys no alert that stays active holds."""
    _refresh(t, alerts[:], keep_keys, raise_keys, here[:], tuning[:], res[:])


@jit
def _refresh(t, alerts_fields, keep_keys, raise_keys, here_fields, tuning_fields, res_fields):
    """refresh, compiled: its records come as plain tuples (see Records above)."""
    alerts, here, tuning, res = (
        ActiveAlerts(*alerts_fields),
        TrackPositions(*here_fields),
        AlertTuning(*tuning_fields),
        RefreshOutputs(*res_fields),
    )
    key, last_pos = alerts.key, alerts.last_pos
    true_s, sent_s, seen_s = alerts.true_s, alerts.sent_s, alerts.seen_s
    ids, lat, lon, alt, nzk = here.ids, here.lat, here.lon, here.alt, tuning.nzk
    done, due, gone, new = res.done, res.due, res.gone, res.new
    kk = np.sort(keep_keys)
    order = np.argsort(ids, kind="mergesort")
    sorted_ids = ids[order]
    for a in range(key.shape[0]):
        if _find(kk, key[a]) >= 0:
            true_s[a] = t
        j = _find(sorted_ids, key[a] // nzk)
        if j >= 0:
            r = order[j]
            last_pos[a, 0], last_pos[a, 1], last_pos[a, 2] = lat[r], lon[r], alt[r]
            seen_s[a] = t
        gone[a] = t - seen_s[a] > tuning.track_lost_s  # unpublished for longer than a short gap
        done[a] = gone[a] or (j >= 0 and t - true_s[a] >= tuning.clear_after_s)
        due[a] = not done[a] and j >= 0 and t - sent_s[a] >= tuning.update_every_s
        if due[a]:
            sent_s[a] = t
    active = np.sort(key[~done])
    for i in range(raise_keys.shape[0]):
        new[i] = _find(active, raise_keys[i]) < 0
