"""A bounded store of the latest row per identity: a struct of arrays keyed by a non-negative int64
(an ADS-B address, a track number), grown by doubling, whose rows not renewed for a while are
freed (registration.py keeps its ADS-B references and each radar's last plot per track in it)."""

from __future__ import annotations

import numpy as np

from airpicture.types import FloatArray, IntArray


class KeyedStore:
    """id (C,) int64 (-1: a free slot), t (C,) the row's time, and one float64 column per name in
    `fields` (name -> the shape of one row's value: () a scalar, (3,) a vector ...)."""

    def __init__(self, fields: dict[str, tuple[int, ...]], capacity: int = 64) -> None:
        self.id = np.full(capacity, -1, np.int64)
        self.t = np.full(capacity, -np.inf)
        self.col: dict[str, FloatArray] = {k: np.zeros((capacity, *s)) for k, s in fields.items()}

    def __len__(self) -> int:
        return int((self.id >= 0).sum())

    def lookup(self, ident: IntArray) -> IntArray:
        """Slot of each identity (-1: not held)."""
        live = np.flatnonzero(self.id >= 0)
        out = np.full(len(ident), -1, np.int64)
        if len(live) == 0 or len(ident) == 0:
            return out
        order = live[np.argsort(self.id[live])]
        pos = np.clip(np.searchsorted(self.id[order], ident), 0, len(order) - 1)
        has = self.id[order[pos]] == ident
        out[has] = order[pos[has]]
        return out

    def put(self, ident: IntArray, t: FloatArray) -> tuple[IntArray, IntArray]:
        """Slots for rows of `ident` (unique) at times t: (which of them to write — not older than
        what is held —, their slots). The caller writes the columns; id and t are set here."""
        slot = self.lookup(ident)
        new = np.flatnonzero(slot < 0)
        if len(new):
            slot[new] = self._allocate(len(new))
            self.t[slot[new]] = -np.inf
        newer = np.flatnonzero(t >= self.t[slot])
        s = slot[newer]
        self.id[s] = ident[newer]
        self.t[s] = t[newer]
        return newer, s

    def _allocate(self, n: int) -> IntArray:
        free = np.flatnonzero(self.id < 0)
        while len(free) < n:
            c = len(self.id)
            self.id = np.r_[self.id, np.full(c, -1, np.int64)]
            self.t = np.r_[self.t, np.full(c, -np.inf)]
            self.col = {k: np.concatenate([a, np.zeros_like(a)]) for k, a in self.col.items()}
            free = np.flatnonzero(self.id < 0)
        return free[:n]

    def expire(self, before: float) -> None:
        """Free the rows last written before this time."""
        self.id[(self.id >= 0) & (self.t < before)] = -1


__all__ = ["KeyedStore"]
