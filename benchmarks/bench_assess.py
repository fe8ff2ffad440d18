"""Assessment (classification + alert rules) speed on the real Paris scenario. Prints a table;
nothing here passes or fails.

usage: python benchmarks/bench_assess.py [SCENARIO_DIR] [--repeat 3]

The tracker runs once per sensor set and its pictures are kept; the assessor is then timed alone
over them (best of --repeat fresh assessors), so the figure is the assess stage's and nothing
else's. The kernels' one-off start-up (the warm-up of a process's first TrackAssessor: a cache
load, or a compile on a first run) is timed apart.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

from airpicture.assess import TrackAssessor, zones_from_config
from airpicture.integrity import TrackIntegrity, judged
from airpicture.sources.scenario import load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Picture

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BUNDLED = ROOT / "src" / "airpicture" / "data" / "paris"


def pictures(scenario: Path, sensors: list[str] | None) -> tuple[list[Picture], dict[str, object]]:
    """The pictures `airpicture track` publishes (every 1 s), and what the assessor is built from."""
    scn = load_scenario(scenario, sensors)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    integrity = TrackIntegrity(scn.sensors, scn.site_lla, scn.platforms, scn.active)
    pics = [copy.deepcopy(p) for p in judged(trk, integrity, scenario_windows(scn, 1.0, False))]
    return pics, {"sensors": scn.sensors, "site": scn.site, "zones": zones_from_config(scn.zones, scn.site)}


def assess(pics: list[Picture], setup: dict[str, object], repeat: int) -> tuple[float, int]:
    """(best time over the pictures s, alert steps)."""
    best, steps = float("inf"), 0
    for _ in range(repeat):
        a = TrackAssessor(**setup)  # type: ignore[arg-type]
        run = copy.deepcopy(pics)
        t0 = time.perf_counter()
        steps = sum(len(a.update(p)) for p in run)
        best = min(best, time.perf_counter() - t0)
    return best, steps


def main() -> int:
    paris = SHARED / "scenarios" / "paris"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", type=Path, default=paris if paris.exists() else BUNDLED)
    ap.add_argument("--repeat", type=int, default=3, help="fresh assessors timed over the pictures (best)")
    a = ap.parse_args()
    lines = []
    for name, sensors in (("TMA1", ["TMA1"]), ("all", None)):
        pics, setup = pictures(a.scenario, sensors)
        if not lines:
            t0 = time.perf_counter()
            TrackAssessor(**setup)  # type: ignore[arg-type]
            lines.append(
                f"kernel start-up (the first TrackAssessor of a process): {time.perf_counter() - t0:.3f} s"
            )
            lines.append(
                f"{'sensors':<8} {'pictures':>8} {'rows':>7} {'assess s':>9} {'us/picture':>10} alert steps"
            )
        best, steps = assess(pics, setup, a.repeat)
        us = 1e6 * best / max(len(pics), 1)
        lines.append(
            f"{name:<8} {len(pics):>8} {sum(len(p) for p in pics):>7} {best:>9.3f} {us:>10.1f} {steps}"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
