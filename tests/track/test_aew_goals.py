"""Issue 16's goals for an airborne early-warning radar, on a small scenario generated here
(`airpicture sim --aew`: 40 aircraft, 5 minutes, the AEW radar's plots alone, 10 s revisit at
9 km on a 25 km orbit): the figures `airpicture eval --crlb` prints, against the goals that can be
judged on 5 minutes (coverage is left out: its first minute is mostly aircraft not yet seen twice)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import airpicture.cli.main as cli
from airpicture.eval import load_reference
from airpicture.eval.crlb import compare, target_bounds
from airpicture.eval.metrics import EvalConfig, read_tracks, score_tracks
from airpicture.eval.truth import silent_aircraft


@pytest.fixture(scope="module")
def aew(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("aew")
    scn, tracks = out / "scn", out / "tracks.csv"
    sim = ["sim", str(scn), "--aew", "--targets", "40", "--drones", "0", "--birds", "0", "--ghosts", "0"]
    assert cli.main([*sim, "--duration", "300", "--seed", "5", "--no-progress"]) == 0
    assert cli.main(["track", str(scn), "--sensors", "AEW1", "--out", str(tracks), "--no-progress"]) == 0
    return scn, tracks


def test_aew_alone_meets_the_goals_judged_on_five_minutes(aew: tuple[Path, Path]) -> None:
    scn, tracks = aew
    ref = load_reference(scn)
    rows = read_tracks(tracks, ref.origin)
    cfg = EvalConfig(kinds=("aircraft",), sensors=("AEW1",))
    s = score_tracks(ref, rows, cfg)
    assert s.rms_m is not None and s.alt_rms_m is not None and s.coverage is not None
    sel = rows.select(rows.integrity != "spoofed")
    table = compare(ref, sel, s, target_bounds(ref, sensors=("AEW1",)))
    aircraft = next(r for r in table.by_kind if r.label == "aircraft")
    assert aircraft.pairs > 1000
    assert aircraft.ratio <= 1.3  # horizontal RMS within 1.3x the posterior Cramer-Rao bound
    assert s.alt_rms_m <= 30.0  # over the rows that publish a height (a reply's noise is 10 m here)
    assert s.false_tracks <= 1.0
    assert s.id_switches is not None and s.id_switches <= 0.5
    assert s.coverage > 0.9
    # no height published for an aircraft without a transponder (a 2-D radar cannot measure one)
    silent = silent_aircraft(ref.truth, ref.config)
    paired_silent = silent[s.pair_targets]
    assert paired_silent.any()  # the scenario has some, and they are tracked
    assert np.isnan(sel.alt[s.pair_rows[paired_silent]]).all()
