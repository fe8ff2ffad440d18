"""Sensor registration on generated scenarios (`airpicture sim --bias`): do the estimated radar
biases converge, and does the picture come back to what it is without biases?

Each case is one scenario simulated twice with the same seed (same truth, same noise): once with
the radar's biases (100 m in range, 0.2 deg in azimuth, 0.5 s in time stamp; signs vary by case)
and once without. The biased one is tracked with registration and without it
(AIRPICTURE_REGISTRATION__ENABLED=false), the unbiased one with registration; all three are scored
by `airpicture eval` after a 600 s warm-up (the goal: converged within 10 minutes). Printed per
case and radar: the estimate at the end and its sigma, the minute from which every component stays
within 20 % of the true bias (`track --biases`), and the aircraft RMS of the three runs.

Cases (not tuned to one site): Paris, the default sensors (TMA radar biased); a site near
Amsterdam with two long-range radars of its own, both biased, other traffic; the Paris site with
an airborne early-warning radar on a 25 km orbit, biased, tracked with the ADS-B receiver only.
Without ADS-B (no receiver in the sheet: the radars only have each other): the two Amsterdam
radars, one biased and the other declared a reference radar; both biased and no reference (then
a time offset common to both is unobservable: the goal is on the range and azimuth offsets and
on the difference of the time offsets); the Paris TMA radar and a second radar 60 km east, the
TMA biased, the other the reference; the airborne radar biased and the Paris TMA radar the
reference (ADS-B left out of the tracking).

    .venv/bin/python benchmarks/registration.py [--out DIR] [--duration S] [--json FILE] [--cases A,B]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PY = sys.executable
GOAL_SHARE = 0.2  # within 20 % of the true bias
WARMUP_S = 600.0  # ... within 10 minutes

AMSTERDAM = [
    {"id": "RADN", "kind": "radar", "lat": 52.75, "lon": 4.9, "alt_m": 40, "scan_period_s": 6.0,
     "max_range_m": 160000, "min_range_m": 1000, "sigma_range_m": 50, "sigma_azimuth_deg": 0.1,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.9}, "clutter_per_scan": 30},
    {"id": "RADS", "kind": "radar", "lat": 51.95, "lon": 4.45, "alt_m": 30, "scan_period_s": 4.0,
     "max_range_m": 120000, "min_range_m": 500, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.92}, "clutter_per_scan": 40},
    {"id": "ADSB1", "kind": "adsb", "lat": 52.31, "lon": 4.76, "alt_m": 0, "max_range_m": 250000,
     "update_period_s": 1.0, "p_loss": 0.5, "sigma_position_m": 10},
]  # fmt: skip
PARIS_TWO = [
    {"id": "TMA1", "kind": "radar", "lat": 48.75, "lon": 2.4, "alt_m": 120, "scan_period_s": 4.0,
     "max_range_m": 120000, "min_range_m": 500, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.9}, "clutter_per_scan": 40},
    {"id": "RADE", "kind": "radar", "lat": 48.95, "lon": 3.15, "alt_m": 150, "scan_period_s": 5.0,
     "max_range_m": 150000, "min_range_m": 1000, "sigma_range_m": 60, "sigma_azimuth_deg": 0.1,
     "reports_altitude": "mode_c", "pd": {"aircraft": 0.9}, "clutter_per_scan": 30},
]  # fmt: skip
SHEETS = {"amsterdam": AMSTERDAM, "amsterdam-radars": AMSTERDAM[:2], "paris-two": PARIS_TWO}

#: name, sim options ({sheet}: the case's sensor sheet), the biases {radar: (range m, azimuth deg,
#: time s)}, track --sensors, the sheet, the reference radars
Case = tuple[str, list[str], dict[str, tuple[float, float, float]], str | None, str | None, list[str]]
CASES: list[Case] = [
    ("paris-tma", ["--seed", "1"], {"TMA1": (100.0, 0.2, 0.5)}, None, None, []),
    (
        "amsterdam-2radars",
        ["--seed", "7", "--site", "52.31,4.76,0", "--targets", "150", "--air-radius-km", "180"],
        {"RADN": (-100.0, 0.2, 0.5), "RADS": (100.0, -0.2, 0.5)},
        None,
        "amsterdam",
        [],
    ),
    ("paris-aew", ["--seed", "2", "--aew"], {"AEW1": (100.0, 0.2, 0.5)}, "AEW1,ADSB1", None, []),
    (
        "amsterdam-no-adsb-reference",
        ["--seed", "8", "--site", "52.31,4.76,0", "--targets", "150", "--air-radius-km", "180"],
        {"RADN": (100.0, 0.2, 0.5)},
        None,
        "amsterdam-radars",
        ["RADS"],
    ),
    (
        "amsterdam-no-adsb-both-biased",
        ["--seed", "9", "--site", "52.31,4.76,0", "--targets", "150", "--air-radius-km", "180"],
        {"RADN": (-100.0, 0.2, 0.5), "RADS": (100.0, -0.2, -0.3)},
        None,
        "amsterdam-radars",
        [],
    ),
    (
        "paris-two-radars-no-adsb",
        ["--seed", "11", "--targets", "150", "--air-radius-km", "160"],
        {"TMA1": (100.0, -0.2, 0.5)},
        None,
        "paris-two",
        ["RADE"],
    ),
    (
        "paris-aew-tma-no-adsb",
        ["--seed", "4", "--aew"],
        {"AEW1": (100.0, 0.2, 0.5)},
        "AEW1,TMA1",
        None,
        ["TMA1"],
    ),
]


def airpicture(*args: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [PY, "-m", "airpicture", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode:
        raise SystemExit(f"airpicture {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def converged_minute(
    path: Path, sensor: str, truth: tuple[float, float, float], t0: float, relative_to: str | None = None
) -> float:
    """Minutes from the start after which every estimate stays within GOAL_SHARE of the truth
    (inf: never). relative_to: the other radar when only the difference of the time offsets is
    observable (no ADS-B, no reference radar); truth's time is then that difference."""
    rows = list(csv.DictReader(path.open()))
    other = {r["time_s"]: float(r["time_offset_s"]) for r in rows if r["sensor"] == relative_to}
    rows = [r for r in rows if r["sensor"] == sensor]
    keys = ("range_m", "azimuth_deg", "time_offset_s")

    def value(r: dict[str, str], k: str) -> float:
        rel = relative_to is not None and k == "time_offset_s"
        return float(r[k]) - (other.get(r["time_s"], float("nan")) if rel else 0.0)

    within = [
        all(abs(value(r, k) - v) <= GOAL_SHARE * abs(v) for k, v in zip(keys, truth, strict=True))
        for r in rows
    ]
    last_bad = max((i for i, ok in enumerate(within) if not ok), default=-1)
    if last_bad == len(rows) - 1:
        return float("inf")
    return (float(rows[last_bad + 1]["time_s"]) - t0) / 60.0


def applied_minute(path: Path, sensor: str, t0: float) -> float:
    """Minutes from the start after which the tracker applies the estimate (inf: never)."""
    rows = [r for r in csv.DictReader(path.open()) if r["sensor"] == sensor]
    last_off = max((i for i, r in enumerate(rows) if r["applied"] != "1"), default=-1)
    return float("inf") if last_off == len(rows) - 1 else (float(rows[last_off + 1]["time_s"]) - t0) / 60.0


def run_case(work: Path, case: Case, duration: float) -> dict[str, Any]:
    name, opts, biases, sensors, sheet_name, references = case
    if sheet_name:
        sheet = work / f"{name}-sensors.json"
        sheet.write_text(json.dumps(SHEETS[sheet_name]))
        opts = [*opts, "--sensors", str(sheet)]
    common = ["--duration", str(duration), "--no-progress", *opts]
    bias_args = [a for s, (r, az, t) in biases.items() for a in ("--bias", f"{s}={r},{az},{t}")]
    biased, clean = work / f"{name}-biased", work / f"{name}-unbiased"
    airpicture("sim", str(biased), *common, *bias_args)
    airpicture("sim", str(clean), *common)
    pick = ["--sensors", sensors] if sensors else []
    score = ["--warmup", str(WARMUP_S), "--json", *pick]
    on = dict(os.environ, AIRPICTURE_REGISTRATION__REFERENCE_RADARS=json.dumps(references))
    off = dict(os.environ, AIRPICTURE_REGISTRATION__ENABLED="false")
    runs = {
        "biased, registration": (biased, on),
        "biased, no registration": (biased, off),
        "unbiased, registration": (clean, on),
    }
    rms = {}
    log = work / f"{name}-biases.csv"
    for label, (folder, env) in runs.items():
        tracks = work / f"{name}-{label.replace(', ', '-').replace(' ', '-')}.csv"
        extra = ["--biases", str(log)] if label == "biased, registration" else []
        airpicture("track", str(folder), "--out", str(tracks), *pick, *extra, env=env)
        scores = json.loads(airpicture("eval", str(clean), str(tracks), *score))
        rms[label] = scores["by_kind"]["aircraft"]["rms_m"]
    t0 = json.loads((biased / "meta.json").read_text())["start_s"]
    final = {r["sensor"]: r for r in csv.DictReader(log.open())}
    has_adsb = any(s.get("kind") == "adsb" for s in SHEETS.get(sheet_name or "", [{"kind": "adsb"}]))
    radars = {}
    for s, truth in biases.items():
        f = final[s]
        # no ADS-B and no reference radar: a time offset common to the radars is not observable,
        # so the time offset is judged relative to the other radar
        other = None if has_adsb or references else next(r for r in final if r != s)
        goal = truth
        if other is not None:
            goal = (truth[0], truth[1], truth[2] - biases.get(other, (0.0, 0.0, 0.0))[2])
        radars[s] = {
            "true": truth,
            "estimate": (float(f["range_m"]), float(f["azimuth_deg"]), float(f["time_offset_s"])),
            "sigma": (float(f["sigma_range_m"]), float(f["sigma_azimuth_deg"]), float(f["sigma_time_s"])),
            "applied": (
                float(f["applied_range_m"]),
                float(f["applied_azimuth_deg"]),
                float(f["applied_time_s"]),
            ),
            "time_relative_to": other,
            "converged_min": converged_minute(log, s, goal, t0, other),
            "applied_min": applied_minute(log, s, t0),
        }
    return {"case": name, "radars": radars, "aircraft_rms_m": rms, "references": references}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="keep the scenarios and tracks here (default: a temporary folder)")
    ap.add_argument("--duration", type=float, default=1200.0, help="seconds simulated per case (1200)")
    ap.add_argument("--json", help="also write the figures as JSON here")
    ap.add_argument("--cases", help="run only these cases (comma-separated names; default: all)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.out or tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        chosen = args.cases.split(",") if args.cases else [c[0] for c in CASES]
        for case in CASES:
            name = case[0]
            if name not in chosen:
                continue
            res = run_case(work, case, args.duration)
            results.append(res)
            rms = res["aircraft_rms_m"]
            ratio = rms["biased, registration"] / rms["unbiased, registration"]
            refs = f"; reference radars {', '.join(res['references'])}" if res["references"] else ""
            print(f"{name}: aircraft RMS after {WARMUP_S:.0f} s: biased {rms['biased, registration']} m "
                  f"with registration, {rms['biased, no registration']} m without; unbiased "
                  f"{rms['unbiased, registration']} m (ratio {ratio:.3f}){refs}")  # fmt: skip
            for s, r in res["radars"].items():
                (tr, ta, tt), (er, ea, et), (sr, sa, st) = r["true"], r["estimate"], r["sigma"]
                ar, aa, at = r["applied"]
                rel = f" (time judged relative to {r['time_relative_to']})" if r["time_relative_to"] else ""
                print(f"  {s}: true {tr:+.0f} m {ta:+.2f} deg {tt:+.2f} s; estimate {er:+.1f} m "
                      f"{ea:+.3f} deg {et:+.3f} s (sigma {sr:.1f} m {sa:.4f} deg {st:.4f} s); applied "
                      f"{ar:+.1f} m {aa:+.3f} deg {at:+.3f} s; within 20 % from minute "
                      f"{r['converged_min']:.1f}{rel}, applied from minute "
                      f"{r['applied_min']:.1f}")  # fmt: skip
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
