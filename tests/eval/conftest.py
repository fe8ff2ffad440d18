"""Fixtures of the eval tests (helpers live in evalkit.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from evalkit import Targets, line, write_ghosts, write_scenario, write_tracks


@pytest.fixture
def basic(tmp_path: Path) -> tuple[Path, Path]:
    """Target A tracked with a 30 m east offset (ids a1 then a2 from t'=100), B never tracked, C out of
    radar range, track f far from everything. 20 pictures (warm-up 0, step 10)."""
    targets: Targets = {
        "A": ("aircraft", line(1000, 2000, 50, 0, 1000), (0, 200)),
        "B": ("aircraft", line(-3000, -1000, 0, -20, 1500), (0, 200)),
        "C": ("aircraft", line(200_000, 0, 0, 0, 5000), (0, 200)),
    }
    scen = write_scenario(tmp_path / "scen", targets)
    rows = []
    for tp in range(0, 200, 10):
        e, n, alt = targets["A"][1](np.array([float(tp)]))
        if tp < 100:
            rows.append((tp, "a1", e[0] + 30, n[0], alt[0] + 50, "aircraft"))
        else:
            rows.append((tp, "a2", e[0] + 30, n[0], "", "bird"))
        rows.append((tp, "f", 10_000.0, 10_000.0, "", ""))
    return scen, write_tracks(tmp_path / "tracks.csv", rows)


@pytest.fixture
def flagged(tmp_path: Path) -> tuple[Path, Path]:
    """Aircraft A (ICAO abc123) tracked by 'a', flagged suspect once at t'=70 (wrongly). Ghost
    F00000 first reported at t'=20, its track 'g' is ok, suspect from t'=50, spoofed from t'=60 on.
    Ghost f00001 first reported at t'=40, flagged spoofed at t'=160 (identity in upper case in the
    row). Ghost f00002 reported, never flagged. Ghost f00003 never reported, never tracked."""
    scen = write_scenario(tmp_path / "s", {"A": ("aircraft", line(0, 3000, 0, 0, 800), (0, 200))})
    reports = [(t, "f00000") for t in range(20, 200, 2)]
    reports += [(t, a) for t in range(40, 200, 2) for a in ("F00001", "f00002")]
    write_ghosts(scen, ["F00000", "f00001", "f00002", "f00003"], sorted(reports))
    rows: list[tuple[object, ...]] = []
    for tp in range(10, 200, 10):
        rows.append((tp, "a", 0.0, 3000.0, "", "aircraft", "ABC123", "suspect" if tp == 70 else "ok"))
        if tp >= 20:
            mark = "ok" if tp < 50 else "suspect" if tp < 60 else "spoofed"
            rows.append((tp, "g", 20_000.0, 0.0, "", "", "f00000", mark))
        if tp >= 40:
            rows.append((tp, "h", -20_000.0, 0.0, "", "", "F00001", "spoofed" if tp >= 160 else ""))
            rows.append((tp, "k", 0.0, -20_000.0, "", "", "f00002", "ok"))
    return scen, write_tracks(tmp_path / "t.csv", rows, ("identity", "integrity"))
