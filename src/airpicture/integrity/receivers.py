"""Receiver misses: with two or more ADS-B receivers, a broadcast one hears and another, which
should hear it, does not (reports.py explains the likelihood ratio).

Each report of an address by a receiver `a` is a look for every other receiver `b` that should
hear that broadcast: the position is well inside b's range (`receiver_inside` of it) and clearly
above its horizon (`receiver_min_elevation_deg` over the 4/3 Earth), and b is alive there (it heard
another address within `receiver_near_deg` cells of it in the last `receiver_alive_s`). A look is
a hit when b reported the address within half its update period of that time. Looks are counted
once per address, receiver and update period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from airpicture.config import ReportIntegritySettings
from airpicture.sensors import K_FACTOR, AdsbSheet, SensorSheet
from airpicture.types import FloatArray, IntArray

EARTH_RADIUS_M = 6371000.0
#: looks worth of prior on a receiver's reception rate (its sheet's 1 - p_loss) before measured hits count
PRIOR_LOOKS = 200.0


class ReceiverLooks:
    """Looks and hits of each ADS-B receiver, window by window; `score` gives each report's
    address the log10 LR spoofed : real of the looks of this window."""

    def __init__(self, sheets: Sequence[SensorSheet], settings: ReportIntegritySettings) -> None:
        self.st = settings
        #: the fixed ADS-B receivers that state a range, by sensor index
        self.sheets = {
            i: s for i, s in enumerate(sheets) if isinstance(s, AdsbSheet) and not s.moving and s.max_range_m
        }
        self.rx = sorted(self.sheets)
        # measured reception: looks and hits per receiver, starting from the sheet's p_loss
        self.looks = {b: PRIOR_LOOKS for b in self.rx}
        self.hits = {b: PRIOR_LOOKS * sheets[b].p_detect for b in self.rx}
        self._tail = np.zeros(0, dtype=[("t", "f8"), ("ident", "i8"), ("sensor", "i4"),
                                        ("lat", "f8"), ("lon", "f8")])  # fmt: skip

    @property
    def active(self) -> bool:
        return len(self.rx) >= 2

    def p_hear(self, b: int) -> float:
        """Per-look reception rate of receiver b: measured, from its sheet's prior."""
        p = self.hits[b] / self.looks[b]
        return float(min(max(p, self.st.p_heard_spoofed + 0.01), 0.99))

    def score(self, reports: npt.NDArray[np.void], until: float) -> tuple[IntArray, FloatArray]:
        """(idents, log10 LR) of the addresses looked at in this window's reports."""
        st = self.st
        cur = np.zeros(len(reports), self._tail.dtype)
        cur["t"], cur["ident"], cur["sensor"] = reports["time_s"], reports["ident"], reports["sensor"]
        cur["lat"], cur["lon"] = reports["lat"], reports["lon"]
        known = np.concatenate([self._tail, cur])
        known = known[np.isfinite(known["lat"]) & np.isfinite(known["lon"])]
        self._tail = known[known["t"] >= until - st.receiver_alive_s]
        out_id: list[IntArray] = []
        out_llr: list[FloatArray] = []
        pos = reports[np.isfinite(reports["lat"]) & np.isfinite(reports["lon"])]
        for b in self.rx:
            sheet = self.sheets[b]
            looks = pos[pos["sensor"] != b]
            if not len(looks) or sheet.max_range_m is None:
                continue
            period = sheet.update_period_s
            slot = np.floor(looks["time_s"] / period).astype(np.int64)
            _, first = np.unique(looks["ident"] << 24 | (slot - slot.min()), return_index=True)
            looks = looks[np.sort(first)]
            ground = _ground_m(sheet.lat, sheet.lon, looks["lat"], looks["lon"])
            alt = np.where(np.isfinite(looks["altitude_m"]), looks["altitude_m"], 0.0)
            # elevation over the 4/3 Earth: near the horizon terrain and the antenna's pattern
            # make reception unreliable, so only what is clearly above it should be heard
            up = alt - sheet.alt_m - ground**2 / (2 * K_FACTOR * EARTH_RADIUS_M)
            clear = np.arctan2(up, np.maximum(ground, 1.0)) >= np.radians(st.receiver_min_elevation_deg)
            should = clear & (ground <= st.receiver_inside * sheet.max_range_m)
            if not should.any():
                continue
            looks = looks[should]
            heard = known[known["sensor"] == b]
            should = _alive_near(heard, looks, st.receiver_near_deg, st.receiver_alive_s)
            looks = looks[should]
            if not len(looks):
                continue
            hit = _heard(heard, looks, 0.5 * period)
            p, ps = self.p_hear(b), st.p_heard_spoofed
            on_hit, on_miss = np.log10(ps / p), np.log10((1 - ps) / (1 - p))
            llr = (on_hit * hit + on_miss * ~hit) / st.looks_per_independent
            self.looks[b] += len(looks)
            self.hits[b] += int(hit.sum())
            out_id.append(looks["ident"])
            out_llr.append(llr)
        if not out_id:
            return np.zeros(0, np.int64), np.zeros(0)
        ids, inv = np.unique(np.concatenate(out_id), return_inverse=True)
        return ids, np.bincount(inv, weights=np.concatenate(out_llr), minlength=len(ids)).astype(np.float64)


def _ground_m(lat0: float, lon0: float, lat: FloatArray, lon: FloatArray) -> FloatArray:
    p0, p = np.radians(lat0), np.radians(lat)
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(np.radians(lon - lon0) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0))))


def _alive_near(
    heard: np.ndarray, looks: np.ndarray, cell_deg: float, alive_s: float
) -> npt.NDArray[np.bool_]:
    """Whether the receiver heard another address within a cell of each look's position lately."""
    out = np.zeros(len(looks), bool)
    if not len(heard):
        return out
    ci = np.floor(heard["lat"] / cell_deg).astype(np.int64)
    cj = np.floor(heard["lon"] / cell_deg).astype(np.int64)
    cells: dict[tuple[int, int], set[int]] = {}
    for i, j, x in zip(ci.tolist(), cj.tolist(), heard["ident"].tolist(), strict=True):
        s = cells.setdefault((i, j), set())
        if len(s) < 2:
            s.add(x)
    li = np.floor(looks["lat"] / cell_deg).astype(np.int64).tolist()
    lj = np.floor(looks["lon"] / cell_deg).astype(np.int64).tolist()
    for k, (i, j, x) in enumerate(zip(li, lj, looks["ident"].tolist(), strict=True)):
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                there = cells.get((i + di, j + dj))
                if there and (len(there) > 1 or x not in there):
                    out[k] = True
                    break
            if out[k]:
                break
    return out


def _heard(heard: np.ndarray, looks: np.ndarray, tol: float) -> npt.NDArray[np.bool_]:
    """Whether the receiver reported each look's address within tol s of its time."""
    order = np.lexsort((heard["t"], heard["ident"]))
    hid, ht = heard["ident"][order], heard["t"][order]
    lo = np.searchsorted(hid, looks["ident"], "left")
    hi = np.searchsorted(hid, looks["ident"], "right")
    out = np.zeros(len(looks), bool)
    for k in np.flatnonzero(hi > lo).tolist():
        seg = ht[lo[k] : hi[k]]
        j = np.searchsorted(seg, looks["time_s"][k] - tol)
        out[k] = j < len(seg) and seg[j] <= looks["time_s"][k] + tol
    return out


__all__ = ["ReceiverLooks"]
