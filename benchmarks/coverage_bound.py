"""What coverage a tracker could reach at most on a scenario's radar: a perfect track for every
aircraft from its k-th plot onward (k = 1, 2, 3), scored by `airpicture eval` as any tracks.csv.

Each plot of the radar is given to the aircraft whose predicted range and azimuth from the radar
(from the platform's path when it flies) is nearest (within 3 units of 300 m in range + 600 m
across); the rest are clutter. The track rows are the truth itself, so the RMS is 0 and only the
pictures before a k-th plot are lost. A tracker that confirms on its second plot cannot beat the
k = 2 figure; one that shows a track at its first plot, the k = 1 figure.

    .venv/bin/python benchmarks/coverage_bound.py ../shared/scenarios/paris-aew --sensor AEW1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from airpicture.eval.csvio import read_columns
from airpicture.geo import geodetic_to_enu


def _aircraft(scn: Path) -> dict[str, np.ndarray]:
    """Truth rows (t, lat, lon, alt) per aircraft."""
    c = read_columns(scn / "truth.csv", ("time_s", "target", "kind", "lat", "lon", "alt_m"))
    kind, name = np.asarray(c["kind"]), np.asarray(c["target"])
    cols = np.column_stack([np.asarray(c[k], float) for k in ("time_s", "lat", "lon", "alt_m")])
    out = {}
    for n in np.unique(name[kind == "aircraft"]):
        rows = cols[name == n]
        out[str(n)] = rows[np.argsort(rows[:, 0])]
    return out


def plot_times(scn: Path, sensor: str, truth: dict[str, np.ndarray]) -> tuple[dict[str, list[float]], int]:
    """Each aircraft's plot times from `sensor`, and how many plots went to no aircraft."""
    sheets = json.loads((scn / "sensors.json").read_text())
    sheets = sheets["sensors"] if isinstance(sheets, dict) else sheets
    sheet = next(s for s in sheets if s["id"] == sensor)
    p = read_columns(scn / "plots.csv", ("time_s", "sensor", "range_m", "azimuth_deg"))
    mine = np.asarray(p["sensor"]) == sensor
    t, rng, az = (np.asarray(p[k], float)[mine] for k in ("time_s", "range_m", "azimuth_deg"))
    plat_file = scn / "platforms.csv"
    plat = None
    if plat_file.exists():
        q = read_columns(plat_file, ("time_s", "sensor", "lat", "lon", "alt_m"))
        m = np.asarray(q["sensor"]) == sensor
        if m.any():
            plat = np.column_stack([np.asarray(q[k], float)[m] for k in ("time_s", "lat", "lon", "alt_m")])
    if plat is None:
        where = np.array([sheet["lat"], sheet["lon"], sheet["alt_m"]], float)
        origin = np.tile(where, (len(t), 1))
    else:
        origin = np.column_stack([np.interp(t, plat[:, 0], plat[:, j]) for j in (1, 2, 3)])
    best, cost = np.full(len(t), -1), np.full(len(t), np.inf)
    names = list(truth)
    for i, n in enumerate(names):
        a = truth[n]
        live = (t >= a[0, 0]) & (t <= a[-1, 0])
        if not live.any():
            continue
        pos = [np.interp(t[live], a[:, 0], a[:, j]) for j in (1, 2, 3)]
        o = origin[live]
        enu = np.asarray(geodetic_to_enu(*pos, o[:, 0], o[:, 1], o[:, 2])).reshape(-1, 3)
        d = np.linalg.norm(enu, axis=1)
        daz = np.angle(np.exp(1j * (np.arctan2(enu[:, 0], enu[:, 1]) - np.radians(az[live]))))
        c = np.abs(d - rng[live]) / 300.0 + np.abs(daz) * d / 600.0
        better = c < cost[live]
        idx = np.flatnonzero(live)[better]
        best[idx], cost[idx] = i, c[better]
    hits: dict[str, list[float]] = defaultdict(list)
    ok = cost < 3.0
    for k in np.flatnonzero(ok):
        hits[names[best[k]]].append(float(t[k]))
    return hits, int((~ok).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--sensor", required=True, help="the radar whose plots count")
    args = ap.parse_args()
    truth = _aircraft(args.scenario)
    hits, clutter = plot_times(args.scenario, args.sensor, truth)
    print(f"{args.sensor}: {sum(map(len, hits.values()))} plots on {len(hits)} aircraft, {clutter} on none")
    with tempfile.TemporaryDirectory() as tmp:
        for k in (1, 2, 3):
            path = Path(tmp) / f"from-plot-{k}.csv"
            with path.open("w") as f:
                f.write("time_s,track,lat,lon,alt_m,class,class_p,identity,integrity\n")
                for i, (n, times) in enumerate(sorted(hits.items())):
                    if len(times) < k:
                        continue
                    a = truth[n]
                    for t, lat, lon, alt in a[a[:, 0] >= sorted(times)[k - 1]]:
                        f.write(f"{t:.2f},{i + 1},{lat:.6f},{lon:.6f},{alt:.1f},aircraft,1,,ok\n")
            cmd = [sys.executable, "-m", "airpicture", "eval", str(args.scenario), str(path), "--sensors",
                   args.sensor, "--kinds", "aircraft", "--json"]  # fmt: skip
            cov = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            print(f"perfect tracks from each aircraft's plot {k}: coverage {cov['coverage']:.4f}")


if __name__ == "__main__":
    main()
