"""Spoofing evidence from the cooperative reports themselves (ADS-B), without radar.

`ReportIntegrity.observe(reports, until)` reads each window's reports; `evidence(idents)` gives
per address a log10 likelihood ratio spoofed : real and the reason of its strongest piece
(airpicture.types.IntegrityReason). Each piece is a log10 LR added to the address's memory when
it is seen and halved every `half_life_s` of report time after (a real aircraft with one bad
stretch long ago clears); an address's memory goes `forget_s` after its last report.

KINEMATICS, positions no aircraft can fly between (readsb's `track.c` `speed_check` is the
reference). A position is checked against the address's last believed one: it may lie
`position_slack_m` (+ 6 sigma of the receiver's position noise) plus (dt + `time_jitter_s`) x
(`speed_margin` x the larger of the broadcast ground speeds + `accel_mps2` x dt) away, and its
altitude `altitude_slack_m` + (dt + jitter) x max(1.5 x |broadcast vertical rate|,
`max_climb_mps`). Kept from readsb: the speed margin (1.3), the 3 kt/s of stale speed, the 900 kt
guess without a velocity, the 2000 kt cap, and the larger of the current and the earlier speed
(here the highest recent one, let fall by `accel_mps2` a second: one message of 0 m/s does not
stop an aircraft). Changed: the slack is larger (300 m, not 30 m) because reports here carry
receiver noise and times from feeds whose clocks jitter by up to a second; and along its own
broadcast track a position may be `fix_time_error_s` of flight ahead or behind (readsb's
track-direction bonus lets positions run forward; real state-vector recordings also label fixes
with a neighbouring message's time, several seconds off, both ways). Left out: readsb's
per-receiver garbage counters (a decoder's business). A position whose horizontal position fits but
whose altitude jumps is a garbled altitude (Gillham codes, another aircraft's reply: 4 in 10,000
real reports), no evidence unless it is sustained in place of the track. A broadcast velocity
that differs from the last by more than `max_accel_mps2` (9 g) allows, and by more than
`velocity_change_share` of the speed, is a turn no aircraft flies: an outlier (once, however many
receivers copy it). A position that fails is held as a candidate, not believed:
  * isolated errors (a bad CPR decode, a corrupted time): nothing confirms the candidate within
    `candidate_s`. Each adds log10(p_s / p_r) (p_r = `p_outlier_real`, the share of a real
    aircraft's reports that fail: 0.002, against 0.000004 measured on the 3 h of quickstart.json.gz
    and 0.0007 at worst on the other recordings, a glider's; p_s = `p_outlier_spoofed`, a spoofer
    that jitters its positions) and every position that fits takes log10((1 - p_s) / (1 - p_r)) off: the
    binomial LR of the outlier count, so one outlier among real reports is never enough, a
    steady rate of them is;
  * a sustained jump: `confirm_reports` positions agree with one another away from the track,
    and the track is not heard meanwhile. Under "real" that needs that many errors in a row that
    agree, p_r ** k; under "spoofed" a jump is always sustained: log10 LR = k log10(1 / p_r),
    capped at `event_log10_lr`. The address's track moves there;
  * two places at once: the same, while the old track keeps being confirmed too (interleaved
    reports from two transmitters, or two receivers hearing two places). Each further report of
    the second place adds log10(p_s / p_r): TWO_PLACES.
  * slow and high: a ground speed below `slow_speed_mps` above `slow_alt_m` for longer than
    `slow_sustain_s` (a jet at FL380 does not keep 50 kt over the ground: its true airspeed
    there is over 350 kt and jet-stream winds stay under 250 kt), `slow_log10_lr_per_min` per
    minute, except for the emitter categories that can (`slow_exempt`: glider, balloon...).
A return clears the kinematic evidence: a position, after a sustained jump or after a gap, that
lies where the last believed position (the anchor, frozen while evidence is held) would be had it
flown on at its speed and track, within `return_share` of the distance flown. The stretch between
was the false one; the address is believed again.

BEYOND_RANGE: a report heard by a receiver from beyond `range_margin` x its sheet's max_range_m
or `horizon_margin` x its 4/3-Earth radio horizon (4.12 km x (sqrt(h) + sqrt(h_rx)), h in m; h the
reported altitude plus `baro_allowance_m`: a pressure altitude is not a height, and an airliner
landing on an airfield 120 m up at high QNH reports -30 m):
`range_log10_lr` per report, so one freak of propagation (ducting) is not enough.

RECEIVER_MISS (receivers.py): each report is a look for every other receiver that should hear it
and is alive near there. A real aircraft is heard with the receiver's reception rate p (measured,
starting from its sheet's 1 - p_loss), a spoofer's message with p_heard_spoofed ps only: a hit
adds log10(ps / p), a miss log10((1 - ps) / (1 - p)), each divided by `looks_per_independent`
(misses come in bursts: a turn shadows the antenna; counted as independent, ten misses in a row of
a receiver hearing 60 % flag a real aircraft about once per 10,000 looks, nine of 213 in 3 h of
Paris traffic); the sum stays above miss_floor_log10_lr.

QUALITY: a sustained jump (or second place) further than the containment radius the address
claims (NIC's Rc, else NACp's EPU: pyModeS's DO-260B tables) with a SIL (probability PE per hour
of exceeding it undetected) adds log10(1 / PE), capped at `quality_log10_lr`. Needs the decoded
quality fields, which Mode S feeds give (`Measurements.info`: nic, nacp, sil, category).

How the real spoofed recording (../shared/data/noisy_spoofing.json.gz, a THY flight from
Istanbul north over Romania at FL380, 2024-09-17) gives itself away: after an 18-minute silence
the positions come back 260 km further north-east (reachable in that time: no jump evidence) with
a broadcast ground speed of 51 kt at FL380, which stays so for 23 minutes (slow and high); inside
that stretch the position jumps 31 km in 25 s (1200 m/s against a broadcast 26 m/s) and stays
there (a sustained jump). The positions then stop for 10 minutes and come back 550 km away, where
the aircraft's last genuine position, flown on at 481 kt on its track, would be (a return: the
evidence is cleared). The genuine hour before is never flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pyModeS._uncertainty import SIL, NACp, NICv2

from airpicture.config import ReportIntegritySettings
from airpicture.integrity import report_kernels as rk
from airpicture.integrity.receivers import ReceiverLooks
from airpicture.sensors import AdsbSheet, RemoteIdSheet, SensorSheet, load_sheets
from airpicture.types import REPORT_DTYPE, FloatArray, IntArray, IntegrityReason, Rejects

#: How often (s of report time) addresses not heard for forget_s are swept out.
SWEEP_S = 60.0
#: IntegrityReason of each evidence column of report_kernels.EVIDENCE, in order.
REASONS = np.array(
    [
        IntegrityReason.KINEMATICS,
        IntegrityReason.KINEMATICS,
        IntegrityReason.TWO_PLACES,
        IntegrityReason.BEYOND_RANGE,
        IntegrityReason.RECEIVER_MISS,
        IntegrityReason.QUALITY,
    ],
    np.int8,
)


#: The per-address counters of report_kernels that counts() sums.
COUNTERS = {"good": rk.N_GOOD, "outliers": rk.N_OUT, "altitude_outliers": rk.N_ALT, "jumps": rk.N_JUMP,
            "two_places": rk.N_TWO, "returns": rk.N_RETURN, "beyond_range": rk.N_BEYOND,
            "velocity_outliers": rk.N_VEL}  # fmt: skip


def containment_m(nic: int | None, nacp: int | None) -> float:
    """Horizontal containment radius an address claims (m): NIC's Rc (the largest of its
    supplements), else NACp's 95 % EPU; NaN when neither is known or both say 'unknown'."""
    if nic is not None and nic in NICv2:
        rcs = [e["Rc"] for e in NICv2[nic].values() if e["Rc"] is not None]
        if rcs:
            return float(max(rcs))
    if nacp is not None and nacp in NACp and NACp[nacp]["EPU"] is not None:
        return float(NACp[nacp]["EPU"])  # type: ignore[arg-type]
    return float("nan")


class ReportIntegrity:
    """Per-address spoofing evidence from one feed's reports (REPORT_DTYPE, `ident` the ICAO
    address, `sensor` the index into `sensors`). site: (lat, lon, alt) of the picture (kept for
    the stage's common signature); settings: the defaults when not given."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        settings: ReportIntegritySettings | None = None,
    ) -> None:
        self.settings = st = settings if settings is not None else ReportIntegritySettings()
        self.site = site
        self.sheets = load_sheets(sensors)
        self.rx = np.full((len(self.sheets), 5), np.inf)
        for i, s in enumerate(self.sheets):
            if isinstance(s, AdsbSheet | RemoteIdSheet):
                rng = s.max_range_m if s.max_range_m is not None and not s.moving else np.inf
                self.rx[i] = (s.lat, s.lon, s.alt_m, rng, 6.0 * s.sigma_position_m)
            else:
                self.rx[i, :3] = (s.lat, s.lon, s.alt_m)
                self.rx[i, 4] = 0.0
        self.looks = ReceiverLooks(self.sheets, st)
        self.rows: dict[int, int] = {}
        self.free: list[int] = list(range(63, -1, -1))
        self.state = _fresh(64)
        self.claims = np.zeros((64, 3))
        self.claims[:, :2] = np.nan
        self.now = -np.inf
        self._swept = -np.inf
        self.rejects = Rejects("report integrity")
        self.expired = 0
        self._forgotten = np.zeros(len(COUNTERS))  # counters of the addresses forgotten
        self._rules = (
            st.half_life_s, st.time_jitter_s, st.speed_margin, st.accel_mps2, st.speed_guess_mps,
            st.max_speed_mps, st.max_climb_mps, st.altitude_slack_m, float(st.confirm_reports),
            st.candidate_s, st.p_outlier_real, st.p_outlier_spoofed, st.event_log10_lr,
            st.position_slack_m, st.range_margin, st.range_log10_lr, st.slow_alt_m, st.slow_speed_mps,
            st.slow_sustain_s, st.slow_log10_lr_per_min, st.quality_log10_lr, st.horizon_margin,
            st.return_share, st.fix_time_error_s, st.max_accel_mps2, st.velocity_slack_mps,
            st.velocity_change_share, st.baro_allowance_m,
        )  # fmt: skip

    def observe(
        self,
        reports: npt.NDArray[np.void],
        until: float,
        info: Mapping[int, Mapping[str, object]] | None = None,
    ) -> None:
        """One window's reports (REPORT_DTYPE, time-ordered; `ident` = ICAO address, `sensor` =
        index into sensors). info: what the sources know of the identities (Measurements.info:
        nic, nacp, sil, category), when they know it. Reports without a time, an identity or a
        known sensor are counted in `rejects` and left out."""
        reports = self._valid(np.asarray(reports), until)
        if len(reports):
            if (np.diff(reports["time_s"]) < 0).any():
                reports = reports[np.argsort(reports["time_s"], kind="stable")]
            rows = self._rows(reports["ident"])
            if info:
                self._claims(info)
            cols = ("time_s", "lat", "lon", "altitude_m", "speed_mps", "track_rad", "vrate_mps")
            sensor = np.ascontiguousarray(reports["sensor"], np.int64)
            rep = (*(np.ascontiguousarray(reports[c]) for c in cols), rows, sensor)
            late = rk.judge_reports(rep, self.state, self.rx, self.claims, self._rules)
            self.rejects.add("older than the address's last position", int(late))
            if self.looks.active:
                self._misses(reports, until)
        self.now = max(self.now, until)
        if not abs(self.now - self._swept) < SWEEP_S:
            self._swept = self.now
            self._forget()

    def evidence(self, idents: npt.NDArray[np.int64]) -> tuple[FloatArray, npt.NDArray[np.int8]]:
        """(log10 LR spoofed : real as float64, IntegrityReason of the strongest piece as int8)
        per identity, at the time of the last window; 0 and NONE for identities without evidence."""
        idents = np.asarray(idents, np.int64)
        llr = np.zeros(len(idents))
        reason = np.zeros(len(idents), np.int8)
        if not (self.state[:, list(rk.EVIDENCE)] > 0.0).any():  # the usual case: nothing on anyone
            return llr, reason
        rows = np.array([self.rows.get(int(i), -1) for i in idents.tolist()], np.int64)
        have = np.flatnonzero(rows >= 0)
        if not len(have):
            return llr, reason
        ev = self._decayed(rows[have])
        total = ev.sum(axis=1)
        pos = total > 0
        llr[have[pos]] = total[pos]
        reason[have[pos]] = REASONS[np.argmax(ev[pos], axis=1)]
        return llr, reason

    def counts(self) -> dict[str, int]:
        """What the checks have seen since the start (addresses forgotten included): reports that
        fit, horizontal outliers, altitude-only outliers, sustained jumps, second places, returns,
        reports from beyond range; and the addresses in memory now."""
        live = np.array(sorted(self.rows.values()), np.int64)
        now = self.state[live][:, list(COUNTERS.values())].sum(axis=0)
        out = {k: int(v + self._forgotten[j]) for j, (k, v) in enumerate(zip(COUNTERS, now, strict=True))}
        return out | {"addresses": len(live), "expired": self.expired}

    def _decayed(self, rows: IntArray) -> FloatArray:
        f = 0.5 ** (np.maximum(self.now - self.state[rows, rk.EV_T], 0.0) / self.settings.half_life_s)
        return np.maximum(self.state[np.ix_(rows, np.array(rk.EVIDENCE))] * f[:, None], 0.0)

    def _valid(self, reports: npt.NDArray[np.void], until: float) -> npt.NDArray[np.void]:
        if reports.dtype != REPORT_DTYPE:
            self.rejects.add("not REPORT_DTYPE", len(reports))
            return np.zeros(0, REPORT_DTYPE)
        ok = np.isfinite(reports["time_s"])
        self.rejects.add("no time", int((~ok).sum()))
        # a corrupted far-future time would pin its address's memory and decay its evidence
        bad = ok & (reports["time_s"] > until + self.settings.time_jitter_s)
        self.rejects.add("after the window", int(bad.sum()))
        ok &= ~bad
        bad = ok & (reports["ident"] < 0)
        self.rejects.add("no identity", int(bad.sum()))
        ok &= ~bad
        bad = ok & ((reports["sensor"] < 0) | (reports["sensor"] >= len(self.sheets)))
        self.rejects.add("unknown sensor", int(bad.sum()))
        return reports[ok & ~bad]

    def _rows(self, idents: IntArray) -> IntArray:
        """State rows of the reports' addresses; an address heard for the first time gets one."""
        uniq, inv = np.unique(idents, return_inverse=True)
        rows = np.empty(len(uniq), np.int64)
        for k, i in enumerate(uniq.tolist()):
            r = self.rows.get(i)
            if r is None:
                if not self.free:
                    self._grow()
                r = self.rows[i] = self.free.pop()
            rows[k] = r
        return rows[inv]

    def _grow(self) -> None:
        """Double the memory (rows are reused once freed, so it grows only with the live addresses)."""
        n = len(self.state)
        self.state = np.concatenate([self.state, _fresh(n)])
        more = np.zeros((n, 3))
        more[:, :2] = np.nan
        self.claims = np.concatenate([self.claims, more])
        self.free.extend(range(2 * n - 1, n - 1, -1))

    def _claims(self, info: Mapping[int, Mapping[str, object]]) -> None:
        exempt = set(self.settings.slow_exempt)
        for i, d in info.items():
            r = self.rows.get(int(i))
            if r is None:
                continue
            nic, nacp, sil = d.get("nic"), d.get("nacp"), d.get("sil")
            rc = containment_m(nic if isinstance(nic, int) else None, nacp if isinstance(nacp, int) else None)
            pe = SIL[sil]["PE_RCu"] if isinstance(sil, int) and sil in SIL else None
            self.claims[r, 0] = rc
            self.claims[r, 1] = pe if pe is not None else np.nan
            self.claims[r, 2] = 1.0 if d.get("category") in exempt else 0.0

    def _misses(self, reports: npt.NDArray[np.void], until: float) -> None:
        ids, llr = self.looks.score(reports, until)
        if not len(ids):
            return
        rows = np.array([self.rows[int(i)] for i in ids.tolist()], np.int64)
        s = self.state
        f = 0.5 ** (np.maximum(until - s[rows, rk.EV_T], 0.0) / self.settings.half_life_s)
        for c in rk.EVIDENCE:
            s[rows, c] *= f
        s[rows, rk.EV_T] = np.maximum(s[rows, rk.EV_T], until)
        s[rows, rk.EV_MISS] = np.maximum(s[rows, rk.EV_MISS] + llr, self.settings.miss_floor_log10_lr)

    def _forget(self) -> None:
        old = [
            i
            for i, r in self.rows.items()
            if not abs(self.now - self.state[r, rk.SEEN_T]) <= self.settings.forget_s
        ]
        for i in old:
            r = self.rows.pop(i)
            self._forgotten += self.state[r, list(COUNTERS.values())]
            self.state[r] = _fresh(1)[0]
            self.claims[r] = (np.nan, np.nan, 0.0)
            self.free.append(r)
        self.expired += len(old)


def _fresh(n: int) -> FloatArray:
    s = np.full((n, rk.NCOL), np.nan)
    s[:, list(rk.EVIDENCE)] = 0.0
    s[:, rk.N_GOOD : rk.VEL_BAD] = 0.0
    return s


__all__ = ["ReportIntegrity", "containment_m"]
