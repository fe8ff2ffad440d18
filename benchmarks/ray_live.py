"""Live figures of issue 15: the partitioned picture (`airpicture run --partitions N --ray`) on a
synthetic scenario where hundreds of aircraft cross the boundaries of the regions. Prints a table
and writes it to benchmarks/results/ray_live.json; nothing here passes or fails.

usage: .venv/bin/python benchmarks/ray_live.py [--targets 400] [--duration 1200] [--partitions 4]
       [--kill-at 0.5] [--keep DIR]

1. `airpicture sim` makes the scenario (radars, ADS-B, 40 % of light aircraft without a
   transponder) around Paris; the 2 x 2 tiles of the sensors' coverage meet at the site, in the
   middle of the traffic.
2. The single tracker and the partitioned tracker (one Ray actor per region, local Ray) track it;
   half-way one region's actor is killed (ray.kill, Ray restarts it; the driver restores it from its
   checkpoint and replays the windows since).
3. Both pictures are scored: `airpicture eval` (aircraft), and from the identities: duplicates (an
   aircraft published twice in one picture) and id switches (an aircraft's published id changes),
   per target-hour of identified aircraft. The partitioned figure minus the single one is what
   the boundaries cost.

Latency, report -> published picture, as it would be live at real time: the report waits for its
window to close (window end - report time, feed s) plus the partitioned step (route, the regions
in parallel, fan-in; wall s). Per-actor capacity: each region's tracker timed alone in-process
(tracks held x windows / tracker s) on the same scenario.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from airpicture.config import Settings  # noqa: E402
from airpicture.scale.live import PartitionedTracker, QueuedOutput  # noqa: E402
from airpicture.scale.partition import Tiling  # noqa: E402
from airpicture.sinks.export import TracksCsvWriter  # noqa: E402
from airpicture.sources.scenario import load_scenario  # noqa: E402
from airpicture.track.tracker import ImmGnnTracker  # noqa: E402
from airpicture.track.windows import scenario_windows  # noqa: E402
from airpicture.types import Picture  # noqa: E402

CMD = [sys.executable, "-m", "airpicture"]


def identity_figures(pics: list[tuple[float, np.ndarray, np.ndarray]], window_s: float) -> dict[str, float]:
    """Duplicates and id switches of identified aircraft, per target-hour."""
    last: dict[int, int] = {}
    dup = switches = seen = 0
    for _, track, ident in pics:
        known = ident >= 0
        c = Counter(ident[known].tolist())
        dup += sum(v - 1 for v in c.values())
        seen += len(c)
        for i, t in zip(ident[known].tolist(), track[known].tolist(), strict=True):
            if i in last and last[i] != t:
                switches += 1
            last[i] = t
    hours = seen * window_s / 3600
    return {
        "target_hours": round(hours, 2),
        "duplicates_per_target_h": round(dup / hours, 3),
        "id_switches_per_target_h": round(switches / hours, 3),
        "duplicates": dup,
        "id_switches": switches,
    }


def score(scn: Path, tracks: Path) -> dict[str, object]:
    got = subprocess.run([*CMD, "eval", str(scn), str(tracks), "--kinds", "aircraft", "--json"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    e = json.loads(got.stdout)
    return {k: e[k] for k in ("gospa_m", "coverage", "id_switches", "false", "false_tracks")}


def run(tracker: object, scn_path: Path, out: Path, kill_at: int | None = None) -> dict[str, object]:
    scn = load_scenario(scn_path)
    pics: list[tuple[float, np.ndarray, np.ndarray]] = []
    waits: list[np.ndarray] = []
    steps: list[float] = []
    with TracksCsvWriter(out) as csv:
        sink = QueuedOutput(csv.write, maxsize=64)
        t0 = time.perf_counter()
        for k, w in enumerate(scenario_windows(scn, progress=False)):
            if kill_at is not None and k == kill_at:
                tracker.pool.kill(0)  # type: ignore[attr-defined]
            s0 = time.perf_counter()
            pic: Picture = tracker.step(w)  # type: ignore[attr-defined]
            steps.append(time.perf_counter() - s0)
            waits.append(w.until - np.r_[w.reports["time_s"], w.plots["time_s"]])
            sink.write(pic)
            pics.append((pic.time_s, pic.track.copy(), pic.ident.copy()))
        wall = time.perf_counter() - t0
        sink.close()
    step = np.array(steps)
    lat = np.concatenate([wt + s for wt, s in zip(waits, step, strict=True)])
    return {
        "wall_s": round(wall, 1),
        "windows": len(steps),
        "step_ms_p50": round(1e3 * float(np.median(step)), 1),
        "step_ms_p99": round(1e3 * float(np.percentile(step, 99)), 1),
        "latency_s_p50": round(float(np.median(lat)), 3),
        "latency_s_p99": round(float(np.percentile(lat, 99)), 3),
        "sink_dropped": sink.dropped,
        "pics": pics,
    }


def capacity(scn_path: Path, settings: Settings, tiling: Tiling) -> dict[str, float]:
    """Each region's tracker timed alone (in-process): tracks it held per second of its time."""
    scn = load_scenario(scn_path)
    pt = PartitionedTracker(scn.sensors, scn.site_lla, scn.platforms, settings, tiling)
    from airpicture.scale.partition import route

    spent, held = np.zeros(tiling.n), np.zeros(tiling.n)
    n = 0
    for w in scenario_windows(scn, progress=False):
        n += 1
        for r, (region, part) in enumerate(zip(pt.pool.regions, route(w, tiling, pt.sensors), strict=True)):  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            region.step(part)
            spent[r] += time.perf_counter() - t0
            held[r] += len(region.tracker.table)
    # at one window a second, an actor keeps up with track_windows_per_s tracks (one core)
    return {
        "track_windows_per_s": round(float(held.sum() / spent.sum())),
        "tracks_per_region_mean": round(float(held.sum() / max(n, 1) / tiling.n), 1),
        "region_busy_share_mean": round(float(spent.sum() / tiling.n / (n * window_of(scn))), 4),
    }


def window_of(scn: object) -> float:
    from airpicture.track.windows import window_s

    return window_s(scn)  # type: ignore[arg-type]


def fanin_cost(n_aircraft: int, n_tiles: int = 16, pictures: int = 10) -> dict[str, float]:
    """The fan-in alone on synthetic region pictures: n_aircraft over a 1,200 km box in n_tiles
    tiles, each copied into every region whose tile + margin holds it, moving 250 m/s."""
    from airpicture.config import PartitionSettings
    from airpicture.scale.fanin import FanIn

    til = Tiling(44.0, -2.0, 54.8, 14.0, n_tiles, 30_000.0)
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(44.0, 54.8, n_aircraft), rng.uniform(-2.0, 14.0, n_aircraft)
    fan = FanIn(til, (49.4, 6.0, 0.0), PartitionSettings())
    spent, copies = [], 0
    for k in range(pictures):
        lon_k = lon + k * 250.0 / (111_195.0 * np.cos(np.radians(lat)))
        touch = til.touching(lat, lon_k)
        pics = []
        for r in range(til.n):
            i = np.flatnonzero(touch[:, r])
            x = np.zeros((len(i), 6))
            x[:, 3] = 250.0
            n = len(i)
            pics.append(
                Picture(
                    time_s=float(k),
                    track=i.astype(np.int64),
                    x=x,
                    P=np.tile(np.eye(6), (n, 1, 1)),
                    lat=lat[i],
                    lon=lon_k[i],
                    alt_m=np.full(n, 9000.0),
                    cls=np.zeros(n, np.int8),
                    cls_p=np.zeros(n),
                    ident=0x400000 + i.astype(np.int64),
                    sensors=np.ones(n, np.int64),
                    last_update_s=np.full(n, float(k)),
                    integrity=np.zeros(n, np.int8),
                    mode_c=np.ones(n, bool),
                )
            )
            copies += len(i)
        t0 = time.perf_counter()
        got = fan.publish(float(k), pics)
        spent.append(time.perf_counter() - t0)
        assert len(got) == n_aircraft
    med = float(np.median(spent[1:]))
    per_copy = med / (copies / pictures)
    return {"aircraft": n_aircraft, "copies_per_aircraft": round(copies / pictures / n_aircraft, 3),
            "ms_per_picture": round(1e3 * med, 1), "us_per_copy": round(1e6 * per_copy, 3)}  # fmt: skip


def actor_capacity(n_aircraft: int, windows: int = 60) -> dict[str, float]:
    """One region's tracker (`Region`, what an actor runs) holding n_aircraft ADS-B aircraft in a
    tile of ~450 km, one report a second each: tracker seconds per 1 s window, after warm-up."""
    from airpicture.scale.region import Region
    from airpicture.sensors import load_sheets
    from airpicture.track.base import Measurements
    from airpicture.types import REPORT_DTYPE

    site = (49.0, 2.0, 0.0)
    sheet = {"id": "ADSB", "kind": "adsb", "lat": site[0], "lon": site[1], "max_range_m": 450_000.0,
             "update_period_s": 1.0, "sigma_position_m": 30.0}  # fmt: skip
    region = Region(0, load_sheets([sheet]), site, None, Settings().track)
    rng = np.random.default_rng(1)
    lat0, lon0 = rng.uniform(-2, 2, n_aircraft) + site[0], rng.uniform(-3, 3, n_aircraft) + site[1]
    speed, hdg = rng.uniform(150, 250, n_aircraft), rng.uniform(0, 2 * np.pi, n_aircraft)
    m_lon = 111_195.0 * np.cos(np.radians(lat0))
    spent = []
    for k in range(windows):
        rows = np.zeros(n_aircraft, REPORT_DTYPE)
        t = 1.7e9 + k + rng.uniform(0, 1, n_aircraft)
        rows["time_s"], rows["ident"] = t, 0x100000 + np.arange(n_aircraft)
        rows["lat"] = (
            lat0 + speed * np.cos(hdg) * (t - 1.7e9) / 111_195.0 + rng.normal(0, 30, n_aircraft) / 111_195.0
        )
        rows["lon"] = lon0 + speed * np.sin(hdg) * (t - 1.7e9) / m_lon + rng.normal(0, 30, n_aircraft) / m_lon
        rows["altitude_m"], rows["speed_mps"], rows["track_rad"], rows["vrate_mps"] = 9000.0, speed, hdg, 0.0
        w = Measurements(1.7e9 + k + 1, reports=rows[np.argsort(rows["time_s"])])
        t0 = time.perf_counter()
        _, pic = region.step(w)
        spent.append(time.perf_counter() - t0)
    s = float(np.median(spent[windows // 2 :]))
    return {"aircraft": n_aircraft, "published": len(pic), "s_per_window": round(s, 4),
            "track_windows_per_s": round(n_aircraft / s),
            "checkpoint_mb": round(len(region.checkpoint()) / 1e6, 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=400)
    ap.add_argument("--duration", type=float, default=1200)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--kill-at", type=float, default=0.5, help="share of the run at which an actor is killed")
    ap.add_argument("--keep", help="keep the scenario and tracks here")
    ap.add_argument(
        "--capacity-only", type=int, metavar="N", help="time one region's tracker with N aircraft"
    )
    ap.add_argument(
        "--fanin-only", type=int, metavar="N", help="time the fan-in alone with N aircraft, and stop"
    )
    a = ap.parse_args()
    if a.fanin_only:
        print(json.dumps(fanin_cost(a.fanin_only)))
        return
    if a.capacity_only:
        print(json.dumps(actor_capacity(a.capacity_only)))
        return
    if a.capacity_only:
        print(json.dumps(actor_capacity(a.capacity_only)))
        return
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="ray_live_"))
    scn_dir = work / "scenario"
    t0 = time.perf_counter()
    subprocess.run([*CMD, "sim", str(scn_dir), "--targets", str(a.targets), "--duration", str(a.duration),
                    "--seed", "15", "--no-progress"], check=True, capture_output=True)  # fmt: skip
    print(f"scenario: {a.targets} aircraft, {a.duration:.0f} s ({time.perf_counter() - t0:.0f} s to make)")
    scn = load_scenario(scn_dir)
    settings = Settings()
    tiling = Tiling.around(scn.sensors, a.partitions, settings.partition.margin_m)
    window = window_of(scn)
    single = run(
        ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track), scn_dir, work / "single.csv"
    )
    n_win = int(single["windows"])  # type: ignore[call-overload]
    pt = PartitionedTracker(scn.sensors, scn.site_lla, scn.platforms, settings, tiling, ray_address="local")
    parted = run(pt, scn_dir, work / "partitioned.csv", kill_at=int(a.kill_at * n_win))
    stats = pt.stats()
    recovery = list(pt.pool.recovery_s)  # type: ignore[attr-defined]
    pt.close()
    cap = capacity(scn_dir, settings, tiling)
    figures = {
        "single": {
            **identity_figures(single.pop("pics"), window),
            "eval_aircraft": score(scn_dir, work / "single.csv"),
        },
        "partitioned": {
            **identity_figures(parted.pop("pics"), window),
            "eval_aircraft": score(scn_dir, work / "partitioned.csv"),
        },
    }
    result = {
        "scenario": {"targets": a.targets, "duration_s": a.duration, "window_s": window,
                     "tiles": f"{tiling.rows}x{tiling.cols}", "margin_m": tiling.margin_m},
        "single": {**single, **figures["single"]},
        "partitioned_ray": {**parted, **figures["partitioned"], "handovers": stats["handovers"],
                            "suppressed_copies": stats["suppressed"], "restarts": stats["restarts"],
                            "recovery_s": [round(r, 2) for r in recovery],
                            "ids_known_end": stats["ids_known"]},
        "per_actor": cap,
    }  # fmt: skip
    print(json.dumps(result, indent=1))
    out = ROOT / "benchmarks" / "results" / "ray_live.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written: {out.relative_to(ROOT)}; scenario and tracks in {work}")


if __name__ == "__main__":
    main()
