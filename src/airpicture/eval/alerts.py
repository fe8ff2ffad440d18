"""Scoring of an alerts.csv against the events the truth holds (FORMAT.md "Alerts", as score.py).

Expected events: every entry of a drone into a zone (a new entry after two minutes outside), and the
start of the loitering phase of each loitering drone (its first sample within 350 m of where it
spent its last 200 samples). Each raised alert is matched to the truth object nearest its position at
its time (within 1 km); an alert on a bird or on nothing is false. An event is detected by the first
alert (in file order) of the right kind on its object from 300 s before to 60 s after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from airpicture.eval.csvio import read_columns, to_float
from airpicture.eval.truth import Reference
from airpicture.geo import geodetic_to_enu
from airpicture.types import AlertKind, FloatArray

MATCH_RADIUS_M = 1000.0
REENTRY_S = 120.0
LOITER_TAIL = 200  # samples (s) that define where a loitering drone loiters
LOITER_RADIUS_M = 350.0
EARLY_S, LATE_S = 300.0, 60.0
TIME_MARGIN_S = 5.0


@dataclass(frozen=True)
class Event:
    """kind: 'zone' or 'loitering'; zone: zone name ('' for loitering); target: truth name; time_s."""

    kind: str
    zone: str
    target: str
    time_s: float


@dataclass
class AlertScores:
    events: int
    detected: int
    recall: float | None
    median_latency_s: float | None  # negative: warned before the event
    false_per_hour: float
    false_alerts: int
    latencies_s: FloatArray
    missed_events: list[Event]
    #: each detected event's first matching alert time
    detected_at: dict[Event, float] = field(default_factory=dict)
    #: the alert kind of each false alert
    false_kinds: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """score.py's "alerts" figures, rounded as it rounds them."""
        return {
            "events": self.events,
            "detected": self.detected,
            "recall": None if self.recall is None else round(self.recall, 3),
            "median_latency_s": None if self.median_latency_s is None else round(self.median_latency_s, 1),
            "false_per_hour": round(self.false_per_hour, 2),
        }


def zone_events(ref: Reference) -> list[Event]:
    """The alert-worthy events of the truth, in score.py's order (zones, then loitering)."""
    truth, origin = ref.truth, ref.origin
    events: list[Event] = []
    site_alt = float(ref.meta["site"]["alt_m"])
    drones = np.flatnonzero(truth.kinds == "drone")
    for z in ref.meta.get("zones", []):
        ze, zn, _ = geodetic_to_enu(z["lat"], z["lon"], 0.0, origin[0], origin[1], 0.0)
        h = truth.alt - site_alt
        inside = (np.hypot(truth.e - ze, truth.n - zn) <= z["radius_m"]) & (h >= z.get("floor_m", 0))
        inside &= h <= z.get("ceiling_m", 1e9)
        for d in drones:
            s = slice(truth.start[d], truth.stop[d])
            ti = truth.t[s][inside[s]]
            new = np.diff(ti, prepend=-1e18) > REENTRY_S
            events += [Event("zone", z["name"], str(truth.names[d]), float(v)) for v in ti[new]]
    for k in range(len(truth)):
        name = str(truth.names[k])
        s = slice(truth.start[k], truth.stop[k])
        if not name.startswith("loiter") or truth.stop[k] - truth.start[k] <= LOITER_TAIL:
            continue
        e, n = truth.e[s], truth.n[s]
        near = np.flatnonzero(
            np.hypot(e - e[-LOITER_TAIL:].mean(), n - n[-LOITER_TAIL:].mean()) <= LOITER_RADIUS_M
        )
        if len(near):
            events.append(Event("loitering", "", name, float(truth.t[s][near[0]])))
    return events


#: How a drone came to be in the zone at a zone event (zone_origin): it flew in from outside; it
#: was inside when the recording began; it took off inside; it was first seen inside, aloft.
ZONE_ORIGINS = ("entered", "inside at start", "took off inside", "appeared inside")
#: a drone first seen lower than this above the site took off there, m
TAKEOFF_HEIGHT_M = 10.0


def zone_origin(ref: Reference, ev: Event) -> str:
    """How the drone of zone event ev came to be in the zone (one of ZONE_ORIGINS). Only an entry
    from outside can be warned before it happens; a drone first seen inside is warned at best once
    a track has been confirmed and judged a drone."""
    truth = ref.truth
    k = int(np.flatnonzero(truth.names == ev.target)[0])
    first = truth.start[k]
    if ev.time_s - truth.t[first] > 1.0 + 1e-9:  # seen outside before: it flew in
        return ZONE_ORIGINS[0]
    if truth.t[first] - ref.start_s <= 1.0 + 1e-9:
        return ZONE_ORIGINS[1]
    if truth.alt[first] - float(ref.meta["site"]["alt_m"]) < TAKEOFF_HEIGHT_M:
        return ZONE_ORIGINS[2]
    return ZONE_ORIGINS[3]


def score_alerts(ref: Reference, path: str | Path, end_s: float | None = None) -> AlertScores:
    """Score the raised rows of an alerts.csv (time_s, alert, track, zone, kind, state, lat, lon).

    end_s: end of the scored span for the false-alert rate (default: the scenario's end).
    """
    path = Path(path)
    cols = read_columns(path, ("time_s", "kind", "lat", "lon"), ("state", "zone"))
    kinds = np.array(cols["kind"], dtype=str)
    raised = np.isin(cols["state"], ("raised", "")) if "state" in cols else np.ones(len(kinds), bool)
    t, lat, lon = (to_float(cols[c], c, path)[raised] for c in ("time_s", "lat", "lon"))
    kinds = kinds[raised]
    zones = np.array(cols["zone"], dtype=str)[raised] if "zone" in cols else None
    truth, origin = ref.truth, ref.origin
    events = zone_events(ref)
    A, K = len(t), len(truth)
    # nearest truth object at each alert's time: the first of the nearest, as a strict '<' scan finds
    enu = geodetic_to_enu(lat, lon, 0.0, origin[0], origin[1], 0.0).reshape(-1, 3)
    kk, aa = np.repeat(np.arange(K), A), np.tile(np.arange(A), K)
    d = np.hypot(truth.interp(truth.e, kk, t[aa]) - enu[aa, 0], truth.interp(truth.n, kk, t[aa]) - enu[aa, 1])
    live = (truth.t_first[kk] - TIME_MARGIN_S <= t[aa]) & (t[aa] <= truth.t_last[kk] + TIME_MARGIN_S)
    d = np.where(live & (d < MATCH_RADIUS_M), d, np.inf).reshape(K, A)
    best = np.argmin(d, axis=0) if K else np.zeros(A, np.int64)
    matched = np.isfinite(d[best, np.arange(A)]) if K else np.zeros(A, bool)
    false = ~matched | (truth.kinds[best] == "bird") if K else ~matched
    found: dict[Event, float] = {}
    zone_kinds = (AlertKind.ZONE_ENTRY.label, AlertKind.PREDICTED_ENTRY.label)
    for a in np.flatnonzero(~false):  # alerts x events: both a handful
        name = str(truth.names[best[a]])
        for ev in events:
            zone_ok = zones is None or ev.zone == zones[a]
            is_zone = kinds[a] in zone_kinds and ev.kind == "zone" and zone_ok
            is_loiter = kinds[a] == AlertKind.LOITERING.label and ev.kind == "loitering"
            if (
                ev.target == name
                and (is_zone or is_loiter)
                and ev.time_s - EARLY_S <= t[a] <= ev.time_s + LATE_S
            ):
                found.setdefault(ev, float(t[a]))
    hours = ((ref.end_s if end_s is None else end_s) - ref.start_s) / 3600
    lat_s = np.array([found[ev] - ev.time_s for ev in found])
    return AlertScores(
        events=len(events),
        detected=len(found),
        recall=len(found) / len(events) if events else None,
        median_latency_s=float(np.median(lat_s)) if len(lat_s) else None,
        false_per_hour=int(false.sum()) / hours,
        false_alerts=int(false.sum()),
        latencies_s=lat_s,
        missed_events=[ev for ev in events if ev not in found],
        detected_at=found,
        false_kinds=kinds[false].tolist(),
    )


__all__ = ["AlertScores", "Event", "score_alerts", "zone_events"]
