"""The track table: struct-of-arrays state of every track, preallocated and grown by doubling.

Rows are recycled: a deleted track frees its row (alive False); ids are never reused.
IMM state is kept per mode: x (C, M, 6), P (C, M, 6, 6), mu (C, M).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from airpicture.track.models import N_MODES
from airpicture.types import NO_IDENT, IntArray

TENTATIVE, CONFIRMED = 0, 1
OK, SUSPECT, SPOOFED = 0, 1, 2


class TrackTable:
    """Columns (C = capacity, S = sensors):

    alive, status, id, t (time of the state), x, P, mu, xc and Pc (the modes combined, kept up
    to date by the compiled path, which reads them instead of combining every track), score
    (log-likelihood ratio), peak (its highest value), hits, radar_hits, t_first, t_update (last
    measurement by any sensor), t_seen (C, S: last measurement by each sensor, NaN never),
    miss_lp (log-probability of the misses since t_update, already added to score), ident,
    sensors (bit mask), mode_c, h_known (a height was measured), integrity, t_confirmed, t_cov
    (last time outside every radar's coverage, for the spoofing check), twin and twin_s (the
    track flying the same altitude and velocity far away, and for how long; flagged: found
    spoofed, until a radar sees it; see integrity.py).
    """

    alive: npt.NDArray[np.bool_]
    status: npt.NDArray[np.int8]
    id: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    xc: npt.NDArray[np.float64]
    Pc: npt.NDArray[np.float64]
    P: npt.NDArray[np.float64]
    mu: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]
    peak: npt.NDArray[np.float64]
    hits: npt.NDArray[np.int32]
    radar_hits: npt.NDArray[np.int32]
    t_first: npt.NDArray[np.float64]
    t_update: npt.NDArray[np.float64]
    t_seen: npt.NDArray[np.float64]
    miss_lp: npt.NDArray[np.float64]
    ident: npt.NDArray[np.int64]
    sensors: npt.NDArray[np.int64]
    mode_c: npt.NDArray[np.bool_]
    h_known: npt.NDArray[np.bool_]
    integrity: npt.NDArray[np.int8]
    t_confirmed: npt.NDArray[np.float64]
    t_cov: npt.NDArray[np.float64]
    twin: npt.NDArray[np.int64]
    twin_s: npt.NDArray[np.float64]
    flagged: npt.NDArray[np.bool_]

    FIELDS: ClassVar[dict[str, tuple[tuple[int, ...], str, object]]] = {
        "alive": ((), "?", False),
        "status": ((), "i1", TENTATIVE),
        "id": ((), "i8", -1),
        "t": ((), "f8", 0.0),
        "x": ((N_MODES, 6), "f8", 0.0),
        "P": ((N_MODES, 6, 6), "f8", 0.0),
        "mu": ((N_MODES,), "f8", 0.0),
        "xc": ((6,), "f8", 0.0),
        "Pc": ((6, 6), "f8", 0.0),
        "score": ((), "f8", 0.0),
        "peak": ((), "f8", 0.0),
        "hits": ((), "i4", 0),
        "radar_hits": ((), "i4", 0),
        "t_first": ((), "f8", 0.0),
        "t_update": ((), "f8", 0.0),
        "t_seen": ((1,), "f8", np.nan),
        "miss_lp": ((), "f8", 0.0),
        "ident": ((), "i8", NO_IDENT),
        "sensors": ((), "i8", 0),
        "mode_c": ((), "?", False),
        "h_known": ((), "?", False),
        "integrity": ((), "i1", 0),
        "t_confirmed": ((), "f8", np.nan),
        "t_cov": ((), "f8", 0.0),
        "twin": ((), "i8", -1),
        "twin_s": ((), "f8", 0.0),
        "flagged": ((), "?", False),
    }

    def __init__(self, capacity: int = 1024, n_sensors: int = 1) -> None:
        self.capacity = 0
        self.next_id = 1
        self.spoofed_idents = np.zeros(0, np.int64)  # identities found spoofed (integrity.py)
        self.fields = dict(self.FIELDS, t_seen=((n_sensors,), "f8", np.nan))
        for name, (shape, dt, fill) in self.fields.items():
            setattr(self, name, np.full((0, *shape), fill, dtype=dt))
        self._grow(capacity)
        self._pool = np.zeros(0, np.int64)  # free rows at their defaults, handed out from _pos
        self._pos = 0

    def _grow(self, capacity: int) -> None:
        for name, (shape, dt, fill) in self.fields.items():
            old = getattr(self, name)
            new = np.full((capacity, *shape), fill, dtype=dt)
            new[: len(old)] = old
            setattr(self, name, new)
        self.capacity = capacity

    def allocate(self, n: int) -> IntArray:
        """Rows for n new tracks (at their defaults, alive, fresh ids).

        Rows come from a pool of free rows already at their defaults: freed rows are reset in
        bulk when the pool runs out, and the table doubles when less than a quarter of it is
        free, so a window's new tracks cost a few operations instead of one per column."""
        if self._pos + n > len(self._pool):
            free = ~self.alive
            for name, (_, _, fill) in self.fields.items():
                getattr(self, name)[free] = fill
            cap = self.capacity
            while cap - int(self.alive.sum()) < max(n, cap // 4):
                cap *= 2
            if cap > self.capacity:
                self._grow(cap)
            self._pool = np.flatnonzero(~self.alive)
            self._pos = 0
        rows = self._pool[self._pos : self._pos + n]
        self._pos += n
        self.alive[rows] = True
        self.id[rows] = np.arange(self.next_id, self.next_id + n)
        self.next_id += n
        return rows

    def free(self, rows: IntArray) -> None:
        self.alive[rows] = False

    def rows(self) -> IntArray:
        return np.flatnonzero(self.alive)

    def __len__(self) -> int:
        return int(self.alive.sum())
