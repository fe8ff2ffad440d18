"""GOSPA (p=2, alpha=2) on hand-computed pictures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airpicture.eval.gospa import assign, assign_sparse, gospa

C = 1000.0


def test_two_targets_one_track() -> None:
    res = assign(np.array([[30.0], [2000.0]]), C)
    assert res.rows.tolist() == [0] and res.cols.tolist() == [0]
    assert (res.missed, res.false) == (1, 0)
    assert res.gospa == pytest.approx(math.sqrt(30**2 + C**2 / 2))


def test_a_miss_and_a_false_each_cost_c_over_root_2() -> None:
    assert gospa(np.zeros((1, 0)), C) == pytest.approx(C / math.sqrt(2))
    assert gospa(np.zeros((0, 1)), C) == pytest.approx(C / math.sqrt(2))
    assert gospa(np.zeros((0, 0)), C) == 0.0


def test_pair_beyond_cut_off_is_a_miss_plus_a_false() -> None:
    res = assign(np.array([[1200.0]]), C)
    assert (len(res.rows), res.missed, res.false) == (0, 1, 1)
    assert res.gospa == pytest.approx(C)
    # exactly at the cut-off does not pair either (score.py: D < c)
    assert assign(np.array([[C]]), C).missed == 1


def test_assignment_is_optimal_not_greedy() -> None:
    # greedy nearest-first takes (0,0)=10 and leaves (1,1)=900; the optimum crosses over.
    res = assign(np.array([[10.0, 20.0], [15.0, 900.0]]), C)
    assert sorted(zip(res.rows.tolist(), res.cols.tolist(), strict=True)) == [(0, 1), (1, 0)]
    assert res.gospa == pytest.approx(math.sqrt(20**2 + 15**2))


def test_cut_off_caps_the_cost_so_a_far_pair_is_left_unpaired() -> None:
    # pairing 0-1 at 990 m and 1-0 at 990 m costs 2*990^2 < 2*1000^2 ... but 0-0 at 100 m and leaving
    # row 1 / col 1 unpaired costs 100^2 + c^2 (half each for the miss and the false): cheaper.
    res = assign(np.array([[100.0, 990.0], [990.0, 5000.0]]), C)
    assert res.rows.tolist() == [0] and res.cols.tolist() == [0]
    assert res.gospa == pytest.approx(math.sqrt(100**2 + C**2))


def test_rejects_non_matrix() -> None:
    with pytest.raises(ValueError):
        assign(np.zeros(3), C)


def test_sparse_assignment_equals_dense_on_random_pictures() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        T, N = rng.integers(0, 30, 2)
        pt, pk = rng.uniform(0, 6000, (T, 2)), rng.uniform(0, 6000, (N, 2))
        D = np.linalg.norm(pt[:, None, :] - pk[None, :, :], axis=-1)
        r, k = np.nonzero(D < 1500)  # candidates: a superset of the pairs under the cut-off
        dense, sparse = assign(D, C), assign_sparse((T, N), r, k, D[r, k], C)
        assert sparse.rows.tolist() == dense.rows.tolist() and sparse.cols.tolist() == dense.cols.tolist()
        assert (sparse.missed, sparse.false, sparse.gospa) == (dense.missed, dense.false, dense.gospa)


def test_sparse_assignment_solves_a_linked_group_optimally() -> None:
    # targets 0,1 and tracks 0,1 are linked (the crossing case above); target 2 / track 2 alone
    r = np.array([0, 0, 1, 1, 2])
    k = np.array([0, 1, 0, 1, 2])
    d = np.array([10.0, 20.0, 15.0, 900.0, 5.0])
    res = assign_sparse((4, 3), r, k, d, C)
    assert list(zip(res.rows.tolist(), res.cols.tolist(), strict=True)) == [(0, 1), (1, 0), (2, 2)]
    assert (res.missed, res.false) == (1, 0)
    assert res.gospa == pytest.approx(math.sqrt(20**2 + 15**2 + 5**2 + C**2 / 2))
