"""run_scenario: windows, pictures, and the rows it gives tracks.csv the way `airpicture track` does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trackkit as tk

from airpicture.config import TrackSettings
from airpicture.sinks.export import TracksCsvWriter
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import run_scenario, window_s
from airpicture.types import REPORT_DTYPE

T = tk.RADAR["scan_period_s"]
PATH = tk.straight((20_000.0, 10_000.0, 3000.0), (-150.0, 80.0, 0.0))
NO_REPORTS = np.zeros(0, REPORT_DTYPE)


def test_window_is_the_shortest_revisit_of_the_sensors_in_use() -> None:
    rng = np.random.default_rng(20)
    plots = tk.radar_plots(PATH, range(5), rng)
    reports = tk.adsb_reports(PATH, tk.T0 + np.arange(5.0), 0x3C6444, rng)
    assert window_s(tk.scenario(plots, NO_REPORTS, tk.T0 + 20)) == T  # radar alone
    assert window_s(tk.scenario(plots, reports, tk.T0 + 20)) == 1.0  # ADS-B every second
    assert window_s(tk.scenario(plots, NO_REPORTS, tk.T0 + 20), period_s=2.5) == 2.5


def test_pictures_every_window_and_every_measurement_used() -> None:
    rng = np.random.default_rng(21)
    plots = tk.radar_plots(PATH, range(-1, 12), rng)  # one scan before the scenario's start
    assert plots["time_s"].min() < tk.T0
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 10 * T + 1.0)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, settings=TrackSettings(fresh_s=0.0))
    pics = list(run_scenario(scn, trk, progress=False))
    times = np.array([p.time_s for p in pics])
    assert len(pics) == int(np.ceil((scn.end_s - scn.start_s) / T))
    np.testing.assert_allclose(np.diff(times)[:-1], T)
    assert times[-1] > plots["time_s"].max()  # the last window stretches to the last plot
    assert trk.stats.plots == len(plots)
    assert all(len(p) <= 1 for p in pics) and len(pics[-1]) == 1
    assert pics[-1].row_time is not None and (pics[-1].row_time == pics[-1].time_s).all()


def test_fresh_rows_are_given_at_their_measurement_time() -> None:
    rng = np.random.default_rng(22)
    plots = tk.radar_plots(PATH, range(12), rng)
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 12 * T)
    last = list(
        run_scenario(
            scn, ImmGnnTracker(scn.sensors, scn.site_lla, settings=TrackSettings(fresh_s=4.0)), 1.0, False
        )
    )[-1]
    assert last.row_time is not None
    # the picture at the end shows the track as filtered at its last plot
    assert last.row_time[0] == pytest.approx(plots["time_s"][-1])
    assert last.last_update_s[0] == pytest.approx(plots["time_s"][-1])


def test_a_published_track_gets_a_row_at_least_every_5_s(tmp_path: Path) -> None:
    rng = np.random.default_rng(23)
    plots = tk.radar_plots(PATH, [k for k in range(30) if k != 15], rng)  # one missed scan
    scn = tk.scenario(plots, NO_REPORTS, tk.T0 + 30 * T)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, settings=TrackSettings(fresh_s=4.0))
    out = tmp_path / "tracks.csv"
    published = []
    with TracksCsvWriter(out) as w:
        for pic in run_scenario(scn, trk, period_s=1.0, progress=False):
            w.write(pic)
            published.append(len(pic) == 1)
    assert all(published[4 * 3 :])  # the track is in every picture once confirmed, gap included
    rows = np.genfromtxt(out, delimiter=",", names=True, dtype=None, encoding=None)
    assert len(np.unique(rows["track"])) == 1
    assert np.diff(np.sort(rows["time_s"])).max() <= 5.0


def test_consume_behind_keeps_order_and_raises_the_consumers_error() -> None:
    from airpicture.cli.track import consume_behind

    pics = list(range(500))  # any objects: the hand-off does not look at them
    seen: list[object] = []
    consume_behind(iter(pics), seen.append, depth=4)  # type: ignore[arg-type]
    assert seen == pics

    def boom(p: object) -> None:
        if p == 10:
            raise ValueError("consumer failed")

    produced = []

    def source() -> object:
        for k in range(10_000):
            produced.append(k)
            yield k

    with pytest.raises(ValueError, match="consumer failed"):
        consume_behind(source(), boom, depth=4)  # type: ignore[arg-type]
    assert len(produced) < 10_000  # the run stopped soon after the failure, without a deadlock
