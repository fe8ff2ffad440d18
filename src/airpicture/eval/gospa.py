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
    d = D[rows, cols]
    missed, false = D.shape[0] - len(rows), D.shape[1] - len(cols)
    # accumulate in assignment order, as score.py does, so the sums agree to the last bit
    g = float(np.cumsum(d**p)[-1]) if len(d) else 0.0
    g += cutoff**p / 2 * (missed + false)
    return Assignment(rows, cols, d, missed, false, math.sqrt(g) if p == 2 else g ** (1.0 / p))


def gospa(D: FloatArray, cutoff: float, p: float = 2.0) -> float:
    """The GOSPA distance (alpha = 2) of one picture; see `assign`."""
    return assign(D, cutoff, p).gospa


__all__ = ["Assignment", "assign", "gospa"]
