"""A batch job: plan the chunks of each input, slice the inputs, track the chunks as tasks
(scale/batch.py), join each input's chunk pictures (scale/join.py) and write the picture.

Output layout of an input's DIR:

    DIR/chunks/chunk-00007.parquet   a task's picture of its chunk (lead-in included, chunk-local ids)
    DIR/picture/part-00007.parquet   the joined picture: the rows chunk 7 owns, ids of the whole run
    DIR/inputs/                      the chunks' scenario folders, removed when the job is done

`pyarrow.dataset.dataset("DIR/picture")` reads the joined picture as one table.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airpicture.config import Settings
from airpicture.errors import ConfigError
from airpicture.scale.batch import ChunkResult, ChunkTask, Work, run_chunks, track_chunk
from airpicture.scale.chunks import Chunk, overlap_s, plan_chunks, split_inputs
from airpicture.scale.join import JoinGates, JoinStats, join, write_tracks_csv


@dataclass(frozen=True)
class BatchJob:
    inputs: tuple[Path, ...]
    out: Path  # a folder, or (one input) a .csv file whose partitions go to <stem>.parts/
    settings: Settings
    workers: int = 2
    ray: bool = True
    address: str | None = None
    chunk_s: float | None = None  # None: settings.batch.chunk_s
    overlap_s: float | None = None  # None: settings.batch.overlap_s, else derived (chunks.overlap_s)
    sensors: tuple[str, ...] | None = None
    period_s: float = 1.0
    zones: str | None = None
    progress: bool | None = None
    keep_inputs: bool = False


@dataclass
class InputResult:
    scenario: Path
    folder: Path
    csv: Path | None
    chunks: list[Chunk]
    overlap_s: float
    rows: int = 0
    measurements: int = 0
    task_s: float = 0.0
    join_s: float = 0.0
    stats: JoinStats = field(default_factory=JoinStats)


def _outputs(job: BatchJob) -> list[tuple[Path, Path | None]]:
    if job.out.suffix == ".csv":
        if len(job.inputs) != 1:
            raise ConfigError(
                f"--out {job.out}: a tracks.csv takes one input; give a folder for {len(job.inputs)}"
            )
        return [(job.out.with_suffix(".parts"), job.out)]
    if len(job.inputs) == 1:
        return [(job.out, None)]
    names = [p.resolve().name for p in job.inputs]
    if len(set(names)) != len(names):
        raise ConfigError("inputs with the same folder name would share an output folder")
    return [(job.out / n, None) for n in names]


def plan(job: BatchJob) -> tuple[list[InputResult], list[ChunkTask]]:
    """Chunks and sliced inputs of every input, and the tasks that track them."""
    from airpicture.sources.scenario import load_scenario

    s = job.settings
    chunk_s = job.chunk_s if job.chunk_s is not None else s.batch.chunk_s
    results, tasks = [], []
    for scenario, (folder, csv) in zip(job.inputs, _outputs(job), strict=True):
        scn = load_scenario(scenario, list(job.sensors) if job.sensors else None, stream=True)
        used = [scn.sensors[i] for i in scn.active]
        # chunks start on the single run's window grid, so they publish at the same times
        w = min([x.revisit_s for x in used] + [job.period_s])
        ov = job.overlap_s if job.overlap_s is not None else s.batch.overlap_s
        ov = ov if ov is not None else overlap_s(s.track, used)
        chunks = plan_chunks(scn.start_s, scn.end_s, w * math.ceil(chunk_s / w), w * math.ceil(ov / w))
        for sub in ("chunks", "picture"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
            for stale in (folder / sub).glob("*.parquet"):
                stale.unlink()  # a previous job's partitions are not this one's
        folders = split_inputs(scenario, chunks, folder / "inputs")
        results.append(InputResult(scenario, folder, csv, chunks, ov))
        tasks += [
            ChunkTask(
                c,
                str(f),
                str(folder / "chunks" / f"{c.name}.parquet"),
                s,
                job.sensors,
                job.period_s,
                job.zones,
            )
            for c, f in zip(chunks, folders, strict=True)
        ]
    return results, tasks


def run_job(job: BatchJob, work: Work = track_chunk) -> tuple[list[InputResult], dict[str, Any]]:
    """Plan, track every chunk, join each input's chunks and write its picture."""
    import time

    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    inputs, tasks = plan(job)
    plan_s = time.perf_counter() - t0
    done, figures = run_chunks(
        tasks, job.workers, job.ray, job.address, job.settings.batch.max_retries, work, job.progress
    )
    figures["plan_s"] = plan_s  # reading the inputs' heads and slicing them into chunk folders
    b = job.settings.batch
    gates = JoinGates(b.join_gate_m, b.join_speed_mps, b.join_ident_gate_m, job.settings.track.v_max_mps)
    by_out: dict[str, ChunkResult] = {r.out: r for r in done}
    at = 0
    for res in inputs:
        mine = tasks[at : at + len(res.chunks)]
        at += len(res.chunks)
        res.measurements = sum(by_out[t.out].measurements for t in mine)
        res.task_s = sum(by_out[t.out].seconds for t in mine)
        t0 = time.perf_counter()
        parts = [pq.read_table(t.out) for t in mine]
        joined, res.stats = join(parts, res.chunks, gates)
        for c, tab in zip(res.chunks, joined, strict=True):
            pq.write_table(tab, res.folder / "picture" / f"part-{c.index:05d}.parquet")
        res.rows = sum(tab.num_rows for tab in joined)
        if res.csv is not None:
            write_tracks_csv(joined, res.csv)
        res.join_s = time.perf_counter() - t0
        for stale in (res.folder / "chunks").glob(".*.part.*"):
            stale.unlink()  # a dead attempt's partial output (the worker was killed mid-write)
        if not job.keep_inputs:
            shutil.rmtree(res.folder / "inputs", ignore_errors=True)
    return inputs, figures


__all__ = ["BatchJob", "InputResult", "plan", "run_job"]
