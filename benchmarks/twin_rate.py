"""How often real traffic looks like a replay: pairs of real aircraft, more than 5 km apart and
both airborne, whose broadcast altitude (to `--alt` m) and velocity (to `--speed` m/s) agree, and
for how long; whether the offset between them lies along their track (in trail) or across it
(abeam). The integrity stage's twin LR (IntegritySettings.twin_rate_per_pair_hour, twin_tail_s) is
read from this (README, "Integrity").

    .venv/bin/python benchmarks/twin_rate.py [../shared/data/quickstart.json.gz] [--alt 16 --speed 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "quickstart.json.gz"
FT, KT, R = 0.3048, 0.514444, 6371000.0
STEP_S = 2.0


def tracks(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per aircraft, on a common STEP_S grid: e, n (m), broadcast altitude (m), ve, vn (m/s); NaN
    where not airborne or across a gap of more than 20 s."""
    by = defaultdict(list)
    with gzip.open(path) as f:
        records = json.load(f)
    for r in records:
        vals = [r.get(k) for k in ("timestamp", "latitude", "longitude", "altitude", "groundspeed", "track")]
        if None not in vals and not r.get("onground"):
            by[r["icao24"]].append(vals)
    lat0, lon0 = 48.86, 2.29
    t_all = [v[0] / 1000 for a in by.values() for v in a]
    grid = np.arange(np.ceil(min(t_all)), max(t_all), STEP_S)
    out = []
    for rows in by.values():
        a = np.array(sorted(rows), float)
        t = a[:, 0] / 1000
        cols = np.full((5, len(grid)), np.nan)
        ok = (grid >= t[0]) & (grid <= t[-1])
        g = grid[ok]
        idx = np.clip(np.searchsorted(t, g), 1, len(t) - 1)
        near = np.where(np.abs(t[idx] - g) < np.abs(t[idx - 1] - g), idx, idx - 1)
        e = np.radians(a[:, 2] - lon0) * R * np.cos(np.radians(lat0))
        n = np.radians(a[:, 1] - lat0) * R
        alt = np.round(a[:, 3] / 25) * 25 * FT
        vel = a[:, 4] * KT
        trk = np.radians(a[:, 5])
        ve, vn = vel * np.sin(trk), vel * np.cos(trk)
        vals = [np.interp(g, t, e), np.interp(g, t, n), alt[near], ve[near], vn[near]]
        gap = (t[idx] - t[idx - 1]) > 20
        for k, v in enumerate(vals):
            cols[k, np.flatnonzero(ok)] = np.where(gap, np.nan, v)
        out.append(cols)
    return grid, out


def episodes(grid: np.ndarray, cols: list[np.ndarray], tol_alt: float, tol_v: float) -> tuple[float, list]:
    """(pair-hours of airborne pairs more than 5 km apart, [(duration s, median |cos| offset vs
    track)] of each agreeing episode)."""
    X = np.stack(cols)  # (aircraft, 5, T)
    run: dict[tuple[int, int], tuple[int, list[float]]] = {}
    done, pair_steps = [], 0
    for k in range(len(grid)):
        live = np.flatnonzero(np.isfinite(X[:, 0, k]) & (X[:, 2, k] > 1000))
        e, n, h, ve, vn = (X[live, j, k] for j in range(5))
        iu = np.triu_indices(len(live), 1)
        sep = np.hypot(e[:, None] - e[None], n[:, None] - n[None])[iu]
        dh = np.abs(h[:, None] - h[None])[iu]
        dv = np.hypot(ve[:, None] - ve[None], vn[:, None] - vn[None])[iu]
        far = sep > 5000
        pair_steps += int(far.sum())
        agree = far & (dh <= tol_alt) & (dv <= tol_v)
        now = set()
        for x, y in zip(iu[0][agree], iu[1][agree], strict=True):
            off = np.array([e[y] - e[x], n[y] - n[x]])
            v = np.array([ve[x], vn[x]])
            c = abs(off @ v) / (np.linalg.norm(off) * np.linalg.norm(v) + 1e-9)
            p = (int(live[x]), int(live[y]))
            now.add(p)
            start, cs = run.get(p, (k, []))
            run[p] = (start, [*cs, c])
        for p in [p for p in run if p not in now]:
            start, cs = run.pop(p)
            done.append(((k - start) * STEP_S, float(np.median(cs))))
    done += [((len(grid) - s) * STEP_S, float(np.median(cs))) for s, cs in run.values()]
    return pair_steps * STEP_S / 3600, done


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    ap.add_argument("--alt", type=float, default=16.0, help="altitude agreement, m")
    ap.add_argument("--speed", type=float, default=3.0, help="velocity agreement, m/s")
    a = ap.parse_args()
    if not Path(a.file).exists():
        print(f"twin_rate: {a.file} not found (the recorded trajectories of ../shared/data)")
        return 0
    grid, cols = tracks(Path(a.file))
    hours, eps = episodes(grid, cols, a.alt, a.speed)
    span_h = (grid[-1] - grid[0]) / 3600
    print(f"{len(cols)} aircraft, {span_h:.2f} h, {hours:.0f} pair-hours, {len(eps)} episodes")
    d = np.array([x for x, _ in eps])
    abeam = np.array([c <= 0.9 for _, c in eps])
    for D in (10, 20, 30, 60, 90, 120, 180):
        m = d >= D
        print(f"agree >= {D:3d} s: {int(m.sum()):3d} episodes, in trail {int((m & ~abeam).sum()):3d}, "
              f"abeam {int((m & abeam).sum()):3d}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
