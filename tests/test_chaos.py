"""Chaos, short and seeded (issue 13): benchmarks/soak.py for 40 s of wall time (over an hour of
feed time at 100 x) -- a live console fed Mode S and Remote ID drones that come and go, with
churning, slow and never-reading clients, feed drops, silences, bad frames and hostile requests.
It must never stall over 2 s, count what it rejects and stop within 5 s of SIGTERM. The long run
is the benchmark itself (README, "Runs for months")."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[1] / "benchmarks" / "soak.py"


def test_a_short_seeded_soak_never_stalls_and_stops_on_sigterm(tmp_path: Path) -> None:
    cmd = [sys.executable, str(SOAK), "--hours", "1.1", "--speed", "100", "--sample-s", "4"]
    cmd += [
        "--fault-every-s",
        "4",
        "--clients",
        "6",
        "--seed",
        "7",
        "--out",
        str(tmp_path),
        "--no-growth-check",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert run.returncode == 0, (summary, run.stderr[-2000:])
    assert summary["stalls"] == 0 and summary["sigterm_s"] < 5.0
    faults = summary["faults_survived"]
    assert faults["feed_drops"] >= 1 and faults["silences"] >= 1 and faults["hostile_http"] >= 1
    rejects = summary["rejects_counted"]  # the bad frames were refused and counted by reason
    assert rejects["mlat"] >= 5 * faults["bad"] and rejects["clock_jump"] >= 10 * faults["bad"]
    assert rejects["jsonl_syntax"] >= faults["bad"] and rejects["jsonl_too_long"] >= faults["bad"]
    # drones were tracked under their serials, and came and went
    with (tmp_path / "soak.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert max(int(r["drone_tracks"]) for r in rows) >= 2 and summary["drones_flown"] > 4
    assert (tmp_path / "soak.csv").read_text().count("\n") >= 5 and (tmp_path / "soak.png").stat().st_size > 0
