"""What each cooperative address last broadcast, brought to the picture's time: the state the
replay-twin check compares (kernels.twins). A replay repeats the broadcast values (height to the
25 ft step, speed, track), which a tracker's filtered states blur, so the check reads the reports.

Climb and turn come from the reports themselves, over at least `SLOPE_S` (a 25 ft step over one
second would be a 7.6 m/s climb). Only addresses heard within `HEARD_S` and flying faster than
IntegritySettings.twin_min_speed_mps take part: slow or hovering objects agree in velocity
trivially, and the rate real pairs agree was measured on airborne aircraft. Remote ID serials are
not ADS-B broadcasts and do not take part. An address not heard for forget_s is forgotten.

Each address is also looked up once in the ICAO allocation of 24-bit addresses to states (rs1090's
table): one that no state holds (ICAO's temporary block, unassigned blocks) is what a spoofer that
makes an address up gives. It is no evidence alone (ICAO hands temporary addresses out), but it
tells which of a replay pair is the replay when nothing else does.
"""

from __future__ import annotations

import numpy as np
import rs1090

from airpicture.config import IntegritySettings
from airpicture.geo import EnuFrame
from airpicture.integrity.kernels import twins
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray

#: Seconds of reports that a climb or turn is measured over.
SLOPE_S = 10.0
#: An address takes part in the comparison while its last report is at most this old (s).
HEARD_S = 5.0
#: Two addresses' reports are compared when this close in time (s): within one broadcast period.
SAME_TIME_S = 0.5
#: A twin stays a twin this long (s) without a comparison (lost messages).
HOLD_S = 10.0


class HeardAddresses:
    """The last broadcast of each address and its twin evidence (arrays sorted by address)."""

    FIELDS = ("ident", "t", "e", "n", "h", "ve", "vn", "climb", "turn", "t_ref", "h_ref", "trk_ref",
              "man", "twin", "twin_s", "twin_last", "twin_counts", "l10", "stateless")  # fmt: skip

    def __init__(self, frame: EnuFrame, settings: IntegritySettings) -> None:
        self.frame = frame
        self.settings = st = settings
        self.ident = np.zeros(0, np.int64)
        self.t, self.e, self.n, self.h, self.ve, self.vn = (np.zeros(0) for _ in range(6))
        self.climb, self.turn, self.t_ref, self.h_ref, self.trk_ref = (np.zeros(0) for _ in range(5))
        self.man = np.zeros(0, bool)
        self.twin = np.zeros(0, np.int64)
        self.twin_s, self.twin_last, self.l10 = np.zeros(0), np.zeros(0), np.zeros(0)
        self.twin_counts = np.zeros(0, bool)
        self.stateless = np.zeros(0, bool)
        self._t_prev = -np.inf
        self._rules = (
            st.twin_alt_m,
            st.twin_speed_mps,
            st.twin_separation_m,
            st.twin_cos_in_trail,
            float(np.log10(1.0 / st.twin_rate_per_pair_hour)),
            st.twin_min_s,
            st.twin_tail_s,
            SAME_TIME_S,
            HOLD_S,
        )

    def observe(self, reports: np.ndarray, until: float) -> None:
        """One window's reports (REPORT_DTYPE, time-ordered); the twins compared at `until`."""
        ok = (reports["ident"] >= 0) & ((reports["ident"] & REMOTEID_BIT) == 0)
        ok &= np.isfinite(reports["lat"]) & np.isfinite(reports["altitude_m"])
        ok &= np.isfinite(reports["speed_mps"]) & np.isfinite(reports["track_rad"])
        r = reports[ok]
        if len(r):
            # the last report of each address in the window
            ids, first = np.unique(r["ident"][::-1], return_index=True)
            self._update(ids, r[::-1][first])
        dt = until - self._t_prev if np.isfinite(self._t_prev) else 0.0
        self._t_prev = until
        self._compare(until, max(dt, 0.0))
        self._forget(until)

    def evidence(self, idents: IntArray) -> tuple[FloatArray, IntArray, BoolArray]:
        """(log10 LR of being one of a replay pair, the twin's address or -1, and (2, N) whether
        no state holds the address, and the twin's) per identity."""
        l10, twin = np.zeros(len(idents)), np.full(len(idents), -1, np.int64)
        stateless = np.zeros((2, len(idents)), bool)
        if not len(self.ident):
            return l10, twin, stateless
        known, pos = self._find(idents)
        l10[known] = self.l10[pos[known]]
        twin[known] = np.where(l10[known] > 0, self.twin[pos[known]], -1)
        stateless[0, known] = self.stateless[pos[known]]
        has = twin >= 0
        t_known, t_pos = self._find(twin[has])
        stateless[1, np.flatnonzero(has)[t_known]] = self.stateless[t_pos[t_known]]
        return l10, twin, stateless

    def _find(self, idents: IntArray) -> tuple[BoolArray, IntArray]:
        pos = np.minimum(np.searchsorted(self.ident, idents), max(len(self.ident) - 1, 0))
        return (self.ident[pos] == idents) if len(self.ident) else np.zeros(len(idents), bool), pos

    def _update(self, ids: IntArray, last: np.ndarray) -> None:
        pos = np.searchsorted(self.ident, ids)
        known = np.zeros(len(ids), bool)
        if len(self.ident):
            known = (pos < len(self.ident)) & (self.ident[np.minimum(pos, len(self.ident) - 1)] == ids)
        if not known.all():
            n = int((~known).sum())
            fresh: dict[str, np.ndarray] = {name: np.zeros(n) for name in self.FIELDS}
            fresh["ident"], fresh["twin"] = ids[~known], np.full(n, -1, np.int64)
            fresh["man"], fresh["twin_counts"] = np.zeros(n, bool), np.zeros(n, bool)
            fresh["stateless"] = np.array([_stateless(int(i)) for i in ids[~known].tolist()], bool)
            fresh["t_ref"] = np.full(n, -np.inf)
            for name in self.FIELDS:
                setattr(self, name, np.concatenate([getattr(self, name), fresh[name]]))
            order = np.argsort(self.ident, kind="stable")
            for name in self.FIELDS:
                setattr(self, name, getattr(self, name)[order])
            pos = np.searchsorted(self.ident, ids)
        enu = self.frame.to_enu(last["lat"], last["lon"], last["altitude_m"])
        t, h, trk = last["time_s"], last["altitude_m"], last["track_rad"]
        self.t[pos], self.e[pos], self.n[pos], self.h[pos] = t, enu[:, 0], enu[:, 1], h
        self.ve[pos] = last["speed_mps"] * np.sin(trk)
        self.vn[pos] = last["speed_mps"] * np.cos(trk)
        # climb and turn over at least SLOPE_S; a reference older than a minute starts afresh
        span = t - self.t_ref[pos]
        due = span >= SLOPE_S
        stale = ~(span < 60.0)
        climb = np.where(due, (h - self.h_ref[pos]) / np.where(due, span, 1.0), 0.0)
        turn = np.where(due, np.angle(np.exp(1j * (trk - self.trk_ref[pos]))) / np.where(due, span, 1.0), 0.0)
        vrate = last["vrate_mps"]
        climb = np.where(np.isfinite(vrate), vrate, climb)
        man = (np.abs(climb) > self.settings.manoeuvre_vrate_mps) | (np.abs(turn) > np.radians(1.0))
        self.man[pos] = np.where(due & ~stale, man, self.man[pos] & ~stale)
        self.climb[pos] = np.where(due, climb, np.where(stale, 0.0, self.climb[pos]))
        self.turn[pos] = np.where(due, turn, np.where(stale, 0.0, self.turn[pos]))
        reset = due | stale
        self.t_ref[pos] = np.where(reset, t, self.t_ref[pos])
        self.h_ref[pos] = np.where(reset, h, self.h_ref[pos])
        self.trk_ref[pos] = np.where(reset, trk, self.trk_ref[pos])

    def _compare(self, now: float, dt: float) -> None:
        age = now - self.t
        speed = np.hypot(self.ve, self.vn)
        live = np.flatnonzero((age <= HEARD_S) & (speed >= self.settings.twin_min_speed_mps))
        if len(live) < 2:  # (an address not heard lately keeps its evidence until forgotten)
            return
        # e, n brought to now for the geometry; height and velocity as broadcast, compared
        # between reports of about the same time
        a = age[live]
        state = np.column_stack(
            [self.e[live] + self.ve[live] * a, self.n[live] + self.vn[live] * a, self.h[live],
             self.ve[live], self.vn[live]]
        )  # fmt: skip
        memory = (self.ident[live], self.twin[live], self.twin_s[live], self.twin_last[live],
                  self.twin_counts[live])  # fmt: skip
        self.l10[live] = twins(state, self.t[live], self.man[live], memory, now, dt, self._rules)
        self.twin[live], self.twin_s[live], self.twin_last[live], self.twin_counts[live] = memory[1:]

    def _forget(self, now: float) -> None:
        old = self.t < now - self.settings.forget_s
        if old.any():
            for name in self.FIELDS:
                setattr(self, name, getattr(self, name)[~old])


def _stateless(icao: int) -> bool:
    """Whether no state holds the ICAO address (rs1090's allocation table)."""
    state = rs1090.aircraft_information(f"{icao:06x}").get("country", "")
    return state in ("", "Unknown") or state.startswith(("ICAO", "Unassigned"))


__all__ = ["HeardAddresses"]
