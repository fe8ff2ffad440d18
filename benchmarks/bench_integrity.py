"""Spoofed ADS-B ghosts on scenarios the integrity stage was not tuned on: six scenarios built by
`../shared/eval/make_scenario.py` from the real recorded trajectories (`quickstart.json.gz`), each
with 6 ghosts (a real flight replayed 0-35 km away under a made-up address), varying what sees
them: the TMA radar's range (60-120 km, or no TMA radar), one or two ADS-B receivers, and three
time windows of the recording. Each is tracked by `airpicture track` and scored by `airpicture eval`;
prints one line per scenario and the total (ghosts flagged, median s to flag, real flagged).

    .venv/bin/python benchmarks/bench_integrity.py [--out DIR]

Needs `../shared` (the scenario builder and the recorded trajectories); exits 0 with a note
without it.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PY = sys.executable

#: (name, seed, offset_s into the recording, TMA range m or None for no TMA radar, second receiver)
FAMILY = [
    ("tma120", 11, 3600, 120_000, False),
    ("tma60", 12, 3600, 60_000, False),
    ("no-tma", 13, 3600, None, False),
    ("tma80-2rx", 14, 3600, 80_000, True),
    ("tma90-early", 15, 0, 90_000, False),
    ("tma100-late-2rx", 16, 7200, 100_000, True),
]
SECOND_RX = {"id": "ADSB2", "kind": "adsb", "lat": 49.45, "lon": 1.6, "alt_m": 100, "max_range_m": 150_000,
             "update_period_s": 1.0, "p_loss": 0.5, "sigma_position_m": 10}  # fmt: skip


def config(seed: int, offset: int, tma: int | None, second: bool) -> dict:
    c = copy.deepcopy(json.loads((SHARED / "scenarios" / "paris" / "config.json").read_text()))
    c.update(seed=seed, offset_s=offset, ghosts=6, trajectories=str(SHARED / "data" / "quickstart.json.gz"))
    sensors = [s for s in c["sensors"] if tma is not None or s["id"] != "TMA1"]
    for s in sensors:
        if s["id"] == "TMA1":
            s["max_range_m"] = tma
    c["sensors"] = [*sensors, SECOND_RX] if second else sensors
    return c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="folder for the scenarios (default: a temporary one)")
    a = ap.parse_args()
    if not (SHARED / "eval" / "make_scenario.py").exists():
        print(f"bench_integrity: needs {SHARED} (make_scenario.py and the recorded trajectories)")
        return 0
    out = Path(a.out or tempfile.mkdtemp(prefix="airpicture-integrity-"))
    total = {"ghosts": 0, "flagged": 0, "real_flagged": 0}
    for name, seed, offset, tma, second in FAMILY:
        d = out / name
        if not (d / "truth.csv").exists():
            d.mkdir(parents=True, exist_ok=True)
            (d / "config.json").write_text(json.dumps(config(seed, offset, tma, second)))
            subprocess.run([PY, str(SHARED / "eval" / "make_scenario.py"), str(d / "config.json"), str(d)],
                           check=True, capture_output=True)  # fmt: skip
        tracks = d / "tracks.csv"
        subprocess.run([PY, "-m", "airpicture", "track", str(d), "--out", str(tracks), "--no-progress"],
                       check=True, capture_output=True)  # fmt: skip
        res = subprocess.run([PY, "-m", "airpicture", "eval", str(d), str(tracks), "--json"],
                             check=True, capture_output=True, text=True)  # fmt: skip
        itg = json.loads(res.stdout)["integrity"]
        for k in total:
            total[k] += itg[k]
        print(f"{name:16s} ghosts {itg['ghosts']} flagged {itg['flagged']} median_s_to_flag "
              f"{itg['median_s_to_flag']} real_flagged {itg['real_flagged']}")  # fmt: skip
    print(f"{'all':16s} ghosts {total['ghosts']} flagged {total['flagged']} "
          f"real_flagged {total['real_flagged']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
