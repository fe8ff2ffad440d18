"""The whole `airpicture track` process against Stone Soup, on a 3-hour radar-only Paris run.

usage: .venv/bin/python benchmarks/bench_whole.py [--scenario DIR] [--hours 3] [--repeat 3]
       [--stonesoup-python /tmp/ssvenv/bin/python] [--stonesoup-minutes 1]

1. Builds the scenario (once, kept in the temp folder) with ../shared/eval/make_scenario.py from
   ../shared/scenarios/paris/config.json, its duration set to --hours (3 h: ~142,000 TMA1 plots,
   40 clutter plots a scan); or tracks --scenario.
2. Times the whole process, as a user runs it, from the shell to the last row written:
   `python -m airpicture track SCN --sensors TMA1 --out tracks.csv --no-progress` (interpreter
   start, imports, numba cache loading, reading, tracking, assessment, writing, exit), with this
   checkout's src/ first on PYTHONPATH. One untimed run first fills / warms the numba cache; the
   median of --repeat runs is reported, with the figures the process prints of itself.
3. Runs benchmarks/bench_stonesoup.py (a plain Stone Soup EKF + GNN tracker) on the first
   --stonesoup-minutes of the same TMA1 plots, with a Python that has Stone Soup (skipped, with
   how to install it, when there is none), and prints the ratio of the two throughputs.

Figures only: nothing here passes or fails on timing. On a shared machine, read the load printed
with them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SSVENV = Path("/tmp/ssvenv/bin/python")


def build(hours: float) -> Path:
    """The Paris scenario over `hours`, built once into the temp folder."""
    out = Path(tempfile.gettempdir()) / f"airpicture-paris-{hours:g}h"
    if (out / "plots.csv").exists() and (out / "meta.json").exists():
        return out
    cfg = json.loads((SHARED / "scenarios" / "paris" / "config.json").read_text())
    cfg["duration_s"] = hours * 3600
    cfg["trajectories"] = str((SHARED / "scenarios" / "paris" / cfg["trajectories"]).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(cfg))
        subprocess.run(
            [sys.executable, str(SHARED / "eval" / "make_scenario.py"), str(path), str(out) + ".part"],
            check=True,
            capture_output=True,
        )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(str(out) + ".part", out)
    return out


def whole_process(scenario: Path, out: Path) -> tuple[float, str]:
    """Wall time of one `airpicture track` process and what it printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "airpicture", "track", str(scenario), "--sensors", "TMA1", "--out", str(out),
           "--no-progress"]  # fmt: skip
    t0 = time.perf_counter()
    said = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return time.perf_counter() - t0, said


def stonesoup_python(given: str | None) -> str | None:
    """A Python that can import stonesoup: the one given, this one, or /tmp/ssvenv's."""
    for py in [given] if given else [sys.executable, str(SSVENV)]:
        if py and Path(py).exists():
            ok = subprocess.run([py, "-c", "import stonesoup"], capture_output=True).returncode == 0
            if ok:
                return py
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", type=Path, help="track this scenario instead of building the Paris one")
    ap.add_argument("--hours", type=float, default=3.0, help="length of the built Paris scenario")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of the whole process (median)")
    ap.add_argument("--stonesoup-python", help="a Python with Stone Soup (default: this one or /tmp/ssvenv)")
    ap.add_argument("--stonesoup-minutes", type=float, default=1.0, help="minutes of plots for Stone Soup")
    a = ap.parse_args()
    if a.scenario:
        scenario = a.scenario
    elif (SHARED / "eval" / "make_scenario.py").exists():
        scenario = build(a.hours)
    else:
        print(f"no {SHARED}: give --scenario DIR (a scenario folder with TMA1 plots)")
        return 2
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tracks.csv"
        whole_process(scenario, out)  # fills or warms the numba cache: not timed
        runs = [whole_process(scenario, out) for _ in range(a.repeat)]
        rows = sum(1 for _ in out.open()) - 1
    walls = [w for w, _ in runs]
    wall = statistics.median(walls)
    said = runs[walls.index(wall)][1]
    plots = int(re.search(r"(\d+) plots \+", said).group(1))  # type: ignore[union-attr]
    ours = plots / wall
    print(
        f"scenario {scenario}: {plots:,} TMA1 plots; "
        f"load average before: {' '.join(f'{x:.2f}' for x in load)}"
    )
    print(
        f"airpicture, whole `track` process (shell to last row, warm numba cache), median of {a.repeat}: "
        f"{wall:.2f} s = {ours:,.0f} plots/s (runs {', '.join(f'{w:.2f}' for w in sorted(walls))} s; "
        f"{rows:,} rows)"
    )
    for line in said.splitlines()[1:2] + said.splitlines()[3:4]:
        print(f"  the process of itself: {line}")
    py = stonesoup_python(a.stonesoup_python)
    if py is None:
        print(
            "Stone Soup: not installed; skipped (python3 -m venv /tmp/ssvenv && /tmp/ssvenv/bin/pip install "
            "stonesoup, or give --stonesoup-python)"
        )
        return 0
    done = subprocess.run(
        [py, str(ROOT / "benchmarks" / "bench_stonesoup.py"), str(scenario), "--sensor", "TMA1", "--minutes",
         str(a.stonesoup_minutes)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    ss = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"Stone Soup {ss['stonesoup']} (EKF + GNN), first {ss['minutes']:g} min of the same TMA1 plots: "
        f"{ss['plots']:,} plots in {ss['seconds']:.1f} s = {ss['plots_per_s']:,.1f} plots/s (tracking only)"
    )
    print(f"ratio: airpicture's whole process is {ours / ss['plots_per_s']:,.0f}x Stone Soup's tracker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
