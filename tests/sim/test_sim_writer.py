"""Scenario folders: the column text, the format's files and columns, the project's reader and the
reference scorer on them, and `airpicture sim`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import airpicture.cli.main as cli
from airpicture.eval.truth import load_reference, silent_aircraft
from airpicture.sim import SimConfig, Simulation, Site, aew_radar, default_sensors, write_scenario
from airpicture.sim import csvtext as ct
from airpicture.sources.scenario import load_scenario

SHARED = Path(__file__).resolve().parents[3] / "shared"
SCORE_PY = SHARED / "eval" / "score.py"


def test_fixed_columns_read_back_as_the_numbers() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1e4, 2000), rng.uniform(-1, 1, 200), [0.0, -0.0, 1e9 + 0.123]])
    for d in (0, 1, 3, 6):
        text = ct.rows([ct.fixed(x, d)]).decode().splitlines()
        back = np.array([float(v) for v in text])
        assert np.abs(back - x).max() <= 0.5 * 10.0**-d * (1 + 1e-6) + 1e-9
        assert all(v == f"{float(v):.{d}f}" or v == f"{float(v):.{d}f}".lstrip("-") for v in text)
    line = ct.rows(
        [
            ct.fixed([1.5, np.nan, -0.0004], 3),
            ct.hex6([0xABCDEF, -1, 5]),
            ct.category([1, 0, 1], ["TMA1", "SITE1"]),
            ct.text(["a", "bb", ""]),
            ct.integer([7, 12, -3]),
        ]
    )
    assert line == b"1.500,abcdef,SITE1,a,7\n,,TMA1,bb,12\n0.000,000005,SITE1,,-3\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Simulation, list]:
    out = tmp_path_factory.mktemp("sim") / "scen"
    site = Site()
    sensors = [*default_sensors(site), aew_radar(site)]
    cfg = SimConfig(aircraft=80, drones=6, birds=10, ghosts=2, duration_s=90, seed=8, sensors=sensors)
    sim = Simulation(cfg)
    frames = list(Simulation(cfg).frames())
    summary = write_scenario(sim, out)
    assert summary.frames == 90 and summary.plots == sum(len(f.plots) for f in frames)
    return out, sim, frames


def test_folder_has_the_format_files_and_columns(folder: tuple[Path, Simulation, list]) -> None:
    out, sim, _ = folder
    heads = {
        "plots.csv": "time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity",
        "adsb.csv": "time_s,sensor,icao24,lat,lon,altitude_m,speed_mps,track_deg",
        "truth.csv": "time_s,target,kind,lat,lon,alt_m",
        "platforms.csv": "time_s,sensor,lat,lon,alt_m",
        "ghosts.csv": "icao24",
    }
    for name, head in heads.items():
        assert (out / name).read_text().splitlines()[0] == head
    meta = json.loads((out / "meta.json").read_text())
    assert meta["end_s"] - meta["start_s"] == 90 and meta["site"]["name"] == "site-A"
    sheet = json.loads((out / "sensors.json").read_text())
    assert [s["id"] for s in sheet] == ["TMA1", "SITE1", "ADSB1", "AEW1"]
    assert sheet[3]["moving"] is True and "orbit" not in sheet[3]
    assert len((out / "platforms.csv").read_text().splitlines()) == 1 + 91
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["p_no_transponder"] == 0.4 and cfg["silent_max_alt_m"] == 3000.0
    ghosts = (out / "ghosts.csv").read_text().split()[1:]
    assert len(ghosts) >= 2 and set(ghosts) == set(sim.ghosts())
    with open(out / "adsb.csv") as f:
        broadcast = {r["icao24"] for r in csv.DictReader(f)}
    with open(out / "truth.csv") as f:
        named = {r["target"] for r in csv.DictReader(f)}
    assert set(ghosts) & broadcast and not set(ghosts) & named


def test_project_reader_reads_it_all(folder: tuple[Path, Simulation, list]) -> None:
    out, _, frames = folder
    scen = load_scenario(out)
    assert all(r.total == 0 for r in scen.rejects.values())
    plots = np.concatenate([f.plots for f in frames])
    reports = np.concatenate([f.reports for f in frames])
    assert len(scen.plots) == len(plots) and len(scen.reports) == len(reports)
    assert np.allclose(scen.plots["time_s"], plots["time_s"], atol=6e-4)
    assert np.allclose(scen.plots["range_m"], plots["range_m"], atol=0.051)
    assert np.allclose(scen.plots["azimuth_rad"], plots["azimuth_rad"], atol=1e-6)
    assert np.array_equal(np.isnan(scen.plots["altitude_m"]), np.isnan(plots["altitude_m"]))
    assert np.array_equal(scen.reports["ident"], reports["ident"])
    assert np.allclose(scen.reports["lat"], reports["lat"], atol=6e-7)
    t, lla = scen.platforms[3]
    assert t[0] == scen.start_s and t[-1] == scen.end_s and np.allclose(lla[:, 2], 9000.0)


def test_scorer_agrees_on_which_aircraft_carry_no_transponder(folder: tuple[Path, Simulation, list]) -> None:
    out, sim, _ = folder
    ref = load_reference(out)
    theirs = set(ref.truth.names[silent_aircraft(ref.truth, ref.config)].tolist())
    assert sim.targets is not None
    lives = sim.targets.lives()
    silent = (lives["kind"] == 1) & (lives["transponder"] == 0)
    ours = {f"{int(i):06x}" for i in lives["ident"][silent]} & set(ref.truth.names.tolist())
    assert ours and ours == theirs


@pytest.mark.skipif(not SCORE_PY.exists(), reason="needs ../shared/eval/score.py")
def test_reference_scorer_scores_a_perfect_picture(
    folder: tuple[Path, Simulation, list], tmp_path: Path
) -> None:
    out, _, _ = folder
    tracks = tmp_path / "tracks.csv"
    with open(out / "truth.csv") as f, open(tracks, "w", newline="") as g:
        w = csv.writer(g)
        w.writerow(["time_s", "track", "lat", "lon", "alt_m", "class"])
        for r in csv.DictReader(f):
            w.writerow([r["time_s"], r["target"], r["lat"], r["lon"], r["alt_m"], r["kind"]])
    res = subprocess.run(
        [sys.executable, str(SCORE_PY), str(out), str(tracks), "--warmup", "0"],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    score = json.loads(res.stdout)
    assert score["coverage"] == 1.0 and score["rms_m"] < 0.5 and score["class_acc"] == 1.0
    assert score["id_switches"] == 0.0


def test_cli_writes_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    rc = cli.main(
        ["sim", str(out), "--targets", "30", "--drones", "3", "--birds", "4", "--duration", "20",
         "--seed", "2", "--site", "45.0,5.0,200", "--clutter", "7", "--scan", "5", "--no-progress"]
    )  # fmt: skip
    assert rc == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "plots" in printed
    sensors = json.loads((out / "sensors.json").read_text())
    assert sensors[0]["scan_period_s"] == 5 and {s.get("clutter_per_scan") for s in sensors[:2]} == {7}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["site"]["lat"] == 45.0 and meta["site"]["alt_m"] == 200.0
    assert len((out / "plots.csv").read_text().splitlines()) > 50


def test_cli_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["sim", str(tmp_path / "x"), "--site", "north"])
    rc = cli.main(["sim", str(tmp_path / "x"), "--sensors", str(tmp_path / "missing.json"), "--no-progress"])
    assert rc == 1 and "sensor sheet" in capsys.readouterr().err
    rc = cli.main(["sim", str(tmp_path / "x"), "--duration", "0", "--no-progress"])
    assert rc == 1


def test_cli_is_quiet_when_piped_and_shows_progress_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sim", str(tmp_path / "p"), "--targets", "5", "--birds", "0", "--drones", "0", "--duration", "5"]
    assert cli.main(args) == 0  # auto: stderr is not a terminal here
    assert capsys.readouterr().err == ""
    assert cli.main([*args, "--progress"]) == 0
    assert "simulating" in capsys.readouterr().err
