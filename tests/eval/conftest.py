"""Fixtures of the eval tests (helpers live in evalkit.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from evalkit import Targets, line, write_scenario, write_tracks


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
