"""`airpicture track --modes`: a real Mode S recording decoded and tracked with a scenario's sensors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from airpicture.cli.main import main
from airpicture.sources.replay import decode_file

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
RECEIVER = (49.0097, 2.5479)
RADAR = {"id": "R0", "kind": "radar", "lat": RECEIVER[0], "lon": RECEIVER[1], "alt_m": 100.0,
         "scan_period_s": 4.0, "max_range_m": 100000, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
         "pd": {"aircraft": 0.9}, "clutter_per_scan": 5}  # fmt: skip
ADSB = {"id": "A0", "kind": "adsb", "lat": RECEIVER[0], "lon": RECEIVER[1], "alt_m": 100.0,
        "max_range_m": 300000, "update_period_s": 1.0, "p_loss": 0.3, "sigma_position_m": 10}  # fmt: skip


def scenario(path: Path, sensors: list[dict[str, object]]) -> Path:
    table, _ = decode_file(FRAMES, receiver=RECEIVER)
    t = table["time_s"]
    path.mkdir()
    site = {"name": "cdg", "lat": RECEIVER[0], "lon": RECEIVER[1], "alt_m": 100.0}
    (path / "sensors.json").write_text(json.dumps(sensors))
    (path / "meta.json").write_text(
        json.dumps({"start_s": float(np.nanmin(t)), "end_s": float(np.nanmax(t)), "site": site, "zones": []})
    )
    (path / "plots.csv").write_text("time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity\n")
    (path / "adsb.csv").write_text("time_s,sensor,icao24,lat,lon,altitude_m,speed_mps,track_deg\n")
    return path


def rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(out.read_text().splitlines()))


def test_a_mode_s_recording_is_tracked_with_its_callsign(tmp_path: Path) -> None:
    scen = scenario(tmp_path / "scen", [ADSB])
    out = tmp_path / "tracks.csv"
    assert main(["track", str(scen), "--modes", str(FRAMES), "--out", str(out)]) == 0
    got = rows(out)
    assert len(got) > 500
    assert {r["identity"] for r in got} == {"AFR34ZG"}  # one flight, named by its callsign
    assert len({r["track"] for r in got}) <= 2
    assert {r["class"] for r in got} == {"aircraft"}


def test_a_radar_that_never_sees_the_broadcaster_makes_it_spoofed(tmp_path: Path) -> None:
    # the same broadcasts, but now a radar covers the airport and has no plot of the aircraft:
    # the integrity stage judges it spoofed, and tracks.csv says so (it is written, with its mark)
    scen = scenario(tmp_path / "scen", [RADAR, ADSB])
    out = tmp_path / "tracks.csv"
    assert main(["track", str(scen), "--modes", str(FRAMES), "--out", str(out)]) == 0
    got = rows(out)
    assert len(got) > 500 and {r["identity"] for r in got} == {"AFR34ZG"}
    flags = [r["integrity"] for r in got]
    assert flags.count("spoofed") > 0.9 * len(flags)  # after the radar's first looks, for good
