"""A scenario console recording to a store writes what the console shows: pictures, alerts and the
sensors' stats (`history info` counts them, `history export` writes them)."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from airpicture.cli.console import BUNDLED, track_into
from airpicture.cli.main import main
from airpicture.sinks.store import open_store
from airpicture.sinks.web import Timeline
from airpicture.sources.scenario import load_scenario


def test_the_store_holds_the_sensor_stats(tmp_path: Path) -> None:
    scn = load_scenario(BUNDLED)
    end = scn.start_s + 120.0
    scn = replace(scn, end_s=end, plots=scn.plots[scn.plots["time_s"] < end],
                  reports=scn.reports[scn.reports["time_s"] < end])  # fmt: skip
    db = tmp_path / "h.sqlite"
    track_into(scn, Timeline(scn.start_s, scn.end_s), threading.Event(), str(db))
    with open_store(db) as store:
        counts = store.counts()
        stats = store.latest_stats()
    assert counts["pictures"] > 100 and counts["source_stats"] >= 12 * len(scn.sensors)
    assert {s.name for s in stats} >= {s.id for s in scn.sensors}
    assert all(s.messages > 0 for s in stats if s.name in {"TMA1", "SITE1", "ADSB1"})
    assert main(["history", "export", str(db), "--format", "csv", "--out", str(tmp_path / "x")]) == 0
    assert len((tmp_path / "x" / "stats.csv").read_text().splitlines()) > 1
