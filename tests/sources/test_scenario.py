"""The scenario folder reader: good rows through, each kind of bad row counted under its reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airpicture.cli.main import main
from airpicture.errors import ConfigError, SourceError
from airpicture.sources.scenario import load_scenario
from airpicture.types import NO_IDENT

T0 = 1_700_000_000.0
SENSORS = [
    {"id": "R1", "kind": "radar", "lat": 48.8, "lon": 2.35, "alt_m": 100, "scan_period_s": 4.0,
     "max_range_m": 100000, "min_range_m": 500, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
     "sigma_alt_m": 10, "pd": {"aircraft": 0.9}, "clutter_per_scan": 40},
    {"id": "S3", "kind": "radar", "lat": 48.86, "lon": 2.29, "alt_m": 80, "scan_period_s": 1.0,
     "max_range_m": 6000, "min_range_m": 50, "sigma_range_m": 5, "sigma_azimuth_deg": 0.4,
     "sigma_elevation_deg": 0.4, "pd": {"drone": 0.8}, "clutter_per_scan": 3},
    {"id": "A1", "kind": "adsb", "lat": 48.86, "lon": 2.29, "alt_m": 60, "max_range_m": 250000,
     "update_period_s": 1.0, "p_loss": 0.1, "sigma_position_m": 8},
]  # fmt: skip
META = {"start_s": T0, "end_s": T0 + 60, "site": {"name": "s", "lat": 48.86, "lon": 2.29, "alt_m": 60}}
PLOT_HEADER = "time_s,sensor,range_m,azimuth_deg,elevation_deg,altitude_m,identity"
ADSB_HEADER = "time_s,sensor,icao24,lat,lon,altitude_m,speed_mps,track_deg"

GOOD_PLOTS = [
    f"{T0 + 1.0},R1,25000.5,45.0,,3000.0,",
    f"{T0 + 2.0},R1,60000.0,359.5,,,4ca1b2",
    f"{T0 + 3.0},S3,1200.0,10.0,2.5,,",
    f"{T0 + 4.0},R1,90000.0,0.0,,,",
]
#: (row, reason it is counted under)
BAD_PLOTS = [
    (f"{T0 + 5.0},R1,1000.0", "field_count"),
    (f"{T0 + 5.0},R1,1000.0,10.0,,,,", "field_count"),
    (",R1,1000.0,10.0,,,", "missing_time"),
    (f"{T0 + 5.0},R1,,10.0,,,", "missing_range"),
    (f"{T0 + 5.0},R1,1000.0,north,,,", "non_numeric_azimuth"),
    (f"{T0 + 5.0},R1,nan,10.0,,,", "nan_range"),
    (f"{T0 + 5.0},R1,1000.0,10.0,,nan,", "nan_altitude"),
    (f"{T0 + 5.0},R1,inf,10.0,,,", "inf_range"),
    (f"{T0 + 5.0},R1,1000.0,361.0,,,", "azimuth_out_of_bounds"),
    (f"{T0 + 5.0},R1,1000.0,-0.5,,,", "azimuth_out_of_bounds"),
    (f"{T0 + 5.0},R1,0.0,10.0,,,", "range_out_of_bounds"),
    (f"{T0 + 5.0},R1,150001.0,10.0,,,", "range_out_of_bounds"),  # 1.5 x the sheet's max range
    (f"{T0 + 5.0},S3,1000.0,10.0,91.0,,", "elevation_out_of_bounds"),
    (f"{T0 + 5.0},R1,1000.0,10.0,,40000,", "altitude_out_of_bounds"),
    (f"{T0 + 5.0},XX,1000.0,10.0,,,", "unknown_sensor"),
    (f"{T0 + 5.0},R1,1000.0,10.0,,,zzzzzz", "bad_identity"),
    (f"{T0 + 5.0},R1,1000.0,10.0,,,4ca1b", "bad_identity"),
    (f"{T0 - 100.0},R1,1000.0,10.0,,,", "time_out_of_order"),  # 104 s behind the newest row
]
GOOD_ADSB = [
    f"{T0 + 1.0},A1,4ca1b2,48.9,2.4,3000.0,200.0,90.0",
    f"{T0 + 1.5},A1,3C6444,48.7,2.1,,,",
    f"{T0 + 2.0},A1,4ca1b2,48.91,2.41,3010.0,201.0,91.0",
]
BAD_ADSB = [
    (f"{T0 + 3.0},A1,4ca1b2,48.9,2.4", "field_count"),
    (f"{T0 + 3.0},A1,4ca1b2,,2.4,3000,200,90", "missing_lat"),
    (f"{T0 + 3.0},A1,4ca1b2,48.9,east,3000,200,90", "non_numeric_lon"),
    (f"{T0 + 3.0},A1,4ca1b2,nan,2.4,3000,200,90", "nan_lat"),
    (f"{T0 + 3.0},A1,4ca1b2,91.0,2.4,3000,200,90", "value_out_of_bounds"),
    (f"{T0 + 3.0},A1,4ca1b2,48.9,181.0,3000,200,90", "value_out_of_bounds"),
    (f"{T0 + 3.0},A1,4ca1b2,48.9,2.4,3000,-5,90", "value_out_of_bounds"),
    (f"{T0 + 3.0},A1,4ca1b2,48.9,2.4,3000,200,400", "value_out_of_bounds"),
    (f"{T0 + 3.0},A1,xyz123,48.9,2.4,3000,200,90", "bad_icao24"),
    (f"{T0 + 3.0},A1,4ca1b,48.9,2.4,3000,200,90", "bad_icao24"),
    (f"{T0 + 3.0},A1,,48.9,2.4,3000,200,90", "bad_icao24"),
    (f"{T0 + 3.0},B9,4ca1b2,48.9,2.4,3000,200,90", "unknown_sensor"),
    (f"{T0 - 60.0},A1,4ca1b2,48.9,2.4,3000,200,90", "time_out_of_order"),
]


def write_scenario(
    path: Path,
    plots: list[str],
    adsb: list[str],
    gz: bool = False,
    sensors: object = SENSORS,
    meta: object = META,
) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "sensors.json").write_text(json.dumps(sensors))
    (path / "meta.json").write_text(json.dumps(meta))
    for name, header, rows in (("plots.csv", PLOT_HEADER, plots), ("adsb.csv", ADSB_HEADER, adsb)):
        text = "\n".join([header, *rows]) + "\n"
        if gz:
            (path / (name + ".gz")).write_bytes(gzip.compress(text.encode()))
        else:
            (path / name).write_text(text)
    return path


def _mixed(good: list[str], bad: list[tuple[str, str]]) -> list[str]:
    """Good rows first and last, the bad ones between them (in time order, but for the late one)."""
    return [*good[:2], *(row for row, _ in bad), *good[2:]]


def _expected(bad: list[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, reason in bad:
        out[reason] = out.get(reason, 0) + 1
    return out


def test_plots_rejects_counted_by_reason_and_good_rows_kept(tmp_path: Path) -> None:
    scn = load_scenario(write_scenario(tmp_path, _mixed(GOOD_PLOTS, BAD_PLOTS), GOOD_ADSB))
    assert dict(scn.rejects["plots"].counts) == _expected(BAD_PLOTS)
    assert scn.rejects["plots"].total == len(BAD_PLOTS)
    p = scn.plots
    assert len(p) == len(GOOD_PLOTS)
    np.testing.assert_allclose(p["time_s"], T0 + np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(p["sensor"], [0, 0, 1, 0])
    np.testing.assert_allclose(p["range_m"], [25000.5, 60000.0, 1200.0, 90000.0])
    np.testing.assert_allclose(p["azimuth_rad"], np.radians([45.0, 359.5, 10.0, 0.0]))
    np.testing.assert_allclose(p["elevation_rad"][2], np.radians(2.5))
    assert np.isnan(p["elevation_rad"][[0, 1, 3]]).all()  # empty cell: not reported
    assert p["altitude_m"][0] == 3000.0 and np.isnan(p["altitude_m"][1:]).all()
    np.testing.assert_array_equal(p["ident"], [NO_IDENT, 0x4CA1B2, NO_IDENT, NO_IDENT])
    assert "no rejects" not in scn.rejects["plots"].summary()


def test_adsb_rejects_counted_by_reason_and_good_rows_kept(tmp_path: Path) -> None:
    scn = load_scenario(write_scenario(tmp_path, GOOD_PLOTS, _mixed(GOOD_ADSB, BAD_ADSB)))
    assert dict(scn.rejects["adsb"].counts) == _expected(BAD_ADSB)
    assert scn.rejects["plots"].total == 0
    r = scn.reports
    assert len(r) == len(GOOD_ADSB)
    np.testing.assert_array_equal(r["ident"], [0x4CA1B2, 0x3C6444, 0x4CA1B2])
    np.testing.assert_array_equal(r["sensor"], [2, 2, 2])
    np.testing.assert_allclose(r["lat"], [48.9, 48.7, 48.91])
    np.testing.assert_allclose(r["track_rad"][[0, 2]], np.radians([90.0, 91.0]))
    assert np.isnan(r["speed_mps"][1]) and np.isnan(r["track_rad"][1]) and np.isnan(r["altitude_m"][1])
    assert np.isnan(r["vrate_mps"]).all()


@pytest.mark.parametrize("icao", ["-00001", "-abcde", "0x1234", "+abcde", "12_345", " abcde"])
def test_icao24_must_be_six_hex_digits(tmp_path: Path, icao: str) -> None:
    rows = [*GOOD_ADSB, f"{T0 + 3.0},A1,{icao},48.9,2.4,3000,200,90"]
    scn = load_scenario(write_scenario(tmp_path, GOOD_PLOTS, rows))
    assert scn.rejects["adsb"].counts["bad_icao24"] == 1
    assert len(scn.reports) == len(GOOD_ADSB)


def test_sensors_option_keeps_only_those_sensors(tmp_path: Path) -> None:
    scn = load_scenario(write_scenario(tmp_path, GOOD_PLOTS, GOOD_ADSB), sensors=["R1"])
    assert scn.active == [0]
    assert (scn.plots["sensor"] == 0).all() and len(scn.plots) == 3
    assert len(scn.reports) == 0
    assert scn.rejects["plots"].total == 0  # skipped by choice, not rejected
    with pytest.raises(ConfigError, match="XX"):
        load_scenario(tmp_path, sensors=["R1", "XX"])


def test_gzip_files_are_read(tmp_path: Path) -> None:
    plain = load_scenario(write_scenario(tmp_path / "a", _mixed(GOOD_PLOTS, BAD_PLOTS), GOOD_ADSB))
    gz = load_scenario(write_scenario(tmp_path / "b", _mixed(GOOD_PLOTS, BAD_PLOTS), GOOD_ADSB, gz=True))
    assert not (tmp_path / "b" / "plots.csv").exists()
    for a, b in ((gz.plots, plain.plots), (gz.reports, plain.reports)):
        assert len(a) == len(b) > 0
        for name in a.dtype.names:  # field by field: NaN cells compare equal
            np.testing.assert_array_equal(a[name], b[name])
    assert gz.rejects["plots"].counts == plain.rejects["plots"].counts


def test_missing_measurement_files_give_an_empty_scenario(tmp_path: Path) -> None:
    d = write_scenario(tmp_path, [], [])
    (d / "plots.csv").unlink()
    scn = load_scenario(d)
    assert len(scn.plots) == 0 and len(scn.reports) == 0
    assert scn.site_lla == (48.86, 2.29, 60.0)
    assert (scn.start_s, scn.end_s) == (T0, T0 + 60)


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        ("no_sensors", SourceError),
        ("garbled_sensors", SourceError),
        ("sensors_not_a_list", ConfigError),
        ("sensor_without_kind", ConfigError),
        ("meta_without_site", ConfigError),
        ("bad_header", SourceError),
        ("corrupt_gzip", SourceError),
        ("not_a_folder", SourceError),
    ],
)
def test_unreadable_scenarios_raise_typed_errors(tmp_path: Path, breakage: str, error: type) -> None:
    d = write_scenario(tmp_path / "scn", GOOD_PLOTS, GOOD_ADSB)
    if breakage == "no_sensors":
        (d / "sensors.json").unlink()
    elif breakage == "garbled_sensors":
        (d / "sensors.json").write_text('[{"id": "R1", "kind": "rad')
    elif breakage == "sensors_not_a_list":
        (d / "sensors.json").write_text('{"R1": "radar"}')
    elif breakage == "sensor_without_kind":
        (d / "sensors.json").write_text('[{"id": "R1"}]')
    elif breakage == "meta_without_site":
        (d / "meta.json").write_text(json.dumps({"start_s": T0, "end_s": T0 + 1}))
    elif breakage == "bad_header":
        (d / "plots.csv").write_text("t,sensor,range\n1,R1,100\n")
    elif breakage == "corrupt_gzip":
        (d / "adsb.csv").unlink()
        (d / "adsb.csv.gz").write_bytes(gzip.compress(b"time_s,sensor\n" * 50)[:-20])
    elif breakage == "not_a_folder":
        d = d / "plots.csv"
    with pytest.raises(error):
        load_scenario(d)


@pytest.mark.parametrize("breakage", ["no_sensors", "garbled_sensors", "sensors_not_a_list"])
def test_track_cli_reports_a_broken_scenario_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], breakage: str
) -> None:
    d = write_scenario(tmp_path / "scn", GOOD_PLOTS, GOOD_ADSB)
    if breakage == "no_sensors":
        (d / "sensors.json").unlink()
    elif breakage == "garbled_sensors":
        (d / "sensors.json").write_text("{not json")
    else:
        (d / "sensors.json").write_text("42")
    out = tmp_path / "tracks.csv"
    code = main(["track", str(d), "--out", str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("airpicture track:")
    assert "sensors.json" in lines[0]
    assert not out.exists()  # nothing half-written


def test_a_row_far_behind_is_rejected_alone(tmp_path: Path) -> None:
    rows = [*GOOD_PLOTS[:2], f"{T0 - 500.0},R1,1000.0,10.0,,,", *GOOD_PLOTS[2:]]
    scn = load_scenario(write_scenario(tmp_path, rows, GOOD_ADSB))
    assert dict(scn.rejects["plots"].counts) == {"time_out_of_order": 1}
    assert len(scn.plots) == len(GOOD_PLOTS)


def test_a_row_far_ahead_does_not_reject_the_rows_after_it(tmp_path: Path) -> None:
    rows = [*GOOD_PLOTS[:2], f"{T0 + 1e6},R1,1000.0,10.0,,,", *GOOD_PLOTS[2:]]
    scn = load_scenario(write_scenario(tmp_path, rows, GOOD_ADSB))
    assert scn.rejects["plots"].counts["time_out_of_order"] <= 1
    np.testing.assert_allclose(scn.plots["time_s"][:4], T0 + np.array([1.0, 2.0, 3.0, 4.0]))


def test_platforms_give_each_moving_sensor_its_navigation(tmp_path: Path) -> None:
    d = write_scenario(tmp_path, GOOD_PLOTS, GOOD_ADSB)
    (d / "platforms.csv").write_text(
        "time_s,sensor,lat,lon,alt_m\n"
        f"{T0 + 2},R1,48.82,2.36,9000\n"
        f"{T0 + 1},R1,48.81,2.35,9000\n"  # out of order: sorted
        f"{T0 + 3},R1,nan,2.37,9000\n"  # not finite: left out
        f"{T0 + 1},XX,48.0,2.0,100\n"  # unknown sensor: left out
        f"{T0 + 1},S3,48.86,2.29,500\n"
    )
    nav = load_scenario(d).platforms
    assert sorted(nav) == [0, 1]
    t, lla = nav[0]
    np.testing.assert_allclose(t, [T0 + 1, T0 + 2])
    np.testing.assert_allclose(lla, [[48.81, 2.35, 9000], [48.82, 2.36, 9000]])
    assert nav[1][1].shape == (1, 3)


def test_two_rows_far_ahead_do_not_reject_the_rows_after_them(tmp_path: Path) -> None:
    garbled = [f"{T0 + 1e6},R1,1000.0,10.0,,,", f"{T0 + 1e6 + 1},R1,1000.0,11.0,,,"]
    rows = [*GOOD_PLOTS[:2], *garbled, *GOOD_PLOTS[2:]]
    scn = load_scenario(write_scenario(tmp_path, rows, GOOD_ADSB))
    assert scn.rejects["plots"].counts["time_out_of_order"] == 2
    np.testing.assert_allclose(scn.plots["time_s"], T0 + np.array([1.0, 2.0, 3.0, 4.0]))


def test_a_real_gap_in_time_is_not_a_reject(tmp_path: Path) -> None:
    """Data that stops and resumes minutes later (a receiver restarted) is in order."""
    later = [f"{T0 + 300.0},R1,1000.0,10.0,,,", f"{T0 + 301.0},R1,1000.0,11.0,,,"]
    scn = load_scenario(write_scenario(tmp_path, [*GOOD_PLOTS, *later], GOOD_ADSB))
    assert scn.rejects["plots"].total == 0
    assert len(scn.plots) == len(GOOD_PLOTS) + 2


_CELLS = st.sampled_from(
    ["", "0", "-1", "1e9", "12.5", "359.9", "360.1", "nan", "NaN", "inf", "-inf", "abc", "4ca1b2", "R1",
     "S3", "A1", "XX", " 7", "1_0", "0x10", "1e", str(T0), str(T0 + 2), str(T0 - 1e6), "9" * 40]
)  # fmt: skip


def _column(*valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly a valid cell, sometimes anything."""
    return st.one_of(*(valid * 6), _CELLS)


_TIME = st.floats(T0, T0 + 20).map(str)
_PLOT_ROW = st.one_of(
    *[st.tuples(
        _column(_TIME), _column(st.sampled_from(["R1", "S3"])), _column(st.floats(1, 9e4).map(str)),
        _column(st.floats(0, 360).map(str)), _column(st.just(""), st.floats(-5, 60).map(str)),
        _column(st.just(""), st.floats(0, 12e3).map(str)), _column(st.sampled_from(["", "4ca1b2", "3C6444"])),
    ).map(list)] * 3,
    st.lists(_CELLS, min_size=5, max_size=9),
)  # fmt: skip
_ADSB_ROW = st.one_of(
    *[st.tuples(
        _column(_TIME), _column(st.just("A1")), _column(st.sampled_from(["4ca1b2", "3C6444"])),
        _column(st.floats(45, 52).map(str)), _column(st.floats(-1, 6).map(str)),
        _column(st.just(""), st.floats(0, 12e3).map(str)), _column(st.just(""), st.floats(0, 300).map(str)),
        _column(st.just(""), st.floats(0, 360).map(str)),
    ).map(list)] * 3,
    st.lists(_CELLS, min_size=6, max_size=10),
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PLOT_ROW, max_size=12), st.lists(_ADSB_ROW, max_size=12))
def test_garbage_rows_are_counted_never_raised(
    tmp_path: Path, plot_rows: list[list[str]], adsb_rows: list[list[str]]
) -> None:
    """Any mix of good and bad cells: the reader never raises for a row, every row it drops is
    counted under some reason, and what it keeps is finite, in range and in time order."""
    d = write_scenario(tmp_path / "fuzz", [",".join(r) for r in plot_rows], [",".join(r) for r in adsb_rows])
    scn = load_scenario(d)
    for key, rows, kept in (("plots", plot_rows, scn.plots), ("adsb", adsb_rows, scn.reports)):
        assert len(kept) <= len(rows)
        assert scn.rejects[key].total >= len(rows) - len(kept)
    p, r = scn.plots, scn.reports
    assert np.isfinite(p["time_s"]).all() and np.isfinite(p["range_m"]).all()
    assert ((p["range_m"] > 0) & (p["azimuth_rad"] >= 0) & (p["azimuth_rad"] <= 2 * np.pi)).all()
    assert np.isin(p["sensor"], [0, 1, 2]).all() and np.isin(r["sensor"], [0, 1, 2]).all()
    assert np.isfinite(r["lat"]).all() and np.isfinite(r["lon"]).all() and (r["ident"] >= 0).all()
    assert (np.diff(p["time_s"]) >= 0).all() and (np.diff(r["time_s"]) >= 0).all()


def test_adsb_rows_must_come_from_an_adsb_receiver(tmp_path: Path) -> None:
    rows = [*GOOD_ADSB, f"{T0 + 3.0},R1,4ca1b2,48.9,2.4,3000,200,90"]
    scn = load_scenario(write_scenario(tmp_path, GOOD_PLOTS, rows))
    assert scn.rejects["adsb"].total == 1
    assert (scn.reports["sensor"] == 2).all()
