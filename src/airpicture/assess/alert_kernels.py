"""Compiled (numba) kernels of the alert rules (alerts.py): which tracks may alert, the raise and
keep conditions of each (track, zone, kind) as keys, and the refresh of the active alerts.

Why: on Paris with every sensor, two pictures in three hold a drone that may alert; there the
numpy rules cost ~150 us a picture in the fixed cost of small array operations (set operations
on keys, (N, zones, steps) stacks). Here each step is one loop over the tracks concerned or over
the active alerts.

Keys: track * nzk + zone * nk + kind (nzk = nz * nk; zone nz - 1 means "no zone"); kinds (4,)
holds the indices of [zone_entry, predicted_entry, loitering, uncooperative] in ALERT_KINDS.
"""

from __future__ import annotations

import numpy as np

from airpicture.assess.kernels import _jit


@_jit
def _find(sorted_a, v):
    """Index of v in the sorted array, -1 if absent."""
    j = np.searchsorted(sorted_a, v)
    return j if j < sorted_a.shape[0] and sorted_a[j] == v else -1


@_jit
def alertable(
    ids, rows, known, p_drone, age, t, alert_drone_p, keep_drone_p, alert_min_age_s, alert_hold_s,
    was, since, key, nzk, ok, watch,
):  # fmt: skip
    """Which rows may alert (ok (N,)): a track must look like a drone (P >= alert_drone_p, older
    than alert_min_age_s) for alert_hold_s, and stays alertable while P >= keep_drone_p.
    was (C,) bool and since (C,) (when it first looked so, NaN: not) are per slot (rows (N,)),
    updated here. watch (N,): the rows the rules must evaluate, those alertable and the tracks of
    active alerts (key (A,)), whose steps describe them; returns how many."""
    tracks = np.sort(key // nzk)
    n_watch = 0
    for i in range(ids.shape[0]):
        s = rows[i]
        prev = was[s] if known[i] else False
        t0 = since[s] if known[i] else np.nan
        sure = p_drone[i] >= alert_drone_p and age[i] >= alert_min_age_s
        since[s] = (t if np.isnan(t0) else t0) if sure else np.nan
        held = sure and t - since[s] >= alert_hold_s
        ok[i] = p_drone[i] >= keep_drone_p if prev else held
        was[s] = ok[i]
        watch[i] = ok[i] or _find(tracks, ids[i]) >= 0
        n_watch += watch[i]
    return n_watch


@_jit
def conditions(
    sub, ids, ok, x, alt, ident, turn, steady, span, radius, loiter_speed,  # picture rows
    depth, floor, ceiling, steps,  # zones
    site_alt, margin_m, loiter_time_s, loiter_radius_m, loiter_turn_deg, loiter_steady,
    hover_speed_mps, hover_radius_m, uncooperative_range_m, nz, nk, kinds,
    raise_keys, keep_keys, depth_now, tte,
):  # fmt: skip
    """Raise and keep conditions of the rows sub (M,) as keys; returns (n raise, n keep).

    depth (Z, M, K): each zone's depth of each row's straight-line path at steps (K,) s; floor,
    ceiling (Z,) m above the site. Writes depth_now and tte (time to first predicted entry, NaN:
    none) (N, Z) at the rows sub. A keep condition is a raise condition widened by margin_m
    around footprints and height bands (zones) or by 1 km (uncooperative range).
    """
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
            if will_enter and not inside:
                raise_keys[n_raise] = base + z * nk + kinds[1]
                n_raise += 1
            if path_keep:
                keep_keys[n_keep] = base + z * nk + kinds[1]
                n_keep += 1
        if not ok[r]:
            continue
        none = base + (nz - 1) * nk  # the alerts of no zone
        circling = turn[r] >= loiter_turn_deg and steady[r] >= loiter_steady
        hovering = loiter_speed[r] <= hover_speed_mps and radius[r] <= hover_radius_m
        if span[r] >= loiter_time_s - 1e-6 and radius[r] <= loiter_radius_m and (circling or hovering):
            raise_keys[n_raise] = none + kinds[2]
            keep_keys[n_keep] = none + kinds[2]
            n_raise += 1
            n_keep += 1
        rng = np.hypot(x[r, 0], x[r, 1])
        if ident[r] < 0 and rng <= uncooperative_range_m:
            raise_keys[n_raise] = none + kinds[3]
            n_raise += 1
        if ident[r] < 0 and rng <= uncooperative_range_m + 1000:
            keep_keys[n_keep] = none + kinds[3]
            n_keep += 1
    return n_raise, n_keep


@_jit
def refresh(
    key, keep_keys, raise_keys, ids, lat, lon, alt, t, nzk, track_lost_s, clear_after_s, update_every_s,
    true_s, sent_s, seen_s, last_pos, done, due, gone, new,
):  # fmt: skip
    """Refresh the active alerts (A,) with the picture's keep conditions: each is done (cleared)
    when its track was unpublished for longer than track_lost_s or its keep condition was false
    for clear_after_s, due (updated) when update_every_s passed since it was last sent.
    true_s, sent_s, seen_s (A,), last_pos (A, 3) [lat lon alt_m] are updated in place; new (R,):
    the raise keys no alert that stays active holds."""
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
        gone[a] = t - seen_s[a] > track_lost_s  # unpublished for longer than a short gap
        done[a] = gone[a] or (j >= 0 and t - true_s[a] >= clear_after_s)
        due[a] = not done[a] and j >= 0 and t - sent_s[a] >= update_every_s
        if due[a]:
            sent_s[a] = t
    active = np.sort(key[~done])
    for i in range(raise_keys.shape[0]):
        new[i] = _find(active, raise_keys[i]) < 0
