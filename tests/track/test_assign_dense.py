"""associate.assign on small ambiguous blocks: the dense solver (_dense), the sparse matching and an
exhaustive search over matchings find the same minimum total cost."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from airpicture.config import TrackSettings
from airpicture.track import associate
from airpicture.track.associate import assign

DENSE_CELLS = TrackSettings().dense_cells


def _instance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-8 tracks, 2-8 measurements, a random sparse set of distinct pairs; costs mostly negative,
    some positive, and on some seeds small integers so that several matchings tie."""
    rng = np.random.default_rng(seed)
    T, M = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    keep = rng.random((T, M)) < rng.uniform(0.2, 0.8)
    keep[rng.integers(0, T), :] = True  # at least one track with several candidates: ambiguous
    t, m = np.nonzero(keep)
    order = rng.permutation(len(t))  # the caller's pairs come in no particular order
    t, m = t[order].astype(np.int64), m[order].astype(np.int64)
    ties = seed % 4 == 0
    cost = rng.integers(-4, 2, len(t)).astype(float) if ties else rng.normal(-3.0, 3.0, len(t))
    return t, m, cost


def _best(t: np.ndarray, m: np.ndarray, cost: np.ndarray) -> float:
    """Minimum total cost over matchings of pairs with cost < 0 (at most one per track and per
    measurement), by dynamic programming over tracks x set of measurements used: exhaustive."""
    tracks = sorted(set(t.tolist()))
    options = {
        k: [(int(m[q]), float(cost[q])) for q in np.flatnonzero((t == k) & (cost < 0))] for k in tracks
    }

    @cache
    def go(i: int, used: int) -> float:
        if i == len(tracks):
            return 0.0
        best = go(i + 1, used)  # track i unassigned
        for j, c in options[tracks[i]]:
            if not used >> j & 1:
                best = min(best, c + go(i + 1, used | 1 << j))
        return best

    return go(0, 0)


def _total(t: np.ndarray, m: np.ndarray, cost: np.ndarray, chosen: np.ndarray) -> float:
    """Total cost of the chosen pair indices, after checking they form a valid matching."""
    assert chosen.dtype.kind == "i"
    assert len(np.unique(chosen)) == len(chosen)
    assert ((chosen >= 0) & (chosen < len(cost))).all()
    assert (cost[chosen] < 0).all()
    assert len(np.unique(t[chosen])) == len(chosen)  # one measurement per track
    assert len(np.unique(m[chosen])) == len(chosen)  # one track per measurement
    return float(cost[chosen].sum())


@pytest.mark.parametrize("block", range(10))
def test_dense_sparse_and_exhaustive_give_the_same_total(block: int) -> None:
    solved = 0
    for seed in range(20 * block, 20 * block + 20):  # 200 seeds over the 10 blocks
        t, m, cost = _instance(seed)
        best = _best(t, m, cost)
        dense = assign(t, m, cost)
        sparse = assign(t, m, cost, dense_cells=0)  # every block to the sparse matching
        assert _total(t, m, cost, dense) == pytest.approx(best, abs=1e-9), seed
        assert _total(t, m, cost, sparse) == pytest.approx(best, abs=1e-9), seed
        solved += best < 0
    assert solved >= 15


def test_the_dense_path_is_the_one_taken_for_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard for the test above: with the default dense_cells the small blocks go to _dense, with 0
    they do not."""
    calls: list[tuple[int, int]] = []
    real = associate._dense

    def spy(ti: np.ndarray, mi: np.ndarray, w: np.ndarray, T: int, M: int) -> np.ndarray:
        calls.append((T, M))
        return real(ti, mi, w, T, M)

    monkeypatch.setattr(associate, "_dense", spy)
    t, m, cost = _instance(1)
    assign(t, m, cost)
    assert len(calls) == 1 and calls[0][0] * calls[0][1] <= DENSE_CELLS
    assign(t, m, cost, dense_cells=0)
    assert len(calls) == 1


def test_dense_prefers_two_pairs_over_one_better_pair() -> None:
    # track 0 - meas 0 is the best single pair (-5), but 0-1 and 1-0 together make -6
    t = np.array([0, 0, 1])
    m = np.array([0, 1, 0])
    cost = np.array([-5.0, -3.0, -3.0])
    assert assign(t, m, cost).tolist() == [1, 2]
    # with 1-0 worth only -1, the single best pair plus nothing wins (-5 < -4)
    assert assign(t, m, np.array([-5.0, -3.0, -1.0])).tolist() == [0]


@pytest.mark.parametrize("seed", range(20))
def test_many_small_blocks_each_solved_alone_give_the_optimum(seed: int) -> None:
    """A window of many separate ambiguous blocks (too many cells for one dense solve): split into
    blocks, each solved by the dense solver, the total equals the exhaustive optimum of each block
    and the sparse matching of the whole."""
    parts = [_instance(seed * 100 + k) for k in range(40)]
    t, m, cost, best = [], [], [], 0.0
    for k, (tk, mk, ck) in enumerate(parts):  # block k uses its own tracks and measurements
        t.append(tk + 10 * k)
        m.append(mk + 10 * k)
        cost.append(ck)
        best += _best(tk, mk, ck)
    ta, ma, ca = np.concatenate(t), np.concatenate(m), np.concatenate(cost)
    assert len(np.unique(ta)) * len(np.unique(ma)) > DENSE_CELLS
    split = assign(ta, ma, ca)
    sparse = assign(ta, ma, ca, dense_cells=0)
    assert _total(ta, ma, ca, split) == pytest.approx(best, abs=1e-9)
    assert _total(ta, ma, ca, sparse) == pytest.approx(best, abs=1e-9)
