"""`airpicture track --ray` against one process: throughput against workers, and the joined
picture scored against the single run's. Prints a table and writes JSON; nothing here passes or
fails.

usage: python benchmarks/ray_batch.py SCENARIO_DIR [--workers 1,2] [--chunk-s 1800] [--pool]
                                      [--json benchmarks/results/ray_batch-NAME.json]

Each run is the CLI in a fresh process (`python -m airpicture track ...`), timed wall to wall, as
a user runs it: the chunked runs include the slicing of the inputs, the start of Ray (or of the
pool) and of its workers (each loads the compiled kernels), the lead-ins and the join. Scores are
the shared ../shared/eval/score.py's when it is there, else `airpicture eval`'s (the same
definitions). Made for a scenario of hours (make one with ../shared/eval/make_scenario.py or
`airpicture sim`); on a shared machine the times are noisy, the scores are not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCORE = ROOT.parent / "shared" / "eval" / "score.py"
WIDTHS = (7, 8, 9, 8, 7, 9, 6)  # of the table's columns after the first


def airpicture(*args: str) -> tuple[float, str]:
    """Run the CLI; (wall s, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "airpicture", *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"airpicture {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall, done.stdout


def score(scenario: Path, tracks: Path) -> dict:
    if SCORE.exists():
        out = subprocess.run(
            [sys.executable, str(SCORE), str(scenario), str(tracks)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(out)
    return json.loads(airpicture("eval", str(scenario), str(tracks), "--json")[1])


def measurements(scenario: Path) -> int:
    """Rows of plots.csv and adsb.csv (header lines excluded)."""
    import gzip

    n = 0
    for name in ("plots.csv", "adsb.csv"):
        for p in (scenario / name, scenario / (name + ".gz")):
            if p.exists():
                with gzip.open(p, "rt") if p.suffix == ".gz" else p.open() as f:
                    n += sum(1 for _ in f) - 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--workers", default="1,2", help="worker counts to run (comma list)")
    ap.add_argument("--chunk-s", default="1800", help="chunk length, s")
    ap.add_argument("--pool", action="store_true", help="the process pool instead of Ray")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--keep", help="keep the tracks.csv files in this folder")
    args = ap.parse_args()
    n = measurements(args.scenario)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        single = Path(tmp) / "single.csv"
        wall, _ = airpicture("track", str(args.scenario), "--out", str(single), "--no-progress")
        one = score(args.scenario, single)
        rows.append({"run": "single process", "workers": 1, "wall_s": wall, "scores": one, "log": ""})
        for w in [int(x) for x in args.workers.split(",")]:
            out = Path(tmp) / f"chunked-{w}.csv"
            how = ["--workers", str(w)] if args.pool else ["--ray", "--workers", str(w)]
            wall, log = airpicture(
                "track",
                *how,
                str(args.scenario),
                "--chunk-s",
                args.chunk_s,
                "--out",
                str(out),
                "--no-progress",
            )
            label = f"chunks ({'pool' if args.pool else 'ray'})"
            rows.append(
                {"run": label, "workers": w, "wall_s": wall, "scores": score(args.scenario, out), "log": log}
            )
    print(f"{args.scenario}: {n:,} measurements, chunks of {args.chunk_s} s")
    head = ("run", "workers", "wall s", "meas/s", "GOSPA m", "dGOSPA", "id sw/t-h", "d")
    print(f"{head[0]:18} " + " ".join(f"{h:>{w}}" for h, w in zip(head[1:], WIDTHS, strict=True)))
    for r in rows:
        s = r["scores"]
        d_gospa = (s["gospa_m"] - one["gospa_m"]) / one["gospa_m"]
        d_ids = s["id_switches"] - one["id_switches"]  # per target-hour
        r["d_gospa"], r["d_id_switches_per_target_hour"] = d_gospa, d_ids
        print(
            f"{r['run']:18} {r['workers']:>7} {r['wall_s']:>8.1f} {n / r['wall_s']:>9,.0f} "
            f"{s['gospa_m']:>8.1f} {d_gospa:>+7.2%} {s['id_switches']:>9.2f} {d_ids:>+6.2f}"
        )
    for r in rows:
        if r["log"]:
            print(r["log"].strip())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "scenario": str(args.scenario),
            "measurements": n,
            "chunk_s": float(args.chunk_s),
            "runs": rows,
        }
        args.json.write_text(json.dumps(doc, indent=1))
        print(f"-> {args.json}")


if __name__ == "__main__":
    main()
