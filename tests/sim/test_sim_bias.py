"""`airpicture sim --bias` / a radar sheet's bias_* fields: the simulator offsets that radar's
detections, and only the scenario's config.json (not the sheet a tracker reads) says by how much."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import airpicture.cli.main as cli
from airpicture.sim import SimConfig, Simulation


def _detections(bias: dict[str, float]) -> np.ndarray:
    """The TMA radar's detections (not clutter) of a short scenario, by object and time."""
    cfg = SimConfig(aircraft=30, drones=0, birds=0, ghosts=0, duration_s=30, seed=3)
    (cfg.sensors or [])[0].update(bias)
    cfg.validate()
    frames = list(Simulation(cfg).frames())
    plots = np.concatenate([f.plots for f in frames])
    uid = np.concatenate([f.plot_uid for f in frames])
    keep = (plots["sensor"] == 0) & (uid >= 0)
    plots, uid = plots[keep], uid[keep]
    return plots[np.lexsort((plots["time_s"], uid))]


def test_a_biased_radar_measures_with_exactly_its_offsets() -> None:
    clean = _detections({})
    biased = _detections({"bias_range_m": 100.0, "bias_azimuth_deg": 0.2, "bias_time_s": 0.5})
    assert len(clean) == len(biased) > 50  # the same objects, the same noise
    assert np.allclose(biased["range_m"] - clean["range_m"], 100.0)
    d_az = (biased["azimuth_rad"] - clean["azimuth_rad"] + np.pi) % (2 * np.pi) - np.pi
    assert np.allclose(d_az, np.radians(0.2))
    assert np.allclose(biased["time_s"] - clean["time_s"], 0.5)


def test_cli_bias_goes_to_config_json_not_to_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scen"
    args = [
        "sim",
        str(out),
        "--targets",
        "10",
        "--drones",
        "0",
        "--birds",
        "0",
        "--duration",
        "5",
        "--no-progress",
    ]
    assert cli.main([*args, "--bias", "TMA1=100,0.2,0.5", "--aew", "--bias", "AEW1=-50,0.1,0.25"]) == 0
    truth = {s["id"]: s for s in json.loads((out / "config.json").read_text())["sensors"]}
    assert (
        truth["TMA1"]["bias_range_m"],
        truth["TMA1"]["bias_azimuth_deg"],
        truth["TMA1"]["bias_time_s"],
    ) == (
        100.0,
        0.2,
        0.5,
    )
    assert truth["AEW1"]["bias_range_m"] == -50.0
    sheet = json.loads((out / "sensors.json").read_text())
    assert not any(k.startswith("bias_") for s in sheet for k in s)
    capsys.readouterr()
    assert cli.main([*args, "--bias", "ADSB1=1,0,0"]) == 1  # a receiver has no such errors
    assert "no radar of that id" in capsys.readouterr().err
    assert cli.main([*args, "--bias", "TMA1=1,20,0"]) == 1  # outside the sheet's bounds
    with pytest.raises(SystemExit):
        cli.main([*args, "--bias", "TMA1=1,2"])
