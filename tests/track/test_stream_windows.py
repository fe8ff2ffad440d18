"""A streamed scenario (load_scenario(stream=True), what `airpicture track` uses) gives exactly
the windows of one read whole: the same edges, plots, reports, names and rejects, read in small
chunks, with damaged rows, and with reports added in memory (`track --modes` / `--remoteid`);
and its memory does not grow with the file."""

from __future__ import annotations

import gzip
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from airpicture.sources import scenario
from airpicture.sources.scenario import load_scenario
from airpicture.track.windows import scenario_windows

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


def _damaged(tmp: Path) -> Path:
    d = tmp / "paris"
    shutil.copytree(PARIS, d)
    for name in ("plots.csv", "adsb.csv"):
        lines = gzip.decompress((d / f"{name}.gz").read_bytes()).decode().splitlines()
        for i in range(5, len(lines), 991):
            lines[i] = lines[i] + ",extra"
        lines.insert(4000, lines[3000])  # far out of order
        lines.insert(
            6000, lines[6001].replace(lines[6001].split(",")[0], "1999999999.0", 1)
        )  # a garbled stamp
        (d / f"{name}.gz").unlink()
        (d / name).write_text("\n".join(lines) + "\n")
    return d


def _same_windows(a: list, b: list) -> None:
    assert len(a) == len(b)
    for wa, wb in zip(a, b, strict=True):
        assert wa.until == wb.until and wa.names == wb.names
        for x, y in ((wa.plots, wb.plots), (wa.reports, wb.reports)):
            for f in y.dtype.names:  # field by field: NaN equals NaN
                np.testing.assert_array_equal(x[f], y[f])


@pytest.mark.parametrize("chunk", [100_000, 333])
def test_streamed_windows_are_the_windows_of_the_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    d = _damaged(tmp_path)
    monkeypatch.setattr(scenario, "CHUNK_ROWS", chunk)
    whole, streamed = load_scenario(d), load_scenario(d, stream=True)
    # reports added in memory, as `track --remoteid` adds them: merged in time order
    extra = whole.reports[::50].copy()
    extra["ident"] += 7
    extra["sensor"] = 2
    for scn in (whole, streamed):
        both = np.concatenate([scn.reports, extra])
        scn.reports = both[np.argsort(both["time_s"], kind="stable")]
        scn.names = {int(i): f"x{i}" for i in np.unique(extra["ident"])[:20].tolist()}
    assert len(streamed.plots) == 0 and streamed.files is not None
    _same_windows(list(scenario_windows(streamed)), list(scenario_windows(whole)))
    assert {k: dict(v.counts) for k, v in streamed.rejects.items()} == {
        k: dict(v.counts) for k, v in whole.rejects.items()
    }
    assert whole.rejects["plots"].counts["time_out_of_order"] >= 2


def _plots_file(d: Path, n: int, rng: np.random.Generator) -> None:
    span = load_scenario(PARIS, ["ADSB1"])  # inside the scenario's span: rows after its end all
    t = np.sort(rng.uniform(span.start_s, span.end_s, n))  # belong to its last window
    r, az = rng.uniform(1e3, 1e5, n), rng.uniform(0, 360, n)
    with (d / "plots.csv").open("w") as f:
        f.write("time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity\n")
        f.write("".join(f"{a:.2f},TMA1,{b:.1f},{c:.3f},,,\n" for a, b, c in zip(t, r, az, strict=True)))


def test_streaming_memory_does_not_grow_with_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scenario, "CHUNK_ROWS", 10_000)
    rng = np.random.default_rng(5)
    peaks: dict[tuple[int, bool], int] = {}
    for n in (100_000, 400_000):
        d = tmp_path / str(n)
        shutil.copytree(PARIS, d)
        (d / "plots.csv.gz").unlink()
        _plots_file(d, n, rng)
        for stream in (False, True):
            tracemalloc.start()
            scn = load_scenario(d, ["TMA1"], stream=stream)
            rows = sum(len(w.plots) for w in scenario_windows(scn, progress=False))
            peaks[n, stream] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert rows == n
    assert peaks[400_000, False] > 3 * peaks[100_000, False]  # read whole: grows with the file
    assert peaks[400_000, True] < 1.3 * peaks[100_000, True], peaks  # streamed: a few chunks
