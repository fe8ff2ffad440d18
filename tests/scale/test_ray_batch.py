"""`airpicture track --ray` on a local Ray (two CPUs, no dashboard, started once for the module):
the chunks run as Ray tasks and join as the process pool's do; a task that raises is retried by
Ray and its partial output is not used. Skipped when Ray is not installed."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray")

from airpicture.cli.main import main  # noqa: E402
from airpicture.config import Settings  # noqa: E402
from airpicture.scale.batch import ChunkResult, ChunkTask, track_chunk  # noqa: E402
from airpicture.scale.job import BatchJob, run_job  # noqa: E402
from airpicture.types import Picture  # noqa: E402

pytestmark = pytest.mark.ray

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    # the workers cannot import this test module: its functions travel by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pool") / "tracks.csv"
    job = BatchJob(inputs=(PARIS,), out=out, settings=Settings(), ray=False, chunk_s=600.0)
    assert run_job(job)[1]["backend"] == "pool"
    return out


def test_the_cli_runs_the_chunks_as_ray_tasks(
    tmp_path: Path, pooled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tracks.csv"
    assert main(["track", "--ray", str(PARIS), "--chunk-s", "600", "--out", str(out)]) == 0
    assert "3 chunks on ray" in capsys.readouterr().out
    assert out.read_text() == pooled.read_text()  # the same tasks, the same join


def _raise_half_way(task: ChunkTask, marker: Path) -> ChunkResult:
    """The first attempt of chunk 2 raises after writing part of its picture; Ray retries it."""
    seen = marker / task.chunk.name
    if task.chunk.index == 2 and not seen.exists():
        seen.touch()
        count = [0]

        def fail(pic: Picture) -> None:
            count[0] += 1
            if count[0] == 200:
                raise RuntimeError("injected failure")

        return track_chunk(task, on_picture=fail)
    return track_chunk(task)


def test_ray_retries_a_failed_task_without_its_partial_output(tmp_path: Path, pooled: Path) -> None:
    job = BatchJob(inputs=(PARIS,), out=tmp_path / "tracks.csv", settings=Settings(), ray=True, chunk_s=600.0)
    _, fig = run_job(job, work=functools.partial(_raise_half_way, marker=tmp_path))
    assert fig["backend"] == "ray"
    assert (tmp_path / "chunk-00002").exists()  # the failing attempt ran
    chunks = tmp_path / "tracks.parts" / "chunks"
    assert not list(chunks.glob(".*"))
    clean = pooled.with_suffix(".parts") / "chunks" / "chunk-00002.parquet"
    assert pq.read_table(chunks / "chunk-00002.parquet").equals(pq.read_table(clean))
    assert (tmp_path / "tracks.csv").read_text() == pooled.read_text()
