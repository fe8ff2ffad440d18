"""The bundled, gzip-compressed Paris scenario: read like the plain one, and a perfect tracker
(the truth itself, one track per target) scores zero error, full coverage and no switches."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

import airpicture
from airpicture.eval import EvalConfig, load_reference, read_tracks, score_tracks

BUNDLE = Path(airpicture.__file__).parent / "data" / "paris"
SHARED_PARIS = Path(__file__).resolve().parents[3] / "shared" / "scenarios" / "paris"
pytestmark = pytest.mark.skipif(not (BUNDLE / "truth.csv.gz").exists(), reason="no bundled Paris scenario")


def test_bundle_reads_like_the_shared_scenario() -> None:
    if not SHARED_PARIS.exists():
        pytest.skip("needs ../shared")
    a, b = load_reference(BUNDLE), load_reference(SHARED_PARIS)
    assert a.truth.names.tolist() == b.truth.names.tolist()
    np.testing.assert_array_equal(a.truth.t, b.truth.t)
    np.testing.assert_array_equal(a.truth.e, b.truth.e)
    assert a.config == b.config and a.sensors == b.sensors and a.platforms.keys() == b.platforms.keys()


def test_perfect_tracker_on_real_paris(tmp_path: Path) -> None:
    with gzip.open(BUNDLE / "truth.csv.gz", "rt") as f:
        truth = list(csv.DictReader(f))
    tracks = tmp_path / "tracks.csv"
    with open(tracks, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "track", "lat", "lon", "alt_m", "class"])
        w.writerows(
            (r["time_s"], f"t-{r['target']}", r["lat"], r["lon"], r["alt_m"], r["kind"]) for r in truth
        )
    ref = load_reference(BUNDLE)
    s = score_tracks(ref, read_tracks(tracks, ref.origin), EvalConfig())
    assert s.pictures == 435
    assert s.rms_m is not None and s.rms_m < 1e-6 and s.alt_rms_m == 0.0
    assert (s.coverage, s.missed, s.switch_count, s.class_acc) == (1.0, 0.0, 0, 1.0)
    assert set(s.by_kind) == {"aircraft", "drone", "bird"}
    # what is left as 'false' are targets no sensor could see (silent aircraft beyond the radars, ...)
    assert 0 < s.false < 10
