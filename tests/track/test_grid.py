"""gate.near_pairs, the compiled pre-gate: the same pairs, in the same order, as comparing all."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.track.gate import CELL_M, near_pairs


def _brute(pa: np.ndarray, ra: np.ndarray, pb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with hypot(pa[i] - pb[j]) <= ra[i], i then j ascending (np.hypot, as the grid)."""
    d = np.hypot(pa[:, None, 0] - pb[None, :, 0], pa[:, None, 1] - pb[None, :, 1])
    i, j = np.nonzero(d <= ra[:, None])  # row-major: ordered by i, then j
    return i.astype(np.int64), j.astype(np.int64)


def _check(pa: np.ndarray, ra: np.ndarray, pb: np.ndarray) -> int:
    i, j = near_pairs(pa, ra, pb)
    bi, bj = _brute(pa, ra, pb)
    np.testing.assert_array_equal(i, bi)
    np.testing.assert_array_equal(j, bj)
    # ordered by i then j, so strictly increasing as pairs: no duplicates
    key = i * max(len(pb), 1) + j
    assert (np.diff(key) > 0).all()
    return len(i)


def _on_cell_lines(rng: np.random.Generator, n: int) -> np.ndarray:
    """Points with one or both coordinates exactly on a cell boundary, negative ones included."""
    p = rng.uniform(-300_000.0, 300_000.0, (n, 2))
    on = rng.integers(-75, 76, (n, 2)) * CELL_M
    which = rng.integers(0, 3, n)  # 0: x on a line, 1: y, 2: both
    p[which != 1, 0] = on[which != 1, 0]
    p[which != 0, 1] = on[which != 0, 1]
    return p


@pytest.mark.parametrize("seed", range(20))
def test_near_pairs_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nb = int(rng.integers(100, 1500))
    # clustered and spread points, so that some cells hold many and radii reach many cells
    pb = np.concatenate(
        [
            rng.uniform(-300_000.0, 300_000.0, (nb, 2)),
            rng.normal(0.0, 5000.0, (nb // 3, 2)) + rng.uniform(-200_000.0, 200_000.0, 2),
            _on_cell_lines(rng, nb // 4 + 1),
        ]
    )
    na = int(rng.integers(50, 600))
    pa = np.concatenate(
        [
            rng.uniform(-300_000.0, 300_000.0, (na, 2)),
            _on_cell_lines(rng, na // 4 + 1),
            pb[rng.integers(0, len(pb), na // 4 + 1)] + rng.normal(0.0, 3000.0, (na // 4 + 1, 2)),
        ]
    )
    ra = np.exp(rng.uniform(np.log(10.0), np.log(20_000.0), len(pa)))
    assert _check(pa, ra, pb) > 0


def test_near_pairs_on_cell_boundaries_and_at_exactly_the_radius() -> None:
    # A on grid corners and edges (negative too), B exactly radius away along the axes, radii
    # that reach exactly to a cell line, and B points at cell corners
    ax = np.array([-8000.0, -4000.0, 0.0, 4000.0, 12_000.0, -300_000.0, 296_000.0])
    pa = np.array([[x, y] for x in ax for y in ax])
    ra = np.tile([4000.0, 8000.0, 2000.0, 3999.999, 4000.001, 10.0, 12_000.0], len(ax))
    corners = np.array([[x, y] for x in ax for y in ax])
    offsets = np.array([[r, 0.0] for r in (4000.0, -4000.0, 8000.0, -2000.0)])
    offsets = np.concatenate([offsets, offsets[:, ::-1]])
    pb = np.concatenate([corners, (corners[:, None, :] + offsets[None]).reshape(-1, 2)])
    assert _check(pa, ra, pb) > len(pa)
    # a B point exactly the radius away is inside (<=), one a hair further is not
    pb = np.array([[-4000.0, 4000.0], [-8000.0, 0.0], [-12_000.0, 4000.0], [-8000.0, 8000.0001]])
    i, j = near_pairs(np.array([[-8000.0, 4000.0]]), np.array([4000.0]), pb)
    assert i.tolist() == [0, 0, 0] and j.tolist() == [0, 1, 2]


def test_near_pairs_finds_identical_points_and_repeats_in_b() -> None:
    pa = np.array([[-4000.0, -4000.0], [1.0, 2.0]])
    pb = np.array([[1.0, 2.0], [-4000.0, -4000.0], [1.0, 2.0], [-4000.0, -4000.0]])
    i, j = near_pairs(pa, np.array([0.0, 0.0]), pb)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 3), (1, 0), (1, 2)]


def test_near_pairs_empty_a_or_b() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(-10_000.0, 10_000.0, (20, 2))
    e = np.zeros((0, 2))
    for pa, ra, pb in ((e, np.zeros(0), p), (p, np.full(20, 5000.0), e), (e, np.zeros(0), e)):
        i, j = near_pairs(pa, ra, pb)
        assert len(i) == len(j) == 0
        assert i.dtype == j.dtype == np.int64


def test_nan_or_negative_radius_gives_no_pairs() -> None:
    rng = np.random.default_rng(6)
    pa = rng.uniform(-5000.0, 5000.0, (6, 2))
    pb = np.concatenate([pa, rng.uniform(-5000.0, 5000.0, (30, 2))])  # each A has a twin in B
    ra = np.array([np.nan, 20_000.0, -1.0, np.nan, 0.0, -np.inf])
    i, j = near_pairs(pa, ra, pb)
    assert set(i.tolist()) == {1, 4}
    assert (j[i == 1] == np.arange(len(pb))).all()  # radius 20 km covers everything
    assert j[i == 4].tolist() == [4]  # radius 0: only its twin
    _check(pa, ra, pb)
