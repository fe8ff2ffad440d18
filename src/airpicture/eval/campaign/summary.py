"""A campaign's figures with 95 % intervals, pooled over its site-runs.

    recall          Wilson score interval over events
    latency         median and 90th percentile of the detected events' latencies (alert time
                    minus event time; negative: warned before), percentile bootstrap over events
    false alerts    per site-hour, exact (Garwood) Poisson interval on the count
    class accuracy  per truth kind, over paired rows; the interval is a bootstrap over site-runs,
                    since the rows of one run are not independent
    class flips     per confirmed track-hour, exact Poisson interval on the count

Every figure is given overall and per alert kind where it has one (zone, loitering).
zone_by_origin splits the zone events by how the drone came to be in the zone: it flew in, was
inside when the run began, took off inside, or was first seen inside aloft (eval.alerts.zone_origin).
Only an entry from outside can be warned before it happens.

integrity gives the spoofed ADS-B ghosts heard, the share flagged suspect or spoofed (Wilson), the
median time from a ghost's first report to its flag and the real identities flagged, overall and
with or without a long-range radar.

by_site_radars gives recall, false alerts and drone / bird accuracy per kind of radar picture: one
site radar or two, and how far apart its drone and bird Pd are (radar_pd_relation). The
classifier tells a drone from a bird by how often each radar sees it first of all: at a 1 s
radar a Pd gap of 0.15 is worth 3-5 nats a minute (the Kullback-Leibler divergence of 60 looks:
Pd 0.6 against 0.75, 0.75 against 0.9), a gap of 0.05 under one. Where the site's radars see
both alike only kinematics tell them apart, and the figures there are what a site with such radars
should expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from airpicture.eval.alerts import ZONE_ORIGINS
from airpicture.eval.campaign.runner import CAL_BINS, KINDS, RunResult

Z95 = 1.959963984540054
BOOT = 2000


def wilson(k: int, n: int) -> list[float] | None:
    if n == 0:
        return None
    p = k / n
    d = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / d
    h = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / d
    return [round(float(c - h), 4), round(float(c + h), 4)]


def poisson_rate(k: int, exposure: float) -> list[float] | None:
    """Garwood's exact 95 % interval on k / exposure."""
    if exposure <= 0:
        return None
    lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
    hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2
    return [round(float(lo / exposure), 3), round(float(hi / exposure), 3)]


def _quantile_ci(x: np.ndarray, q: float, rng: np.random.Generator) -> list[float] | None:
    if len(x) < 2:
        return None
    boot = np.quantile(x[rng.integers(0, len(x), (BOOT, len(x)))], q, axis=1)
    return [round(float(v), 1) for v in np.quantile(boot, [0.025, 0.975])]


def _latency(lat: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    if not len(lat):
        return {"median_s": None, "median_ci": None, "p90_s": None, "p90_ci": None}
    return {
        "median_s": round(float(np.median(lat)), 1),
        "median_ci": _quantile_ci(lat, 0.5, rng),
        "p90_s": round(float(np.quantile(lat, 0.9)), 1),
        "p90_ci": _quantile_ci(lat, 0.9, rng),
    }


def _events(
    results: Sequence[RunResult], kind: str | None, rng: np.random.Generator, origin: str | None = None
) -> dict[str, Any]:
    ev = [e for r in results for e in r.events if kind is None or e[0] == kind]
    if origin is not None:  # runs.jsonl written before events carried their origin have none
        ev = [e for e in ev if len(e) > 3 and e[3] == origin]
    k = sum(e[1] for e in ev)
    lat = np.array([e[2] for e in ev if e[1]], dtype=float)
    return {"events": len(ev), "detected": k, "recall": round(k / len(ev), 4) if ev else None,
            "recall_ci": wilson(k, len(ev))} | _latency(lat, rng)  # fmt: skip


def _by_origin(ok: Sequence[RunResult]) -> dict[str, dict[str, Any]]:
    """Zone events by how their drone came to be in the zone (eval.alerts.zone_origin): only one
    that flew in can be warned before it happens. Its own bootstrap stream, so adding it moved no
    other interval."""
    rng = np.random.default_rng(1)
    out = {o: _events(ok, "zone", rng, o) for o in ZONE_ORIGINS}
    return {o: v for o, v in out.items() if v["events"]}


#: radar_pd_relation: a Pd gap at least this wide tells drones from birds within a minute (above)
PD_APART = 0.15


def radar_pd_relation(describe: dict[str, Any]) -> str:
    """How a site-run's site radars see drones against birds: 'drones seen more', 'birds seen
    more' (by the radar whose drone and bird Pd are furthest apart, at least PD_APART), or
    'alike' (every radar's within PD_APART), prefixed by how many site radars there are."""
    gaps = [d - b for d, b in zip(describe.get("pd_drone", []), describe.get("pd_bird", []), strict=True)]
    n = f"{len(gaps)} site radar{'s' if len(gaps) != 1 else ''}"
    gap = max(gaps, key=abs, default=0.0)
    if abs(gap) < PD_APART - 1e-9:
        return f"{n}, drones and birds seen alike"
    return f"{n}, {'drones' if gap > 0 else 'birds'} seen more"


def _by_site_radars(ok: Sequence[RunResult]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key in sorted({radar_pd_relation(r.describe) for r in ok}):
        rs = [r for r in ok if radar_pd_relation(r.describe) == key]
        ev = [e for r in rs for e in r.events]
        k, h = sum(e[1] for e in ev), sum(r.hours for r in rs)
        n_false = sum(len(r.false_alerts) for r in rs)
        acc = {}
        for kind in ("drone", "bird"):
            n = sum(r.classed.get(kind, 0) for r in rs)
            acc[kind] = round(sum(r.correct.get(kind, 0) for r in rs) / n, 4) if n else None
        out[key] = {
            "runs": len(rs),
            "site_hours": round(h, 2),
            "events": len(ev),
            "recall": round(k / len(ev), 4) if ev else None,
            "recall_ci": wilson(k, len(ev)),
            "false_alerts": n_false,
            "false_per_site_hour": round(n_false / h, 3) if h else None,
            "false_per_site_hour_ci": poisson_rate(n_false, h),
            "class_acc": acc,
        }
    return out


def _ghosts(rs: Sequence[RunResult]) -> dict[str, Any]:
    heard, flagged = sum(r.ghosts_heard for r in rs), sum(r.ghosts_flagged for r in rs)
    delay = [v for r in rs for v in r.ghost_flag_s]
    return {
        "runs": len(rs),
        "ghosts_heard": heard,
        "flagged": flagged,
        "flagged_share": round(flagged / heard, 4) if heard else None,
        "flagged_share_ci": wilson(flagged, heard),
        "median_s_to_flag": round(float(np.median(delay)), 1) if delay else None,
        "real_flagged": sum(r.real_flagged for r in rs),
    }


def _integrity(ok: Sequence[RunResult]) -> dict[str, Any]:
    """The spoofed ADS-B ghosts heard and flagged, overall and by whether a long-range radar could
    look where they fly: a site radar reaches 5-8 km, the ghosts' flights tens of km out, and a
    broadcast no radar looked at is no suspicion (integrity/stage.py)."""
    reach = ["long range" in str(r.describe.get("sensor_set", "")) for r in ok]
    far = [r for r, f in zip(ok, reach, strict=True) if f]
    near = [r for r, f in zip(ok, reach, strict=True) if not f]
    return _ghosts(ok) | {
        "by_radar": {"with a long-range radar": _ghosts(far), "site radars only": _ghosts(near)}
    }


def summarise(results: Sequence[RunResult], seed: int, duration_s: float) -> dict[str, Any]:
    """The campaign's summary.json (see the module docstring); failed runs are counted, not scored."""
    rng = np.random.default_rng(0)  # the bootstrap's own, fixed: the same runs give the same figures
    ok = [r for r in results if not r.failed]
    site_hours = sum(r.hours for r in ok)
    n_false = sum(len(r.false_alerts) for r in ok)
    false_by = {
        k: sum(a == k for r in ok for a in r.false_alerts)
        for k in sorted({a for r in ok for a in r.false_alerts})
    }
    all_ev = _events(ok, None, rng)
    class_acc: dict[str, float | None] = {}
    class_ci: dict[str, list[float] | None] = {}
    for k in KINDS:
        n = np.array([r.classed.get(k, 0) for r in ok], dtype=float)
        c = np.array([r.correct.get(k, 0) for r in ok], dtype=float)
        if n.sum() == 0:
            class_acc[k], class_ci[k] = None, None
            continue
        class_acc[k] = round(float(c.sum() / n.sum()), 4)
        idx = rng.integers(0, len(ok), (BOOT, len(ok)))
        boot = c[idx].sum(1) / np.maximum(n[idx].sum(1), 1)
        class_ci[k] = [round(float(v), 4) for v in np.quantile(boot, [0.025, 0.975])]
    flips = {k: sum(r.flips.get(k, 0) for r in ok) for k in (*KINDS, "none")}
    hours = {k: sum(r.track_hours.get(k, 0.0) for r in ok) for k in (*KINDS, "none")}
    n_flips, t_hours = sum(flips.values()), sum(hours.values())
    cal_n = np.sum([r.cal_n for r in ok], axis=0) if ok else np.zeros(len(CAL_BINS) - 1)
    cal_ok = np.sum([r.cal_ok for r in ok], axis=0) if ok else np.zeros(len(CAL_BINS) - 1)
    return {
        "seed": seed,
        "runs": len(results),
        "runs_failed": len(results) - len(ok),
        "failures": [f"run {r.describe['index']}: {r.failed}" for r in results if r.failed],
        "duration_s": duration_s,
        "site_hours": round(site_hours, 2),
        "events": all_ev["events"],
        "detected": all_ev["detected"],
        "recall": all_ev["recall"],
        "recall_ci": all_ev["recall_ci"],
        "latency_median_s": all_ev["median_s"],
        "latency_median_ci": all_ev["median_ci"],
        "latency_p90_s": all_ev["p90_s"],
        "latency_p90_ci": all_ev["p90_ci"],
        "by_event_kind": {k: _events(ok, k, rng) for k in ("zone", "loitering")},
        "zone_by_origin": _by_origin(ok),
        "false_alerts": n_false,
        "false_per_site_hour": round(n_false / site_hours, 3) if site_hours else None,
        "false_per_site_hour_ci": poisson_rate(n_false, site_hours),
        "false_by_alert_kind": false_by,
        "by_site_radars": _by_site_radars(ok),
        "integrity": _integrity(ok),
        "class_acc": class_acc,
        "class_acc_ci": class_ci,
        "class_flips": n_flips,
        "confirmed_track_hours": round(t_hours, 2),
        "class_flips_per_track_hour": round(n_flips / t_hours, 3) if t_hours else None,
        "class_flips_per_track_hour_ci": poisson_rate(n_flips, t_hours),
        "class_flips_by_kind": {
            k: {
                "flips": flips[k],
                "track_hours": round(hours[k], 2),
                "per_track_hour": round(flips[k] / hours[k], 3) if hours[k] else None,
            }
            for k in flips
        },
        "reliability": {
            "bins": CAL_BINS.tolist(),
            "rows": cal_n.astype(int).tolist(),
            "correct": cal_ok.astype(int).tolist(),
        },
        "missed_events": [f"run {r.describe['index']}: {m}" for r in ok for m in r.missed],
        "missed_shown": {
            c: sum(r.missed_shown.get(c, 0) for r in ok)
            for c in sorted({c for r in ok for c in r.missed_shown})
        },
        "seconds": round(sum(r.seconds for r in results), 1),
    }


#: The issue's goals, as (figure, test, threshold): what the report marks met or not.
GOALS: tuple[tuple[str, str, float], ...] = (
    ("recall", ">=", 0.98),
    ("latency_median_s", "<=", 0.0),
    ("latency_p90_s", "<=", 15.0),
    ("false_per_site_hour", "<=", 0.5),
    ("class_acc.drone", ">=", 0.97),
    ("class_acc.bird", ">=", 0.95),
    ("class_flips_per_track_hour", "<=", 1.0),
)


def goal_value(summary: dict[str, Any], key: str) -> float | None:
    v: Any = summary
    for part in key.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    return None if v is None else float(v)


def goals_met(summary: dict[str, Any]) -> list[tuple[str, str, float, float | None, bool]]:
    """Each goal with the campaign's value and whether it is met (None counts as not met)."""
    out = []
    for key, op, bound in GOALS:
        v = goal_value(summary, key)
        met = v is not None and (v >= bound if op == ">=" else v <= bound)
        out.append((key, op, bound, v, met))
    return out


__all__ = ["GOALS", "goal_value", "goals_met", "poisson_rate", "summarise", "wilson"]
