"""`airpicture rid`: a capture in, the Location rows and the drone registry out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from airpicture.cli.main import main

DATA = Path(__file__).parents[1] / "data" / "remoteid"


def test_rid_writes_reports_and_drones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, drones = tmp_path / "r.csv", tmp_path / "d.json"
    assert main(["rid", str(DATA / "synthetic.pcapng"), "--out", str(out), "--drones", str(drones)]) == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 30
    assert {r["serial"] for r in rows} == {"1596A0000TESTBLE4", "1581F5BKD00WIFI0"}
    first = rows[0]
    assert (first["serial"], first["lat"], first["lon"], first["altitude_m"]) == (
        "1596A0000TESTBLE4",
        "48.7100000",
        "2.2100000",
        "120.0",
    )
    assert (first["speed_mps"], first["track_deg"], first["vrate_mps"]) == ("9.75", "90.0", "-0.5")
    reg = json.loads(drones.read_text())
    ble = next(d for d in reg.values() if d["serial"] == "1596A0000TESTBLE4")
    assert (ble["operator_lat"], ble["operator_lon"], ble["operator_id"]) == (48.7095, 2.2085, "FRA-OP-0001")
    wifi = next(d for d in reg.values() if d["serial"] == "1581F5BKD00WIFI0")
    assert wifi["operator_alt_m"] is None  # unknown, not NaN, in JSON
    assert "30 positions, 2 drones" in capsys.readouterr().err


def test_rid_real_beacon_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rid", str(DATA / "parrot_anafi_beacon.pcap")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split(",")[3:5] == ["47.1987103", "8.7302371"]


def test_rid_missing_file_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rid", str(tmp_path / "nope.pcap")]) == 1
    assert "nope.pcap" in capsys.readouterr().err
