"""Sensor sheets: validated at load, one default per field, one coverage rule."""

import json
from pathlib import Path

import numpy as np
import pytest

from airpicture.errors import ConfigError
from airpicture.sensors import (
    AdsbSheet,
    RadarSheet,
    RemoteIdSheet,
    covers,
    load_sheets,
    radar_horizon,
    sheet_dicts,
)

PARIS = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "data" / "paris" / "sensors.json"
RADAR = {"id": "R1", "kind": "radar", "lat": 48.8, "lon": 2.35, "alt_m": 100, "max_range_m": 100_000,
         "min_range_m": 500, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08}  # fmt: skip


def test_paris_sheets_load_and_round_trip() -> None:
    raw = json.loads(PARIS.read_text())
    sheets = load_sheets(raw)
    assert [type(s) for s in sheets] == [RadarSheet, RadarSheet, AdsbSheet]
    assert sheet_dicts(sheets) == raw
    tma, site, adsb = sheets
    assert isinstance(tma, RadarSheet) and isinstance(site, RadarSheet) and isinstance(adsb, AdsbSheet)
    assert tma.mode_c and not tma.three_d and site.three_d
    assert site.pd_max == 0.95 and site.p_detect == 0.6 and site.pd_of("drone") == 0.8
    assert tma.sees("aircraft") and not tma.sees("drone")
    assert tma.revisit_s == 4.0 and adsb.revisit_s == 1.0 and adsb.p_detect == pytest.approx(0.6)


def test_radar_defaults() -> None:
    (r,) = load_sheets([RADAR])
    assert isinstance(r, RadarSheet)
    assert r.scan_period_s == 4.0  # the one revisit default (see RadarSheet.scan_period_s)
    assert r.pd == {"aircraft": 0.9} and r.min_elevation_deg == -0.5 and r.sigma_alt_m == 10.0
    assert r.clutter_per_scan == 0.0 and r.clutter_max_elevation_deg == 10.0 and not r.moving


def test_cooperative_defaults() -> None:
    a, rid = load_sheets(
        [
            {"id": "A", "kind": "adsb", "lat": 1, "lon": 2},
            {"id": "RID", "kind": "remoteid", "lat": 1, "lon": 2},
        ]
    )
    assert isinstance(a, AdsbSheet) and isinstance(rid, RemoteIdSheet)
    assert a.update_period_s == 1.0 and a.p_loss == 0.0 and a.sigma_position_m == 10.0
    assert a.max_range_m is None and a.sigma_velocity_mps == pytest.approx(10 / 1.96)


def test_radar_without_sigma_range_names_sensor_and_field() -> None:
    raw = json.loads(PARIS.read_text())
    del raw[1]["sigma_range_m"]
    with pytest.raises(ConfigError, match=r"sensor 'SITE1' \(#1\): sigma_range_m: Field required"):
        load_sheets(raw)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "sonar"}, "kind"),
        ({"p_identity": 1.5}, "p_identity"),
        ({"pd": {"ufo": 0.5}}, "pd.ufo"),
        ({"sigma_rnage_m": 4}, "sigma_rnage_m"),
        ({"scan_period_s": 0}, "scan_period_s"),
        ({"lat": 91}, "lat"),
    ],
)
def test_bad_radar_fields(change: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"sensor 'R1' \(#0\): {field}:"):
        load_sheets([RADAR | change])


@pytest.mark.parametrize(
    ("change", "field"),
    [  # issue 13, defect 9: each crashed with a traceback or was accepted silently
        ({"lat": "abc"}, "lat"),
        ({"lat": 999}, "lat"),
        ({"max_range_m": 1e308}, "max_range_m"),
        ({"max_range_m": float("inf")}, "max_range_m"),
        ({"pd": {"aircraft": "high"}}, "pd.aircraft"),
        ({"pd": {"aircraft": 7}}, "pd.aircraft"),
        ({"pd": "high"}, "pd"),
        ({"scan_period_s": 0}, "scan_period_s"),
        ({"sigma_range_m": -5}, "sigma_range_m"),
        ({"sigma_azimuth_deg": -0.1}, "sigma_azimuth_deg"),
    ],
)
def test_every_bad_value_is_refused_in_one_line(change: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"sensor 'R1' \(#0\): {field}:") as err:
        load_sheets([RADAR | change])
    assert "\n" not in str(err.value)
    missing = {k: v for k, v in RADAR.items() if k != "lat"}
    with pytest.raises(ConfigError, match=r"sensor 'R1' \(#0\): lat: Field required"):
        load_sheets([missing])


def test_sheet_without_id_and_duplicate_ids() -> None:
    with pytest.raises(ConfigError, match=r"sensor #0: id: Field required"):
        load_sheets([{k: v for k, v in RADAR.items() if k != "id"}])
    with pytest.raises(ConfigError, match=r"'R1' \(#1\): id: given twice"):
        load_sheets([RADAR, RADAR])
    with pytest.raises(ConfigError, match="list"):
        load_sheets(RADAR)  # type: ignore[arg-type]


def test_models_pass_through() -> None:
    sheets = load_sheets([RADAR])
    assert load_sheets(sheets)[0] is sheets[0]


def test_covers_ranges_elevation_and_kind() -> None:
    (r,) = load_sheets([RADAR | {"min_elevation_deg": 1.0, "pd": {"aircraft": 0.9}}])
    assert isinstance(r, RadarSheet)
    o, M = np.zeros(3), np.eye(3)
    x = np.array([[0, 50_000, 5000], [0, 200, 10], [0, 150_000, 20_000], [0, 50_000, 100], [3e4, 4e4, 2e3]])
    assert covers(r, o, M, x).tolist() == [True, False, False, False, True]  # 100 m at 50 km: < 1 deg
    assert not covers(r, o, M, x, "drone").any()
    # per-position antenna and rotation (a moving sensor's navigation)
    assert covers(r, np.zeros((5, 3)), np.broadcast_to(M, (5, 3, 3)), x, "aircraft").tolist() == [
        True, False, False, False, True,
    ]  # fmt: skip


def test_covers_moving_radar_uses_the_horizon() -> None:
    (r,) = load_sheets([RADAR | {"moving": True, "alt_m": 9000, "max_range_m": 400_000}])
    assert isinstance(r, RadarSheet)
    x = np.array([[0, 300_000, -8900.0], [0, 450_000, -8000.0]])  # below the antenna: no elevation limit
    alt = np.array([100.0, 100.0])
    assert radar_horizon(100.0, 9000.0) > 300_000
    assert covers(r, np.zeros(3), np.eye(3), x, alt_m=alt, sensor_alt_m=9000.0).tolist() == [True, False]
    with pytest.raises(ValueError, match="horizon"):
        covers(r, np.zeros(3), np.eye(3), x)


def test_orbit_makes_a_moving_radar_and_is_checked() -> None:
    (r,) = load_sheets([RADAR | {"orbit": {"radius_m": 25_000, "speed_mps": 180}}])
    assert isinstance(r, RadarSheet) and r.moving and r.orbit is not None and r.orbit.phase_rad == 0.0
    with pytest.raises(ConfigError, match=r"'R1' \(#0\): orbit.speed_mps: Input should be greater than 0"):
        load_sheets([RADAR | {"orbit": {"radius_m": 25_000, "speed_mps": 0}}])
    with pytest.raises(ConfigError, match=r"'A' \(#0\): orbit: Extra inputs"):  # only radars fly one
        load_sheets(
            [{"id": "A", "kind": "adsb", "lat": 1, "lon": 2, "orbit": {"radius_m": 1, "speed_mps": 1}}]
        )
