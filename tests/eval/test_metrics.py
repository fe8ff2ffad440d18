"""Tracking figures on tiny hand-built scenarios whose numbers can be worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from evalkit import line, write_scenario, write_tracks

from airpicture.errors import ConfigError
from airpicture.eval import EvalConfig, load_reference, read_tracks, score_tracks
from airpicture.eval.metrics import observable_targets, picture_times

#: pictures at t' = 10, 20, ..., 190 (19; the first is one step after the start, as score.py)
CFG = EvalConfig(step_s=10, warmup_s=0)


def _score(scen: Path, tracks: Path, cfg: EvalConfig = CFG):
    ref = load_reference(scen)
    return score_tracks(ref, read_tracks(tracks, ref.origin), cfg)


def test_basic_figures(basic: tuple[Path, Path]) -> None:
    s = _score(*basic)
    assert s.pictures == 19
    # each picture: A paired at 30 m, B missed, f false; C is out of the radar's range (not counted)
    assert s.gospa_m == pytest.approx(math.sqrt(30**2 + 1000**2 / 2 * 2), abs=1e-3)
    assert s.rms_m == pytest.approx(30.0, abs=1e-3)
    assert s.alt_rms_m == pytest.approx(50.0, abs=1e-6)  # only a1's rows carry an altitude
    assert (s.missed, s.false, s.coverage) == (1.0, 1.0, 0.5)
    assert s.series.targets.tolist() == [2] * 19 and s.series.tracks.tolist() == [2] * 19
    # one change of track (a1 -> a2) over 19 paired pictures of 10 s
    assert s.switch_count == 1
    assert s.id_switches == pytest.approx(1 / (19 * 10 / 3600))
    # f: in 19 pictures, paired in none; a1/a2 always paired
    assert s.false_track_names == ["f"]
    assert s.false_tracks == pytest.approx(1 / (200 / 3600))
    # classes: a1 says aircraft (right, t' 10-90), a2 says bird (wrong, 100-190), f says nothing
    assert s.class_acc == pytest.approx(9 / 19)
    assert set(s.by_kind) == {"aircraft"}
    assert s.by_kind["aircraft"].possible == 38 and s.by_kind["aircraft"].pairs == 19


def test_no_tracks_at_all(tmp_path: Path, basic: tuple[Path, Path]) -> None:
    empty = write_tracks(tmp_path / "empty.csv", [])
    s = _score(basic[0], empty)
    assert s.gospa_m == pytest.approx(1000 / math.sqrt(2) * math.sqrt(2))  # two misses per picture
    assert (s.rms_m, s.coverage, s.missed, s.false, s.id_switches, s.class_acc) == (
        None,
        0.0,
        2.0,
        0.0,
        None,
        None,
    )


def test_false_track_rule(tmp_path: Path) -> None:
    """False = seen in >= 3 pictures and paired in fewer than half of them."""
    targets = {
        "A": ("aircraft", line(0, 3000, 0, 0, 800), (0, 200)),
        "B": ("aircraft", line(0, -3000, 0, 0, 800), (0, 200)),
    }
    scen = write_scenario(tmp_path / "s", targets)
    rows = []
    for tp in range(10, 200, 10):
        k = tp // 10 - 1  # picture index
        rows.append((tp, "half", 0.0 if k < 10 else 9000.0, 3000.0, "", ""))  # on A in 10 of 19: kept
        rows.append((tp, "less", 0.0 if k < 9 else 9000.0, -3000.0, "", ""))  # on B in 9 of 19: false
        if k < 2:
            rows.append((tp, "brief", 20_000.0, 0.0, "", ""))  # 2 pictures, never paired: too short
        if k < 3:
            rows.append((tp, "three", 20_000.0, 5000.0, "", ""))  # 3 pictures, never paired: false
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows))
    assert s.false_track_names == ["less", "three"]
    assert s.false_tracks == pytest.approx(2 / (200 / 3600))


def test_warmup_pairings_count_for_false_tracks(tmp_path: Path) -> None:
    """Warm-up pictures (t' 10-40 with a 50 s warm-up) are not scored, but a track's pairings in them
    count when it is judged false, and a track seen only in the warm-up is never false."""
    scen = write_scenario(tmp_path / "s", {"A": ("aircraft", line(0, 3000, 0, 0, 800), (0, 200))})
    rows = []
    for tp in range(10, 200, 10):
        rows.append((tp, "warm", 0.0 if tp <= 100 else 9000.0, 3000.0, "", ""))  # paired in 10 of 19
        if tp < 50:
            rows.append((tp, "early", 20_000.0, 0.0, "", ""))  # 4 warm-up pictures, never paired
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows), EvalConfig(step_s=10, warmup_s=50))
    assert s.pictures == 15  # t' = 50, ..., 190
    assert s.false_track_names == []  # warm: 6 of its 15 scored pictures alone would make it false
    assert s.coverage == pytest.approx(6 / 15)


def test_id_switches_count_each_change_of_paired_track(tmp_path: Path) -> None:
    scen = write_scenario(tmp_path / "s", {"A": ("aircraft", line(0, 3000, 10, 0, 800), (0, 200))})
    ids = ["x"] * 5 + ["y"] * 5 + ["x"] * 5 + ["z"] * 5  # x->y, y->x, x->z
    rows = [(tp, ids[tp // 10], 10.0 * tp, 3000.0, "", "") for tp in range(0, 200, 10)]
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows))
    assert s.switch_count == 3
    assert s.id_switches == pytest.approx(3 / (19 * 10 / 3600))
    # a missed picture in between does not reset the target's last track (score.py: pairs in order)
    rows = [r for r in rows if r[0] not in (40, 50)]
    assert _score(scen, write_tracks(tmp_path / "t2.csv", rows)).switch_count == 3


def test_picture_is_newest_row_per_track_in_window(tmp_path: Path) -> None:
    scen = write_scenario(tmp_path / "s", {"A": ("aircraft", line(0, 3000, 0, 0, 800), (0, 200))})
    rows = []
    for tp in range(0, 200, 10):
        rows.append((tp - 5.0, "a", 500.0, 3000.0, "", ""))  # older row, 500 m off
        rows.append((tp - 1.0, "a", 40.0, 3000.0, "", ""))  # newest: 40 m off
        rows.append((tp + 1.0, "a", 900.0, 3000.0, "", ""))  # after the picture time: not yet published
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows))
    assert s.rms_m == pytest.approx(40.0, abs=1e-3)
    # rows older than the window leave the picture: a track that stops publishing is missed
    s = _score(scen, write_tracks(tmp_path / "t2.csv", [(10.0, "a", 0.0, 3000.0, "", "")]))
    assert s.coverage == pytest.approx(1 / 19)


def test_estimate_compared_with_truth_at_its_own_time(tmp_path: Path) -> None:
    # target flies east at 100 m/s; a row written 4 s before the picture, exactly on the truth of
    # that time, has zero error (not the 400 m to where the target is at the picture time)
    scen = write_scenario(tmp_path / "s", {"A": ("aircraft", line(0, 3000, 100, 0, 800), (0, 200))})
    rows = [(tp - 4.0, "a", 100.0 * (tp - 4.0), 3000.0, "", "") for tp in range(10, 200, 10)]
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows))
    assert s.rms_m == pytest.approx(0.0, abs=1e-3)


def test_coverage_counts_only_observable_present_targets(tmp_path: Path) -> None:
    radar = {
        "id": "R1",
        "kind": "radar",
        "lat": 48.86,
        "lon": 2.29,
        "alt_m": 60.0,
        "max_range_m": 10_000,
        "sigma_range_m": 40,
        "sigma_azimuth_deg": 0.1,
        "min_range_m": 500,
        "pd": {"aircraft": 0.9},
    }
    targets = {
        "near": ("aircraft", line(3000, 0, 0, 0, 1000), (0, 200)),
        "far": ("aircraft", line(30_000, 0, 0, 0, 1000), (0, 200)),  # beyond max range
        "close": ("aircraft", line(100, 0, 0, 0, 200), (0, 200)),  # inside min range
        "drone": ("drone", line(2000, 0, 0, 0, 100), (0, 200)),  # radar has no pd for drones
        "late": ("aircraft", line(-3000, 0, 0, 0, 1000), (100, 200)),  # appears at t'=100
        "gap": ("aircraft", line(0, -3000, 0, 0, 1000), (0, 200)),
    }
    scen = write_scenario(tmp_path / "s", targets, sensors=[radar])
    truth = (scen / "truth.csv").read_text().splitlines()
    # a recording gap in 'gap' from t'=41 to 69: at pictures 50 and 60 it is not known to be there
    keep = [r for r in truth if not (",gap," in r and 41 <= float(r.split(",")[0]) - 1_700_000_000 <= 69)]
    (scen / "truth.csv").write_text("\n".join(keep) + "\n")
    ref = load_reference(scen)
    taus, _ = picture_times(ref, CFG)
    _, k = observable_targets(ref, CFG, taus)
    names = ref.truth.names[k]
    counts = {n: int(np.sum(names == n)) for n in ("near", "far", "close", "drone", "late", "gap")}
    assert counts == {"near": 19, "far": 0, "close": 0, "drone": 0, "late": 10, "gap": 17}
    s = _score(
        scen, write_tracks(tmp_path / "t.csv", [(tp, "n", 3000.0, 0.0, "", "") for tp in range(0, 200, 10)])
    )
    assert s.coverage == pytest.approx(19 / (19 + 10 + 17))
    # --sensors and --kinds narrow what counts
    only_drones = EvalConfig(step_s=10, warmup_s=0, kinds=("drone",))
    assert len(observable_targets(ref, only_drones, taus)[0]) == 0


def test_minutes_and_warmup_shorten_the_scored_span(basic: tuple[Path, Path]) -> None:
    s = _score(*basic, EvalConfig(step_s=10, warmup_s=50, minutes=2))
    assert s.pictures == 7  # t' = 50, 60, ..., 110
    assert s.hours == pytest.approx(70 / 3600)
    assert s.switch_count == 1


def test_minutes_zero_means_all_and_a_too_long_warmup_is_an_error(basic: tuple[Path, Path]) -> None:
    assert _score(*basic, EvalConfig(step_s=10, warmup_s=0, minutes=0)).pictures == 19
    with pytest.raises(ConfigError, match="nothing to score"):
        _score(*basic, EvalConfig(step_s=10, warmup_s=200))


def test_class_accuracy_by_kind(tmp_path: Path) -> None:
    targets = {
        "A": ("aircraft", line(0, 3000, 0, 0, 800), (0, 200)),
        "D": ("drone", line(-2000, 0, 0, 0, 100), (0, 200)),
    }
    scen = write_scenario(tmp_path / "s", targets)
    rows = []
    for tp in range(0, 200, 10):
        rows.append((tp, "a", 0.0, 3000.0, "", "aircraft"))
        rows.append((tp, "d", -2000.0, 0.0, "", "drone" if tp < 150 else "unknown"))
    s = _score(scen, write_tracks(tmp_path / "t.csv", rows))
    assert s.by_kind["aircraft"].class_acc == 1.0
    assert s.by_kind["drone"].class_acc == pytest.approx(14 / 19)  # drone at t' 10-140
    assert s.class_acc == pytest.approx(33 / 38)


def test_read_tracks_blank_cells_and_order(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "time_s,track,lat,lon,alt_m,class\n"
        "20,b,48.9,2.3, ,\n"  # a blank altitude (spaces) and no class
        ",x,48.9,2.3,100,drone\n"  # no time: in no picture
        "10,a,48.9,2.3, 250.5 ,bird\n"
        "10,c,48.9,2.3,nan,\n"
    )
    tr = read_tracks(path, (48.86, 2.29, 60.0))
    assert tr.t.tolist() == [10.0, 10.0, 20.0]  # time-ordered, stable for equal times
    assert tr.names[tr.code].tolist() == ["a", "c", "b"]
    np.testing.assert_array_equal(tr.alt, [250.5, np.nan, np.nan])
    assert tr.cls.tolist() == ["bird", "", ""]
