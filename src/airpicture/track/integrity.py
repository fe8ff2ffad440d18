"""Integrity of cooperative tracks: is an ADS-B track something that flies?

Two checks, both on evidence the tracker holds:
 * radar corroboration: a track built from reports that sits inside a radar's coverage (range,
   elevation above -0.5 deg, the radar sees aircraft) and that fewer than CORROBORATED_HITS radar
   plots have joined is
   `suspect`; once SPOOF_LOOKS revisits of that radar have passed it is `spoofed` (a real aircraft
   is missed that often in a row with probability (1 - Pd)^SPOOF_LOOKS);
 * replay: a spoofer that replays a recorded flight elsewhere gives a second track with the same
   altitude and velocity as a real one, kilometres away, for minutes. Two tracks that agree to
   TWIN_ALT_M and TWIN_SPEED_MPS while more than TWIN_SEPARATION_M apart, and keep agreeing for
   TWIN_S seconds while manoeuvring (climbing, descending or turning: in-trail traffic at one level
   also agrees, but not through manoeuvres), are twins: the one no radar has seen is spoofed when
   its twin has radar plots (judged after the radar check, every step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from airpicture.sensors import RadarSheet
from airpicture.track.table import CONFIRMED, OK, SPOOFED, SUSPECT, TrackTable
from airpicture.types import REMOTEID_BIT, FloatArray, IntArray

if TYPE_CHECKING:
    from airpicture.geo import EnuFrame
    from airpicture.track.measure import SensorGeometry

SPOOF_LOOKS = 3
#: Radar plots that make a cooperative track corroborated (one could be a stray false plot).
CORROBORATED_HITS = 2
#: Share of the radar's revisits that must hit a corroborated track: a real object is hit at Pd
#: (0.6-0.95 in the sheets), a spoofed one only by stray false plots.
MIN_HIT_SHARE = 0.3
EARTH_RADIUS_M = 6371000.0
TWIN_ALT_M = 40.0
TWIN_SPEED_MPS = 6.0
TWIN_SEPARATION_M = 5000.0
TWIN_S = 40.0
#: What counts as manoeuvring: a vertical rate (m/s) or a horizontal acceleration (m/s^2).
MANOEUVRE_VRATE_MPS = 2.0
MANOEUVRE_ACCEL_MPS2 = 0.5


def radar_coverage(
    geo: list[SensorGeometry],
    active: set[int],
    frame: EnuFrame,
    x: FloatArray,
    t: float,
    kind: str = "aircraft",
) -> tuple[np.ndarray, FloatArray]:
    """Which positions x (K, 3) some active radar that sees objects of `kind` covers, and the
    shortest revisit period among those radars (inf where none)."""
    in_cov = np.zeros(len(x), bool)
    look = np.full(len(x), np.inf)
    for g in geo:
        if not isinstance(g.spec, RadarSheet) or g.index not in active or not g.spec.sees(kind):
            continue
        o, M = g.at(frame, np.full(1, t))
        d = (x - o[0]) @ M[0].T
        r = np.linalg.norm(d, axis=1)
        el = np.degrees(np.arcsin(np.clip(d[:, 2] / np.maximum(r, 1), -1, 1)))
        cov = (r <= g.spec.max_range_m) & (r >= g.spec.min_range_m) & (el >= -0.5)
        in_cov |= cov
        look = np.where(cov, np.minimum(look, float(g.spec.scan_period_s)), look)
    return in_cov, look


def corroboration(
    tb: TrackTable, geo: list[SensorGeometry], active: set[int], frame: EnuFrame, t: float
) -> None:
    """Integrity of the cooperative tracks from what the radars make of them (see module doc)."""
    rows = tb.rows()
    coop = rows[tb.ident[rows] >= 0]
    if len(coop) == 0:
        return
    x = np.einsum("km,kmd->kd", tb.mu[coop], tb.x[coop])[:, :3]
    # an ADS-B address claims an aircraft, a Remote ID serial a drone: only radars that see that
    # kind of object can corroborate it
    in_cov, look = radar_coverage(geo, active, frame, x, t, "aircraft")
    drone = (tb.ident[coop] & REMOTEID_BIT) != 0
    if drone.any():
        cov_d, look_d = radar_coverage(geo, active, frame, x, t, "drone")
        in_cov, look = np.where(drone, cov_d, in_cov), np.where(drone, look_d, look)
    # revisits since the track was last outside every radar's coverage, and the share that hit
    tb.t_cov[coop[~in_cov]] = t
    looks = np.where(in_cov, (t - tb.t_cov[coop]) / np.where(np.isfinite(look), look, 1.0), 0.0)
    hits = tb.radar_hits[coop]
    seen = (hits >= CORROBORATED_HITS) & (hits >= MIN_HIT_SHARE * looks)
    unseen = (looks > SPOOF_LOOKS) & (hits < MIN_HIT_SHARE * looks)
    state = np.where(~in_cov | seen, OK, np.where(unseen, SPOOFED, SUSPECT))
    # found out once (unseen in coverage, or a replay), a track stays spoofed when it leaves the
    # coverage; only the radar seeing it as a real object clears it
    # an identity found out stays found out in a new track of it (a spoofer's track is cut often)
    flagged = tb.flagged[coop] | (state == SPOOFED)
    if len(tb.spoofed_idents):
        flagged |= np.isin(tb.ident[coop], tb.spoofed_idents)
    flagged &= ~seen
    tb.flagged[coop] = flagged
    tb.integrity[coop] = np.where(flagged, SPOOFED, state)
    if flagged.any() or len(tb.spoofed_idents):
        bad = np.union1d(tb.spoofed_idents, tb.ident[coop][flagged])
        tb.spoofed_idents = np.setdiff1d(bad, tb.ident[coop][seen])


def replay(tb: TrackTable, t: float, dt: float) -> None:
    """Accumulate twin time per cooperative track; flag replayed twins (see module doc)."""
    rows = tb.rows()
    coop = rows[(tb.ident[rows] >= 0) & (tb.status[rows] == CONFIRMED)]
    if len(coop) == 0:
        return
    twin_of = np.full(len(coop), -1, np.int64)
    if len(coop) >= 2:
        x = np.einsum("km,kmd->kd", tb.mu[coop], tb.x[coop])
        # height above the Earth, not ENU up: the tangent plane falls away ~d^2 / 2R with distance
        alt = x[:, 2] + (x[:, 0] ** 2 + x[:, 1] ** 2) / (2 * EARTH_RADIUS_M)
        feat = np.column_stack([alt / TWIN_ALT_M, x[:, 3] / TWIN_SPEED_MPS, x[:, 4] / TWIN_SPEED_MPS])
        pairs = cKDTree(feat).query_pairs(r=1.0, output_type="ndarray")
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]  # a track's first twin: lowest rows
        if len(pairs):
            a, b = pairs[:, 0], pairs[:, 1]
            apart = np.hypot(x[a, 0] - x[b, 0], x[a, 1] - x[b, 1]) > TWIN_SEPARATION_M
            a, b = a[apart], b[apart]
            both = np.concatenate([a, b])
            other = np.concatenate([b, a])
            first = np.unique(both, return_index=True)[1]
            twin_of[both[first]] = tb.id[coop[other[first]]]
    manoeuvring = _manoeuvring(tb, coop)
    # agreement builds up while manoeuvring; a moment of disagreement (a velocity glitch) only
    # wears it down, a new partner starts it again
    same = (twin_of >= 0) & (twin_of == tb.twin[coop])
    grow = tb.twin_s[coop] + dt * manoeuvring
    tb.twin_s[coop] = np.where(
        same, grow, np.where(twin_of >= 0, 0.0, np.maximum(tb.twin_s[coop] - 2 * dt, 0))
    )
    tb.twin[coop] = np.where(twin_of >= 0, twin_of, tb.twin[coop])
    suspect = coop[tb.twin_s[coop] > TWIN_S]
    if len(suspect) == 0:
        return
    partner = _rows_of(tb, tb.twin[suspect])
    p_hits = tb.radar_hits[np.maximum(partner, 0)]
    # the twin the radar confirms is real; the other, seen by the radar a fraction as often, is not
    fake = (partner >= 0) & (p_hits >= CORROBORATED_HITS) & (tb.radar_hits[suspect] * 5 < p_hits)
    tb.integrity[suspect[fake]] = SPOOFED
    tb.flagged[suspect[fake]] = True


def _manoeuvring(tb: TrackTable, rows: IntArray) -> FloatArray:
    """1.0 for tracks whose state shows a climb/descent or a turn/speed change, else 0.0."""
    x = np.einsum("km,kmd->kd", tb.mu[rows], tb.x[rows])
    # climb rate is d(height)/dt, not the ENU vertical velocity: far from the site the tangent
    # plane tilts, and level flight 100 km away has 3-4 m/s of ENU "up" velocity
    climb = x[:, 5] + (x[:, 0] * x[:, 3] + x[:, 1] * x[:, 4]) / EARTH_RADIUS_M
    climbing = np.abs(climb) > MANOEUVRE_VRATE_MPS
    turning = tb.mu[rows, 1:].sum(axis=1) > 0.5  # the IMM's manoeuvre (or jump) modes dominate
    return (climbing | turning).astype(np.float64)


def _rows_of(tb: TrackTable, ids: IntArray) -> IntArray:
    """Table rows of alive tracks with these ids (-1 where none)."""
    rows = tb.rows()
    order = np.argsort(tb.id[rows])
    sid = tb.id[rows][order]
    pos = np.clip(np.searchsorted(sid, ids), 0, max(len(sid) - 1, 0))
    hit = (len(sid) > 0) & (sid[pos] == ids) if len(sid) else np.zeros(len(ids), bool)
    return np.where(hit, rows[order][pos] if len(sid) else -1, -1)


__all__ = ["SPOOF_LOOKS", "corroboration", "radar_coverage", "replay"]
