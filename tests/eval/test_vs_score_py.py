"""`airpicture.eval` gives the reference scorer's numbers (shared eval/score.py) on the same files.

The tracks.csv is made here from the truth, with noise, outliers beyond the cut-off, jittered and
repeated times, dropouts, re-numbered and swapped track ids, a duplicate track, false tracks, missing
altitudes and mixed classes, identities, tracks of the spoofed ADS-B ghosts flagged suspect then
spoofed, and real aircraft flagged (some of their rows spoofed, so left out of the picture), so every
figure has something to count. Skips without ../shared.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from evalkit import write_csv

from airpicture.eval import EvalConfig, load_reference, metrics, read_tracks, score_alerts, score_tracks
from airpicture.eval.metrics import picture_times

SHARED = Path(__file__).resolve().parents[3] / "shared"
SCORE_PY = SHARED / "eval" / "score.py"
pytestmark = pytest.mark.skipif(not SCORE_PY.exists(), reason="needs ../shared/eval/score.py")


def _truth(scen: Path) -> dict[str, list[tuple[float, float, float, float, str]]]:
    by: dict[str, list[tuple[float, float, float, float, str]]] = defaultdict(list)
    with open(scen / "truth.csv") as f:
        for r in csv.DictReader(f):
            by[r["target"]].append(
                (float(r["time_s"]), float(r["lat"]), float(r["lon"]), float(r["alt_m"]), r["kind"])
            )
    return by


def make_tracks(scen: Path, out: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    truth = _truth(scen)
    names = list(truth)
    tracked = [n for n in names if rng.random() > 0.15]
    label = {n: f"T{i}" for i, n in enumerate(tracked)}
    swap_a, swap_b = rng.choice(len(tracked), 2, replace=False)
    t_swap = float(np.median([s[0][0] for s in truth.values()])) + 300
    rows: list[tuple[object, ...]] = []
    for name in tracked:
        seq = truth[name]
        period = int(rng.choice([1, 2, 4, 5]))
        renumbered = 0
        for t, lat, lon, alt, kind in seq[::period]:
            if rng.random() < 0.05 or 300 < (t - seq[0][0]) % 900 < 340:
                continue  # lost rows and a 40 s dropout every 15 min
            if rng.random() < 0.002:
                renumbered += 1  # the tracker re-numbers the track
            track = f"{label[name]}-{renumbered}"
            if t > t_swap and name in (tracked[swap_a], tracked[swap_b]):  # two tracks swap targets
                other = tracked[swap_b] if name == tracked[swap_a] else tracked[swap_a]
                track = f"{label[other]}-swapped"
            sig = float(rng.choice([25.0, 300.0, 1500.0], p=[0.95, 0.04, 0.01]))
            lat_n, lon_n = lat + rng.normal(0, sig) / 111_000, lon + rng.normal(0, sig) / 73_000
            alt_s = (
                ""
                if rng.random() < 0.2
                else ("nan" if rng.random() < 0.05 else f"{alt + rng.normal(0, 20):.1f}")
            )
            cls = str(rng.choice([kind, kind, kind, "unknown", "", "bird", "drone"]))
            tj = t + float(rng.uniform(-0.5, 0.5))
            rows.append((tj, track, lat_n, lon_n, alt_s, cls))
            if rng.random() < 0.01:  # a second row at the same time: the later one in the file wins
                rows.append((tj, track, lat_n + 0.001, lon_n, alt_s, cls))
        if rng.random() < 0.3:  # coasting on after the recording ends, and a row just before it starts
            t, lat, lon, alt, _ = seq[-1]
            rows += [
                (t + dt, f"{label[name]}-{renumbered}", lat, lon, f"{alt:.1f}", "")
                for dt in (1.0, 1.9, 2.1, 4.0)
            ]
            t, lat, lon, alt, _ = seq[0]
            rows.append((t - 1.5, f"{label[name]}-pre", lat, lon, "", ""))
        if name == tracked[0]:  # a duplicate track on the same target
            rows += [(t + 0.25, "dup", lat, lon, "", "") for t, lat, lon, _, _ in seq[::3]]
    t0 = min(s[0][0] for s in truth.values())
    t1 = max(s[-1][0] for s in truth.values())
    for f in range(20):  # false tracks of all lengths
        ts, lat, lon = rng.uniform(t0, t1), 48.86 + rng.normal(0, 0.3), 2.29 + rng.normal(0, 0.4)
        rows += [
            (ts + 4 * k, f"F{f}", lat + k * 1e-4, lon, "", "unknown") for k in range(int(rng.integers(1, 60)))
        ]
    rows = _with_integrity(scen, rows, label, seed)
    order = rng.permutation(len(rows))
    header = ["time_s", "track", "lat", "lon", "alt_m", "class", "identity", "integrity"]
    return write_csv(out, header, [rows[i] for i in order])


def _with_integrity(
    scen: Path, rows: list[tuple[object, ...]], label: dict[str, str], seed: int
) -> list[tuple[object, ...]]:
    """Each row gets its target's name as identity (false tracks none) and an integrity: a few real
    tracks are suspect or spoofed from some time on. Tracks of the ghosts (their adsb.csv reports,
    identity in upper case) are ok, then suspect, then spoofed."""
    rng = np.random.default_rng(seed + 1000)
    name_of = {v: k for k, v in label.items()}
    marked = {
        str(n): (str(rng.choice(["suspect", "spoofed"])), float(rng.uniform(0, 0.5)))
        for n in list(label)[5:9]
    }
    t0 = min(float(r[0]) for r in rows)
    out = []
    for r in rows:
        name = name_of.get(str(r[1]).split("-")[0], "")
        mark, after = marked.get(name, ("", 0.0))
        late = float(r[0]) > t0 + after * 3600
        out.append((*r, name, mark if late else str(rng.choice(["ok", ""]))))
    with open(scen / "ghosts.csv") as f:
        ghosts = {r["icao24"] for r in csv.DictReader(f)}
    first: dict[str, float] = {}
    with open(scen / "adsb.csv") as f:
        for r in csv.DictReader(f):
            if r["icao24"] in ghosts:
                t = float(r["time_s"])
                d = t - first.setdefault(r["icao24"], t)
                flag = "ok" if d < 20 + 10 * len(first) else "suspect" if d < 90 else "spoofed"
                out.append(
                    (t, f"G{r['icao24']}", r["lat"], r["lon"], r["altitude_m"], "", r["icao24"].upper(), flag)
                )
    return out


def make_alerts(scen: Path, out: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    truth = _truth(scen)
    names = list(truth)
    rows = []
    for i in range(60):  # alerts near anything, of any kind and state
        seq = truth[names[rng.integers(len(names))]]
        t, lat, lon, _, _ = seq[rng.integers(len(seq))]
        rows.append(
            (
                t + rng.uniform(-8, 8),
                f"A{i}",
                i,
                rng.choice(["site-A core", "", "other"]),
                rng.choice(["zone_entry", "predicted_entry", "loitering", "uncooperative"]),
                rng.choice(["raised", "raised", "updated", "cleared", ""]),
                lat + rng.normal(0, 400) / 111_000,
                lon + rng.normal(0, 400) / 73_000,
            )
        )
    # alerts along every drone every 7 s, in time order for one drone and newest first for the next,
    # so the alert that counts (the first in the file) sits at the early or late end of the window
    for i, (name, seq) in enumerate((n, s) for n, s in truth.items() if s[0][4] == "drone"):
        on = [
            (t, f"D{name}{j}", 0, "site-A core", "zone_entry", "raised", lat, lon)
            for j, (t, lat, lon, _, _) in enumerate(seq[int(rng.integers(0, 7)) :: 7])
        ]
        on = on if i % 2 else on[::-1]
        rows += on + [(*r[:4], "loitering", *r[5:]) for r in on]
    return write_csv(out, ["time_s", "alert", "track", "zone", "kind", "state", "lat", "lon"], rows)


def _score_py(scen: Path, tracks: Path, *opts: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(SCORE_PY), str(scen), str(tracks), *opts],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout)


def _ours(scen: Path, tracks: Path, cfg: EvalConfig, alerts: Path | None = None) -> dict:
    ref = load_reference(scen)
    got = score_tracks(ref, read_tracks(tracks, ref.origin), cfg).as_dict()
    for v in got["by_kind"].values():  # type: ignore[union-attr]
        del v["missed"]  # ours only
    if alerts is not None:
        got["alerts"] = score_alerts(ref, alerts, end_s=picture_times(ref, cfg)[1]).as_dict()
    return got


CASES = [
    ("paris", 1, (), EvalConfig(), True),
    (
        "paris",
        2,
        ("--sensors", "TMA1", "--kinds", "aircraft", "--minutes", "5"),
        EvalConfig(sensors=("TMA1",), kinds=("aircraft",), minutes=5),
        False,
    ),
    (
        "paris",
        3,
        ("--sensors", "SITE1,ADSB1", "--cutoff", "300", "--window", "10", "--step", "3", "--warmup", "0"),
        EvalConfig(sensors=("SITE1", "ADSB1"), cutoff_m=300, window_s=10, step_s=3, warmup_s=0),
        False,
    ),
    ("paris-aew", 4, (), EvalConfig(), True),
]


@pytest.mark.parametrize(
    ("name", "seed", "opts", "cfg", "with_alerts"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_same_numbers_as_score_py(
    tmp_path: Path, name: str, seed: int, opts: tuple[str, ...], cfg: EvalConfig, with_alerts: bool
) -> None:
    scen = SHARED / "scenarios" / name
    tracks = make_tracks(scen, tmp_path / "tracks.csv", seed)
    alerts = make_alerts(scen, tmp_path / "alerts.csv", seed) if with_alerts else None
    want = _score_py(scen, tracks, *opts, *(("--alerts", str(alerts)) if alerts else ()))
    assert want["pictures"] > 0 and want["id_switches"] and want["false_tracks"]  # the case exercises them
    assert want["integrity"]["real_flagged"] and (
        want["integrity"]["flagged"] or not want["integrity"]["ghosts"]
    )
    if alerts:
        assert want["alerts"]["false_per_hour"] and (
            want["alerts"]["detected"] or not want["alerts"]["events"]
        )
    assert _ours(scen, tracks, cfg, alerts) == want


def test_sparse_pictures_give_the_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large pictures are scored from k-d tree candidate pairs: force that path on Paris."""
    scen = SHARED / "scenarios" / "paris"
    tracks = make_tracks(scen, tmp_path / "tracks.csv", 5)
    want = _score_py(scen, tracks)
    monkeypatch.setattr(metrics, "DENSE_MAX_PAIRS", 0)
    assert _ours(scen, tracks, EvalConfig()) == want


def test_same_numbers_on_a_tiny_scenario(basic: tuple[Path, Path]) -> None:
    want = _score_py(*basic, "--step", "10", "--warmup", "0")
    assert _ours(*basic, EvalConfig(step_s=10, warmup_s=0)) == want


def test_same_integrity_figures_on_a_hand_made_case(flagged: tuple[Path, Path]) -> None:
    want = _score_py(*flagged, "--step", "10", "--warmup", "0")
    assert want["integrity"]["flagged"] == 2  # see the fixture
    assert _ours(*flagged, EvalConfig(step_s=10, warmup_s=0)) == want
