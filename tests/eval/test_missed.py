"""Why target-pictures were missed (eval/missed.py), on a scene built so that each class occurs a
known number of times, and through `airpicture eval`."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit import line, write_scenario, write_tracks

from airpicture.cli.main import main
from airpicture.eval import EvalConfig, load_reference, read_tracks, score_tracks
from airpicture.eval.missed import missed_why

#: pictures at t' = 10, 20, ..., 190, each the newest row of a track in the last 6 s
CFG = EvalConfig(step_s=10, warmup_s=0)


def _scene(tmp: Path) -> tuple[Path, Path]:
    """Aircraft A flies east 3 km north of the site; its track starts at t' 30 (2 pictures before
    it), has no rows at t' 80-90 (2 pictures out of the picture) and is 2 km off at 120-130 (2
    beyond the cut-off). Aircraft C and D fly side by side 400 m apart; from t' 150 on D's track is
    gone and C's sits between them, nearer D: it is paired with D, and C is missed with its own
    track in reach (taken, 5 pictures)."""
    targets = {
        "A": ("aircraft", line(0, 3000, 10, 0, 800), (0, 200)),
        "C": ("aircraft", line(0, -3000, 10, 0, 900), (0, 200)),
        "D": ("aircraft", line(0, -3400, 10, 0, 900), (0, 200)),
    }
    scen = write_scenario(tmp / "s", targets)
    rows: list[tuple[object, ...]] = []
    for tp in range(0, 200, 10):
        if tp >= 30 and tp not in (80, 90):
            rows.append((tp, "a", 10.0 * tp, 3000.0 + (2000.0 if tp in (120, 130) else 0.0), "", ""))
        rows.append((tp, "c", 10.0 * tp, -3000.0 if tp < 150 else -3250.0, "", ""))
        if tp < 150:
            rows.append((tp, "d", 10.0 * tp, -3400.0, "", ""))
    return scen, write_tracks(tmp / "t.csv", rows)


def test_each_missed_target_picture_is_put_in_its_class(tmp_path: Path) -> None:
    scen, tracks = _scene(tmp_path)
    ref = load_reference(scen)
    rows = read_tracks(tracks, ref.origin)
    scores = score_tracks(ref, rows, CFG)
    why = missed_why(ref, rows, scores, CFG)
    assert why.counts == {"before_first": 2, "no_track": 2, "track_off": 2, "taken": 5}
    assert why.missed == int((~scores.target_picture_paired).sum())
    assert why.by_kind == {"aircraft": why.counts}


def test_eval_prints_and_writes_why(tmp_path: Path, capsys) -> None:
    scen, tracks = _scene(tmp_path)
    assert main(["eval", str(scen), str(tracks), "--step", "10", "--warmup", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missed_why"]["taken"] == 5 and out["missed_why"]["before_first"] == 2
    assert main(["eval", str(scen), str(tracks), "--step", "10", "--warmup", "0"]) == 0
    text = capsys.readouterr().out
    assert "missed target-pictures: 11: 2 before the target's first track" in text


def test_with_no_track_at_all_every_miss_is_before_the_first(tmp_path: Path) -> None:
    scen, _ = _scene(tmp_path)
    ref = load_reference(scen)
    rows = read_tracks(write_tracks(tmp_path / "empty.csv", []), ref.origin)
    scores = score_tracks(ref, rows, CFG)
    why = missed_why(ref, rows, scores, CFG)
    assert why.counts == {"before_first": 3 * 19, "no_track": 0, "track_off": 0, "taken": 0}
