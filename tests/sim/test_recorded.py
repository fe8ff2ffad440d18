"""Recorded trajectories as receiver reports: one report per new fix, at its own time, in SI units;
each receiver's copy with its losses, noise and range."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from airpicture.sensors import load_sheets
from airpicture.sim.recorded import read_recorded, receive


def _columns(path: Path) -> Path:
    """A state-vector recording (dict of columns, ms timestamps) whose position repeats."""
    rows = {
        "timestamp": [1_000_000_000_000, 1_000_000_001_000, 1_000_000_002_000, 1_000_000_003_000],
        "last_position": [999_999_999_500, 999_999_999_500, 1_000_000_001_700, 1_000_000_002_900],
        "icao24": ["4baac6"] * 4,
        "latitude": [48.0, 48.0, 48.01, 48.02],
        "longitude": [2.0, 2.0, 2.0, 2.0],
        "altitude": [10000, 10000, 10025, None],
        "groundspeed": [400, 400, 401, 402],
        "track": [0.0, 0.0, 0.0, 90.0],
        "vertical_rate": [640, 640, 640, 0],
    }
    cols = {k: {str(i): v for i, v in enumerate(vals)} for k, vals in rows.items()}
    with gzip.open(path, "wt") as f:
        json.dump(cols, f)
    return path


def test_one_report_per_new_fix_at_its_own_time(tmp_path: Path) -> None:
    rep = read_recorded(_columns(tmp_path / "rec.json.gz"))
    assert len(rep) == 3
    np.testing.assert_allclose(rep["time_s"], [999_999_999.5, 1_000_000_001.7, 1_000_000_002.9])
    assert set(rep["ident"].tolist()) == {0x4BAAC6}
    np.testing.assert_allclose(rep["altitude_m"][:2], [3048.0, 3055.62])
    assert np.isnan(rep["altitude_m"][2])
    np.testing.assert_allclose(rep["speed_mps"][0], 400 * 1852 / 3600)
    np.testing.assert_allclose(rep["track_rad"], [0.0, 0.0, np.pi / 2])
    np.testing.assert_allclose(rep["vrate_mps"][0], 640 * 0.3048 / 60)


def test_records_without_last_position(tmp_path: Path) -> None:
    """A list of records, times in s: a fix is timed at the first row that carries it."""
    records = [
        {"timestamp": 100.0, "icao24": "abc123", "latitude": 1.0, "longitude": 2.0, "altitude": 1000},
        {"timestamp": 101.0, "icao24": "abc123", "latitude": 1.0, "longitude": 2.0, "altitude": 1000},
        {"timestamp": 102.0, "icao24": "abc123", "latitude": 1.001, "longitude": 2.0, "altitude": 1000},
        {"timestamp": 102.5, "icao24": "abc124", "latitude": None, "longitude": 2.0},
    ]
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(records))
    rep = read_recorded(path)
    np.testing.assert_allclose(rep["time_s"], [100.0, 102.0])
    assert np.isnan(rep["speed_mps"]).all()


def test_each_receiver_hears_its_own_copy(tmp_path: Path) -> None:
    rep = read_recorded(_columns(tmp_path / "rec.json.gz"))
    many = np.repeat(rep[:2], 500)
    many["time_s"] = np.arange(len(many), dtype=float)
    sheets = load_sheets(
        [
            {"id": "near", "kind": "adsb", "lat": 48.0, "lon": 2.0, "max_range_m": 100_000, "p_loss": 0.5,
             "sigma_position_m": 50.0},
            {"id": "radar", "kind": "radar", "lat": 48.0, "lon": 2.0, "max_range_m": 1e5, "sigma_range_m": 1,
             "sigma_azimuth_deg": 0.1},
            {"id": "far", "kind": "adsb", "lat": 40.0, "lon": 2.0, "max_range_m": 100_000},
        ]
    )  # fmt: skip
    heard = receive(many, sheets, np.random.default_rng(0))
    assert set(heard["sensor"].tolist()) == {0}  # the far one is out of range, the radar hears none
    assert len(heard) == pytest.approx(500, rel=0.1)
    north_m = (heard["lat"] - np.where(heard["lat"] < 48.005, 48.0, 48.01)) * 111_200
    assert np.std(north_m) == pytest.approx(50.0, rel=0.15)
    assert (np.diff(heard["time_s"]) >= 0).all()
