"""Chunk planning and the slicing of a scenario's files into chunk folders."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from airpicture.config import TrackSettings
from airpicture.errors import ConfigError
from airpicture.scale.chunks import overlap_s, plan_chunks, split_inputs
from airpicture.sources.scenario import load_scenario

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


def test_chunks_cover_the_span_once_with_lead_ins() -> None:
    chunks = plan_chunks(100.0, 1050.0, 300.0, 60.0)
    assert [(c.lead_s, c.start_s, c.end_s) for c in chunks] == [
        (100.0, 100.0, 400.0),
        (340.0, 400.0, 700.0),
        (640.0, 700.0, 1000.0),
        (940.0, 1000.0, 1050.0),
    ]
    with pytest.raises(ConfigError):
        plan_chunks(0.0, 10.0, 0.0, 1.0)


def test_overlap_follows_the_tracker_settings() -> None:
    sensors = load_scenario(PARIS).sensors
    slowest = max(s.revisit_s for s in sensors)
    base = overlap_s(TrackSettings(), sensors)
    assert base == TrackSettings().max_coast_s + 12 * slowest
    assert overlap_s(TrackSettings(max_coast_s=90.0, confirm_llr=20.0), sensors) == 90.0 + 20 * slowest


def test_each_line_goes_to_the_chunks_that_track_it(tmp_path: Path) -> None:
    src = tmp_path / "scn"
    shutil.copytree(PARIS, src)
    with gzip.open(src / "adsb.csv.gz", "rt") as f:
        lines = f.read().splitlines()
    lines.insert(500, "not-a-time,ADSB1,392ae7,49.0,2.8,950.0,135.6,265.2")  # a reject, once
    with gzip.open(src / "adsb.csv.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")
    meta = json.loads((src / "meta.json").read_text())
    chunks = plan_chunks(meta["start_s"], meta["end_s"], 600.0, 100.0)
    folders = split_inputs(src, chunks, tmp_path / "inputs")
    times = [float(x.split(",")[0]) for x in lines[1:] if not x.startswith("not")]
    for c, folder in zip(chunks, folders, strict=True):
        got = (folder / "adsb.csv").read_text().splitlines()
        assert got[0] == lines[0]
        t = [float(x.split(",")[0]) for x in got[1:] if not x.startswith("not")]
        last = c.index == len(chunks) - 1
        want = [x for x in times if (x >= c.lead_s or c.index == 0) and (x < c.end_s or last)]
        assert t == want
        assert json.loads((folder / "meta.json").read_text())["start_s"] == c.lead_s
        assert (folder / "sensors.json").exists()
    bad = sum(x.startswith("not") for f in folders for x in (f / "adsb.csv").read_text().splitlines())
    assert bad == 1
