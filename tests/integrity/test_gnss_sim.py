"""End to end on real trajectories: the bundled Paris scenario's ADS-B (55 real aircraft, 30 min)
encoded as Beast frames by `airpicture sim --from-scenario --modes-out`, with GNSS jammers, then
mapped by `airpicture gnss`: the jammed cells light up within one bin of onset, no cell lights up
elsewhere or in the same recording without jammers, and the site's alert is raised and cleared."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gnsskit import Jammer, cells_reaching

from airpicture.cli.main import main
from airpicture.config import GnssSettings

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
SITE = ("48.86", "2.29")
S = GnssSettings()
# (lat, lon, radius km, start s, end s after the scenario start): one on the site, one at Orly
# (16 km from it, so near too), one over Meaux (55 km east), of different radii
JAMMERS = ["48.86,2.29,20,300,900", "48.73,2.37,8,600,1000", "48.96,2.90,12,400,900"]


def frames(tmp: Path, name: str, jammers: list[str]) -> tuple[Path, dict[str, Any]]:
    out = tmp / f"{name}.bin"
    args = ["sim", "--from-scenario", str(PARIS), "--modes-out", str(out)]
    for j in jammers:
        args += ["--jammer", j]
    assert main(args) == 0
    return out, json.loads((tmp / f"{name}.jammers.json").read_text())


def gnss_map(tmp: Path, recording: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    geo, alerts = tmp / f"{recording.stem}.geojson", tmp / f"{recording.stem}.alerts.csv"
    args = [
        "gnss",
        str(recording),
        "--lat",
        SITE[0],
        "--lon",
        SITE[1],
        "--out",
        str(geo),
        "--alerts",
        str(alerts),
    ]
    assert main(args) == 0
    with alerts.open() as f:
        steps = list(csv.DictReader(f))
    return [f["properties"] for f in json.loads(geo.read_text())["features"]], steps


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gnss_sim")


def test_jammed_cells_light_up_within_one_bin_and_nothing_else(tmp: Path) -> None:
    rec, info = frames(tmp, "jammed", JAMMERS)
    t0 = info["t0_s"]  # Beast carries no date: decoded times are seconds after the first frame
    jams = [
        Jammer(j["lat"], j["lon"], j["radius_m"], j["start_s"] - t0, j["end_s"] - t0) for j in info["jammers"]
    ]
    assert len(info["affected"]) >= 10  # aircraft that flew through a jammer
    cells, steps = gnss_map(tmp, rec)
    lit = [c for c in cells if c["interference"]]
    assert lit
    reach = [cells_reaching(j, S.resolution) for j in jams]
    import h3

    spans = list(zip(jams, reach, strict=True))
    for c in lit:  # every lit cell and bin is in a jammer's reach and span
        cell = h3.str_to_int(c["h3"])
        assert any(cell in r and c["end_s"] > j.start_s and c["start_s"] < j.end_s for j, r in spans)
    for j, r in spans:  # each jammer is seen within one bin of its onset
        mine = [c for c in lit if h3.str_to_int(c["h3"]) in r and c["end_s"] > j.start_s]
        assert mine, j
        assert min(c["start_s"] for c in mine) <= j.start_s + S.bin_s
    # the site's alert: raised within one bin of the first jammer's onset, cleared after the last
    raised = [float(a["time_s"]) for a in steps if a["state"] == "raised"]
    cleared = [float(a["time_s"]) for a in steps if a["state"] == "cleared"]
    first = min(j.start_s for j in jams)  # all three reach within alert_range_m of the site
    assert raised and min(raised) - first <= S.bin_s
    assert len(cleared) == len(raised) and max(cleared) > max(j.end_s for j in jams)
    assert all(a["kind"] == "gnss_interference" for a in steps)


def test_the_same_recording_without_jammers_is_quiet(tmp: Path) -> None:
    rec, info = frames(tmp, "untouched", [])
    assert info["affected"] == []
    cells, steps = gnss_map(tmp, rec)
    assert len(cells) > 100 and sum(c["aircraft"] for c in cells) > 400
    assert not any(c["interference"] for c in cells) and sum(c["degraded"] for c in cells) == 0
    assert steps == []
    assert np.isclose(cells[0]["end_s"] - cells[0]["start_s"], S.bin_s)
