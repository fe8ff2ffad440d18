"""`airpicture track --remoteid`: drones heard over Remote ID become tracks named by their serial."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from airpicture.cli.main import main
from airpicture.sources.remoteid_carriers import read_remoteid

CAPTURE = Path(__file__).resolve().parents[1] / "data" / "remoteid" / "synthetic.pcapng"


def test_remoteid_drones_are_tracked_under_their_serial(tmp_path: Path) -> None:
    rows, registry = read_remoteid(CAPTURE)
    serials = set(registry.names().values())
    assert len(rows) >= 10 and serials
    scen = tmp_path / "scen"
    scen.mkdir()
    site = {"name": "s", "lat": float(np.mean(rows["lat"])), "lon": float(np.mean(rows["lon"])), "alt_m": 0.0}
    (scen / "sensors.json").write_text(
        json.dumps(
            [
                {
                    "id": "ADSB1",
                    "kind": "adsb",
                    "lat": site["lat"],
                    "lon": site["lon"],
                    "alt_m": 0.0,
                    "max_range_m": 250000,
                }
            ]
        )
    )
    t0, t1 = float(rows["time_s"].min()) - 1, float(rows["time_s"].max()) + 1
    (scen / "meta.json").write_text(json.dumps({"start_s": t0, "end_s": t1, "site": site, "zones": []}))
    (scen / "plots.csv").write_text("time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity\n")
    (scen / "adsb.csv").write_text("time_s,sensor,icao24,lat,lon,altitude_m,speed_mps,track_deg\n")
    out = tmp_path / "tracks.csv"
    assert main(["track", str(scen), "--remoteid", str(CAPTURE), "--out", str(out)]) == 0
    got = list(csv.DictReader(out.read_text().splitlines()))
    named = {r["identity"] for r in got}
    assert serials <= named  # every drone that sent a serial is a track under that serial
    for serial in serials:
        mine = [r for r in got if r["identity"] == serial]
        assert len({r["track"] for r in mine}) == 1  # one drone, one track
        assert all(r["integrity"] == "ok" for r in mine)
