"""`airpicture track --workers` (the process pool that runs the chunks when Ray is not installed)
on the bundled Paris scenario: the joined picture scores as the single run's (airpicture eval, in
process), and a task that dies half-way is tried again without its partial output."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from airpicture.cli.main import main
from airpicture.config import Settings
from airpicture.scale.batch import ChunkResult, ChunkTask, track_chunk
from airpicture.scale.job import BatchJob, run_job
from airpicture.types import Picture

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
CHUNK_S = "600"  # three chunks of the 30-minute scenario


def score(tracks: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["eval", str(PARIS), str(tracks), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single") / "tracks.csv"
    assert main(["track", str(PARIS), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pool") / "tracks.csv"
    assert main(["track", "--workers", "2", "--chunk-s", CHUNK_S, str(PARIS), "--out", str(out)]) == 0
    return out


def test_chunked_picture_scores_as_the_single_run(
    single: Path, pooled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, chunked = score(single, capsys), score(pooled, capsys)
    assert abs(chunked["gospa_m"] - one["gospa_m"]) <= 0.01 * one["gospa_m"]
    # at most 0.1 id switch per target-hour more than the single run (at least one allowed)
    bound = max(1, int(0.1 * one["counts"]["target_hours"]))
    assert chunked["counts"]["id_switches"] <= one["counts"]["id_switches"] + bound
    parts = sorted((pooled.with_suffix(".parts") / "picture").glob("part-*.parquet"))
    assert len(parts) == 3
    assert sum(pq.read_table(p).num_rows for p in parts) == len(pooled.read_text().splitlines()) - 1


def _die_half_way(task: ChunkTask, marker: Path) -> ChunkResult:
    """The first attempt of chunk 1 writes part of its picture, then its process dies (no clean-up);
    the retry runs normally."""
    seen = marker / task.chunk.name
    if task.chunk.index == 1 and not seen.exists():
        seen.touch()
        count = [0]

        def die(pic: Picture) -> None:
            count[0] += 1
            if count[0] == 300:
                partial = list(Path(task.out).parent.glob(f".{task.chunk.name}.*.part.csv"))
                assert partial and partial[0].stat().st_size > 0
                (marker / "partial").write_text(str(partial[0]))
                os._exit(3)

        return track_chunk(task, on_picture=die)
    return track_chunk(task)


def test_a_task_that_dies_is_retried_and_its_partial_output_not_used(tmp_path: Path, pooled: Path) -> None:
    job = BatchJob(
        inputs=(PARIS,), out=tmp_path / "tracks.csv", settings=Settings(), ray=False, chunk_s=float(CHUNK_S)
    )
    inputs, fig = run_job(job, work=functools.partial(_die_half_way, marker=tmp_path))
    assert fig["backend"] == "pool" and fig["retried"] >= 1
    assert (tmp_path / "partial").exists()  # the dead attempt did leave rows behind...
    chunks = tmp_path / "tracks.parts" / "chunks"
    assert not list(chunks.glob(".*"))  # ...which the job removed, unread
    clean = pooled.with_suffix(".parts") / "chunks"
    for name in ("chunk-00000.parquet", "chunk-00001.parquet", "chunk-00002.parquet"):
        assert pq.read_table(chunks / name).equals(pq.read_table(clean / name))
    assert (tmp_path / "tracks.csv").read_text() == pooled.read_text()
    assert inputs[0].stats.boundaries == 2
