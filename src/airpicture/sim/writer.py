"""Write a simulation as a scenario folder (FORMAT.md): the same reader and scorer then work on it.

Frames are appended to the CSV files as they come (a few at a time), so a long run needs no more
memory than a short one. Units at this edge follow the format: degrees, metres, hex addresses.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from airpicture.errors import SinkError
from airpicture.sim import csvtext as ct
from airpicture.sim.stream import Frame, Simulation
from airpicture.sim.targets import B_GHOST, KIND_AIRCRAFT
from airpicture.types import CLASSES

PLOTS_HEADER = "time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity\n"
ADSB_HEADER = "time_s,sensor,icao24,lat,lon,altitude_m,speed_mps,track_deg\n"
TRUTH_HEADER = "time_s,target,kind,lat,lon,alt_m\n"
PLATFORMS_HEADER = "time_s,sensor,lat,lon,alt_m\n"


def plots_csv(plots: np.ndarray, sensor_ids: list[str]) -> bytes:
    """PLOT_DTYPE rows -> plots.csv lines."""
    return ct.rows(
        [
            ct.fixed(plots["time_s"], 3),
            ct.category(plots["sensor"], sensor_ids),
            ct.fixed(plots["range_m"], 1),
            ct.fixed(np.degrees(plots["azimuth_rad"]), 4),
            ct.fixed(np.degrees(plots["elevation_rad"]), 4),
            ct.fixed(plots["altitude_m"], 2),
            ct.hex6(plots["ident"]),
        ]
    )


def adsb_csv(reports: np.ndarray, sensor_ids: list[str]) -> bytes:
    """REPORT_DTYPE rows -> adsb.csv lines."""
    return ct.rows(
        [
            ct.fixed(reports["time_s"], 3),
            ct.category(reports["sensor"], sensor_ids),
            ct.hex6(reports["ident"]),
            ct.fixed(reports["lat"], 6),
            ct.fixed(reports["lon"], 6),
            ct.fixed(reports["altitude_m"], 2),
            ct.fixed(reports["speed_mps"], 1),
            ct.fixed(np.degrees(reports["track_rad"]) % 360.0, 1),
        ]
    )


def platforms_csv(rows: np.ndarray, sensor_ids: list[str]) -> bytes:
    """PLATFORM_DTYPE rows -> platforms.csv lines."""
    return ct.rows(
        [
            ct.fixed(rows["time_s"], 1),
            ct.category(rows["sensor"], sensor_ids),
            ct.fixed(rows["lat"], 7),
            ct.fixed(rows["lon"], 7),
            ct.fixed(rows["alt_m"], 1),
        ]
    )


def truth_csv(frame: Frame) -> bytes:
    """The frame's truth -> truth.csv lines, by target name within the time."""
    tr = frame.truth
    if tr is None or len(tr) == 0:
        return b""
    o = np.argsort(tr.name, kind="stable")
    return ct.rows(
        [
            ct.fixed(np.full(len(o), tr.time_s), 1),
            ct.text(tr.name[o]),
            ct.category(tr.kind[o], CLASSES),
            ct.fixed(tr.lat[o], 6),
            ct.fixed(tr.lon[o], 6),
            ct.fixed(tr.alt_m[o], 1),
        ]
    )


@dataclass
class WriteSummary:
    """What write_scenario wrote."""

    out_dir: Path
    plots: int = 0
    reports: int = 0
    truth_rows: int = 0
    frames: int = 0
    targets: dict[str, int] = field(default_factory=dict)
    without_transponder: int = 0
    ghosts: int = 0

    def line(self) -> str:
        return (
            f"{self.out_dir}: {self.plots} plots, {self.reports} ADS-B reports, "
            f"{self.truth_rows} truth rows, "
            f"targets {self.targets}, without transponder {self.without_transponder}, ghosts {self.ghosts}"
        )


def write_scenario(
    sim: Simulation, out_dir: str | Path, *, progress: bool = False, flush_rows: int = 200_000
) -> WriteSummary:
    """Run `sim` and write its scenario folder; returns counts. progress: a tqdm bar on stderr;
    flush_rows: rows of text made and written at a time.

    Raises SinkError when the folder cannot be written.
    """
    out = Path(out_dir)
    summary = WriteSummary(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            files: dict[str, IO[bytes]] = {
                name: stack.enter_context(open(out / name, "wb"))
                for name in ("plots.csv", "adsb.csv", "truth.csv", "platforms.csv")
            }
            _write_frames(sim, files, summary, progress, flush_rows)
        _write_json(out, sim)
    except OSError as e:
        raise SinkError(f"cannot write scenario folder {out}: {e}") from e
    tg = sim.targets
    if tg is not None:
        lives = tg.lives()
        real = lives["behaviour"] != B_GHOST
        kinds, counts = np.unique(lives["kind"][real], return_counts=True)
        summary.targets = {CLASSES[int(k)]: int(c) for k, c in zip(kinds, counts, strict=True)}
        summary.without_transponder = int(
            ((lives["kind"] == KIND_AIRCRAFT) & (lives["transponder"] == 0) & real).sum()
        )
        summary.ghosts = int((~real).sum())
    return summary


def _write_frames(
    sim: Simulation, files: dict[str, IO[bytes]], summary: WriteSummary, progress: bool, flush_rows: int
) -> None:
    ids = [str(s["id"]) for s in sim.sensors]
    every = round(sim.config.truth_period_s / sim.config.dt_s)
    files["plots.csv"].write(PLOTS_HEADER.encode())
    files["adsb.csv"].write(ADSB_HEADER.encode())
    files["truth.csv"].write(TRUTH_HEADER.encode())
    files["platforms.csv"].write(PLATFORMS_HEADER.encode())
    pending: list[Frame] = []
    rows = 0  # rows waiting: text is made for about flush_rows at a time, so memory stays bounded
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=sim.steps(), unit="s", desc="simulating", unit_scale=sim.config.dt_s)

    def flush() -> None:
        plots = np.concatenate([f.plots for f in pending])
        reports = np.concatenate([f.reports for f in pending])
        files["plots.csv"].write(plots_csv(plots, ids))
        files["adsb.csv"].write(adsb_csv(reports, ids))
        files["platforms.csv"].write(platforms_csv(np.concatenate([f.platforms for f in pending]), ids))
        for f in pending:
            files["truth.csv"].write(truth_csv(f))
            summary.truth_rows += 0 if f.truth is None else len(f.truth)
        summary.plots += len(plots)
        summary.reports += len(reports)
        pending.clear()
        nonlocal rows
        rows = 0

    for frame in sim.frames(truth_every=every):
        pending.append(frame)
        summary.frames += 1
        rows += len(frame.plots) + len(frame.reports) + (0 if frame.truth is None else len(frame.truth))
        if rows >= flush_rows:
            flush()
        if bar is not None:
            bar.update(1)
    if pending:
        flush()
    # where the moving sensors are at the very end, so the last second's plots interpolate
    files["platforms.csv"].write(platforms_csv(sim.platforms(sim.config.end_s), ids))
    if bar is not None:
        bar.close()


def _write_json(out: Path, sim: Simulation) -> None:
    def dump(name: str, obj: Any) -> None:
        (out / name).write_text(json.dumps(obj, indent=1) + "\n")

    dump("sensors.json", sim.sensors)
    dump("meta.json", sim.meta)
    dump("config.json", sim.config.as_dict())
    (out / "ghosts.csv").write_text("icao24\n" + "".join(f"{g}\n" for g in sim.ghosts()))


__all__ = ["WriteSummary", "adsb_csv", "platforms_csv", "plots_csv", "truth_csv", "write_scenario"]
