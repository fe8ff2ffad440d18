"""The track table: struct-of-arrays state of every track, preallocated and grown by doubling.

Rows are recycled: a deleted track frees its row (alive False); ids are never reused.
IMM state is kept per mode: x (C, M, 6), P (C, M, 6, 6), mu (C, M). Kernels take the columns
as one record (`TrackTable.cols`, a `TrackColumns`), never as a list of arrays.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from airpicture.track.motion import N_MODES
from airpicture.track.vertical import N_VERTICAL
from airpicture.types import NO_IDENT, IntArray, TrackStatus

#: Status codes as plain ints, as compiled code compares them with the int8 column.
TENTATIVE, CONFIRMED = int(TrackStatus.TENTATIVE), int(TrackStatus.CONFIRMED)


class TrackColumns(NamedTuple):
    """The table's columns as kernels take them (C = capacity, M = modes, S = sensors).

    alive (C,) bool; status (C,) int8 TrackStatus; id (C,) int64 track number; t (C,) time of the
    state; x (C, M, 6), P (C, M, 6, 6), mu (C, M) the IMM modes; xc (C, 6), Pc (C, 6, 6) the modes
    combined (kept up to date by every update, so readers need not combine); score (C,)
    log-likelihood ratio of "an object" vs "clutter", peak its highest value; hits, radar_hits
    (C,) int32 measurements and radar plots used; t_first, t_update (C,) start and last
    measurement by any sensor; t_seen (C, S) last measurement by each sensor (NaN: never); n_seen
    (C, S) int32 measurements each sensor gave it (a radar's: its detections, for classification);
    n_crowd (C, S) int32 scans of each sensor in which it gated more than one plot; n_denied (C, S)
    int32 scans in which it gated a plot that went to another track and got none;
    miss_lp (C,) log-probability of the misses since t_update, already added to score; ident (C,)
    int64 cooperative identity (NO_IDENT: none); sensors (C,) int64 bit mask of the sensors that
    measured it; mode_c (C,) a reported altitude updated it; h_known (C,) a height was measured;
    t_confirmed (C,) when it was confirmed (NaN: not yet); t_height (C,) its last height
    measurement (NaN: never); show (C,) a tentative track that may be published before it is
    confirmed (existence.py: its first plot had a Mode C altitude and no track's gate held it);
    vx (C, V, 2) [height climb-rate], vcov (C, V, 2, 2), vmu (C, V) the vertical channel's modes
    (vertical.py), vt (C,) its time (NaN: no height measured).
    """

    alive: npt.NDArray[np.bool_]
    status: npt.NDArray[np.int8]
    id: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    P: npt.NDArray[np.float64]
    mu: npt.NDArray[np.float64]
    xc: npt.NDArray[np.float64]
    Pc: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]
    peak: npt.NDArray[np.float64]
    hits: npt.NDArray[np.int32]
    radar_hits: npt.NDArray[np.int32]
    t_first: npt.NDArray[np.float64]
    t_update: npt.NDArray[np.float64]
    t_seen: npt.NDArray[np.float64]
    n_seen: npt.NDArray[np.int32]
    n_crowd: npt.NDArray[np.int32]
    n_denied: npt.NDArray[np.int32]
    miss_lp: npt.NDArray[np.float64]
    ident: npt.NDArray[np.int64]
    sensors: npt.NDArray[np.int64]
    mode_c: npt.NDArray[np.bool_]
    h_known: npt.NDArray[np.bool_]
    t_confirmed: npt.NDArray[np.float64]
    t_height: npt.NDArray[np.float64]
    show: npt.NDArray[np.bool_]
    vx: npt.NDArray[np.float64]
    vcov: npt.NDArray[np.float64]
    vmu: npt.NDArray[np.float64]
    vt: npt.NDArray[np.float64]


#: the columns with one value per sensor
_PER_SENSOR = ("t_seen", "n_seen", "n_crowd", "n_denied")


class TrackTable:
    """The columns of TrackColumns as attributes (numpy views for Python code) and as `cols` (the
    record for kernels; rebuilt when the table grows)."""

    #: name -> (shape per row, dtype, value of a free row); the per-sensor columns' (_PER_SENSOR)
    #: width is the sensor count.
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
        "n_seen": ((1,), "i4", 0),
        "n_crowd": ((1,), "i4", 0),
        "n_denied": ((1,), "i4", 0),
        "miss_lp": ((), "f8", 0.0),
        "ident": ((), "i8", NO_IDENT),
        "sensors": ((), "i8", 0),
        "mode_c": ((), "?", False),
        "h_known": ((), "?", False),
        "t_confirmed": ((), "f8", np.nan),
        "t_height": ((), "f8", np.nan),
        "show": ((), "?", False),
        "vx": ((N_VERTICAL, 2), "f8", 0.0),
        "vcov": ((N_VERTICAL, 2, 2), "f8", 0.0),
        "vmu": ((N_VERTICAL,), "f8", 0.0),
        "vt": ((), "f8", np.nan),
    }

    alive: npt.NDArray[np.bool_]
    status: npt.NDArray[np.int8]
    id: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    P: npt.NDArray[np.float64]
    mu: npt.NDArray[np.float64]
    xc: npt.NDArray[np.float64]
    Pc: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]
    peak: npt.NDArray[np.float64]
    hits: npt.NDArray[np.int32]
    radar_hits: npt.NDArray[np.int32]
    t_first: npt.NDArray[np.float64]
    t_update: npt.NDArray[np.float64]
    t_seen: npt.NDArray[np.float64]
    n_seen: npt.NDArray[np.int32]
    n_crowd: npt.NDArray[np.int32]
    n_denied: npt.NDArray[np.int32]
    miss_lp: npt.NDArray[np.float64]
    ident: npt.NDArray[np.int64]
    sensors: npt.NDArray[np.int64]
    mode_c: npt.NDArray[np.bool_]
    h_known: npt.NDArray[np.bool_]
    t_confirmed: npt.NDArray[np.float64]
    t_height: npt.NDArray[np.float64]
    show: npt.NDArray[np.bool_]
    vx: npt.NDArray[np.float64]
    vcov: npt.NDArray[np.float64]
    vmu: npt.NDArray[np.float64]
    vt: npt.NDArray[np.float64]

    def __init__(self, capacity: int = 1024, n_sensors: int = 1) -> None:
        self.capacity = 0
        self.next_id = 1
        per_sensor = {n: ((n_sensors,), self.FIELDS[n][1], self.FIELDS[n][2]) for n in _PER_SENSOR}
        self.fields = dict(self.FIELDS, **per_sensor)
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
        self.cols = TrackColumns(*(getattr(self, name) for name in TrackColumns._fields))

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

    def count_gated(self, rows: IntArray, picked: IntArray, sensor: int) -> None:
        """Count a scan of `sensor` for each track that gated more than one plot more likely than
        clutter (rows: the gated pairs' tracks, picked: the tracks the assignment gave a plot).
        One object gives one plot a scan; a flock gives several, so this tells a flock's track from
        a drone's where detection rates cannot. And a track that gated a plot another track got,
        and got none, is counted denied: its object may have made that plot (two objects close,
        one plot between them), so the scan is no miss of it (a flock's members, each seen with a
        bird's Pd, otherwise looked missed as often as a drone is)."""
        r, n = np.unique(rows, return_counts=True)
        self.n_crowd[r[n > 1], sensor] += 1
        self.n_denied[np.setdiff1d(r, picked), sensor] += 1

    def free(self, rows: IntArray) -> None:
        self.alive[rows] = False

    def rows(self) -> IntArray:
        return np.flatnonzero(self.alive)

    def __len__(self) -> int:
        return int(self.alive.sum())


__all__ = ["CONFIRMED", "TENTATIVE", "TrackColumns", "TrackTable"]
