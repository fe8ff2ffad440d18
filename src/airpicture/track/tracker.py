"""The multi-sensor tracker: radar plots and cooperative reports in, one air picture out.

Each measurement batch (one sensor, a time window no longer than its revisit period, so an object
gives at most one plot) is handled without a Python loop over tracks or plots, in compiled kernels
(radar_batch.py, coop_batch.py, upkeep.py, integrity_kernels.py) or, with compiled=False, in the
numpy reference code here:
  1. pre-gate: a grid (k-d tree on the reference path) of the plots against each track's
     predicted position and radius;
  2. every candidate pair is predicted to the PLOT's own time (a rotating beam times each plot) and
     gated by Mahalanobis distance in the plot's own measurement space (range, azimuth, elevation
     or Mode C altitude);
  3. global nearest neighbour on the gated pairs with a log-likelihood-ratio cost that weighs the
     pair against "missed + clutter", using the sensor's Pd and clutter density from its sheet;
  4. IMM update of the assigned tracks; every unassigned plot starts a tentative track.
Cooperative reports (ADS-B, Remote ID) go to the track holding their identity; a new identity is
first offered to identity-less tracks (that is fusion: one aircraft, one track), else starts a track.

Track management is a sequential likelihood-ratio test: hits add log(Pd L / lambda), each revisit
of a sensor that passes without a hit adds log(1 - Pd). Tentative tracks confirm above
CONFIRM_LLR (a false confirmation per clutter start of about e^-CONFIRM_LLR); confirmed tracks
are deleted after the number of consecutive missed looks that a real object would produce with
probability < 1e-4, or when their position is no longer known to a few kilometres.

A cooperative track inside some radar's coverage that no radar has seen is `suspect`; after three
revisits of that radar it is `spoofed` (a real aircraft is missed three times in a row with
probability (1 - Pd)^3). Spoofed tracks stay in the table (the integrity stage reports them) but
not in the published picture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from airpicture.geo import EnuFrame
from airpicture.sensors import RadarSheet, SensorSheet, load_sheets
from airpicture.track import (
    associate,
    coop_reports,
    imm,
    integrity,
    integrity_kernels,
    kernels,
    manage,
    models,
    radar_batch,
    radar_plots,
    upkeep,
)
from airpicture.track.manage import P_STILL_THERE
from airpicture.track.measure import (
    SensorGeometry,
    altitude_of,
    build_geometry,
    curvature_radii,
)
from airpicture.track.params import (
    CONFIRM_LLR,
    HOUSEKEEPING_S,
    MAX_ALTITUDE_M,
    MAX_COAST_S,
    MAX_RANGE_M,
    MAX_SIGMA_H_M,
    MAX_SPEED_MPS,
    P_FALSE_DELETE,
    REPORT_SIGMA_TIME_S,
    TENTATIVE_DROP,
    TIME_BOUNDS_S,
    V_MAX_CLIMB_MPS,
    V_MAX_MPS,
)
from airpicture.track.table import CONFIRMED, OK, SPOOFED, SUSPECT, TENTATIVE, TrackTable
from airpicture.types import REMOTEID_BIT, FloatArray, IntArray, Picture


@dataclass
class TrackerStats:
    plots: int = 0
    reports: int = 0
    radar_updates: int = 0
    report_updates: int = 0
    started: int = 0
    confirmed: int = 0
    deleted: int = 0
    merged: int = 0
    stitched: int = 0
    fused: int = 0
    quarantined: int = 0
    identity_jumps: int = 0


class Tracker:
    """The tracker. `sensors`: the sensor sheets (sensors.json); `site`: (lat, lon, alt_m) origin of
    the ENU frame; `platforms`: navigation of moving sensors (sensor index -> (t, [lat lon alt]));
    `active`: indices of the sensors in use (default all): only they count for coverage checks;
    `compiled`: use the numba kernels (default) or the numpy reference path (same results)."""

    def __init__(
        self,
        sensors: Sequence[SensorSheet | Mapping[str, Any]],
        site: tuple[float, float, float],
        platforms: dict[int, tuple[FloatArray, FloatArray]] | None = None,
        active: list[int] | None = None,
        compiled: bool = True,
    ) -> None:
        self.sensors = sensors = load_sheets(sensors)
        self.frame = EnuFrame(*site)
        self.site_alt = float(site[2])
        self.rn, self.rm = curvature_radii(site[0])
        self.geo: list[SensorGeometry] = build_geometry(sensors, self.frame, platforms)
        self.active = set(range(len(sensors)) if active is None else active)
        self.compiled = compiled  # numba kernels; False runs the numpy reference path
        self.table = TrackTable(n_sensors=len(sensors))
        self.revisit_s = np.array([self._revisit(sp) for sp in sensors])
        self.log_miss = np.log(np.maximum(1 - np.array([self._pd_of(sp) for sp in sensors]), 1e-6))
        self.stats = TrackerStats()
        self.rejects: Counter[str] = Counter()
        self.names: dict[int, str] = {}
        self.info: dict[int, dict[str, object]] = {}
        self._t_maintain = -np.inf
        self._t_house = -np.inf
        self._radar_sheet: tuple[FloatArray, ...] | None = None
        self._sheets: dict[int, tuple[FloatArray, FloatArray]] = {}
        self._v_var = np.array([(V_MAX_MPS / 2) ** 2] * 2 + [(V_MAX_CLIMB_MPS / 2) ** 2])

    # ------------------------------------------------------------------ helpers
    def _pd(self, spec: RadarSheet) -> float:
        return spec.pd_max

    def _revisit(self, spec: SensorSheet) -> float:
        return spec.revisit_s

    def _combined(self, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        if self.compiled:
            return kernels.combine(self.table.x[rows], self.table.P[rows], self.table.mu[rows])
        return imm.combine(self.table.x[rows], self.table.P[rows], self.table.mu[rows])

    def _candidates(
        self,
        rows: IntArray,
        xc: FloatArray,
        Pc: FloatArray,
        t_mid: float,
        half_w: float,
        meas_xy: FloatArray,
        slack: FloatArray,
    ) -> tuple[IntArray, IntArray]:
        """Pre-gate: pairs whose horizontal distance is within the track's 5-sigma radius plus the
        measurement's own horizontal uncertainty `slack` (M,)."""
        dt = t_mid - self.table.t[rows]
        pos = xc[:, :2] + xc[:, 3:5] * dt[:, None]
        var = Pc[:, 0, 0] + Pc[:, 1, 1] + dt * dt * (Pc[:, 3, 3] + Pc[:, 4, 4])
        speed = np.hypot(xc[:, 3], xc[:, 4])
        # report-built tracks carry their time uncertainty along the velocity (see _gate_radar)
        lag = np.where(self.table.ident[rows] >= 0, REPORT_SIGMA_TIME_S, 0.0) * speed
        radius = 5.0 * np.sqrt(var + lag * lag) + half_w * (speed + 30.0) + 100.0
        ti, mi = associate.pregate(pos, radius + slack.max(initial=0.0), meas_xy)
        d = np.hypot(pos[ti, 0] - meas_xy[mi, 0], pos[ti, 1] - meas_xy[mi, 1])
        near = d <= radius[ti] + slack[mi]
        return ti[near], mi[near]

    def _new_tracks(
        self,
        t: FloatArray,
        p: FloatArray,
        Cp: FloatArray,
        v: FloatArray | None,
        Cv: FloatArray | None,
        score: FloatArray,
        sensor: int,
        ident: IntArray,
        mode_c: FloatArray,
        h_known: np.ndarray,
    ) -> IntArray:
        n = len(t)
        tb = self.table
        rows = tb.allocate(n)
        radar = self.sensors[sensor].kind == "radar"
        self.stats.started += n
        if self.compiled:
            none, none_c = np.zeros((0, 3)), np.zeros((0, 3, 3))
            upkeep.start(
                rows, t, p, Cp, none if v is None else v, none_c if Cv is None else Cv, score, sensor,
                ident, mode_c, h_known, radar, models.MODE_PRIOR, self._v_var,
                tb.x, tb.P, tb.mu, tb.xc, tb.Pc, tb.t, tb.t_first, tb.t_update, tb.t_cov, tb.score, tb.peak,
                tb.hits,
                tb.radar_hits, tb.ident, tb.sensors, tb.mode_c, tb.h_known, tb.t_seen,
            )  # fmt: skip
            return rows
        x = np.zeros((n, 6))
        x[:, :3] = p
        P = np.zeros((n, 6, 6))
        P[:, :3, :3] = Cp
        if v is None or Cv is None:
            P[:, 3, 3] = P[:, 4, 4] = (V_MAX_MPS / 2) ** 2
            P[:, 5, 5] = (V_MAX_CLIMB_MPS / 2) ** 2
        else:
            x[:, 3:] = v
            P[:, 3:, 3:] = Cv
        tb.x[rows] = x[:, None, :]
        tb.P[rows] = P[:, None, :, :]
        tb.mu[rows] = models.MODE_PRIOR
        tb.t[rows] = tb.t_first[rows] = tb.t_update[rows] = tb.t_cov[rows] = t
        tb.score[rows] = tb.peak[rows] = score
        tb.hits[rows] = 1
        tb.ident[rows] = ident
        tb.sensors[rows] = 1 << sensor
        tb.mode_c[rows] = mode_c
        tb.h_known[rows] = h_known
        tb.t_seen[rows, sensor] = t
        tb.radar_hits[rows] = int(radar)
        return rows

    def _pd_of(self, spec: SensorSheet) -> float:
        """Detection probability used to judge misses (SensorSheet.p_detect)."""
        return spec.p_detect

    # ------------------------------------------------------------------ radar
    def update_plots(self, plots: np.ndarray) -> None:
        """Radar plots (PLOT_DTYPE), any sensors; each sensor's batch should span at most one revisit."""
        if len(plots) == 0:
            return
        self.stats.plots += len(plots)
        # sources screen their rows; what still arrives broken is counted here, never raised
        pl = plots
        ok, one = radar_batch.screen(
            pl["time_s"], pl["range_m"], pl["azimuth_rad"], pl["elevation_rad"], pl["altitude_m"],
            pl["sensor"], len(self.geo), *TIME_BOUNDS_S, MAX_RANGE_M, MAX_ALTITUDE_M,
        )  # fmt: skip
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
            radar_plots.batch(self, g, batch)

    def _commit(
        self,
        k: IntArray,
        t: FloatArray,
        x: FloatArray,
        P: FloatArray,
        mu: FloatArray,
        gain: FloatArray,
        g: SensorGeometry,
        radar: bool,
    ) -> None:
        tb = self.table
        good = np.isfinite(x).all(axis=(1, 2)) & np.isfinite(P).all(axis=(1, 2, 3))
        if not good.all():  # numerically broken: quarantine, never raise
            self.stats.quarantined += int((~good).sum())
            tb.free(k[~good])
            k, t, x, P, mu, gain = k[good], t[good], x[good], P[good], mu[good], gain[good]
        tb.x[k], tb.P[k], tb.mu[k], tb.t[k], tb.t_update[k] = x, P, mu, t, t
        tb.score[k] += gain
        tb.peak[k] = np.maximum(tb.peak[k], tb.score[k])
        tb.hits[k] += 1
        tb.miss_lp[k] = 0.0
        tb.sensors[k] |= 1 << g.index
        tb.t_seen[k, g.index] = t
        if radar:
            tb.radar_hits[k] += 1

    # ------------------------------------------------------------------ cooperative reports
    def update_reports(
        self,
        reports: np.ndarray,
        names: dict[int, str] | None = None,
        info: dict[int, dict[str, object]] | None = None,
    ) -> None:
        """Cooperative position reports (REPORT_DTYPE), time-ordered. `names`: ident -> display name;
        `info`: ident -> what the source knows beyond position (kept with the track, in the picture)."""
        if names:
            self.names.update(names)
        if info:
            self.info.update(info)
        if len(reports) == 0:
            return
        self.stats.reports += len(reports)
        bad = ~(
            (np.abs(reports["lat"]) <= 90)
            & (np.abs(reports["lon"]) <= 180)
            & _plausible_time(reports["time_s"])
            & ~(np.abs(reports["altitude_m"]) > MAX_ALTITUDE_M)
            & ~(np.abs(reports["speed_mps"]) > MAX_SPEED_MPS)
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
        # a radar's sheet has no report noise: reports said to come from one are not used (as plots
        # from a receiver are not)
        from_radar = np.isin(reports["sensor"], [g.index for g in self.geo if g.kind == "radar"])
        if from_radar.any():
            self.rejects["report_from_radar"] += int(from_radar.sum())
            reports = reports[~from_radar]
        if len(reports) == 0:
            return
        # an identity reported twice in one batch is handled in rounds: at most one update per track
        order = np.lexsort((reports["time_s"], reports["ident"]))
        rep = reports[order]
        first = np.r_[True, rep["ident"][1:] != rep["ident"][:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(rep)), 0))
        rank = np.arange(len(rep)) - start
        for k in range(int(rank.max()) + 1):
            part = rep[rank == k]
            for s in np.unique(part["sensor"]):
                coop_reports.batch(self, self.geo[int(s)], part[part["sensor"] == s])

    # ------------------------------------------------------------------ management
    def maintain(self, t: float) -> None:
        """Confirm, delete, merge and check integrity at time t (after the measurements up to t)."""
        tb = self.table
        rows = tb.rows()
        if len(rows) == 0:
            return
        if self.compiled:
            confirm, drop, lost = upkeep.judge(
                rows, t, tb.t_seen, tb.t_update, self.revisit_s, self.log_miss, manage.MISS_MEMORY_S,
                tb.score, tb.peak, tb.miss_lp, tb.status, tb.P,
                CONFIRM_LLR, TENTATIVE_DROP, np.log(P_FALSE_DELETE), MAX_SIGMA_H_M, MAX_COAST_S,
            )  # fmt: skip
        else:
            confirm, drop, lost = self._judge(rows, t)
        if confirm.any():
            tb.status[rows[confirm]] = CONFIRMED
            tb.t_confirmed[rows[confirm]] = t
            self.stats.confirmed += int(confirm.sum())
            manage.stitch(self, rows[confirm], t)
        if drop.any():
            tb.free(rows[drop])
            self.stats.deleted += lost
        # duplicates form slowly: looking for them once per HOUSEKEEPING_S is enough
        if t >= self._t_house + HOUSEKEEPING_S:
            self._t_house = t
            manage.merge(self, t)
        self._integrity(t)

    def _judge(self, rows: IntArray, t: float) -> tuple[np.ndarray, np.ndarray, int]:
        """upkeep.judge in numpy (the reference)."""
        tb = self.table
        lp = manage.miss_logp(self, rows, t)
        tb.score[rows] += np.minimum(lp - tb.miss_lp[rows], 0.0)
        tb.miss_lp[rows] = np.minimum(lp, tb.miss_lp[rows])
        tent = tb.status[rows] == TENTATIVE
        confirm = tent & (tb.score[rows] >= CONFIRM_LLR)
        P = tb.P[rows]
        sig_h = np.sqrt(np.maximum(P[:, :, 0, 0] + P[:, :, 1, 1], 0)).max(axis=1)
        drop_tent = (
            tent & ~confirm & ((tb.score[rows] < tb.peak[rows] - TENTATIVE_DROP) | (tb.score[rows] < -1.0))
        )
        drop_conf = ~tent & (tb.miss_lp[rows] < np.log(P_FALSE_DELETE))
        drop = drop_tent | drop_conf | (sig_h > MAX_SIGMA_H_M) | (t - tb.t_update[rows] > MAX_COAST_S)
        return confirm, drop, int((drop & ~tent).sum())

    def predicted(self, rows: IntArray, t: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """Combined states of rows predicted to time(s) t."""
        xc, Pc = self._combined(rows)
        dt = np.broadcast_to(np.asarray(t, np.float64) - self.table.t[rows], (len(rows),))
        if self.compiled:
            return kernels.predict_mixed(xc, Pc, self.table.mu[rows], np.ascontiguousarray(dt))
        return models.predict(xc, Pc, dt, models.mixed_accel(self.table.mu[rows]))

    def _integrity(self, t: float) -> None:
        dt = t - self._t_maintain if np.isfinite(self._t_maintain) else 0.0
        self._t_maintain = t
        tb = self.table
        if not self.compiled:
            integrity.corroboration(tb, self.geo, self.active, self.frame, t)
            integrity.replay(tb, t, dt)
            return
        if (tb.ident[tb.alive] < 0).all():  # no cooperative track: nothing to check
            return
        ro, rM, rmax, rmin, rlook, r_air, r_drone = self._radars(t)
        seen, changed = integrity_kernels.corroborate(
            tb.alive, tb.ident, tb.x, tb.mu, tb.t_cov, tb.radar_hits, tb.flagged, tb.integrity, t,
            ro, rM, rmax, rmin, rlook, r_air, r_drone, REMOTEID_BIT, tb.spoofed_idents,
        )  # fmt: skip
        if changed:  # as integrity.corroboration: found out, until a radar sees it
            rows = tb.rows()
            coop = rows[tb.ident[rows] >= 0]
            bad = np.union1d(tb.spoofed_idents, tb.ident[coop][tb.flagged[coop]])
            tb.spoofed_idents = np.setdiff1d(bad, tb.ident[coop][seen[coop]])
        integrity_kernels.replay(
            tb.alive, tb.status, tb.ident, tb.id, tb.x, tb.mu, tb.twin, tb.twin_s, tb.radar_hits,
            tb.integrity, tb.flagged, dt,
        )  # fmt: skip

    def _radars(self, t: float) -> tuple[FloatArray, ...]:
        """The active radars as integrity_kernels.corroborate takes them, at time t."""
        moving = any(g.nav_t is not None for g in self.geo)
        if self._radar_sheet is not None and not moving:
            return self._radar_sheet
        use = [g for g in self.geo if g.kind == "radar" and g.index in self.active]
        at = [g.at(self.frame, np.full(1, t)) for g in use]
        specs = [cast(RadarSheet, g.spec) for g in use]
        sheet = (
            np.array([o[0] for o, _ in at]).reshape(-1, 3),
            np.array([M[0] for _, M in at]).reshape(-1, 3, 3),
            np.array([float(s.max_range_m) for s in specs]),
            np.array([float(s.min_range_m) for s in specs]),
            np.array([float(s.scan_period_s) for s in specs]),
            np.array([s.sees("aircraft") for s in specs], bool),
            np.array([s.sees("drone") for s in specs], bool),
        )
        self._radar_sheet = sheet
        return sheet

    # ------------------------------------------------------------------ output
    def picture(self, t: float, fresh_s: float = 0.0) -> Picture:
        """Every confirmed track at time t (spoofed ones included, flagged), except those whose
        consecutive missed looks leave less than P_STILL_THERE that the object is still there
        (they are kept, unpublished, to pick the object up again). A track measured in
        the last `fresh_s` seconds is given as filtered at that measurement (row_time), the others
        predicted to t: an estimate at its own time is better than one extrapolated from it."""
        tb = self.table
        if self.compiled:
            rows, row_time, x, P, lat, lon, alt = upkeep.publish(
                tb.alive, tb.status, tb.miss_lp, tb.t, tb.xc, tb.Pc, tb.mu, t, fresh_s, np.log(P_STILL_THERE),
                kernels._motion()[0], self.frame.R, self.frame.origin_ecef, self.site_alt, self.rn, self.rm,
            )  # fmt: skip
        else:
            rows = tb.rows()
            rows = rows[(tb.status[rows] == CONFIRMED) & (tb.miss_lp[rows] >= np.log(P_STILL_THERE))]
            row_time = np.where(t - tb.t[rows] < fresh_s, tb.t[rows], t)
            x, P = self.predicted(rows, row_time)
            lat, lon, _ = self.frame.to_geodetic(x[:, :3])
            alt, _ = altitude_of(x[:, :3], self.site_alt, self.rn, self.rm)
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
            ident=tb.ident[rows],
            sensors=tb.sensors[rows],
            last_update_s=tb.t_update[rows],
            integrity=tb.integrity[rows],
            mode_c=tb.mode_c[rows],
            names=self.names,
            row_time=row_time,
            info=self.info,
        )


def _plausible_time(t: FloatArray) -> np.ndarray:
    return (t > TIME_BOUNDS_S[0]) & (t < TIME_BOUNDS_S[1])


def warm_up(sensors: Sequence[SensorSheet | Mapping[str, Any]], site: tuple[float, float, float]) -> None:
    """Load (or compile, the first time) the numba kernels by tracking a few made-up measurements
    with a throwaway tracker, so that timing a run measures tracking, not start-up: two radar
    targets close enough to compete for plots and to be merge candidates, and a cooperative
    track whose reports jump."""
    from airpicture.types import PLOT_DTYPE, REPORT_DTYPE

    t0 = 1.7e9
    trk = Tracker(sensors, site)
    sensors = trk.sensors
    for k in range(6):
        t = t0 + 4.0 * k
        for i, s in enumerate(sensors):
            if isinstance(s, RadarSheet):
                pl = np.zeros(2, PLOT_DTYPE)
                pl["time_s"] = t + np.array([0.0, 0.01])
                pl["sensor"], pl["range_m"] = i, [20_000.0 + 100 * k, 20_150.0 + 100 * k]
                pl["azimuth_rad"] = 0.5
                pl["elevation_rad"] = 0.05 if s.sigma_elevation_deg is not None else np.nan
                pl["altitude_m"], pl["ident"] = 1000.0, -1
                trk.update_plots(pl)
            else:
                rp = np.zeros(1, REPORT_DTYPE)
                rp["time_s"], rp["sensor"], rp["ident"] = t, i, 0xABCDEF
                rp["lat"], rp["lon"] = site[0] + 0.001 * k + (0.5 if k == 5 else 0.0), site[1]
                rp["altitude_m"], rp["speed_mps"], rp["track_rad"], rp["vrate_mps"] = (
                    1000.0,
                    100.0,
                    0.0,
                    np.nan,
                )
                trk.update_reports(rp)
        trk.maintain(t + 4.0)
        trk.picture(t + 4.0, fresh_s=4.0)


__all__ = ["CONFIRMED", "OK", "SPOOFED", "SUSPECT", "TENTATIVE", "Tracker", "TrackerStats", "warm_up"]
