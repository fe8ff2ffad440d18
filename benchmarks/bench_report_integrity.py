"""Spoofing evidence from the reports (airpicture.integrity.ReportIntegrity) on the real recordings
of ../shared/data and the Paris scenarios: how often real reports fail each check, how many real
aircraft are flagged, and the verdict on the real spoofed recording. Prints a table; nothing here
passes or fails (tests/integrity holds the pass/fail versions).

usage: python benchmarks/bench_report_integrity.py [--shared ../shared] [--seed 0]

Each recording is judged twice: as recorded (a merged feed, a receiver that states no range) and
as two receivers around it hear it (airpicture.sim.recorded.receive: the Paris receiver, 250 km,
40 % loss, and one at CDG, 180 km, 30 % loss). An address is flagged when its evidence passes
log10(IntegritySettings.suspect_lr).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from airpicture.config import IntegritySettings
from airpicture.integrity import ReportIntegrity
from airpicture.sensors import load_sheets
from airpicture.sim.recorded import read_recorded, receive
from airpicture.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FLAG = float(np.log10(IntegritySettings().suspect_lr))
RECEIVERS = [
    {"id": "ADSB1", "kind": "adsb", "lat": 48.86, "lon": 2.29, "alt_m": 60, "max_range_m": 250000,
     "p_loss": 0.4, "sigma_position_m": 8},
    {"id": "ADSB2", "kind": "adsb", "lat": 49.01, "lon": 2.55, "alt_m": 100, "max_range_m": 180000,
     "p_loss": 0.3, "sigma_position_m": 15},
]  # fmt: skip


def judge(
    reports: np.ndarray, sensors: list, site: tuple[float, float, float]
) -> tuple[ReportIntegrity, dict, float]:
    """ReportIntegrity over 1 s windows; (checker, peak evidence per address, seconds taken)."""
    checker = ReportIntegrity(sensors, site)
    peak: dict[int, tuple[float, int, float]] = {}
    t = reports["time_s"]
    edges = np.floor(t.min()) + np.arange(int(np.ceil(t.max() - np.floor(t.min()))) + 2)
    idx = np.searchsorted(t, edges)
    t0 = time.perf_counter()
    for k in range(len(edges) - 1):
        win = reports[idx[k] : idx[k + 1]]
        checker.observe(win, float(edges[k + 1]))
        if len(win):
            ids = np.unique(win["ident"])
            llr, why = checker.evidence(ids)
            for i, v, y in zip(ids.tolist(), llr.tolist(), why.tolist(), strict=True):
                if v > peak.get(i, (0.0, 0, 0.0))[0]:
                    peak[i] = (v, y, float(edges[k + 1]))
    return checker, peak, time.perf_counter() - t0


def row(
    name: str,
    reports: np.ndarray,
    sensors: list,
    site: tuple[float, float, float],
    real: set[int] | None = None,
) -> None:
    checker, peak, took = judge(reports, sensors, site)
    c = checker.counts()
    ids = set(np.unique(reports["ident"]).tolist()) if real is None else real
    flagged = [i for i in ids if peak.get(i, (0.0,))[0] >= FLAG]
    top = max((peak.get(i, (0.0,))[0] for i in ids), default=0.0)
    n = max(len(reports), 1) / 1e4
    rates = f"{c['outliers'] / n:9.2f} {c['altitude_outliers'] / n:9.2f} {c['velocity_outliers'] / n:9.2f}"
    events = f"{c['jumps']:5d} {c['two_places']:5d} {len(flagged):7d} {top:7.2f}"
    print(f"{name:40s} {len(reports):8d} {len(ids):5d} {rates} {events} {len(reports) / took:9.0f}")


def around(rep: np.ndarray) -> list:
    lat, lon = float(np.nanmedian(rep["lat"])), float(np.nanmedian(rep["lon"]))
    moved = [r | {"lat": lat + r["lat"] - 48.86, "lon": lon + r["lon"] - 2.29} for r in RECEIVERS]  # type: ignore[operator]
    return load_sheets(moved)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    data, rng = a.shared / "data", np.random.default_rng(a.seed)
    merged = [{"id": "merged", "kind": "adsb", "lat": 0.0, "lon": 0.0}]
    print(f"flag: log10 LR >= {FLAG:.2f}; rates per 10,000 reports")
    head = (
        "data",
        "reports",
        "addr",
        "outl/1e4",
        "alt/1e4",
        "vel/1e4",
        "jumps",
        "two",
        "flagged",
        "peak",
        "rep/s",
    )
    print(
        f"{head[0]:40s}",
        " ".join(f"{h:>{w}s}" for h, w in zip(head[1:], (8, 5, 9, 9, 9, 5, 5, 7, 7, 9), strict=True)),
    )
    names = ["quickstart.json.gz", "belevingsvlucht.json.gz", "noisy_time_issue.json.gz"]
    names += sorted(f"more/{p.name}" for p in (data / "more").glob("*.json.gz"))
    for name in names:
        rep = read_recorded(data / name)
        site = (float(np.nanmedian(rep["lat"])), float(np.nanmedian(rep["lon"])), 0.0)
        row(f"{name} (as recorded)", rep, merged, site)
        sheets = around(rep)
        row(f"{name} (2 receivers)", receive(rep, sheets, rng), sheets, site)
    for scn_dir in ("paris", "paris-aew"):
        path = a.shared / "scenarios" / scn_dir
        if not path.is_dir():
            continue
        scn = load_scenario(path)
        ghosts = {
            int(line.split(",")[0], 16) for line in (path / "ghosts.csv").read_text().splitlines()[1:] if line
        }
        real = set(np.unique(scn.reports["ident"]).tolist()) - ghosts
        row(f"scenario {scn_dir} (real addresses)", scn.reports, scn.sensors, scn.site_lla, real)
    rep = read_recorded(data / "noisy_spoofing.json.gz")
    gaps = np.flatnonzero(np.diff(rep["time_s"]) > 300)
    onset, end, back = rep["time_s"][gaps[0] + 1], rep["time_s"][gaps[1]], rep["time_s"][gaps[1] + 1]
    checker = ReportIntegrity(merged, (45.0, 25.0, 0.0))
    flagged = []
    for t in np.arange(np.floor(rep["time_s"][0]), rep["time_s"][-1] + 2):
        checker.observe(rep[(rep["time_s"] >= t - 1) & (rep["time_s"] < t)], float(t))
        if checker.evidence(np.unique(rep["ident"]))[0][0] >= FLAG:
            flagged.append(t)
    f = np.array(flagged)
    outside = int(((f < onset) | (f > back + 1)).sum())
    print(
        f"\nnoisy_spoofing: spoofed stretch {end - onset:.0f} s; first flag {f.min() - onset:.0f} s after its"
    )
    print(
        f"onset; last flag {f.max() - back:+.0f} s from the return; flagged outside the stretch: {outside} s"
    )
    print(f"counts {checker.counts()}")


if __name__ == "__main__":
    main()
