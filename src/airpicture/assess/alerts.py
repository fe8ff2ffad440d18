"""Alert rules and their lifecycle: raised -> updated -> cleared, one alert per (track, zone, kind).

Conditions are evaluated for the alertable tracks x zones (and the tracks of active alerts) in one
compiled pass (alert_kernels.py); only the alerts that change (or are due for an update) become
`Alert` records. Each rule has a raise condition and a looser keep
condition (boundary_margin_m around footprints and height bands), and an alert clears only when
its keep condition has been false for clear_after_s: a track on a boundary does not flap.

Only tracks that are drones with confidence may alert: a track becomes alertable when
P(drone) >= alert_drone_p held for alert_hold_s from the age alert_min_age_s, and stays so while
P(drone) >= keep_drone_p, it flies no faster than alert_max_speed_mps and the integrity stage
has not found it spoofed; that lower level keeps
its raised alerts from flapping, but a new alert is raised only while P(drone) >= alert_drone_p
(_sure_enough). A zone entry asks less
(zone_alert_hold_s from zone_alert_min_age_s): a drone inside a protected zone is the event the
site must hear of first, and waiting the full delay for it made entries by drones first seen near
or inside the zone late. And it may also come from the class shown, a drone at P >= zone_drone_p
(the averaged posterior, ClassMemory): where drones and birds are seen with one Pd at one speed,
only the drone's straight legs tell it from a bird, and a gliding bird flies them too, so such a
drone is held near P 0.95 minute after minute. Its entry is still the event; the average keeps
the spikes of a bird's posterior out (the instant posterior at 0.93 instead raised 3 more false
alerts on 12 unseen make_scenario sites, the average none). Predicted entries, loitering and
uncooperative alerts, which warn of what has not happened yet, wait the full delay.

  zone_entry       inside a zone's footprint and height band
  predicted_entry  outside, but its straight-line path over predict_horizon_s enters the zone
  loitering        for loiter_time_s it stayed within loiter_radius_m and either circled (turned
                   >= loiter_turn_deg, steadily one way) or hovered (slower than hover_speed_mps
                   within hover_radius_m)
  uncooperative    no ADS-B / Remote ID identity, within uncooperative_range_m of the site
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from pathlib import Path

import numpy as np

from airpicture.assess import alert_kernels
from airpicture.assess.base import AssessSettings, Zone
from airpicture.assess.features import Features, rekey
from airpicture.assess.slots import SlotTable
from airpicture.geo import enu_to_geodetic
from airpicture.types import (
    Alert,
    AlertKind,
    BoolArray,
    FloatArray,
    IntArray,
    Integrity,
    ObjectClass,
    Picture,
    ident_name,
)
from airpicture.units import fmt_distance, fmt_length, fmt_speed

_NK = len(AlertKind)
# the kind codes alert_kernels.conditions writes into the keys, in the order it takes them
_KINDS = np.array(
    [AlertKind.ZONE_ENTRY, AlertKind.PREDICTED_ENTRY, AlertKind.LOITERING, AlertKind.UNCOOPERATIVE],
    dtype=np.int64,
)


def at_picture_time(pic: Picture, rows: IntArray) -> Picture:
    """The picture with its rows `rows` carried from their row_time to time_s at their horizontal
    velocity (height kept: a radar track's climb rate is mostly noise over a second or two); the
    other rows, which no rule reads, as they were.

    A row updated since the previous picture is given at its last measurement, up to a scan
    before time_s: on a 2 s radar a 32 m/s drone was 58 m back. The rules would judge a zone entry
    that late, and an alert stamped time_s would place the drone where it was (the alert's
    position is the object's at the alert's time; the scorer found a bird nearer it)."""
    if pic.row_time is None:
        return pic
    dt = pic.time_s - np.asarray(pic.row_time, dtype=np.float64)
    moved = rows[dt[rows] != 0.0]
    if not len(moved):
        return pic
    x, lat, lon = pic.x.copy(), pic.lat.copy(), pic.lon.copy()
    d = np.zeros((len(moved), 3))
    d[:, 0:2] = x[moved, 3:5] * dt[moved, None]
    x[moved, 0:2] += d[:, 0:2]
    lat[moved], lon[moved], _ = enu_to_geodetic(d, lat[moved], lon[moved], pic.alt_m[moved])
    return dataclasses.replace(pic, x=x, lat=lat, lon=lon, row_time=None)


class AlertRules:
    """Evaluates the alert rules on each picture and keeps the active alerts as arrays by key."""

    def __init__(self, zones: list[Zone], site_alt_m: float, settings: AssessSettings | None = None) -> None:
        self.zones = list(zones)
        self.s = settings or AssessSettings()
        self.site_alt = float(site_alt_m)
        self.nz = len(self.zones) + 1  # the last zone index means "no zone"
        self.floor = np.array([z.floor_m for z in self.zones], dtype=np.float64)
        self.ceiling = np.array([z.ceiling_m for z in self.zones], dtype=np.float64)
        # per track, in slot rows kept track_lost_s after the track's last picture
        self.slots = SlotTable(self.s.track_lost_s)
        self.alertable: BoolArray = np.zeros(self.slots.capacity, dtype=bool)  # for a zone entry
        self.alertable_all: BoolArray = np.zeros(self.slots.capacity, dtype=bool)  # for every kind
        self.drone_since = np.zeros(self.slots.capacity)  # since when P(drone) >= alert_drone_p (NaN: not)
        self.zone_since = np.zeros(self.slots.capacity)  # ...or shown a drone at >= zone_drone_p
        self.slot_state = self._slot_state()
        s = self.s
        self.tuning = alert_kernels.AlertTuning(
            alert_drone_p=s.alert_drone_p,
            keep_drone_p=s.keep_drone_p,
            alert_min_age_s=s.alert_min_age_s,
            alert_hold_s=s.alert_hold_s,
            zone_drone_p=s.zone_drone_p,
            zone_min_age_s=s.zone_alert_min_age_s,
            zone_hold_s=s.zone_alert_hold_s,
            site_alt=self.site_alt,
            margin_m=s.boundary_margin_m,
            loiter_time_s=s.loiter_time_s,
            loiter_radius_m=s.loiter_radius_m,
            loiter_turn_deg=s.loiter_turn_deg,
            loiter_steady=s.loiter_steady,
            hover_speed_mps=s.hover_speed_mps,
            hover_radius_m=s.hover_radius_m,
            uncooperative_range_m=s.uncooperative_range_m,
            track_lost_s=s.track_lost_s,
            clear_after_s=s.clear_after_s,
            update_every_s=s.update_every_s,
            nz=self.nz,
            nk=_NK,
            nzk=self.nz * _NK,
            kinds=_KINDS,
        )
        # active alerts (A,): key, id, time raised / last true / last sent
        self.key: IntArray = np.zeros(0, dtype=np.int64)
        self.alert_id: list[str] = []
        self.raised_s = np.zeros(0)
        self.true_s = np.zeros(0)
        self.sent_s = np.zeros(0)
        self.last_pos = np.zeros((0, 3))  # last known lat, lon, alt_m of the alert's track
        self.seen_s = np.zeros(0)  # when the alert's track was last in a picture
        self._seq = itertools.count(1)

    def _slot_state(self) -> alert_kernels.AlertSlots:
        return alert_kernels.AlertSlots(self.alertable, self.alertable_all, self.drone_since, self.zone_since)

    def update(self, pic: Picture, f: Features, post: FloatArray) -> list[Alert]:
        """One picture: returns the raised / updated / cleared alert steps it causes."""
        t, N, nzk = float(pic.time_s), len(pic), self.nz * _NK
        ids = np.asarray(pic.track, dtype=np.int64)
        rows, known = self.slots.assign(
            self, ("alertable", "alertable_all", "drone_since", "zone_since"), ids, t
        )
        if self.slot_state.was is not self.alertable:  # the slots grew: new arrays
            self.slot_state = self._slot_state()
        ok, strict, watch = np.empty(N, dtype=bool), np.empty(N, dtype=bool), np.empty(N, dtype=bool)
        # one layout whatever N (one compiled version); a track faster now than any drone flies
        # has taken another object's plots (an aircraft passing a hovering drone): its history
        # still says drone, its present does not, and what it would warn of is the other object
        fast = np.hypot(pic.x[:, 3], pic.x[:, 4]) > self.s.alert_max_speed_mps
        # a track the integrity stage found spoofed is where a spoofer said, nothing flies there:
        # the operator is told of the spoof, not warned of a drone (an ADS-B ghost whose replayed
        # flight stopped on a runway, that no radar saw, hovered like a drone and "loitered")
        fake = np.asarray(pic.integrity) == int(Integrity.SPOOFED)
        p_drone = np.ascontiguousarray(np.where(fast | fake, 0.0, post[:, 1]))
        # a zone entry may also come from the class shown: a drone whose evidence holds it near
        # P 0.9 (a bird's Pd and speed, flying legs) is shown a drone minute after minute; not
        # while the evidence now says otherwise (the average lags: birds shown drones entered
        # zones at P(drone) 0.09 and 0.54 on the development seeds)
        shown = (np.asarray(pic.cls) == int(ObjectClass.DRONE)) & (p_drone >= self.s.keep_drone_p)
        p_shown = np.ascontiguousarray(np.where(shown, pic.cls_p, 0.0))
        rows_in = alert_kernels.AlertableRows(ids, rows, known, p_drone, p_shown, f.age_s)
        n_watch = alert_kernels.alertable(
            t, rows_in, self.slot_state, self.key, self.tuning, ok, strict, watch
        )
        if not n_watch and not len(self.key):
            return []  # no track may alert and no alert is active
        # the geodetic conversion only for the rows the rules read: watched, or holding an alert
        pic = at_picture_time(pic, np.flatnonzero(watch | np.isin(ids, self.key // nzk)))
        # every condition needs an alertable track: only those rows, and the tracks of active
        # alerts (whose steps describe them), are evaluated
        raise_keys, keep_keys, zt = self.conditions(pic, f, ok, strict, np.flatnonzero(watch))
        raise_keys = self._sure_enough(raise_keys, ids, p_drone, p_shown, f.age_s)
        done, due, gone, fresh = self.refresh(pic, keep_keys, raise_keys)
        out: list[Alert] = []
        for a in np.flatnonzero(done | due):  # a loop over alert steps (outputs), not tracks
            state = "cleared" if done[a] else "updated"
            step = self._alert(
                pic, zt, f, post, ok, int(self.key[a]), self.alert_id[a], state, t, bool(gone[a])
            )
            if gone[a]:
                step.lat, step.lon, step.alt_m = (float(v) for v in self.last_pos[a])
            out.append(step)
        if done.any():
            keep = ~done
            self.key, self.raised_s = self.key[keep], self.raised_s[keep]
            self.true_s, self.sent_s = self.true_s[keep], self.sent_s[keep]
            self.last_pos, self.seen_s = self.last_pos[keep], self.seen_s[keep]
            self.alert_id = [a for a, k in zip(self.alert_id, keep, strict=True) if k]
        if not fresh.any():
            return out
        new = np.unique(raise_keys[fresh])
        for k in new:  # a loop over newly raised alerts
            aid = f"AP-{next(self._seq):06d}"
            out.append(self._alert(pic, zt, f, post, ok, int(k), aid, "raised", t, False))
            self.alert_id.append(aid)
        self.key = np.concatenate([self.key, new])
        self.raised_s = np.concatenate([self.raised_s, np.full(len(new), t)])
        self.true_s = np.concatenate([self.true_s, np.full(len(new), t)])
        self.sent_s = np.concatenate([self.sent_s, np.full(len(new), t)])
        _, row = rekey(ids, new // nzk)
        self.last_pos = np.concatenate([self.last_pos, np.column_stack([pic.lat, pic.lon, pic.alt_m])[row]])
        self.seen_s = np.concatenate([self.seen_s, np.full(len(new), t)])
        return out

    def _sure_enough(
        self, keys: IntArray, ids: IntArray, p_drone: FloatArray, p_shown: FloatArray, age: FloatArray
    ) -> IntArray:
        """The raise keys of tracks sure enough now for a new alert of their kind. Every kind
        needs P(drone) >= alert_drone_p: keep_drone_p is hysteresis for the alerts a track has
        raised, not a licence for new ones (a bird's track once held at 0.97 and now at 0.9 raised
        loitering and predicted entries; on the development seeds 7, 11, 3 and 1 this cut false
        alerts from 35 to 28 and missed 4 more of 965 events, drones held at P 0.96). An
        uncooperative alert informs (a drone without identity is around); it warns of nothing
        that needs an answer now, so it waits for more certainty than a zone alert: P(drone) >=
        uncooperative_drone_p at an age of uncooperative_min_age_s. A zone entry may also come
        from a drone shown at P >= zone_drone_p (p_shown). A zone alert on a drone that
        turns out a bird costs an operator a look; a stream of "uncooperative" alerts on birds
        costs the operator's trust. At 0.999 rather than 0.99 the development campaign (seed 11)
        kept 89 % of these alerts on drones and lost 62 % of those on birds: drone tracks shown
        at P 0.99-0.999 were 3 % birds, those above 1 %."""
        if not len(keys):
            return keys
        s = self.s
        _, row = rekey(ids, keys // self.tuning.nzk)
        kind = keys % _NK
        unc = kind == int(AlertKind.UNCOOPERATIVE)
        entry = kind == int(AlertKind.ZONE_ENTRY)
        sure = p_drone[row] >= np.where(unc, s.uncooperative_drone_p, s.alert_drone_p)
        sure |= entry & (p_shown[row] >= s.zone_drone_p)
        sure &= ~unc | (age[row] >= s.uncooperative_min_age_s)
        return keys[sure]

    def conditions(
        self, pic: Picture, f: Features, ok: BoolArray, strict: BoolArray, sub: IntArray
    ) -> tuple[IntArray, IntArray, dict[str, FloatArray]]:
        """Raise and keep keys of the picture rows sub (M,), ok (N,) the alertable rows (for a
        zone entry), strict (N,) those alertable for every kind (alert_kernels.alertable), and the
        zone terms the alert steps quote, by picture row: depth (N, Z) m into each zone now, tte
        (N, Z) s to the first predicted entry (NaN: none, or not a row of sub)."""
        s, N, Z = self.s, len(pic), len(self.zones)
        x = pic.x[sub]
        steps = np.arange(0.0, s.predict_horizon_s + 1e-9, s.predict_step_s)  # (K,)
        en = x[:, None, 0:2] + x[:, None, 3:5] * steps[None, :, None]  # (M, K, 2) straight-line path
        depth = np.stack([z.depth(en) for z in self.zones]) if Z else np.zeros((0, len(sub), len(steps)))
        cap = len(sub) * (2 * Z + 2)  # the most keys the rows can have
        raise_keys, keep_keys = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        zt = {"depth": np.full((N, Z), np.nan), "tte": np.full((N, Z), np.nan)}
        rows = alert_kernels.ConditionRows(
            np.asarray(pic.track, dtype=np.int64),
            ok,
            strict,
            pic.x,
            pic.alt_m,
            np.asarray(pic.ident, dtype=np.int64),
            f.loiter_turn_deg,
            f.loiter_steady,
            f.loiter_span_s,
            f.loiter_radius_m,
            f.loiter_speed,
        )
        paths = alert_kernels.ZonePaths(depth, self.floor, self.ceiling, steps)
        res = alert_kernels.ConditionKeys(raise_keys, keep_keys, zt["depth"], zt["tte"])
        n_raise, n_keep = alert_kernels.conditions(sub, rows, paths, self.tuning, res)
        return raise_keys[:n_raise], keep_keys[:n_keep], zt

    def refresh(
        self, pic: Picture, keep_keys: IntArray, raise_keys: IntArray
    ) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray]:
        """Refresh the active alerts with a picture's keep keys: (done, due, gone) (A,), and which
        raise keys (R,) no alert that stays active holds."""
        A = len(self.key)
        done, due, gone = np.empty(A, dtype=bool), np.empty(A, dtype=bool), np.empty(A, dtype=bool)
        fresh = np.empty(len(raise_keys), dtype=bool)
        active = alert_kernels.ActiveAlerts(self.key, self.true_s, self.sent_s, self.seen_s, self.last_pos)
        here = alert_kernels.TrackPositions(
            np.asarray(pic.track, dtype=np.int64), pic.lat, pic.lon, pic.alt_m
        )
        res = alert_kernels.RefreshOutputs(done, due, gone, fresh)
        alert_kernels.refresh(float(pic.time_s), active, keep_keys, raise_keys, here, self.tuning, res)
        return done, due, gone, fresh

    # ---- one alert step, explained ----------------------------------------------------------
    def _alert(
        self,
        pic: Picture,
        zt: dict[str, np.ndarray],
        f: Features,
        post: FloatArray,
        ok: BoolArray,
        key: int,
        aid: str,
        state: str,
        t: float,
        gone: bool,
    ) -> Alert:
        nz = self.nz
        track, zi, ki = key // (nz * _NK), (key // _NK) % nz, key % _NK
        kind = AlertKind(ki)
        zone = self.zones[zi].name if zi < len(self.zones) else ""
        if gone:
            return Alert(
                t,
                aid,
                track,
                zone,
                kind.label,
                state,
                float("nan"),
                float("nan"),
                float("nan"),
                message="track lost",
            )
        r = int(np.flatnonzero(pic.track == track)[0])
        x = pic.x[r]
        speed, height = float(np.hypot(x[3], x[4])), float(pic.alt_m[r] - self.site_alt)
        rng = float(np.hypot(x[0], x[1]))
        p = float(post[r, 1])
        ev: dict[str, float | str] = {
            "p_drone": round(p, 3),
            "speed_mps": round(speed, 1),
            "height_m": round(height, 1),
            "range_m": round(rng),
            "track_age_s": round(float(f.age_s[r]), 1),
        }
        u = self.s.units
        what = f"Drone (P={p:.2f}), {fmt_speed(speed, u)}, {fmt_length(height, u)} above the site"
        if kind in (AlertKind.ZONE_ENTRY, AlertKind.PREDICTED_ENTRY):
            d = float(zt["depth"][r, zi])
            ev["depth_m"] = round(d, 1)
            tte = float(zt["tte"][r, zi])
            if np.isfinite(tte):
                ev["time_to_entry_s"] = tte
            if kind == AlertKind.ZONE_ENTRY:
                msg = f"{what}, is inside zone {zone!r}, {fmt_length(d, u)} in from its boundary."
            elif d >= 0:  # the predicted entry came true: the alert lives on until it clears
                msg = f"{what}, has entered zone {zone!r} as predicted, {fmt_length(d, u)} in."
            else:
                when = f"enters in about {tte:.0f} s" if np.isfinite(tte) else "is near it"
                msg = f"{what}, {fmt_length(-d, u)} outside zone {zone!r}, {when} on its current course."
        elif kind == AlertKind.LOITERING:
            ev |= {
                "loiter_radius_m": round(float(f.loiter_radius_m[r]), 1),
                "loiter_turn_deg": round(float(f.loiter_turn_deg[r]), 1),
                "loiter_steady": round(float(f.loiter_steady[r]), 2),
                "window_s": round(float(f.loiter_span_s[r]), 1),
            }
            msg = (
                f"{what}, has stayed within {fmt_length(f.loiter_radius_m[r], u)} for "
                f"{f.loiter_span_s[r]:.0f} s (turned {f.loiter_turn_deg[r]:.0f} deg, "
                f"mean speed {fmt_speed(f.loiter_speed[r], u, 1)})."
            )
        else:
            msg = f"{what}, {fmt_distance(rng, u)} from the site, broadcasts no ADS-B or Remote ID identity."
        if state == "cleared":
            msg = (
                "cleared: "
                + (
                    f"condition false for {self.s.clear_after_s:.0f} s"
                    if ok[r]
                    else "faster than a drone flies"
                    if speed > self.s.alert_max_speed_mps
                    else "its reports were found spoofed"
                    if int(pic.integrity[r]) == int(Integrity.SPOOFED)
                    else "no longer classified as a drone"
                )
                + ". "
                + msg
            )
        return Alert(
            time_s=t,
            alert=aid,
            track=int(track),
            zone=zone,
            kind=kind.label,
            state=state,
            lat=float(pic.lat[r]),
            lon=float(pic.lon[r]),
            alt_m=float(pic.alt_m[r]),
            identity=ident_name(int(pic.ident[r]), pic.names),
            cls=ObjectClass(int(pic.cls[r])).label,
            message=msg,
            evidence=ev,
        )


#: alerts.csv: the columns (fields of Alert.to_record) and the format of the numeric ones.
ALERT_CSV_FIELDS = (
    "time_s",
    "alert",
    "track",
    "zone",
    "kind",
    "state",
    "lat",
    "lon",
    "alt_m",
    "cls",
    "message",
)
ALERT_CSV_FORMATS = {"time_s": ".3f", "lat": ".6f", "lon": ".6f", "alt_m": ".1f"}


def alert_csv_row(a: Alert) -> list[str]:
    """An alert step as an alerts.csv row (ALERT_CSV_FIELDS)."""
    rec = a.to_record()
    return [format(rec[k], ALERT_CSV_FORMATS.get(k, "")) for k in ALERT_CSV_FIELDS]


def write_alerts_csv(path: str | Path, alerts: list[Alert]) -> None:
    """alerts.csv as in FORMAT.md "Alerts" (time_s, alert, track, zone, kind, state, lat, lon) + context."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ALERT_CSV_FIELDS)
        w.writerows(alert_csv_row(a) for a in alerts)


__all__ = [
    "ALERT_CSV_FIELDS",
    "ALERT_CSV_FORMATS",
    "AlertRules",
    "alert_csv_row",
    "at_picture_time",
    "write_alerts_csv",
]
