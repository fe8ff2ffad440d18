"""A map of int64 keys to int64 values whose entries expire: the fan-in's id books (a region's
track -> published id; an identity -> published id) are bounded by what was seen in forget_s.
Sorted arrays, so a picture's lookups and updates are a few vectorised calls."""

from __future__ import annotations

import numpy as np

from airpicture.types import FloatArray, IntArray


class ExpiringMap:
    """int64 -> int64, each entry with the time it was last put; `expire` drops the old ones."""

    def __init__(self) -> None:
        self.keys: IntArray = np.zeros(0, np.int64)
        self.values: IntArray = np.zeros(0, np.int64)
        self.seen: FloatArray = np.zeros(0)
        self.expired = 0

    def get(self, keys: IntArray, missing: int = -1) -> IntArray:
        """(K,) the value of each key, `missing` where there is none."""
        pos = np.clip(np.searchsorted(self.keys, keys), 0, max(len(self.keys) - 1, 0))
        if len(self.keys) == 0:
            return np.full(len(keys), missing, np.int64)
        hit = self.keys[pos] == keys
        return np.where(hit, self.values[pos], missing)

    def put(self, keys: IntArray, values: IntArray, t: float) -> None:
        """Set keys to values (the last of repeated keys wins), seen at t."""
        if len(keys) == 0:
            return
        k = np.concatenate([self.keys, keys])
        v = np.concatenate([self.values, values])
        s = np.concatenate([self.seen, np.full(len(keys), t)])
        # np.unique keeps the first of equal keys: reversed, that is the newest
        uk, first = np.unique(k[::-1], return_index=True)
        self.keys, self.values, self.seen = uk, v[::-1][first], s[::-1][first]

    def expire(self, before: float) -> None:
        keep = self.seen >= before
        self.expired += int((~keep).sum())
        self.keys, self.values, self.seen = self.keys[keep], self.values[keep], self.seen[keep]

    def __len__(self) -> int:
        return len(self.keys)


__all__ = ["ExpiringMap"]
