"""Compiled spatial pre-gate: a uniform grid over points B, queried with points A and a radius each.

Used inside compiled code (radar_batch, upkeep), where scipy's k-d tree cannot be called; a grid
suits the tracker's case, where the radii are of the same order as the cell and the points are
spread over a few hundred kilometres: a query looks at a handful of cells.
"""

from __future__ import annotations

import numpy as np

from airpicture.track.kernels import _jit

#: Grid cell (m): about a typical gate radius.
CELL_M = 4000.0
_STRIDE = 1_000_003  # key = cell_x * _STRIDE + cell_y; cells within +-500,000 of the origin


@_jit
def near_pairs(pa, ra, pb):
    """All pairs (i, j) with |pa[i] - pb[j]| <= ra[i] (horizontal, m), ordered by i then j."""
    A, B = pa.shape[0], pb.shape[0]
    key = np.empty(B, np.int64)
    for j in range(B):
        key[j] = int(np.floor(pb[j, 0] / CELL_M)) * _STRIDE + int(np.floor(pb[j, 1] / CELL_M))
    order = np.argsort(key, kind="mergesort")
    skey = key[order]
    cap = 4 * (A + B) + 16
    oi = np.empty(cap, np.int64)
    oj = np.empty(cap, np.int64)
    n = 0
    cand = np.empty(B, np.int64)
    for i in range(A):
        if not ra[i] >= 0.0:  # NaN or negative: no pairs
            continue
        nc = 0
        y0 = int(np.floor((pa[i, 1] - ra[i]) / CELL_M))
        y1 = int(np.floor((pa[i, 1] + ra[i]) / CELL_M))
        for gx in range(
            int(np.floor((pa[i, 0] - ra[i]) / CELL_M)), int(np.floor((pa[i, 0] + ra[i]) / CELL_M)) + 1
        ):
            q = np.searchsorted(skey, gx * _STRIDE + y0)
            end = gx * _STRIDE + y1
            while q < B and skey[q] <= end:
                j = order[q]
                if np.hypot(pa[i, 0] - pb[j, 0], pa[i, 1] - pb[j, 1]) <= ra[i]:
                    cand[nc] = j
                    nc += 1
                q += 1
        if nc == 0:
            continue
        if n + nc > cap:
            cap = 2 * (n + nc)
            oi2 = np.empty(cap, np.int64)
            oj2 = np.empty(cap, np.int64)
            oi2[:n], oj2[:n] = oi[:n], oj[:n]
            oi, oj = oi2, oj2
        for a in range(1, nc):  # a few candidates: insertion sort, no allocation
            v, b = cand[a], a - 1
            while b >= 0 and cand[b] > v:
                cand[b + 1] = cand[b]
                b -= 1
            cand[b + 1] = v
        oj[n : n + nc] = cand[:nc]
        oi[n : n + nc] = i
        n += nc
    return oi[:n], oj[:n]


__all__ = ["CELL_M", "near_pairs"]
