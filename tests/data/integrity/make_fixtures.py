"""Write the report-integrity fixtures of this folder from ../shared/data (see README.md):
python tests/data/integrity/make_fixtures.py [SHARED_DATA_DIR]

Each is a REPORT_DTYPE table as CSV (gzip): the real recorded fixes as `airpicture.sim.recorded`
reads them, rounded to what the recordings carry.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

from airpicture.sim.recorded import read_recorded
from airpicture.types import REPORT_DTYPE

HERE = Path(__file__).resolve().parent
FORMATS = ("%.3f", "%d", "%d", "%.6f", "%.6f", "%.2f", "%.3f", "%.5f", "%.3f")
#: Paris traffic extract: this many aircraft with the most fixes within RADIUS_DEG of Paris in the
#: window [START_S, START_S + SPAN_S) after the recording's start.
AIRCRAFT, START_S, SPAN_S, PARIS, RADIUS_DEG = 16, 3600.0, 1200.0, (48.86, 2.29), 1.5


def write(path: Path, reports: np.ndarray) -> None:
    with gzip.open(path, "wt") as f:
        np.savetxt(
            f,
            reports.tolist(),
            fmt=list(FORMATS),
            delimiter=",",
            header=",".join(REPORT_DTYPE.names or ()),
            comments="",
        )


def main(shared: Path) -> None:
    write(HERE / "noisy_spoofing.csv.gz", read_recorded(shared / "noisy_spoofing.json.gz"))
    rep = read_recorded(shared / "quickstart.json.gz")
    t0 = rep["time_s"].min() + START_S
    near = np.hypot(rep["lat"] - PARIS[0], rep["lon"] - PARIS[1]) < RADIUS_DEG
    win = rep[(rep["time_s"] >= t0) & (rep["time_s"] < t0 + SPAN_S) & near]
    ids, n = np.unique(win["ident"], return_counts=True)
    keep = ids[np.argsort(-n, kind="stable")[:AIRCRAFT]]
    write(HERE / "paris_traffic.csv.gz", win[np.isin(win["ident"], keep)])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data")
