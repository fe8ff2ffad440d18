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
from airpicture.integrity.kernels import HEARD_COLUMNS, L10, T_REF, VE, VN, T, remember, twins
from airpicture.track.geometry import earth
from airpicture.track.measurement import prepare_reports
from airpicture.types import REMOTEID_BIT, BoolArray, FloatArray, IntArray

#: Seconds of reports that a climb or turn is measured over.
SLOPE_S = 10.0
#: An address takes part in the comparison while its last report is at most this old (s).
HEARD_S = 5.0
#: Two addresses' reports are compared when this close in time (s): within one broadcast period.
SAME_TIME_S = 0.5
#: A twin stays a twin this long (s) without a comparison (lost messages).
HOLD_S = 10.0
#: The report fields the memory reads, in the order `remember` and `prepare_reports` take them.
REPORT_COLUMNS = ("time_s", "lat", "lon", "altitude_m", "speed_mps", "track_rad", "vrate_mps")
UNIT_VARIANCES = np.ones(6)
#: How often (s) addresses not heard for forget_s are swept out.
FORGET_EVERY_S = 10.0


class HeardAddresses:
    """The last broadcast of each address and its twin evidence: one memory row per address
    (kernels.HEARD_COLUMNS), rows sorted by address."""

    def __init__(self, frame: EnuFrame, settings: IntegritySettings) -> None:
        self.frame = frame
        self.earth = earth(frame, frame.alt0, frame.lat0)
        self.settings = st = settings
        self.ident = np.zeros(0, np.int64)
        self.mem = np.zeros((0, HEARD_COLUMNS))
        self.twin = np.zeros(0, np.int64)
        self.stateless = np.zeros(0, bool)
        self._t_prev = -np.inf
        self._t_forgot = -np.inf
        self._rules_r = (SLOPE_S, st.manoeuvre_vrate_mps, float(np.radians(1.0)))
        self._rules_t = (
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

    @property
    def l10(self) -> FloatArray:
        """Each address's twin log10 LR (an address not heard lately keeps it until forgotten)."""
        return self.mem[:, L10]

    def observe(self, reports: np.ndarray, until: float) -> None:
        """One window's reports (REPORT_DTYPE, time-ordered); the twins compared at `until`."""
        ok = (reports["ident"] >= 0) & ((reports["ident"] & REMOTEID_BIT) == 0)
        ok &= np.isfinite(reports["lat"]) & np.isfinite(reports["altitude_m"])
        ok &= np.isfinite(reports["speed_mps"]) & np.isfinite(reports["track_rad"])
        r = reports[ok]
        if len(r):
            # the last report of each address in the window
            ids, first = np.unique(r["ident"][::-1], return_index=True)
            last = r[::-1][first]
            cols = [np.ascontiguousarray(last[c]) for c in REPORT_COLUMNS]
            # the tracker's own conversion to site ENU (its velocity is not used: a replay repeats
            # the broadcast one, in the aircraft's own frame)
            t, lat, lon, alt, speed, trk, vrate = cols
            z, _, _ = prepare_reports(lat, lon, alt, speed, trk, vrate, self.earth, UNIT_VARIANCES)
            rep = (t, z[:, 0].copy(), z[:, 1].copy(), alt, speed, trk, vrate)
            rows = self._rows(ids)  # (before reading self.mem: new addresses replace it)
            remember(self.mem, rows, rep, self._rules_r)
        dt = until - self._t_prev if np.isfinite(self._t_prev) else 0.0
        self._t_prev = until
        m = self.mem
        speed = np.hypot(m[:, VE], m[:, VN])
        live = np.flatnonzero((until - m[:, T] <= HEARD_S) & (speed >= self.settings.twin_min_speed_mps))
        twins(m, live, self.ident, self.twin, until, max(dt, 0.0), self._rules_t)
        if not until - self._t_forgot < FORGET_EVERY_S:
            self._t_forgot = until
            self._forget(until)

    def evidence(self, idents: IntArray) -> tuple[FloatArray, IntArray, BoolArray]:
        """(log10 LR of being one of a replay pair, the twin's address or -1, and (2, N) whether
        no state holds the address, and the twin's) per identity."""
        l10, twin = np.zeros(len(idents)), np.full(len(idents), -1, np.int64)
        stateless = np.zeros((2, len(idents)), bool)
        if not (self.mem[:, L10] > 0.0).any():  # the usual case: no twins anywhere
            return l10, twin, stateless
        known, pos = self._find(idents)
        l10[known] = self.mem[pos[known], L10]
        twin[known] = np.where(l10[known] > 0, self.twin[pos[known]], -1)
        stateless[0, known] = self.stateless[pos[known]]
        has = twin >= 0
        t_known, t_pos = self._find(twin[has])
        stateless[1, np.flatnonzero(has)[t_known]] = self.stateless[t_pos[t_known]]
        return l10, twin, stateless

    def _find(self, idents: IntArray) -> tuple[BoolArray, IntArray]:
        pos = np.minimum(np.searchsorted(self.ident, idents), max(len(self.ident) - 1, 0))
        return (self.ident[pos] == idents) if len(self.ident) else np.zeros(len(idents), bool), pos

    def _rows(self, ids: IntArray) -> IntArray:
        """Memory rows of the (sorted) addresses; new ones get a fresh row."""
        known, pos = self._find(ids)
        if not known.all():
            new = ids[~known]
            n = len(new)
            fresh = np.zeros((n, HEARD_COLUMNS))
            fresh[:, T_REF] = -np.inf
            ident = np.concatenate([self.ident, new])
            order = np.argsort(ident, kind="stable")
            self.ident = ident[order]
            self.mem = np.concatenate([self.mem, fresh])[order]
            self.twin = np.concatenate([self.twin, np.full(n, -1, np.int64)])[order]
            stateless = np.array([_stateless(int(i)) for i in new.tolist()], bool)
            self.stateless = np.concatenate([self.stateless, stateless])[order]
            pos = np.searchsorted(self.ident, ids)
        return pos

    def _forget(self, now: float) -> None:
        keep = ~(self.mem[:, T] < now - self.settings.forget_s)
        if not keep.all():
            self.ident, self.mem = self.ident[keep], self.mem[keep]
            self.twin, self.stateless = self.twin[keep], self.stateless[keep]


def _stateless(icao: int) -> bool:
    """Whether no state holds the ICAO address (rs1090's allocation table)."""
    state = rs1090.aircraft_information(f"{icao:06x}").get("country", "")
    return state in ("", "Unknown") or state.startswith(("ICAO", "Unassigned"))


__all__ = ["HeardAddresses"]
