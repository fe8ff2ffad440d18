"""Integrity figures: does the tracker flag the spoofed ADS-B ghosts, how fast, and does it flag real
aircraft (FORMAT.md "integrity", the definitions of score.py).

A ghost (an ICAO address in the scenario's ghosts.csv) is flagged when some tracks.csv row with
that identity says `suspect` or `spoofed`. Its seconds to flag run from its first report in
adsb.csv to the earliest such row; the figure is their median. Any other identity with such a row
is a real one flagged. Identities compare case-blind. Every row counts, spoofed ones included,
whatever span the tracking figures score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from airpicture.types import FloatArray, Integrity


@dataclass
class IntegrityScores:
    """ghosts: in ghosts.csv; flagged: ghosts flagged; median_s_to_flag: None when no flagged ghost
    has a report; real_flagged: other identities flagged. s_to_flag: flagged ghost -> seconds from
    its first report to its flag; not_flagged, real_flagged_ids: the names behind the counts."""

    ghosts: int
    flagged: int
    median_s_to_flag: float | None
    real_flagged: int
    s_to_flag: dict[str, float]
    not_flagged: list[str]
    real_flagged_ids: list[str]

    def as_dict(self) -> dict[str, object]:
        """score.py's "integrity" figures, rounded as it rounds them."""
        med = self.median_s_to_flag
        return {
            "ghosts": self.ghosts,
            "flagged": self.flagged,
            "median_s_to_flag": None if med is None else round(med, 1),
            "real_flagged": self.real_flagged,
        }


def first_flags(t: FloatArray, identity: np.ndarray, integrity: np.ndarray) -> dict[str, float]:
    """Identity (lower case) -> time of its first row marked suspect or spoofed.

    t : (R,) float64 row times (s); identity, integrity : (R,) str as tracks.csv has them.
    """
    marks = (Integrity.SUSPECT.label, Integrity.SPOOFED.label)
    flag = np.isin(integrity, marks) & (identity != "")
    names, inv = np.unique(np.char.lower(identity[flag].astype(str)), return_inverse=True)
    when = np.full(len(names), np.inf)
    np.minimum.at(when, inv.reshape(-1), t[flag])
    return dict(zip(names.tolist(), when.tolist(), strict=True))


def score_integrity(
    ghosts: dict[str, float], t: FloatArray, identity: np.ndarray, integrity: np.ndarray
) -> IntegrityScores:
    """Score the rows' flags against the ghosts (lower-case ICAO address -> first report time, NaN
    if never reported; `airpicture.eval.truth.read_ghosts`). t, identity, integrity : (R,) rows."""
    flagged = first_flags(t, identity, integrity)
    found = sorted(g for g in ghosts if g in flagged)
    delay = {g: flagged[g] - ghosts[g] for g in found if not math.isnan(ghosts[g])}
    real = sorted(set(flagged) - set(ghosts))
    return IntegrityScores(
        ghosts=len(ghosts),
        flagged=len(found),
        median_s_to_flag=float(np.median(list(delay.values()))) if delay else None,
        real_flagged=len(real),
        s_to_flag=delay,
        not_flagged=sorted(set(ghosts) - set(found)),
        real_flagged_ids=real,
    )


__all__ = ["IntegrityScores", "first_flags", "score_integrity"]
