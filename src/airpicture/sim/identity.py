"""Names and ICAO addresses of simulated objects, and the no-transponder rule of FORMAT.md.

The scenario scorer decides which low aircraft carry no transponder from the aircraft's name
alone: a 32-bit FNV-1a hash of the name, mapped to [0, 1), below `p_no_transponder`. The simulator
follows the same rule, so the scorer's idea of which aircraft ADS-B could see is the simulator's.
"""

from __future__ import annotations

import numpy as np

from airpicture.types import BoolArray, FloatArray, IntArray

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def icao_hash_unit(icao: IntArray) -> FloatArray:
    """FNV-1a (32 bit) of each address written as 6 lowercase hex digits, scaled to [0, 1).

    icao : (N,) int64 24-bit addresses -> (N,) float64.
    """
    a = np.asarray(icao, dtype=np.uint64)
    h = np.full(a.shape, _FNV_OFFSET, dtype=np.uint64)
    for k in range(5, -1, -1):
        nib = (a >> np.uint64(4 * k)) & np.uint64(0xF)
        ch = np.where(nib < 10, nib + np.uint64(48), nib + np.uint64(87))  # '0'-'9', 'a'-'f'
        h = ((h ^ ch) * np.uint64(_FNV_PRIME)) & np.uint64(0xFFFFFFFF)
    return h.astype(np.float64) / 2.0**32


class IcaoAllocator:
    """Hands out unique random ICAO addresses, each on the wanted side of the no-transponder hash."""

    def __init__(self, rng: np.random.Generator, p_silent: float) -> None:
        self.rng = rng
        self.p = p_silent
        self.used: set[int] = set()

    def draw(self, silent_side: BoolArray | None, n: int = 0) -> IntArray:
        """New addresses. silent_side : (N,) bool: True wants hash < p, False wants hash >= p;
        None: `n` addresses, either side. Raises ValueError when a side cannot exist (p of 0 or 1)."""
        want = np.full(n, -1, np.int8) if silent_side is None else np.asarray(silent_side, np.int8)
        if (self.p <= 0.0 and (want == 1).any()) or (self.p >= 1.0 and (want == 0).any()):
            raise ValueError("no address can satisfy the requested side of p_no_transponder")
        out = np.full(len(want), -1, dtype=np.int64)
        for side in (1, 0, -1):
            slots = np.flatnonzero(want == side)
            got: list[int] = []
            while len(got) < len(slots):
                cand = self.rng.integers(0x000001, 0xF00000, size=2 * (len(slots) - len(got)) + 8)
                if side >= 0:
                    cand = cand[(icao_hash_unit(cand) < self.p) == bool(side)]
                for c in cand.tolist():
                    if c not in self.used and len(got) < len(slots):
                        self.used.add(c)
                        got.append(c)
            out[slots] = got
        return out


__all__ = ["IcaoAllocator", "icao_hash_unit"]
