"""The multi-sensor tracker: radar plots and cooperative reports in, one air picture out.

`ImmGnnTracker` composes the roles of this package (see base.py for the path of a measurement): an IMM of
constant-velocity and turn models (motion.py), radar plots used as measured in an EKF and reports converted
exactly (measurement.py), a grid pre-gate and Mahalanobis gate (gate.py), global nearest neighbour with a
log-likelihood-ratio cost (associate.py), a sequential likelihood-ratio test to confirm and delete
(manage.py). Each measurement batch (one sensor, a time window no longer than its revisit period, so an
object gives at most one plot) costs a few compiled calls, without a Python loop over tracks or plots.

Cooperative reports (ADS-B, Remote ID) go to the track holding their identity; a new identity is
first offered to identity-less tracks (fusion: one aircraft, one track), else starts one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.config import RegistrationSettings, TrackSettings
from airpicture.geo import EnuFrame
from airpicture.sensors import RadarSheet, SensorSheet, load_sheets
from airpicture.track.associate import assign
from airpicture.track.base import Measurements, TrackerStats
from airpicture.track.existence import ModeCEvidence, apart, mode_c_belied
from airpicture.track.gate import gate_table, radar_pairs, report_pairs
from airpicture.track.geometry import SensorGeometry, beyond_horizon, build_geometry, earth
from airpicture.track.identity import IdentityBook
from airpicture.track.initiate import start_from_plots, start_from_reports
from airpicture.track.manage import judge, merge, stitch
from airpicture.track.measurement import (
    Plots,
    RadarSheetRecord,
    Reports,
    prepare_plots,
    prepare_reports,
    radar_sheet,
    report_variances,
    screen_plots,
)
from airpicture.track.motion import motion
from airpicture.track.publish import publish
from airpicture.track.registration import BiasRegistration
from airpicture.track.table import CONFIRMED, TrackTable
from airpicture.track.update import update_with_plots, update_with_reports
from airpicture.track.vertical import vertical_model, vertical_update
from airpicture.types import NO_IDENT, FloatArray, Picture


class ImmGnnTracker:
    """The tracker (a `base.Tracker`). `sensors`: the sensor sheets (sensors.json); `site`: (lat,
    lon, alt_m) origin of the ENU frame; `platforms`: navigation of moving sensors (sensor index ->
    (t, [lat lon alt])); `settings`: its thresholds and bounds (airpicture.config.TrackSettings,
    validated once; the defaults when not given); `registration`: radar bias estimation settings."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None = None,
        settings: TrackSettings | None = None,
        registration: RegistrationSettings | None = None,
    ) -> None:
        self.settings = st = settings if settings is not None else TrackSettings()
        self.sensors = sensors = load_sheets(sensors)
        self.frame = EnuFrame(*site)
        self.earth = earth(self.frame, float(site[2]), float(site[0]))
        self.motion = motion(v := st.v_max_mps, c := st.v_max_climb_mps, turns=False)
        # a radar's plots do not step; a radar that looks seldom moves its tracks on turns too
        self.plot_motion = [motion(v, c, False, sp.revisit_s >= st.turn_min_revisit_s) for sp in sensors]
        self._score_mode_c = float(np.log(1.0 / st.p_clutter_mode_c))  # a Mode C plot's: not clutter
        self.vertical = vertical_model(c)  # radar-measured heights' own channel
        self.gates = gate_table(st.p_gate)
        self._min_lp = float(np.log(st.p_still_there))  # published while its misses are likelier
        self.geo: list[SensorGeometry] = build_geometry(sensors, self.frame, platforms)
        self._reporters = sum(1 << g.index for g in self.geo if g.kind != "radar")
        self.table = TrackTable(n_sensors=len(sensors))
        revisit = np.array([sp.revisit_s for sp in sensors])
        # misses are judged with the lowest Pd over the kinds a sensor sees (sensors.p_detect)
        log_miss = np.log(np.maximum(1 - np.array([sp.p_detect for sp in sensors]), 1e-6))
        self._looks = (revisit, log_miss)
        self._limits = (
            st.confirm_llr,
            st.tentative_drop,
            np.log(st.p_false_delete),
            st.max_sigma_h_m,
            st.max_coast_s,
            st.miss_memory_s,
        )
        self._radar_sheets: dict[int, RadarSheetRecord] = {}
        self._lp_mode_c_lost: dict[int, float] = {}  # log share of a transponder's plots without Mode C
        self._receivers: dict[int, tuple[FloatArray, float]] = {}  # report variances, position sigma
        for g in self.geo:
            if isinstance(g.spec, RadarSheet):
                self._radar_sheets[g.index] = radar_sheet(g.spec, st)
                if g.spec.reports_altitude == "mode_c":  # a sheet's 0: rare, not impossible
                    self._lp_mode_c_lost[g.index] = float(np.log(max(g.spec.p_mode_c_lost, 1e-3)))
            else:
                self._receivers[g.index] = (report_variances(g.spec), g.spec.sigma_position_m)
        sig = {i: v[1] for i, v in self._receivers.items()}
        reg = registration or RegistrationSettings()
        self.registration = BiasRegistration(self.geo, self.frame, reg, sig)
        self.stats = TrackerStats()
        self.rejects: Counter[str] = Counter()
        self.identities = IdentityBook()
        self.evidence = ModeCEvidence(len(sensors), st)
        self._t_house = -np.inf
        self._t_last = -np.inf

    # ------------------------------------------------------------------ the Tracker protocol
    def step(self, window: Measurements) -> Picture:
        if window.names or window.info:
            # the feeds' self-reports; fields from replies or relays name their source in info
            self.identities.update(window.names, window.info, window.until, "adsb")
        self.update_reports(window.reports)
        self.update_plots(window.plots)
        self.maintain(window.until)
        return self.picture(window.until)

    def track(self, windows: Iterable[Measurements]) -> Iterator[Picture]:
        for window in windows:
            yield self.step(window)

    # ------------------------------------------------------------------ radar
    def update_plots(self, plots: np.ndarray) -> None:
        """Radar plots (PLOT_DTYPE), any sensors; each sensor's batch should span at most one revisit."""
        if len(plots) == 0:
            return
        self.stats.plots += len(plots)
        # sources screen their rows; what still arrives broken is counted here, never raised
        t, r, az, el, alt, sensor = _columns(
            plots, ("time_s", "range_m", "azimuth_rad", "elevation_rad", "altitude_m", "sensor")
        )
        bounds = (*self.settings.time_bounds_s, self.settings.max_range_m, self.settings.max_altitude_m)
        ok, one = screen_plots(t, r, az, el, alt, sensor, len(self.geo), bounds)
        if not ok.all():
            self.rejects["plot_invalid"] += int((~ok).sum())
            plots = plots[ok]
        sensors = plots["sensor"]
        for s in sensors[:1] if one else np.unique(sensors):
            g = self.geo[int(s)]
            batch = plots if one else plots[sensors == s]
            if g.kind != "radar":
                self.rejects["plot_from_non_radar"] += len(batch)
                continue
            self._radar_batch(g, self._radar_sheets[g.index], batch)

    def _radar_batch(self, g: SensorGeometry, sheet: RadarSheetRecord, pl: np.ndarray) -> None:
        """One radar's plots of one window: gate, assign, update; the rest start tracks."""
        tb = self.table
        t, r, az, el, alt, ident = _columns(
            pl, ("time_s", "range_m", "azimuth_rad", "elevation_rad", "altitude_m", "ident")
        )
        raw = t, r, az  # the radar's estimated biases out, before anything uses the plots
        t, r, az = self.registration.correct(g.index, t, r, az)
        o, M = g.at(self.frame, t)
        third, z, R, pp, Cpp, lam = prepare_plots(r, az, el, alt, o, M, sheet, self.earth)
        self.registration.observe_plots(g, *raw, el, alt, ident, pp)
        plots = Plots(t, z, R, third, o, M, pp, Cpp, lam, ident)
        taken, gated = np.zeros(len(pl), bool), np.zeros(len(pl), bool)
        rows, k, m = tb.rows(), np.zeros(0, np.int64), np.zeros(0, np.int64)
        start = np.where(third == 2, self._score_mode_c, 0.0)  # what each plot would start a track with
        if len(rows):
            st, pm = self.settings, self.plot_motion[g.index]
            h_2d = sheet.sigmas[6]  # the height a 2-D plot without altitude was put at
            k, m, cost, gain, ambiguous = radar_pairs(
                tb.cols, rows, plots, sheet.pd, h_2d, st.report_sigma_time_s, self.gates, self.earth, pm
            )
            if g.index in self._lp_mode_c_lost:  # a Mode C reply's presence its track's history belies
                lp = (
                    mode_c_belied(third[m] == 2, tb.mode_c[k], tb.radar_hits[k])
                    * self._lp_mode_c_lost[g.index]
                )
                gain, cost = gain + lp, cost - 2 * lp
            # a tentative track takes a plot only when that gains more than a new track would start with
            keep = (tb.status[k] == CONFIRMED) | (gain > start[m])
            k, m, cost, gain = k[keep], m[keep], cost[keep], gain[keep]
            gated[m] = True  # a plot some track wanted is no new object to show at once
            if ambiguous:  # a track with two plots (a flock's sign), or whose plot went elsewhere
                pick = assign(k, m, cost, st.dense_cells)
                tb.count_gated(k, k[pick], g.index)
                k, m, gain = k[pick], m[pick], gain[pick]
            if len(k):
                self.stats.quarantined += update_with_plots(
                    tb.cols, k, m, gain, plots, sheet, g.index, self.earth, pm
                )
                self.stats.radar_updates += len(k)
                taken[m] = True
                self.registration.observe_tracks(g, tb.cols, k, m, raw, plots)  # radar pairings
        if n_new := len(pl) - int(taken.sum()):
            rows_new = tb.allocate(n_new)
            self.stats.started += n_new
            start_from_plots(tb.cols, rows_new, plots, ~taken, self._score_mode_c, g.index, self.motion)
            tb.show[rows_new] = (third == 2)[~taken] & ~gated[~taken]
            self.stats.handed_over += self.evidence.hand_over(tb, rows_new[tb.show[rows_new]])
            k, m = np.r_[k, rows_new], np.r_[m, np.flatnonzero(~taken)]
        hv = third[m] == 2  # the Mode C heights, to the vertical channel
        vertical_update(tb.cols, k[hv], t[m[hv]], z[m[hv], 2], R[m[hv], 2, 2], self.vertical)

    # ------------------------------------------------------------------ cooperative reports
    def update_reports(
        self,
        reports: np.ndarray,
        names: Mapping[int, str] | None = None,
        info: Mapping[int, Mapping[str, object]] | None = None,
    ) -> None:
        """Cooperative position reports (REPORT_DTYPE), time-ordered. `names`: ident -> display name;
        `info`: ident -> what the source knows beyond position (kept in the identity book, given
        with the track in the picture)."""
        t = float(reports["time_s"].max()) if len(reports) else self._t_last
        if names or info:
            self.identities.update(names, info, t, "adsb")
        if len(reports) == 0:
            return
        self.stats.reports += len(reports)
        st = self.settings
        bad = ~(
            (np.abs(reports["lat"]) <= 90)
            & (np.abs(reports["lon"]) <= 180)
            & (reports["time_s"] > st.time_bounds_s[0])
            & (reports["time_s"] < st.time_bounds_s[1])
            & ~(np.abs(reports["altitude_m"]) > st.max_altitude_m)
            & ~(np.abs(reports["speed_mps"]) > st.max_speed_mps)
        )
        if bad.any():
            self.rejects["report_without_position"] += int(bad.sum())
            reports = reports[~bad]
        # a cooperative report is tracked under its identity; one without is of no use here
        anon = reports["ident"] < 0
        if anon.any():
            self.rejects["report_without_identity"] += int(anon.sum())
            reports = reports[~anon]
        unknown = (reports["sensor"] < 0) | (reports["sensor"] >= len(self.geo))
        if unknown.any():
            self.rejects["report_unknown_sensor"] += int(unknown.sum())
            reports = reports[~unknown]
        # a position beyond its receiver's radio horizon (half as far again, for ducting) cannot
        # have been heard: a corrupt one, which would restart its identity's track there
        far = beyond_horizon(self.geo, self.frame, reports, self.settings.max_altitude_m)
        if far.any():
            self.rejects["report_beyond_horizon"] += int(far.sum())
            reports = reports[~far]
        if len(reports) == 0:
            return
        self.identities.heard(reports["ident"], t)
        # an identity reported twice in one batch is handled in rounds: at most one update per track
        order = np.lexsort((reports["time_s"], reports["ident"]))
        rep = reports[order]
        first = np.r_[True, rep["ident"][1:] != rep["ident"][:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(rep)), 0))
        rank = np.arange(len(rep)) - start
        for k in range(int(rank.max()) + 1):
            part = rep[rank == k]
            for s in np.unique(part["sensor"]):
                g = self.geo[int(s)]
                if g.kind == "radar":
                    self.rejects["report_from_radar"] += int((part["sensor"] == s).sum())
                    continue
                self._report_batch(g, part[part["sensor"] == s])

    def _report_batch(self, g: SensorGeometry, rp: np.ndarray) -> None:
        """One receiver's reports (at most one per identity): to the track holding the identity,
        else fused with an identity-less track that gates, else a new track."""
        tb = self.table
        sig2, sp = self._receivers[g.index]
        t, lat, lon, alt, speed, trk, vrate, ident = _columns(
            rp, ("time_s", "lat", "lon", "altitude_m", "speed_mps", "track_rad", "vrate_mps", "ident")
        )
        z, R, mask = prepare_reports(lat, lon, alt, speed, trk, vrate, self.earth, sig2)
        self.registration.observe_reports(g.index, t, z, mask, ident, alt)  # references for biases
        reports = Reports(t, z, R, mask, ident)
        rows = tb.rows()
        done = np.zeros(len(rp), bool)
        if len(rows):  # 1. the track that already holds the identity (authoritative: a jump restarts it)
            known = tb.ident[rows]
            order = np.argsort(known)
            pos = np.clip(np.searchsorted(known[order], ident), 0, len(rows) - 1)
            has = known[order][pos] == ident
            if has.any():
                sel = np.flatnonzero(has)
                self._update_reports(rows[order][pos][has], sel, reports, g.index, self.gates[3] * 4)
                done[sel] = True
        left = np.flatnonzero(~done)
        free_rows = rows[tb.ident[rows] == NO_IDENT]
        if len(left) and len(free_rows):  # 2. a new identity: fusion with a radar track
            k, m, cost = report_pairs(
                tb.cols, free_rows, reports, left, 3 * sp, self.settings.fusion_bonus, self.gates, self.motion
            )
            pick = assign(k, m, cost, self.settings.dense_cells)
            if len(pick):
                kk, mm = k[pick], m[pick]
                tb.ident[kk] = ident[mm]
                self._update_reports(kk, mm, reports, g.index, 0.0)
                done[mm] = True
                self.stats.fused += len(pick)
        new = np.flatnonzero(~done)
        if len(new):  # 3. else a new track
            rows_new = tb.allocate(len(new))
            self.stats.started += len(new)
            start_from_reports(
                tb.cols, rows_new, reports, new, sig2, self.settings.coop_gain, g.index, self.motion
            )

    def _update_reports(
        self, k: np.ndarray, m: np.ndarray, reports: Reports, sensor: int, jump: float
    ) -> None:
        bad, jumps = update_with_reports(
            self.table.cols, k, m, reports, self.settings.coop_gain, sensor, jump, self.motion
        )
        self.stats.quarantined += bad
        self.stats.identity_jumps += jumps
        self.stats.report_updates += len(k)

    # ------------------------------------------------------------------ management and output
    def maintain(self, t: float) -> None:
        """Confirm, delete and merge at time t (after the measurements up to t); forget the
        identities not heard of for a long time."""
        self._t_last = t
        self.registration.expire(t)
        if self.identities.expiry.due(t):
            self.identities.expire(t)
        tb = self.table
        rows = tb.rows()
        if len(rows) == 0:
            return
        confirm, drop, lost = judge(tb.cols, rows, t, self._looks, self._limits)
        self.stats.handed_over += self.evidence.observe(tb, rows, confirm, drop, t)
        if confirm.any():
            tb.status[rows[confirm]] = CONFIRMED
            tb.t_confirmed[rows[confirm]] = t
            self.stats.confirmed += int(confirm.sum())
            self.stats.stitched += stitch(tb, rows[confirm], t, self.motion.accel2, self.settings, self.gates)
        if drop.any():
            tb.free(rows[drop])
            self.stats.deleted += lost
        # duplicates form slowly: once per housekeeping_s is enough, but a track confirmed beside a
        # confirmed one on the same object (a flock's plots, a restart) is merged before it is shown
        if confirm.any() or t >= self._t_house + self.settings.housekeeping_s:
            self._t_house = t
            self.stats.merged += merge(tb, t, self.motion.accel2, self.settings, self.gates, self._looks[0])

    def picture(self, t: float) -> Picture:
        """The published picture at time t (publish.py), with what the sources know of the
        identities in it."""
        tb = self.table
        # a radar known to stamp late delivers older plots: a track it updates is no less fresh
        out = publish(
            tb.cols,
            t,
            self.settings.fresh_s + self.registration.lateness(),
            self._min_lp,
            self.motion.accel2,
            self.earth,
            self.evidence.show(),
            self.vertical.accel2,
            self._reporters,
        )
        keep = apart(out[2], out[1], tb.status[out[0]] != CONFIRMED, self.settings.merge_reach_m)
        rows, row_time, x, P, lat, lon, alt, alt_var = (a[keep] for a in out)
        ident = tb.ident[rows]
        names, info = self.identities.describe(ident[ident >= 0])
        alt_sigma = np.sqrt(np.maximum(alt_var, 0.0))
        return Picture(
            time_s=t,
            track=tb.id[rows],
            x=x,
            P=P,
            lat=lat,
            lon=lon,
            alt_m=alt,
            cls=np.zeros(len(rows), np.int8),
            cls_p=np.zeros(len(rows)),
            ident=ident,
            sensors=tb.sensors[rows],
            last_update_s=tb.t_update[rows],
            integrity=np.zeros(len(rows), np.int8),
            mode_c=tb.mode_c[rows],
            names=names,
            row_time=row_time,
            info=info,
            radar_hits=tb.radar_hits[rows],
            seen_n=tb.n_seen[rows],
            crowd_n=tb.n_crowd[rows],
            denied_n=tb.n_denied[rows],
            manoeuvre_p=1.0 - tb.mu[rows, 0],  # the modes other than the quiet one
            first_s=tb.t_first[rows],
            alt_sigma_m=alt_sigma,
            alt_known=tb.h_known[rows] & (alt_sigma <= self.settings.alt_sigma_max_m),
        )


def _columns(rows: np.ndarray, names: tuple[str, ...]) -> list[np.ndarray]:
    """Fields of a structured array as contiguous arrays. A field of one row is contiguous, of more
    rows strided, and numba compiles a kernel once for each layout it is given: always giving
    contiguous ones halves the kernels' first-run compile."""
    return [np.ascontiguousarray(rows[n]) for n in names]


__all__ = ["ImmGnnTracker", "TrackerStats"]
