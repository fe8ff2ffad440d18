"""ReportIntegrity on every real recording in ../shared/data and on the Paris scenarios: no real
aircraft flagged. Skipped when ../shared is absent."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from reportkit import MERGED, RECEIVERS, SHARED, run

from airpicture.sim.recorded import read_recorded, receive
from airpicture.sources.scenario import load_scenario

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
SCENARIOS = SHARED.parent / "scenarios"
MORE = sorted(f"more/{p.name}" for p in (SHARED / "more").glob("*.json.gz"))
RECORDINGS = ["belevingsvlucht.json.gz", "noisy_time_issue.json.gz", *MORE]


def _around(rep: np.ndarray) -> list[object]:
    """The two receivers moved to the middle of a recording made elsewhere than Paris."""
    lat, lon = float(np.nanmedian(rep["lat"])), float(np.nanmedian(rep["lon"]))
    return [s.model_copy(update={"lat": lat + s.lat - 48.86, "lon": lon + s.lon - 2.29}) for s in RECEIVERS]


@pytest.mark.parametrize("name", RECORDINGS)
def test_real_recordings_are_not_flagged(name: str) -> None:
    """Heavy manoeuvres, broken timestamps, a glider, helicopters, survey and calibration flights:
    as recorded (a merged feed) and as two receivers hear them."""
    rep = read_recorded(SHARED / name)
    assert not run(rep, MERGED).flagged()
    heard = receive(rep, _around(rep), np.random.default_rng(0))
    assert not run(heard, _around(rep)).flagged()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_three_hours_of_paris_traffic_are_not_flagged(seed: int) -> None:
    """All 213 real trajectories of quickstart.json.gz (3 h), heard by two receivers."""
    rep = receive(read_recorded(SHARED / "quickstart.json.gz"), RECEIVERS, np.random.default_rng(seed))
    out = run(rep, RECEIVERS)
    assert len(np.unique(rep["ident"])) > 200
    assert not out.flagged(), {f"{i:06x}": out.peak[i] for i in out.flagged()}


def test_three_hours_of_paris_traffic_as_recorded_are_not_flagged() -> None:
    out = run(read_recorded(SHARED / "quickstart.json.gz"), MERGED)
    assert not out.flagged()


def test_the_spoofed_recording_as_shared() -> None:
    """The same verdict as on the bundled copy: flagged only between the two long silences."""
    rep = read_recorded(SHARED / "noisy_spoofing.json.gz")
    gaps = np.flatnonzero(np.diff(rep["time_s"]) > 300)
    onset, back = rep["time_s"][gaps[0] + 1], rep["time_s"][gaps[1] + 1]
    out = run(rep, MERGED)
    times = [t for flags in out.flags.values() for t, _ in flags]
    assert times and onset < min(times) and max(times) <= back + 1.0


def _ghosts(path: Path) -> set[int]:
    with open(path / "ghosts.csv") as f:
        return {int(r["icao24"], 16) for r in csv.DictReader(f)}


def _real_flagged(path: Path) -> set[int]:
    scn = load_scenario(path)
    out = run(scn.reports, scn.sensors, site=scn.site_lla)
    return out.flagged() - _ghosts(path)


@pytest.mark.parametrize("name", ["paris", "paris-aew"])
def test_paris_scenarios_real_addresses_have_no_evidence_over_the_threshold(name: str) -> None:
    assert not _real_flagged(SCENARIOS / name)


@pytest.mark.parametrize("seed", [11, 23])
def test_made_scenarios_with_two_receivers(tmp_path: Path, seed: int) -> None:
    """make_scenario.py with the Paris config plus a second ADS-B receiver at CDG, other seeds and
    hours: no real address flagged."""
    cfg = json.loads((SCENARIOS / "paris" / "config.json").read_text())
    cfg["trajectories"] = str(SHARED / "quickstart.json.gz")
    cfg["seed"], cfg["offset_s"], cfg["ghosts"] = seed, 600 + 20 * seed * 10, 3
    cfg["sensors"].append({"id": "ADSB2", "kind": "adsb", "lat": 49.01, "lon": 2.55, "alt_m": 100,
                           "max_range_m": 180000, "update_period_s": 1.0, "p_loss": 0.3,
                           "sigma_position_m": 15})  # fmt: skip
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    make = SHARED.parent / "eval" / "make_scenario.py"
    subprocess.run([sys.executable, str(make), str(tmp_path / "config.json"), str(tmp_path / "scn")],
                   check=True, capture_output=True)  # fmt: skip
    assert not _real_flagged(tmp_path / "scn")
