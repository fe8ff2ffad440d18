"""Scenario files are read in chunks (issue 13, defect 7: `track` held 7-13 x the input in memory):
reading in small chunks gives exactly what one chunk gives, rejects included, and the peak memory
of reading a large plots.csv stays within a small multiple of the file."""

from __future__ import annotations

import gzip
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from airpicture.sources import scenario
from airpicture.sources.scenario import load_scenario

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


def _paris_with_damage(tmp: Path) -> Path:
    """The bundled Paris scenario, its plots.csv with bad rows spread through it."""
    d = tmp / "paris"
    shutil.copytree(PARIS, d)
    lines = gzip.decompress((d / "plots.csv.gz").read_bytes()).decode().splitlines()
    for i in range(5, len(lines), 997):
        lines[i] = lines[i].replace(",", ";", 1) if i % 2 else lines[i] + ",extra"
    lines.insert(4000, lines[3000])  # a row far out of order
    (d / "plots.csv.gz").unlink()
    (d / "plots.csv").write_text("\n".join(lines) + "\n")
    return d


def test_small_chunks_read_exactly_what_one_chunk_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _paris_with_damage(tmp_path)
    whole = load_scenario(d)
    monkeypatch.setattr(scenario, "CHUNK_ROWS", 777)
    chunked = load_scenario(d)
    for got, want in ((chunked.plots, whole.plots), (chunked.reports, whole.reports)):
        for name in want.dtype.names:  # field by field: NaN equals NaN there
            np.testing.assert_array_equal(got[name], want[name])
    assert {k: dict(v.counts) for k, v in chunked.rejects.items()} == {
        k: dict(v.counts) for k, v in whole.rejects.items()
    }
    assert whole.rejects["plots"].counts["field_count"] > 10 and len(whole.plots) > 30_000


def test_reading_a_large_plots_file_peaks_at_a_small_multiple_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "big"
    shutil.copytree(PARIS, d)
    rng = np.random.default_rng(3)
    n = 400_000
    t = np.sort(rng.uniform(0, 3600, n)) + 1.7e9
    cols = (
        t,
        rng.uniform(1e3, 1e5, n),
        rng.uniform(0, 360, n),
        rng.uniform(0, 10, n),
        rng.uniform(0, 1e4, n),
    )
    rows = [
        f"{a:.3f},TMA1,{r:.1f},{az:.3f},{el:.3f},{alt:.1f}," for a, r, az, el, alt in zip(*cols, strict=True)
    ]
    (d / "plots.csv.gz").unlink()
    path = d / "plots.csv"
    path.write_text(",".join(scenario.PLOT_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    size = path.stat().st_size
    monkeypatch.setattr(scenario, "CHUNK_ROWS", 5_000)
    tracemalloc.start()
    plots, rej = scenario.read_plots(path, {"TMA1": 0, "SITE1": 1, "ADSB1": 2},
                                     load_scenario(PARIS).sensors, {0, 1, 2})  # fmt: skip
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(plots) == n and rej.total == 0
    assert peak < 3 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
