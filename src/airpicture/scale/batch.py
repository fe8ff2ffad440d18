"""Track time chunks as tasks, on Ray (a local one, or a cluster given its address) or, when Ray
is not installed, in a local process pool; the only module of the batch path that imports ray.

A task tracks one chunk's scenario folder (scale/chunks.py) with the same stages as `airpicture
track` and writes its picture as one Parquet partition. Its output goes to a name of its own
(one per attempt) and is renamed into place only when whole, so a failed attempt's partial rows
never mix with a retry's; a failed task is tried again up to `retries` times.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from airpicture.config import Settings
from airpicture.errors import ConfigError, TaskError
from airpicture.scale.chunks import Chunk
from airpicture.types import Picture


@dataclass(frozen=True)
class ChunkTask:
    """What a task needs: its chunk, the chunk's scenario folder, where its partition goes."""

    chunk: Chunk
    scenario: str
    out: str
    settings: Settings
    sensors: tuple[str, ...] | None = None
    period_s: float = 1.0
    zones: str | None = None


@dataclass(frozen=True)
class ChunkResult:
    out: str  # the partition written
    chunk: int
    rows: int
    measurements: int
    seconds: float  # tracking, this attempt (kernel start-up excluded)


def track_chunk(task: ChunkTask, on_picture: Callable[[Picture], None] | None = None) -> ChunkResult:
    """Track one chunk into its Parquet partition (task.out); `on_picture` sees each picture once
    written (a test seam: progress, or a failure half-way)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from airpicture.assess import TrackAssessor, load_zones, zones_from_config
    from airpicture.integrity import TrackIntegrity
    from airpicture.scale.join import SCHEMA
    from airpicture.sinks.export import TracksCsvWriter
    from airpicture.sources.scenario import load_scenario
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.warm import warm_up
    from airpicture.track.windows import scenario_windows

    s = task.settings
    scn = load_scenario(task.scenario, list(task.sensors) if task.sensors else None, stream=True)
    warm_up([scn.sensors[i] for i in scn.active], scn.site_lla)  # once per worker process, then cheap
    t0 = time.perf_counter()
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, s.track, s.registration)
    integrity = TrackIntegrity(scn.sensors, scn.site_lla, scn.platforms, scn.active, s.integrity, s.reports)
    zones = zones_from_config(scn.zones, scn.site) + (load_zones(task.zones, scn.site) if task.zones else [])
    assessor = TrackAssessor(scn.sensors, scn.site, zones, s.assess)
    out = Path(task.out)
    attempt = f"{uuid.uuid4().hex[:12]}.part"
    tmp_csv = out.with_name(f".{out.stem}.{attempt}.csv")
    tmp_pq = out.with_name(f".{out.stem}.{attempt}.parquet")
    n = 0
    try:
        with TracksCsvWriter(tmp_csv, forget_s=s.output.forget_s) as w:
            for window in scenario_windows(scn, task.period_s, progress=False):
                n += len(window.plots) + len(window.reports)
                integrity.observe(window)
                pic = trk.step(window)
                integrity.judge(pic)
                assessor.update(pic)  # fills the picture's classes
                w.write(pic)
                if on_picture is not None:
                    on_picture(pic)
        table = pacsv.read_csv(
            tmp_csv,
            convert_options=pacsv.ConvertOptions(
                column_types=dict(zip(SCHEMA.names, SCHEMA.types, strict=True))
            ),
        )
        pq.write_table(table.cast(SCHEMA), tmp_pq)
        os.replace(tmp_pq, out)  # atomic: the partition is whole or absent
    finally:
        tmp_csv.unlink(missing_ok=True)
        tmp_pq.unlink(missing_ok=True)
    return ChunkResult(task.out, task.chunk.index, table.num_rows, n, time.perf_counter() - t0)


class Progress:
    """Tasks done and measurements (reports and plots) per second of wall time, for the whole job."""

    def __init__(self, total: int, show: bool | None) -> None:
        self.t0 = time.perf_counter()
        self.done = self.measurements = self.retried = 0
        show = sys.stderr.isatty() if show is None else show
        self.bar = tqdm(total=total, unit="chunk", disable=not show, desc="chunks", leave=False)

    def add(self, r: ChunkResult) -> None:
        self.done += 1
        self.measurements += r.measurements
        self.bar.update(1)
        self.bar.set_postfix_str(f"{self.rate():,.0f} reports/s")

    def rate(self) -> float:
        return self.measurements / max(time.perf_counter() - self.t0, 1e-9)

    def close(self) -> None:
        self.bar.close()


Work = Callable[[ChunkTask], ChunkResult]


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _call(work: Work, task: ChunkTask) -> ChunkResult:
    """A Ray task: `work` may be any callable (a partial), which ray.remote does not take itself."""
    return work(task)


def run_ray(
    tasks: Sequence[ChunkTask],
    work: Work,
    workers: int,
    address: str | None,
    retries: int,
    progress: Progress,
) -> list[ChunkResult]:
    """Each task a Ray task (retried by Ray, on a worker that failed or an exception); a local Ray
    of `workers` CPUs unless Ray is already initialised or an address is given."""
    import ray

    started = not ray.is_initialized()
    if started:
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, ValueError, RuntimeError) as e:
            where = f" at {address}" if address else ""
            raise ConfigError(f"cannot start or reach Ray{where}: {e}") from None
    remote = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=True)(_call)
    refs = {remote.remote(work, t): t for t in tasks}
    pending = list(refs)
    results = []
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                r = ray.get(done[0])
            except ray.exceptions.RayError as e:
                raise TaskError(
                    f"{refs[done[0]].chunk.name} failed after {retries + 1} attempts: {e}"
                ) from None
            results.append(r)
            progress.add(r)
    finally:
        if started:
            ray.shutdown()
    return results


def run_pool(
    tasks: Sequence[ChunkTask], work: Work, workers: int, retries: int, progress: Progress
) -> list[ChunkResult]:
    """Each task in a local process pool (fresh interpreters: the driver's threads are not
    forked); a task that raises, or whose worker dies, is submitted again up to `retries` times."""
    results: list[ChunkResult] = []
    failures: dict[int, int] = {}
    todo = list(tasks)
    while todo:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures: dict[Future[ChunkResult], ChunkTask] = {pool.submit(work, t): t for t in todo}
            todo = []
            pending: set[Future[ChunkResult]] = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    t = futures[f]
                    try:
                        r = f.result()
                    except BrokenProcessPool as e:  # a worker died: the pool is gone, start another
                        _failed(t, e, failures, retries, progress)
                        todo.append(t)
                        continue
                    except Exception as e:  # a task's failure, of any kind, is retried
                        _failed(t, e, failures, retries, progress)
                        again = pool.submit(work, t)
                        futures[again] = t
                        pending.add(again)
                        continue
                    results.append(r)
                    progress.add(r)
    return results


def _failed(
    t: ChunkTask, e: BaseException, failures: dict[int, int], retries: int, progress: Progress
) -> None:
    k = failures[t.chunk.index] = failures.get(t.chunk.index, 0) + 1
    if k > retries:
        raise TaskError(f"{t.chunk.name} failed after {k} attempts: {type(e).__name__}: {e}") from e
    progress.retried += 1


def run_chunks(
    tasks: Sequence[ChunkTask],
    workers: int,
    ray: bool,
    address: str | None = None,
    retries: int = 2,
    work: Work = track_chunk,
    show: bool | None = None,
) -> tuple[list[ChunkResult], dict[str, Any]]:
    """Run every task, on Ray when asked and installed, else in a process pool; returns the
    results in chunk order and the job's figures (backend, wall s, measurements/s, retries)."""
    progress = Progress(len(tasks), show)
    backend = "ray" if ray and ray_available() else "pool"
    try:
        if backend == "ray":
            results = run_ray(tasks, work, workers, address, retries, progress)
        else:
            results = run_pool(tasks, work, workers, retries, progress)
    finally:
        progress.close()
    wall = time.perf_counter() - progress.t0
    figures = {"backend": backend, "wall_s": wall, "rate": progress.rate(), "retried": progress.retried}
    return sorted(results, key=lambda r: r.out), figures


__all__ = [
    "ChunkResult",
    "ChunkTask",
    "Progress",
    "ray_available",
    "run_chunks",
    "run_pool",
    "run_ray",
    "track_chunk",
]
