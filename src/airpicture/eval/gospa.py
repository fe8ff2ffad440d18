"""GOSPA, the generalised optimal sub-pattern assignment distance (Rahmathullah, García-Fernández,
Svensson 2017), with alpha = 2: one number that adds localisation error, missed targets and false
tracks.

    GOSPA = ( sum over assigned pairs d^p  +  c^p / 2 * (missed + false) ) ^ (1/p)

where the assignment minimises sum min(d, c)^p and only pairs closer than the cut-off c count as
assigned. D is a (targets, tracks) matrix of distances; a pair that cannot be compared at all holds
any value >= c (score.py uses 10 c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from airpicture.types import FloatArray, IntArray


@dataclass(frozen=True)
class Assignment:
    """Result for one picture. rows, cols : (A,) index of the target and the track of each assigned
    pair (rows ascending); d : (A,) their distances; missed, false : counts; gospa : the distance."""

    rows: IntArray
    cols: IntArray
    d: FloatArray
    missed: int
    false: int
    gospa: float


def _result(
    T: int, N: int, rows: IntArray, cols: IntArray, d: FloatArray, cutoff: float, p: float
) -> Assignment:
    missed, false = T - len(rows), N - len(cols)
    # accumulate in assignment order, as score.py does, so the sums agree to the last bit
    g = float(np.cumsum(d**p)[-1]) if len(d) else 0.0
    g += cutoff**p / 2 * (missed + false)
    return Assignment(rows, cols, d, missed, false, math.sqrt(g) if p == 2 else g ** (1.0 / p))


def assign(D: FloatArray, cutoff: float, p: float = 2.0) -> Assignment:
    """Optimal assignment of targets (rows of D) to tracks (columns) with cut-off, and the GOSPA.

    D : (T, N) float64 distances (m); cutoff : c (m); p : the order (2: errors add like an RMS).
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2:
        raise ValueError(f"D must be 2-D, got shape {D.shape}")
    if D.size:
        r, k = linear_sum_assignment(np.minimum(D, cutoff) ** p)
        keep = D[r, k] < cutoff
        rows, cols = r[keep].astype(np.int64), k[keep].astype(np.int64)
    else:
        rows = cols = np.zeros(0, np.int64)
    return _result(D.shape[0], D.shape[1], rows, cols, D[rows, cols], cutoff, p)


def assign_sparse(
    shape: tuple[int, int], rows: IntArray, cols: IntArray, d: FloatArray, cutoff: float, p: float = 2.0
) -> Assignment:
    """`assign` for a large picture given only its candidate pairs (every pair closer than the cut-off
    must be among them; the rest count as beyond it).

    The optimum splits over the groups of targets and tracks that close pairs link: a pair alone in
    its group is assigned outright, the other groups go to `assign` one by one. Same result as
    `assign` on the full matrix, up to the choice between exactly equal assignments.
    shape : (targets, tracks); rows, cols : (E,) int64; d : (E,) float64 distances (m).
    """
    T, N = shape
    near = d < cutoff
    rows, cols, d = rows[near], cols[near], d[near]
    graph = coo_matrix((np.ones(len(rows)), (rows, T + cols)), shape=(T + N, T + N))
    group = connected_components(graph, directed=False)[1][rows]
    single = np.bincount(group, minlength=T + N)[group] == 1
    out = [(rows[single], cols[single], d[single])]
    order = np.flatnonzero(~single)[np.argsort(group[~single], kind="stable")]
    for idx in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        if len(idx):  # one linked group: a small dense problem
            ur, ri = np.unique(rows[idx], return_inverse=True)
            uc, ci = np.unique(cols[idx], return_inverse=True)
            D = np.full((len(ur), len(uc)), cutoff * 10.0)
            D[ri, ci] = d[idx]
            res = assign(D, cutoff, p)
            out.append((ur[res.rows], uc[res.cols], res.d))
    r, c, dd = (np.concatenate(x) for x in zip(*out, strict=True))
    o = np.argsort(r, kind="stable")
    return _result(T, N, r[o].astype(np.int64), c[o].astype(np.int64), dd[o], cutoff, p)


def gospa(D: FloatArray, cutoff: float, p: float = 2.0) -> float:
    """The GOSPA distance (alpha = 2) of one picture; see `assign`."""
    return assign(D, cutoff, p).gospa


__all__ = ["Assignment", "assign", "assign_sparse", "gospa"]
