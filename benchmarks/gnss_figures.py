"""GNSS interference map figures: jammers of different radii and positions, on real and simulated traffic.

    .venv/bin/python benchmarks/gnss_figures.py [--sim-targets 300] [--no-sim]

Traffic: the bundled Paris scenario (55 real aircraft in 30 min, src/airpicture/data/paris) and a
simulated one (`airpicture sim --targets N`, aircraft within 150 km of the site). For each jammer,
one at a time, active from 300 s to 1200 s after the start, the scenario's ADS-B is encoded as
Beast frames (`airpicture sim --from-scenario --modes-out --jammer`), decoded, mapped per H3 cell
and bin (settings [gnss], defaults) and replayed in time order through the live alert of the
site (48.86, 2.29; alert_range_m). Printed per jammer:

  injected  cell-bins where at least 2 aircraft were jammed (the rule discounts one) among at
            least min_aircraft rated aircraft: how many lit up / how many
  quiet     cell-bins without a jammed aircraft: how many lit up (false) / how many
  to map    s from onset to the first lit cell in the jammer's reach, as the live map sees it
  to alert  s from onset to the site's alert (raised), or '-' when none was raised
  to clear  s from the jammer's end to the alert's clearing ('held' if not cleared by the end)

Also the untouched recording (no jammer): lit cell-bins and alerts, which must be 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from airpicture.cli.gnss import replay
from airpicture.cli.main import main
from airpicture.config import GnssSettings
from airpicture.integrity.gnss import CellBins, GnssMap, cells_of
from airpicture.integrity.gnss_alerts import GnssWatch, reach_m
from airpicture.sim.squitter import Jammer
from airpicture.sources.replay import decode_file

PARIS = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "data" / "paris"
SITE = (48.86, 2.29)
START, END = 300, 1200
JAMMERS = {
    "on the site, 10 km": (48.86, 2.29, 10),
    "on the site, 25 km": (48.86, 2.29, 25),
    "CDG, 25 km NE, 15 km": (49.01, 2.55, 15),
    "Meaux, 45 km E, 40 km": (48.96, 2.88, 40),
    "100 km S, 20 km": (47.96, 2.00, 20),
}


def frames(scenario: Path, out: Path, jammer: tuple[float, float, float] | None) -> tuple[Path, dict]:
    args = ["sim", "--from-scenario", str(scenario), "--modes-out", str(out)]
    if jammer is not None:
        args += ["--jammer", f"{jammer[0]},{jammer[1]},{jammer[2]},{START},{END}"]
    if main(args) != 0:
        raise SystemExit(f"sim failed for {scenario}")
    return out, json.loads(out.with_name(out.stem + ".jammers.json").read_text())


def truth(table: np.ndarray, jam: Jammer, s: GnssSettings) -> tuple[set, set]:
    """(cell, bin) with >= 2 jammed aircraft, and (cell, bin) with any jammed aircraft."""
    pos = table[np.isfinite(table["lat"]) & ~table["surface"]]
    hit = jam.covers(pos["time_s"], pos["lat"], pos["lon"])
    cells = cells_of(pos["lat"][hit], pos["lon"][hit], s.resolution)
    bins = np.floor(pos["time_s"][hit] / s.bin_s) * s.bin_s
    per: dict[tuple[int, float], set[int]] = {}
    for c, b, a in zip(cells.tolist(), bins.tolist(), pos["icao"][hit].tolist(), strict=True):
        per.setdefault((c, b), set()).add(a)
    return {k for k, v in per.items() if len(v) >= 2}, set(per)


def one(recording: Path, info: dict, s: GnssSettings) -> dict[str, str]:
    table, _ = decode_file(recording)
    t0 = info["t0_s"]  # Beast has no date: decoded times are s after the first frame
    jams = [
        Jammer(j["lat"], j["lon"], j["radius_m"], j["start_s"] - t0, j["end_s"] - t0) for j in info["jammers"]
    ]
    whole = GnssMap(s.model_copy(update={"keep_s": float("inf")}))
    whole.add(table, now_s=float(np.nanmax(table["time_s"])))
    c = whole.cells()
    key = list(zip(c.cell.tolist(), c.start_s.tolist(), strict=True))
    lit = {k for k, on in zip(key, c.interference.tolist(), strict=True) if on}
    decisive = {k for k, n in zip(key, c.aircraft.tolist(), strict=True) if n >= s.min_aircraft}
    first_seen: list[float] = []
    reach: set[int] = set()
    if jams:
        jam = jams[0]
        inj2, touched = truth(table, jam, s)
        injected = inj2 & decisive
        quiet = set(key) - touched
        present = np.unique(c.cell)
        reach = set(present[reach_m((jam.lat, jam.lon), present) <= jam.radius_m].tolist())
    else:
        injected, quiet = set(), set(key)

    def observe(now: float, cells: CellBins) -> None:
        if not first_seen and reach and np.isin(cells.cell[cells.interference], list(reach)).any():
            first_seen.append(now)

    steps = replay(GnssWatch(s, SITE), table, observe)
    raised = [a.time_s for a in steps if a.state == "raised"]
    cleared = [a.time_s for a in steps if a.state == "cleared"]
    out = {
        "injected": f"{len(injected & lit)}/{len(injected)}",
        "quiet": f"{len(quiet & lit)}/{len(quiet)}",
        "aircraft jammed": str(len(info["affected"])),
    }
    if jams:
        jam = jams[0]
        out["to map"] = f"{first_seen[0] - jam.start_s:.0f}" if first_seen else "-"
        out["to alert"] = f"{raised[0] - jam.start_s:.0f}" if raised else "-"
        out["to clear"] = (f"{cleared[-1] - jam.end_s:.0f}" if cleared else "held") if raised else "-"
    else:
        out["alerts"] = str(len(steps))
    return out


def run(name: str, scenario: Path, tmp: Path, s: GnssSettings) -> None:
    print(f"\n{name}")
    cols = ("jammer", "aircraft jammed", "injected", "quiet", "to map", "to alert", "to clear")
    print(" | ".join(cols))
    for label, j in JAMMERS.items():
        rec, info = frames(scenario, tmp / "jammed.bin", j)
        r = one(rec, info, s)
        print(" | ".join([label, *(r[k] for k in cols[1:])]), flush=True)
    rec, info = frames(scenario, tmp / "untouched.bin", None)
    r = one(rec, info, s)
    print(f"untouched | 0 | - | {r['quiet']} | - | alerts: {r['alerts']} | -")


def cli() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sim-targets", type=int, default=300, help="simultaneous aircraft of the simulated traffic"
    )
    ap.add_argument("--no-sim", action="store_true", help="only the real Paris traffic")
    args = ap.parse_args()
    s = GnssSettings()
    print(f"settings: {s}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        run("Paris, real trajectories (55 aircraft, 30 min)", PARIS, tmp, s)
        if not args.no_sim:
            scn = tmp / "sim"
            main(["sim", str(scn), "--targets", str(args.sim_targets), "--duration", "1800", "--drones", "0",
                  "--birds", "0", "--ghosts", "0", "--seed", "7"])  # fmt: skip
            run(f"simulated, {args.sim_targets} aircraft at a time within 150 km, 30 min", scn, tmp, s)


if __name__ == "__main__":
    cli()
