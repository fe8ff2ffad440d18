"""Fixed rows ("slots") for per-track state, found by track id in one compiled pass a picture.

The tracker stops publishing a track it has missed a few times but may pick the object up again
under the same id: its history must survive the gap. A stage keeps each track's state in one row
of its (C, ...) arrays, for as long as the track is in the pictures and for grace_s after it last
was; `assign` maps a picture's ids to rows (sort the occupied rows' ids, binary-search the
picture's), frees the rows of tracks unseen for longer than grace_s, and gives new ids free rows.
Nothing moves: the stage reads and writes its arrays at the rows returned. Capacity doubles when
full, so a picture costs one kernel call however many tracks come and go.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.types import BoolArray, FloatArray, IntArray


@jit
def _assign(ids, t, grace_s, slot_id, seen, used, rows, known):
    """Rows for ids (N,) int64 -> rows (N,), known (N,) (the id had a row); returns rows in use.

    slot_id, seen, used : (C,) id, last picture time, occupied; C >= rows in use + N.
    """
    occ = np.flatnonzero(used)
    order = occ[np.argsort(slot_id[occ])]
    keys = slot_id[order]
    here = np.zeros(used.shape[0], dtype=np.bool_)
    for i in range(ids.shape[0]):
        j = np.searchsorted(keys, ids[i])
        known[i] = j < keys.shape[0] and keys[j] == ids[i]
        if known[i]:
            rows[i] = order[j]
            here[order[j]] = True
    n_used = 0
    for s in occ:
        # absent from this picture: kept while seen within grace_s (`not >=`: NaN times expire)
        if not here[s] and not seen[s] >= t - grace_s:
            used[s] = False
        else:
            n_used += 1
    free = 0  # new ids take the first free rows
    for i in range(ids.shape[0]):
        if not known[i]:
            while used[free]:
                free += 1
            used[free] = True
            slot_id[free] = ids[i]
            rows[i] = free
            n_used += 1
        seen[rows[i]] = t
    return n_used


class SlotTable:
    """Track id -> row of the owner's per-track arrays, kept grace_s after a track's last picture."""

    def __init__(self, grace_s: float = 60.0, capacity: int = 64) -> None:
        self.grace_s = float(grace_s)
        self.slot_id: IntArray = np.full(capacity, -1, dtype=np.int64)
        self.seen: FloatArray = np.full(capacity, -np.inf)
        self.used: BoolArray = np.zeros(capacity, dtype=bool)
        self.n_used = 0

    @property
    def capacity(self) -> int:
        return len(self.used)

    def assign(
        self, owner: object, names: tuple[str, ...], ids: IntArray, t: float
    ) -> tuple[IntArray, BoolArray]:
        """Rows of `ids` (N,) in owner's arrays `names` (grown here when full) and which ids are
        known tracks; the rows of new ids hold stale values: the owner initialises them."""
        n = len(ids)
        if self.n_used + n > self.capacity:
            self._grow(owner, names, max(2 * self.capacity, self.n_used + n))
        rows = np.empty(n, dtype=np.int64)
        known = np.empty(n, dtype=bool)
        self.n_used = _assign(ids, float(t), self.grace_s, self.slot_id, self.seen, self.used, rows, known)
        return rows, known

    def _grow(self, owner: object, names: tuple[str, ...], capacity: int) -> None:
        def grown(a: np.ndarray, fill: object) -> np.ndarray:
            out = np.full((capacity, *a.shape[1:]), fill, dtype=a.dtype)
            out[: len(a)] = a
            return out

        for n in names:
            setattr(owner, n, grown(getattr(owner, n), 0))
        self.slot_id = grown(self.slot_id, -1)
        self.seen = grown(self.seen, -np.inf)
        self.used = grown(self.used, False)


__all__ = ["SlotTable"]
