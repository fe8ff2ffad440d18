"""Associate: global nearest-neighbour assignment of the gated pairs (the data associator).

Every gated pair carries a cost w (negative = the pair is more likely than "missed + clutter").
One minimum-weight perfect matching on a sparse graph with a dummy partner per track and per
measurement (cost 0) solves all ambiguous blocks at once: a track left on its dummy is unassigned,
and the dummy-dummy edges mirror the real ones so a perfect matching always exists. Small blocks go
to scipy's dense solver, which is much faster than building a sparse graph for them.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from airpicture.compiled import jit
from airpicture.types import FloatArray, IntArray


def assign(track: IntArray, meas: IntArray, cost: FloatArray, dense_cells: int = 2500) -> IntArray:
    """Indices of the pairs chosen by global nearest neighbour (at most one per track and per
    measurement). Pairs with cost >= 0 are never chosen. Blocks of up to dense_cells track x
    measurement cells go to scipy's dense solver, much faster than building a sparse graph for
    them (TrackSettings.dense_cells)."""
    use = np.flatnonzero(cost < 0)
    if len(use) == 0:
        return use
    tu, ti = np.unique(track[use], return_inverse=True)
    mu, mi = np.unique(meas[use], return_inverse=True)
    if len(tu) == len(use) and len(mu) == len(use):
        return use  # no track or measurement in two pairs: nothing to resolve
    if len(tu) * len(mu) <= dense_cells:  # small: one dense solve, lone pairs included
        return np.sort(use[_dense(ti, mi, cost[use], len(tu), len(mu))])
    # the pairs fall into independent blocks (tracks that share plots): a lone pair needs no
    # solver, small blocks go one by one to the dense solver, a large one to the sparse matching
    order, bounds, lt, lm, nt, nm = _blocks(ti, mi, len(tu))
    w = cost[use]
    lone = np.diff(bounds) == 1
    chosen = [use[order[bounds[:-1][lone]]]]
    for b in np.flatnonzero(~lone):
        sel = slice(bounds[b], bounds[b + 1])
        solve = _dense if nt[b] * nm[b] <= dense_cells else _sparse
        chosen.append(use[order[sel][solve(lt[sel], lm[sel], w[order[sel]], int(nt[b]), int(nm[b]))]])
    return np.sort(np.concatenate(chosen))


@jit
def _blocks(ti, mi, T):
    """The independent blocks of the pairs (track ti, measurement mi): connected components of the
    bipartite graph by union-find (scipy's connected_components costs ~0.3 ms of sparse-matrix
    set-up per call, more than matching a few small blocks). Returns the pairs ordered by block,
    the block bounds in that order, each pair's track and measurement numbered within its block,
    and each block's number of tracks and of measurements."""
    n = ti.shape[0]
    parent = np.arange(T + int(mi.max()) + 1)
    for k in range(n):
        a, b = _root(parent, ti[k]), _root(parent, T + mi[k])
        if a != b:
            parent[max(a, b)] = min(a, b)
    label = np.empty(n, np.int64)
    for k in range(n):
        label[k] = _root(parent, ti[k])
    order = np.argsort(label, kind="mergesort")
    bounds = [0]
    for q in range(1, n):
        if label[order[q]] != label[order[q - 1]]:
            bounds.append(q)
    bounds.append(n)
    B = len(bounds) - 1
    lt, lm = np.empty(n, np.int64), np.empty(n, np.int64)
    nt, nm = np.zeros(B, np.int64), np.zeros(B, np.int64)
    local = np.full(parent.shape[0], -1)
    for b in range(B):
        for q in range(bounds[b], bounds[b + 1]):
            k = order[q]
            for node, out, cnt in ((ti[k], lt, nt), (T + mi[k], lm, nm)):
                if local[node] < 0:
                    local[node] = cnt[b]
                    cnt[b] += 1
                out[q] = local[node]
    return order, np.array(bounds), lt, lm, nt, nm


@jit
def _root(parent, a):
    while parent[a] != a:
        a = parent[a]
    return a


def _sparse(ti: IntArray, mi: IntArray, w: FloatArray, T: int, M: int) -> IntArray:
    """_dense for a large block: scipy's sparse matching on the same graph, where the dummy
    edges mirror the real ones so that a perfect matching always exists."""
    off = 1.0 - w.min()
    rows = np.concatenate([ti, np.arange(T), T + np.arange(M), T + mi])
    cols = np.concatenate([mi, M + np.arange(T), np.arange(M), M + ti])
    vals = np.concatenate([w + off, np.full(T, off), np.full(M, off), np.full(len(w), off)])
    g = csr_matrix((vals, (rows, cols)), shape=(T + M, M + T))
    r_ind, c_ind = min_weight_full_bipartite_matching(g)
    real = (r_ind < T) & (c_ind < M)
    key = ti * M + mi
    pick = np.searchsorted(np.sort(key), r_ind[real] * M + c_ind[real])
    return np.argsort(key)[pick]


def _dense(ti: IntArray, mi: IntArray, w: FloatArray, T: int, M: int) -> IntArray:
    """The matching of assign() for a small block, with scipy's dense solver: a (T + M) square
    matrix where each track and each measurement may also take its own "unassigned" partner at
    cost 0, and pairs that were not gated cost more than any solution that avoids them."""
    big = 1.0 + np.abs(w).sum()
    C = np.full((T + M, M + T), big)
    C[ti, mi] = w
    C[np.arange(T), M + np.arange(T)] = 0.0
    C[T + np.arange(M), np.arange(M)] = 0.0
    C[T:, M:] = 0.0
    r, c = linear_sum_assignment(C)
    real = (r < T) & (c < M)
    real[real] = C[r[real], c[real]] < big
    pos = np.full((T, M), -1, np.int64)
    pos[ti, mi] = np.arange(len(ti))
    return pos[r[real], c[real]]


__all__ = ["assign"]
