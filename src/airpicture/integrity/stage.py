"""The integrity stage: which cooperative tracks' broadcasts the picture does not believe.

Each check gives, per track, a log10 likelihood ratio spoofed : real; `kernels.decide` adds them
up (the checks look at independent things) and marks the track `suspect` past
IntegritySettings.suspect_lr, `spoofed` past spoofed_lr, with the reason of the strongest piece
(types.IntegrityReason). The checks:
 * radar corroboration (RADAR_SILENT; radar.RadarCoverage, kernels.corroborate): a track with an
   identity inside a radar's sure coverage is judged by the radar's looks since it entered: a real
   object is hit with the sheet's Pd, a broadcast that nothing echoes only by a stray false plot
   (`p_stray_hit`). With Pd 0.9: four looks without a plot make it suspect, five spoofed; radars of
   different periods and Pd add their looks. It is corroborated, and cleared, once
   `corroborated_hits` plots have hit it and the evidence favours a real object. No evidence is
   no suspicion: a track no radar has looked at yet is `ok`. Where radar covers a track, this is
   the strongest evidence;
 * replay twins (REPLAY_TWIN; kernels.twins): a spoofer that replays a recorded flight elsewhere
   gives a second address with the same height and velocity as a real one, at a constant offset,
   in any phase of flight (compared on the broadcasts: heard.HeardAddresses). Time abeam of each
   other or manoeuvring together counts (in-trail traffic at one level agrees too, but one behind
   the other and not through turns). The LR is the inverse of the rate at which real pairs keep
   that up, measured on 3 h of real traffic (README, "Integrity"). A twin is spoofed when a radar
   corroborates its partner and not it, or when no state holds its address and its partner's is
   held (heard.py); when nothing tells them apart, both are suspect (either may be the replay),
   never spoofed on that alone;
 * the reports themselves (reports.ReportIntegrity: KINEMATICS, TWO_PLACES, BEYOND_RANGE,
   RECEIVER_MISS, QUALITY): positions no aircraft can fly between, one address in two places, a
   broadcast heard from beyond its receiver's range or horizon, receivers that should hear it and
   do not, quality fields its behaviour contradicts. Its module docstring derives each LR.
Found out once, a track stays spoofed when it leaves the coverage; only a radar seeing it as a real
object clears it. An identity found out stays found out in a new track of it (a spoofer's track is
cut often) for `spoof_memory_s`.

The stage remembers per track id the radar's looks since it entered coverage, and whether it was
found out and why (per address, what it last broadcast and its twin: heard.py); that memory
expires `forget_s` after the track was last in a picture (the tracker deletes a track after at
most a minute without measurements).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.config import IntegritySettings, ReportIntegritySettings
from airpicture.geo import EnuFrame
from airpicture.integrity.heard import HeardAddresses
from airpicture.integrity.kernels import corroborate, decide
from airpicture.integrity.radar import RadarCoverage
from airpicture.integrity.reports import ReportIntegrity
from airpicture.sensors import SensorSheet, load_sheets
from airpicture.track.base import Measurements
from airpicture.types import FloatArray, IntArray, Picture

#: How often (s of picture time) the memory of tracks long gone and old spoofed identities is swept.
FORGET_EVERY_S = 10.0


class TrackIntegrity:
    #: The per-track memory, one array each, kept sorted by track id.
    MEMORY = ("ids", "expected", "looks", "hits0", "flagged", "why", "last_s")

    """The integrity stage (an `IntegrityCheck`) for the sensors of a scenario or feed. `active`:
    indices of the sensors in use (default all): only they count for coverage; `settings`,
    `reports`: the checks' thresholds (the defaults when not given); `placed`: whether the ADS-B
    sheets say where the receivers really are (a live feed's sheet puts it at the site)."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None = None,
        active: list[int] | None = None,
        settings: IntegritySettings | None = None,
        reports: ReportIntegritySettings | None = None,
        placed: bool = True,
    ) -> None:
        self.settings = st = settings if settings is not None else IntegritySettings()
        self.coverage = RadarCoverage(sensors, site, platforms, active, st)
        self.heard = HeardAddresses(EnuFrame(*site), st)
        sheets = load_sheets(sensors)
        if not placed:  # where the receivers are is not known: no range, horizon or miss to judge
            sheets = [s.model_copy(update={"max_range_m": None}) if s.kind == "adsb" else s for s in sheets]
        self.reports = ReportIntegrity(sheets, site, reports)
        self.ids = np.zeros(0, np.int64)  # memory per track id, sorted by id
        self.expected = np.zeros(0)
        self.looks = np.zeros(0)
        self.hits0 = np.zeros(0, np.int64)
        self.flagged = np.zeros(0, bool)
        self.why = np.zeros(0, np.int8)
        self.last_s = np.zeros(0)
        self.spoofed: dict[int, tuple[float, int]] = {}  # identity -> (last time found spoofed, why)
        self._t_prev = -np.inf
        self._t_forgot = -np.inf
        self._rules_c = (st.corroborated_hits, st.p_stray_hit)
        self._rules_d = (st.corroborated_hits, float(np.log10(st.suspect_lr)), float(np.log10(st.spoofed_lr)))

    def observe(self, window: Measurements) -> None:
        """The measurements the picture to judge next was made from."""
        self.heard.observe(window.reports, window.until)
        self.reports.observe(window.reports, window.until, window.info)

    def judge(self, picture: Picture) -> Picture:
        t = picture.time_s
        dt = t - self._t_prev if np.isfinite(self._t_prev) else 0.0
        self._t_prev = t
        if not t - self._t_forgot < FORGET_EVERY_S:  # memory ages slowly: no need to look each picture
            self._t_forgot = t
            self._forget(t)
        n = len(picture)
        picture.integrity = np.zeros(n, np.int8)
        picture.integrity_reason = np.zeros(n, np.int8)
        picture.integrity_l10 = np.zeros(n)
        if not (picture.ident >= 0).any():  # no cooperative track: nothing to judge
            return picture
        rows = self._rows(picture)
        hits = picture.radar_hits if picture.radar_hits is not None else np.zeros(n, np.int32)
        looks = (self.expected[rows], self.looks[rows], self.hits0[rows])
        radar, seen = corroborate(picture.ident, hits, self.coverage.rates(picture), dt, looks, self._rules_c)
        twin, twin_ident, stateless = self.heard.evidence(picture.ident)
        partner = _rows_of(picture.ident, twin_ident)
        report, report_why = self.reports.evidence(picture.ident)
        flags = (self.flagged[rows], self.why[rows])
        known = sorted(self.spoofed.items())
        spoofed = (
            np.array([i for i, _ in known], np.int64),
            np.array([w for _, (_, w) in known], np.int8),
        )
        evidence = (radar, twin, report, report_why)
        integrity, reason, total, changed = decide(
            picture.ident, hits, evidence, seen, (partner, stateless), flags, spoofed, self._rules_d
        )
        self.expected[rows], self.looks[rows], self.hits0[rows] = looks
        self.flagged[rows], self.why[rows] = flags
        self.last_s[rows] = t
        if changed or flags[0].any():
            for r in np.flatnonzero(flags[0] & (picture.ident >= 0)).tolist():
                self.spoofed[int(picture.ident[r])] = (t, int(flags[1][r]))
            for i in picture.ident[seen].tolist():
                self.spoofed.pop(int(i), None)
        picture.integrity, picture.integrity_reason, picture.integrity_l10 = integrity, reason, total
        return picture

    def _rows(self, picture: Picture) -> IntArray:
        """Memory rows of the picture's tracks; a track seen for the first time gets a fresh one
        (no radar looks counted yet, its radar hits so far not evidence of this entry)."""
        ids = picture.track
        pos = np.searchsorted(self.ids, ids)
        known = np.zeros(len(ids), bool)
        if len(self.ids):
            known = (pos < len(self.ids)) & (self.ids[np.minimum(pos, len(self.ids) - 1)] == ids)
        if not known.all():
            new = ~known
            n = int(new.sum())
            fresh = {
                "ids": ids[new],
                "expected": np.zeros(n),
                "looks": np.zeros(n),
                "hits0": np.zeros(n, np.int64),
                "flagged": np.zeros(n, bool),
                "why": np.zeros(n, np.int8),
                "last_s": np.full(n, picture.time_s),
            }
            for name in self.MEMORY:
                setattr(self, name, np.concatenate([getattr(self, name), fresh[name]]))
            order = np.argsort(self.ids, kind="stable")
            for name in self.MEMORY:
                setattr(self, name, getattr(self, name)[order])
            pos = np.searchsorted(self.ids, ids)
        return pos

    def _forget(self, t: float) -> None:
        old = self.last_s < t - self.settings.forget_s
        if old.any():
            for name in self.MEMORY:
                setattr(self, name, getattr(self, name)[~old])
        for i in [i for i, (ts, _) in self.spoofed.items() if ts < t - self.settings.spoof_memory_s]:
            del self.spoofed[i]


def _rows_of(ident: IntArray, wanted: IntArray) -> IntArray:
    """The picture row of each wanted identity (-1: none, or not in the picture)."""
    order = np.argsort(ident, kind="stable")
    pos = np.minimum(np.searchsorted(ident[order], wanted), len(ident) - 1)
    found = (wanted >= 0) & (ident[order][pos] == wanted)
    return np.where(found, order[pos], -1)


__all__ = ["TrackIntegrity"]
