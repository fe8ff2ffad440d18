"""The compiled tracker (numba kernels) and the numpy reference path give the same pictures on the
bundled Paris scenario: real sensor sheets, clutter, ADS-B gaps and crossing traffic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import airpicture
from airpicture.sources.scenario import Scenario, load_scenario
from airpicture.track.run import run_scenario
from airpicture.track.tracker import Tracker
from airpicture.types import Picture

PARIS = Path(airpicture.__file__).resolve().parent / "data" / "paris"


def _first(scn: Scenario, span_s: float) -> Scenario:
    """The scenario's first span_s seconds."""
    end = scn.start_s + span_s
    return dataclasses.replace(
        scn,
        plots=scn.plots[scn.plots["time_s"] < end],
        reports=scn.reports[scn.reports["time_s"] < end],
        end_s=min(end, scn.end_s),
    )


def _pictures(scn: Scenario, compiled: bool) -> list[Picture]:
    trk = Tracker(scn.sensors, scn.site_lla, scn.platforms, scn.active, compiled=compiled)
    return list(run_scenario(scn, trk, period_s=1.0, progress=False, fresh_s=4.0))


def _same_pictures(scn: Scenario) -> int:
    """Run both paths, check every picture agrees, return the number of published tracks."""
    fast, ref = _pictures(scn, compiled=True), _pictures(scn, compiled=False)
    assert len(fast) == len(ref) > 0
    n = 0
    for a, b in zip(fast, ref, strict=True):
        at = f"picture at start + {a.time_s - scn.start_s:.1f} s"
        assert a.time_s == b.time_s, at
        np.testing.assert_array_equal(a.track, b.track, err_msg=at)
        np.testing.assert_array_equal(a.ident, b.ident, err_msg=at)
        np.testing.assert_array_equal(a.integrity, b.integrity, err_msg=at)
        np.testing.assert_array_equal(a.sensors, b.sensors, err_msg=at)
        np.testing.assert_array_equal(a.mode_c, b.mode_c, err_msg=at)
        np.testing.assert_array_equal(a.last_update_s, b.last_update_s, err_msg=at)
        np.testing.assert_array_equal(a.row_time, b.row_time, err_msg=at)
        for field in ("x", "P", "lat", "lon", "alt_m"):
            np.testing.assert_allclose(
                getattr(a, field), getattr(b, field), rtol=1e-6, atol=1e-6, err_msg=f"{at}: {field}"
            )
        n += len(a)
    return n


@pytest.mark.parametrize(
    ("sensors", "span_s", "min_tracks"),
    [
        (["TMA1"], 180.0, 2000),
        (["SITE1"], 360.0, 100),  # the site radar's first drone is confirmed after 4 minutes
        (["ADSB1"], 180.0, 2000),
        (None, 180.0, 2000),
    ],
    ids=["TMA1", "SITE1", "ADSB1", "all"],
)
def test_compiled_and_reference_paths_agree_on_the_start_of_paris(
    sensors: list[str] | None, span_s: float, min_tracks: int
) -> None:
    scn = _first(load_scenario(PARIS, sensors), span_s)
    assert len(scn.plots) + len(scn.reports) > 0
    assert _same_pictures(scn) >= min_tracks


@pytest.mark.slow
def test_compiled_and_reference_paths_agree_on_all_of_paris() -> None:
    scn = load_scenario(PARIS)
    assert scn.end_s - scn.start_s >= 1800.0
    assert _same_pictures(scn) > 30_000
