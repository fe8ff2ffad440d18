"""GNSS interference map: the share of aircraft whose broadcast position quality is degraded, per H3
cell and time bin, as gpsjam.org maps it (its page's source: H3 resolution 4, one bin a day, a cell
coloured by (bad - 1) / (good + bad): below 2 % green, 2-10 % yellow, from 10 % red).

An aircraft's position quality is what it says of itself in each airborne position message
(`MESSAGE_DTYPE` rows of `sources.modes`): NIC from the type code and supplements, NACp from its
latest operational status (<= 100 s old), NUCp for version 0. A message is

  degraded  when a known NIC < nic_min, or a known NACp < nacp_min, or (no NIC known) NUCp < nucp_min;
  good      when at least one of them is known and none is degraded;
  unrated   when none is known (-1): no evidence either way, counted apart, never as good.

Per (cell, bin, aircraft) the flags of its messages are OR-ed: an aircraft is counted once per cell
and bin (distinct addresses, not messages), as degraded if any of its rated messages there was
degraded, as good if it was rated and never degraded, and as unrated if none of its messages there
was rated. A cell and bin is probable interference when it has at least min_aircraft rated
aircraft and (degraded - 1) / aircraft >= share_red: one aircraft alone is an equipment fault.

Limits: the cell is where the aircraft said it was. A jammed aircraft may report a position that
drifts (inertial), or none at all (type code 0): such an aircraft is mapped where it says, or not
at all. Surface positions are left out: on the ground GNSS is masked by buildings and a receiver
still acquiring reports NACp 0, which is not interference.

State is bounded: rows of bins that ended more than keep_s before the newest message time are
dropped (and messages that old are counted as `late` rejects). One `GnssMap` serves the batch
command (`airpicture gnss`) and the live feeds (`add` from the feed thread, `cells` from the
consumer's: a lock guards the state).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import h3
import numpy as np
import numpy.typing as npt

from airpicture.config import GnssSettings
from airpicture.sources.modes import MessageArray
from airpicture.types import BoolArray, FloatArray, IntArray, Rejects

#: flags of one (cell, bin, aircraft): OR of its messages' ratings
GOOD, DEGRADED, UNRATED = 1, 2, 4
#: merge the pending rows into the state once this many are waiting, whoever asks
MAX_PENDING = 200_000

U64 = npt.NDArray[np.uint64]


def rate(table: MessageArray, s: GnssSettings) -> npt.NDArray[np.uint8]:
    """GOOD / DEGRADED / UNRATED of each message (N,) from its nic, nacp, nucp (module docstring)."""
    nic, nacp, nucp = (table[k].astype(np.int16) for k in ("nic", "nacp", "nucp"))
    has_nic = nic >= 0
    bad = (has_nic & (nic < s.nic_min)) | ((nacp >= 0) & (nacp < s.nacp_min))
    bad |= ~has_nic & (nucp >= 0) & (nucp < s.nucp_min)
    rated = has_nic | (nacp >= 0) | (nucp >= 0)
    return np.where(bad, DEGRADED, np.where(rated, GOOD, UNRATED)).astype(np.uint8)


def cells_of(lat: FloatArray, lon: FloatArray, resolution: int) -> U64:
    """H3 cell (as uint64) of each position (h3 takes one point a call: ~1 us each)."""
    cell = h3.api.numpy_int.latlng_to_cell
    return np.fromiter(
        (cell(a, b, resolution) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)),
        dtype=np.uint64,
        count=len(lat),
    )


@dataclass(frozen=True)
class CellBins:
    """The map: one row per (cell, bin) with at least one aircraft, sorted by cell then bin.

    cell : (K,) uint64 H3 index (h3.int_to_str gives its text); start_s, end_s : (K,) the bin;
    aircraft : (K,) rated aircraft; degraded : (K,) of them degraded; unrated : (K,) aircraft with
    no rated message there; share : (K,) degraded / aircraft (NaN without rated aircraft);
    interference : (K,) bool; closed : (K,) bool, the bin ended before the newest message.
    """

    cell: U64
    start_s: FloatArray
    end_s: FloatArray
    aircraft: IntArray
    degraded: IntArray
    unrated: IntArray
    share: FloatArray
    interference: BoolArray
    closed: BoolArray

    def __len__(self) -> int:
        return len(self.cell)

    def latest(self) -> CellBins:
        """The newest bin of each cell."""
        return self.take(np.flatnonzero(np.append(self.cell[1:] != self.cell[:-1], True)))

    def current(self, min_aircraft: int) -> CellBins:
        """What a live map shows of each cell: its newest bin, or the bin just before while the
        newest is open and has fewer than min_aircraft rated aircraft (a bin a few seconds old
        says little yet)."""
        last = np.flatnonzero(np.append(self.cell[1:] != self.cell[:-1], True))
        prev = np.maximum(last - 1, 0)
        young = ~self.closed[last] & (self.aircraft[last] < min_aircraft) & (last > 0)
        young &= (self.cell[prev] == self.cell[last]) & (self.end_s[prev] == self.start_s[last])
        return self.take(np.where(young, prev, last))

    def take(self, rows: npt.NDArray[np.intp] | BoolArray) -> CellBins:
        return CellBins(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


def judge(aircraft: IntArray, degraded: IntArray, s: GnssSettings) -> BoolArray:
    """Probable interference: enough rated aircraft and (degraded - 1) / aircraft >= share_red."""
    n = np.maximum(aircraft, 1)
    return (aircraft >= s.min_aircraft) & ((degraded - 1) / n >= s.share_red)


class GnssMap:
    """Aggregates decoded Mode S messages into the interference map (module docstring)."""

    def __init__(self, settings: GnssSettings | None = None) -> None:
        self.s = settings or GnssSettings()
        self.rejects = Rejects("gnss")
        self.now_s = -math.inf  # newest message time seen (feed time)
        self.positions = 0  # airborne positions mapped
        # state: unique (cell, bin, icao) rows sorted in that order, and their flags
        self._cell: U64 = np.zeros(0, np.uint64)
        self._bin: IntArray = np.zeros(0, np.int64)
        self._icao: IntArray = np.zeros(0, np.int64)
        self._flags: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)
        self._pending: list[tuple[U64, IntArray, IntArray, npt.NDArray[np.uint8]]] = []
        self._n_pending = 0
        self._lock = threading.Lock()

    def add(self, table: MessageArray, now_s: float | None = None) -> int:
        """Map the airborne positions of a batch of decoded messages; returns how many were used.

        now_s: the feed time the batch brings the map to; default the batch's median time (one
        corrupted timestamp does not expire the whole map)."""
        t = table["time_s"]
        sel = np.isfinite(table["lat"]) & np.isfinite(table["lon"]) & ~table["surface"]
        sel &= (table["icao"] >= 0) & np.isfinite(t)
        odd = sel & ((np.abs(table["lat"]) > 90.0) | (np.abs(table["lon"]) > 180.0))
        if odd.any():  # no decoder here makes them; another source's table might
            self.rejects.add("bad_position", int(odd.sum()))
            sel &= ~odd
        m = table[sel]
        if not len(m):
            if now_s is not None:
                with self._lock:
                    self.now_s = max(self.now_s, now_s)
            return 0
        times = m["time_s"]
        b = np.floor(times / self.s.bin_s).astype(np.int64)
        cell = cells_of(m["lat"], m["lon"], self.s.resolution)
        flags = rate(m, self.s)
        with self._lock:
            self.now_s = max(self.now_s, float(np.median(times)) if now_s is None else now_s)
            keep = b >= self._first_bin()
            if not keep.all():
                self.rejects.add("late", int((~keep).sum()))
                b, cell, flags, m = b[keep], cell[keep], flags[keep], m[keep]
            self._pending.append((cell, b, m["icao"].astype(np.int64), flags))
            self._n_pending += len(b)
            self.positions += len(b)
            if self._n_pending >= MAX_PENDING:
                self._merge()
        return len(b)

    def cells(self) -> CellBins:
        """The map now: every (cell, bin) held, with its counts and verdict."""
        with self._lock:
            self._merge()
            cell, b, flags = self._cell, self._bin, self._flags
            now = self.now_s
        s = self.s
        if not len(cell):
            z = np.zeros(0)
            zi = np.zeros(0, np.int64)
            return CellBins(cell, z, z, zi, zi, zi, z, np.zeros(0, bool), np.zeros(0, bool))
        start = np.flatnonzero(np.r_[True, (cell[1:] != cell[:-1]) | (b[1:] != b[:-1])])
        rated = (flags & (GOOD | DEGRADED)) != 0
        aircraft = np.add.reduceat(rated.astype(np.int64), start)
        degraded = np.add.reduceat(((flags & DEGRADED) != 0).astype(np.int64), start)
        unrated = np.add.reduceat((~rated).astype(np.int64), start)
        t0 = (b[start] * s.bin_s).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(aircraft > 0, degraded / np.maximum(aircraft, 1), np.nan)
        return CellBins(
            cell=cell[start],
            start_s=t0,
            end_s=t0 + s.bin_s,
            aircraft=aircraft,
            degraded=degraded,
            unrated=unrated,
            share=share,
            interference=judge(aircraft, degraded, s),
            closed=t0 + s.bin_s <= now,
        )

    def state_size(self) -> int:
        """(cell, bin, aircraft) rows held, pending included (what keep_s bounds)."""
        with self._lock:
            return len(self._cell) + self._n_pending

    # -- state ------------------------------------------------------------------------------------
    def _first_bin(self) -> int:
        """The oldest bin kept: bins that ended keep_s before now are dropped."""
        oldest = self.now_s - self.s.keep_s
        return math.floor(oldest / self.s.bin_s) if math.isfinite(oldest) else -(1 << 62)

    def _merge(self) -> None:
        """Fold the pending rows into the sorted unique state and drop expired bins (lock held)."""
        first = self._first_bin()
        if not self._pending and (not len(self._bin) or self._bin.min() >= first):
            return
        parts = [(self._cell, self._bin, self._icao, self._flags), *self._pending]
        self._pending, self._n_pending = [], 0
        cell, b, icao, flags = (np.concatenate([p[k] for p in parts]) for k in range(4))
        live = b >= first
        cell, b, icao, flags = cell[live], b[live], icao[live], flags[live]
        order = np.lexsort((icao, b, cell))
        cell, b, icao, flags = cell[order], b[order], icao[order], flags[order]
        if len(cell):
            new = np.r_[True, (cell[1:] != cell[:-1]) | (b[1:] != b[:-1]) | (icao[1:] != icao[:-1])]
            start = np.flatnonzero(new)
            flags = np.bitwise_or.reduceat(flags, start)
            cell, b, icao = cell[start], b[start], icao[start]
        self._cell, self._bin, self._icao, self._flags = cell, b, icao, flags


def cell_name(cell: int | np.uint64) -> str:
    """The H3 index as its usual 15 hex digits."""
    return str(h3.int_to_str(int(cell)))


__all__ = ["DEGRADED", "GOOD", "UNRATED", "CellBins", "GnssMap", "cell_name", "cells_of", "judge", "rate"]
