"""The integrity figures on a hand-made case (the `flagged` fixture): a ghost flagged 30 s after its
first report, one flagged late, one never flagged, a real aircraft wrongly flagged; spoofed rows
leave the picture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from evalkit import START

import airpicture.cli.main as cli
from airpicture.eval import EvalConfig, load_reference, read_tracks, score_integrity, score_tracks

CFG = EvalConfig(step_s=10, warmup_s=0)  # pictures at t' = 10, ..., 190


def test_integrity_figures(flagged: tuple[Path, Path]) -> None:
    ref = load_reference(flagged[0])
    assert ref.ghosts is not None and sorted(ref.ghosts) == ["f00000", "f00001", "f00002", "f00003"]
    first = [ref.ghosts[g] - START for g in ("f00000", "f00001", "f00002", "f00003")]
    np.testing.assert_array_equal(first, [20.0, 40.0, 40.0, np.nan])  # f00003: never reported
    s = score_tracks(ref, read_tracks(flagged[1], ref.origin), CFG)
    g = s.integrity
    assert g is not None
    assert g.s_to_flag == {"f00000": 30.0, "f00001": 120.0}
    assert (g.ghosts, g.flagged, g.median_s_to_flag, g.real_flagged) == (4, 2, 75.0, 1)
    assert g.not_flagged == ["f00002", "f00003"] and g.real_flagged_ids == ["abc123"]
    assert s.as_dict()["integrity"] == {
        "ghosts": 4,
        "flagged": 2,
        "median_s_to_flag": 75.0,
        "real_flagged": 1,
    }


def test_spoofed_rows_are_not_in_the_picture(flagged: tuple[Path, Path]) -> None:
    """'g' is in the picture (false) until it is marked spoofed at t'=60; 'h' until t'=160."""
    ref = load_reference(flagged[0])
    s = score_tracks(ref, read_tracks(flagged[1], ref.origin), CFG)
    # t' 10: a; 20-30: a g; 40-50: a g h k; 60-150: a h k; 160-190: a k
    assert s.series.tracks.tolist() == [1, 2, 2, 4, 4] + [3] * 10 + [2] * 4
    assert s.false == pytest.approx((0 + 1 + 1 + 3 + 3 + 2 * 10 + 1 * 4) / 19)
    assert s.coverage == 1.0


def test_no_ghosts_file_no_integrity_figures(basic: tuple[Path, Path]) -> None:
    ref = load_reference(basic[0])
    assert ref.ghosts is None
    s = score_tracks(ref, read_tracks(basic[1], ref.origin), CFG)
    assert s.integrity is None and "integrity" not in s.as_dict()


def test_no_flagged_ghost_has_no_median() -> None:
    rows = np.array(["ok", ""]), np.array(["f00000", "abc"])
    g = score_integrity({"f00000": 5.0}, np.array([10.0, 11.0]), rows[1], rows[0])
    assert g.as_dict() == {"ghosts": 1, "flagged": 0, "median_s_to_flag": None, "real_flagged": 0}


def test_cli_prints_the_integrity_figures(
    flagged: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "COMMANDS", tuple(c for c in cli.COMMANDS if c[0] == "eval"))
    args = ["eval", str(flagged[0]), str(flagged[1]), "--step", "10", "--warmup", "0"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "integrity: 2 of 4 spoofed ghosts flagged, median 75.0 s from first report to flag" in out
    assert "1 real identities flagged" in out and "flagged but real: abc123" in out
    assert "not flagged: ghost f00002" in out
    assert cli.main([*args, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["integrity"] == {"ghosts": 4, "flagged": 2, "median_s_to_flag": 75.0, "real_flagged": 1}
