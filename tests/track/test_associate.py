"""Global nearest-neighbour assignment (the pre-gate is tested in test_grid.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from airpicture.track.associate import assign


def _pairs(t: np.ndarray, m: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(t.tolist(), m.tolist(), strict=True))


def test_assign_beats_greedy() -> None:
    """Greedy takes A-1 (-10) then B-2 (-1): -11. The optimum is A-2 + B-1: -18."""
    track = np.array([0, 0, 1, 1])
    meas = np.array([1, 2, 1, 2])
    cost = np.array([-10.0, -9.0, -9.0, -1.0])
    pick = assign(track, meas, cost)
    assert _pairs(track[pick], meas[pick]) == {(0, 2), (1, 1)}


def test_assign_leaves_a_track_unassigned_when_that_is_better() -> None:
    """A-1 -10, B-1 -9.5, A-2 -0.2: A-1 alone (-10) beats A-2 + B-1 (-9.7), so B stays without a
    measurement; with A-2 at -1 the pair of pairs (-10.5) wins."""
    track = np.array([0, 1, 0])
    meas = np.array([1, 1, 2])
    cost = np.array([-10.0, -9.5, -0.2])
    pick = assign(track, meas, cost)
    assert _pairs(track[pick], meas[pick]) == {(0, 1)}
    # make A-2 worth more and the pairing flips
    cost[2] = -1.0
    pick = assign(track, meas, cost)
    assert _pairs(track[pick], meas[pick]) == {(0, 2), (1, 1)}


def test_assign_never_picks_non_negative_or_gated_out_pairs() -> None:
    track = np.array([0, 1, 2, 3, 3])
    meas = np.array([0, 1, 2, 3, 4])
    cost = np.array([0.0, 5.0, np.inf, -1.0, np.inf])
    pick = assign(track, meas, cost)
    assert _pairs(track[pick], meas[pick]) == {(3, 3)}
    assert len(assign(track[:3], meas[:3], cost[:3])) == 0
    assert len(assign(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))) == 0


def test_assign_lone_pairs_and_blocks_together() -> None:
    # a trivial pair (5, 50), a contested block on tracks 0, 1 and a track with two candidates
    track = np.array([5, 0, 0, 1, 1, 7, 7])
    meas = np.array([50, 1, 2, 1, 2, 70, 71])
    cost = np.array([-3.0, -10.0, -9.0, -9.0, -1.0, -2.0, -4.0])
    pick = assign(track, meas, cost)
    assert _pairs(track[pick], meas[pick]) == {(5, 50), (0, 2), (1, 1), (7, 71)}
    assert np.all(np.diff(pick) > 0)  # sorted pair indices


def _optimum(C: np.ndarray) -> tuple[float, set[tuple[int, int]]]:
    """Best total over matchings where each row/column may stay unmatched at cost 0 (pairs with
    cost >= 0 never help): a square problem with a dummy partner for each row and column."""
    T, M = C.shape
    big = 1e9
    Cm = np.where(np.isfinite(C) & (C < 0), C, big)
    full = np.full((T + M, M + T), big)
    full[:T, :M] = Cm
    full[:T, M:][np.arange(T), np.arange(T)] = 0.0
    full[T:, :M][np.arange(M), np.arange(M)] = 0.0
    full[T:, M:] = 0.0
    r, c = linear_sum_assignment(full)
    real = (r < T) & (c < M)
    return float(full[r, c].sum()), _pairs(r[real], c[real])


@pytest.mark.parametrize("seed", range(40))
def test_assign_matches_linear_sum_assignment(seed: int) -> None:
    rng = np.random.default_rng(seed)
    T, M = rng.integers(1, 9), rng.integers(1, 9)
    C = rng.normal(-2.0, 3.0, (T, M))
    C[rng.random((T, M)) < 0.3] = np.inf  # gated out
    t, m = np.nonzero(np.isfinite(C) | (rng.random((T, M)) < 0.5))  # sparse list, some inf kept
    cost = C[t, m]
    pick = assign(t, m, cost)
    chosen_t, chosen_m = t[pick], m[pick]
    assert len(set(chosen_t.tolist())) == len(pick)  # at most one measurement per track
    assert len(set(chosen_m.tolist())) == len(pick)  # at most one track per measurement
    assert np.all(cost[pick] < 0)
    best, best_pairs = _optimum(C)
    assert cost[pick].sum() == pytest.approx(best, abs=1e-9)
    # continuous random costs: the optimum is unique, so the pairs are scipy's too
    assert _pairs(chosen_t, chosen_m) == best_pairs
