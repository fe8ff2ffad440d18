"""Alert rules and their lifecycle: raised -> updated -> cleared, one alert per (track, zone, kind).

Conditions are evaluated for all tracks x zones at once; only the alerts that change (or are due
for an update) become `Alert` records. Each rule has a raise condition and a looser keep
condition (boundary_margin_m around footprints and height bands), and an alert clears only when
its keep condition has been false for clear_after_s: a track on a boundary does not flap.

Only tracks that are drones with confidence may alert: a track becomes alertable when
P(drone) >= alert_drone_p after alert_min_age_s, and stays so while P(drone) >= keep_drone_p.

  zone_entry       inside a zone's footprint and height band
  predicted_entry  outside, but its straight-line path over predict_horizon_s enters the zone
  loitering        for loiter_time_s it stayed within loiter_radius_m and either circled (turned
                   >= loiter_turn_deg, steadily one way) or hovered (slower than hover_speed_mps
                   within hover_radius_m)
  uncooperative    no ADS-B / Remote ID identity, within uncooperative_range_m of the site
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np

from airpicture.assess.base import AssessSettings, Zone
from airpicture.assess.features import Features, Parking, rekey
from airpicture.types import ALERT_KINDS, CLASSES, Alert, BoolArray, FloatArray, IntArray, Picture, ident_name

KIND_INDEX = {k: i for i, k in enumerate(ALERT_KINDS)}
_NK = len(ALERT_KINDS)


class AlertRules:
    """Evaluates the alert rules on each picture and keeps the active alerts as arrays by key."""

    def __init__(self, zones: list[Zone], site_alt_m: float, settings: AssessSettings | None = None) -> None:
        self.zones = list(zones)
        self.s = settings or AssessSettings()
        self.site_alt = float(site_alt_m)
        self.nz = len(self.zones) + 1  # the last zone index means "no zone"
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.alertable: BoolArray = np.zeros(0, dtype=bool)
        self.drone_since = np.zeros(0)  # since when P(drone) has been >= alert_drone_p (NaN: not)
        self.parking = Parking(self.s.track_lost_s)
        # active alerts (A,): key, id, time raised / last true / last sent
        self.key: IntArray = np.zeros(0, dtype=np.int64)
        self.alert_id: list[str] = []
        self.raised_s = np.zeros(0)
        self.true_s = np.zeros(0)
        self.sent_s = np.zeros(0)
        self.last_pos = np.zeros((0, 3))  # last known lat, lon, alt_m of the alert's track
        self.seen_s = np.zeros(0)  # when the alert's track was last in a picture
        self._seq = itertools.count(1)

    # ---- conditions -------------------------------------------------------------------------
    def _zone_terms(self, pic: Picture) -> dict[str, np.ndarray]:
        """(N, Z) depth now, best depth along the predicted path, time of first predicted entry."""
        N, Z = len(pic), len(self.zones)
        steps = np.arange(0.0, self.s.predict_horizon_s + 1e-9, self.s.predict_step_s)  # (K,)
        en = pic.x[:, None, 0:2] + pic.x[:, None, 3:5] * steps[None, :, None]  # (N, K, 2)
        h0 = pic.alt_m - self.site_alt
        h = h0[:, None] + pic.x[:, None, 5] * steps[None, :]  # (N, K)
        depth_now = np.zeros((N, Z))
        path_in = np.zeros((N, Z, len(steps)), dtype=bool)
        path_keep = np.zeros((N, Z, len(steps)), dtype=bool)
        band_now = np.zeros((N, Z), dtype=bool)
        band_keep = np.zeros((N, Z), dtype=bool)
        m = self.s.boundary_margin_m
        for j, z in enumerate(self.zones):  # a loop over zones, not tracks
            d = z.depth(en)  # (N, K)
            hb = (h >= z.floor_m) & (h <= z.ceiling_m)
            hk = (h >= z.floor_m - m) & (h <= z.ceiling_m + m)
            depth_now[:, j] = d[:, 0]
            band_now[:, j], band_keep[:, j] = hb[:, 0], hk[:, 0]
            path_in[:, j] = (d > 0) & hb
            path_keep[:, j] = (d > -m) & hk
        first = np.argmax(path_in, axis=2)
        tte = np.where(path_in.any(axis=2), steps[first], np.nan)
        return {
            "depth": depth_now,
            "inside": (depth_now > 0) & band_now,
            "inside_keep": (depth_now > -m) & band_keep,
            "will_enter": np.any(path_in[:, :, 1:], axis=2),
            "path_keep": np.any(path_keep, axis=2),
            "tte": tte,
        }

    def update(self, pic: Picture, f: Features, post: FloatArray) -> list[Alert]:
        """One picture: returns the raised / updated / cleared alert steps it causes."""
        s, t, N, nz = self.s, float(pic.time_s), len(pic), self.nz
        ids = np.asarray(pic.track, dtype=np.int64)
        known = self.parking.realign(self, ("alertable", "drone_since"), ids, t)
        was = self.alertable
        since = np.where(known, self.drone_since, np.nan)
        p_drone = post[:, 1] if len(post) else np.zeros(0)
        # a track must look like a drone (p >= alert_drone_p) for alert_hold_s before it may alert
        sure = (p_drone >= s.alert_drone_p) & (f.age_s >= s.alert_min_age_s)
        self.drone_since = np.where(sure, np.where(np.isnan(since), t, since), np.nan)
        held = sure & (t - self.drone_since >= s.alert_hold_s)
        self.alertable = np.where(was, p_drone >= s.keep_drone_p, held)
        ok = self.alertable
        zt = self._zone_terms(pic)
        Z = len(self.zones)
        raise_c = np.zeros((N, nz, _NK), dtype=bool)
        keep_c = np.zeros((N, nz, _NK), dtype=bool)
        raise_c[:, :Z, KIND_INDEX["zone_entry"]] = zt["inside"] & ok[:, None]
        keep_c[:, :Z, KIND_INDEX["zone_entry"]] = zt["inside_keep"] & ok[:, None]
        raise_c[:, :Z, KIND_INDEX["predicted_entry"]] = zt["will_enter"] & ~zt["inside"] & ok[:, None]
        keep_c[:, :Z, KIND_INDEX["predicted_entry"]] = zt["path_keep"] & ok[:, None]
        circling = (f.loiter_turn_deg >= s.loiter_turn_deg) & (f.loiter_steady >= s.loiter_steady)
        hovering = (f.loiter_speed <= s.hover_speed_mps) & (f.loiter_radius_m <= s.hover_radius_m)
        loiter = ok & (f.loiter_span_s >= s.loiter_time_s - 1e-6) & (f.loiter_radius_m <= s.loiter_radius_m)
        loiter &= circling | hovering
        raise_c[:, Z, KIND_INDEX["loitering"]] = loiter
        keep_c[:, Z, KIND_INDEX["loitering"]] = loiter
        rng = np.hypot(pic.x[:, 0], pic.x[:, 1])
        unco = ok & (pic.ident < 0) & (rng <= s.uncooperative_range_m)
        raise_c[:, Z, KIND_INDEX["uncooperative"]] = unco
        keep_c[:, Z, KIND_INDEX["uncooperative"]] = (
            ok & (pic.ident < 0) & (rng <= s.uncooperative_range_m + 1000)
        )

        base = (
            ids[:, None, None] * (nz * _NK)
            + np.arange(nz)[None, :, None] * _NK
            + np.arange(_NK)[None, None, :]
        )
        keep_keys = base[keep_c]
        raise_keys = base[raise_c]
        out: list[Alert] = []
        # active alerts: refresh, clear the ones whose keep condition lapsed or whose track is gone
        if len(self.key):
            self.true_s = np.where(np.isin(self.key, keep_keys), t, self.true_s)
            track_of = self.key // (nz * _NK)
            present, row = rekey(ids, track_of)
            here = np.column_stack([pic.lat, pic.lon, pic.alt_m])
            self.last_pos[present] = here[row[present]]
            self.seen_s[present] = t
            gone = t - self.seen_s > s.track_lost_s  # unpublished for longer than a short gap
            done = gone | (present & (t - self.true_s >= s.clear_after_s))
            due = ~done & present & (t - self.sent_s >= s.update_every_s)
            for a in np.flatnonzero(done | due):  # a loop over alert steps (outputs), not tracks
                state = "cleared" if done[a] else "updated"
                step = self._alert(
                    pic, zt, f, post, int(self.key[a]), self.alert_id[a], state, t, bool(gone[a])
                )
                if gone[a]:
                    step.lat, step.lon, step.alt_m = (float(v) for v in self.last_pos[a])
                out.append(step)
            self.sent_s[due] = t
            keep = ~done
            self.key, self.raised_s = self.key[keep], self.raised_s[keep]
            self.true_s, self.sent_s = self.true_s[keep], self.sent_s[keep]
            self.last_pos, self.seen_s = self.last_pos[keep], self.seen_s[keep]
            self.alert_id = [a for a, k in zip(self.alert_id, keep, strict=True) if k]
        new = np.setdiff1d(raise_keys, self.key)
        for k in new:  # a loop over newly raised alerts
            aid = f"AP-{next(self._seq):06d}"
            out.append(self._alert(pic, zt, f, post, int(k), aid, "raised", t, False))
            self.alert_id.append(aid)
        if len(new):
            self.key = np.concatenate([self.key, new])
            self.raised_s = np.concatenate([self.raised_s, np.full(len(new), t)])
            self.true_s = np.concatenate([self.true_s, np.full(len(new), t)])
            self.sent_s = np.concatenate([self.sent_s, np.full(len(new), t)])
            present, row = rekey(ids, new // (nz * _NK))
            self.last_pos = np.concatenate(
                [self.last_pos, np.column_stack([pic.lat, pic.lon, pic.alt_m])[row]]
            )
            self.seen_s = np.concatenate([self.seen_s, np.full(len(new), t)])
        return out

    # ---- one alert step, explained ----------------------------------------------------------
    def _alert(
        self,
        pic: Picture,
        zt: dict[str, np.ndarray],
        f: Features,
        post: FloatArray,
        key: int,
        aid: str,
        state: str,
        t: float,
        gone: bool,
    ) -> Alert:
        nz = self.nz
        track, zi, ki = key // (nz * _NK), (key // _NK) % nz, key % _NK
        kind = ALERT_KINDS[ki]
        zone = self.zones[zi].name if zi < len(self.zones) else ""
        if gone:
            return Alert(
                t,
                aid,
                track,
                zone,
                kind,
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
        what = f"Drone (P={p:.2f}), {speed:.0f} m/s, {height:.0f} m above the site"
        if kind in ("zone_entry", "predicted_entry"):
            d = float(zt["depth"][r, zi])
            ev["depth_m"] = round(d, 1)
            tte = float(zt["tte"][r, zi])
            if np.isfinite(tte):
                ev["time_to_entry_s"] = tte
            if kind == "zone_entry":
                msg = f"{what}, is inside zone {zone!r}, {d:.0f} m in from its boundary."
            else:
                when = f"enters in about {tte:.0f} s" if np.isfinite(tte) else "is near it"
                msg = f"{what}, {-d:.0f} m outside zone {zone!r}, {when} on its current course."
        elif kind == "loitering":
            ev |= {
                "loiter_radius_m": round(float(f.loiter_radius_m[r]), 1),
                "loiter_turn_deg": round(float(f.loiter_turn_deg[r]), 1),
                "loiter_steady": round(float(f.loiter_steady[r]), 2),
                "window_s": round(float(f.loiter_span_s[r]), 1),
            }
            msg = (
                f"{what}, has stayed within {f.loiter_radius_m[r]:.0f} m for {f.loiter_span_s[r]:.0f} s "
                f"(turned {f.loiter_turn_deg[r]:.0f} deg, mean speed {f.loiter_speed[r]:.1f} m/s)."
            )
        else:
            msg = f"{what}, {rng / 1000:.1f} km from the site, broadcasts no ADS-B or Remote ID identity."
        if state == "cleared":
            msg = (
                "cleared: "
                + (
                    "no longer classified as a drone"
                    if not self.alertable[r]
                    else f"condition false for {self.s.clear_after_s:.0f} s"
                )
                + ". "
                + msg
            )
        return Alert(
            time_s=t,
            alert=aid,
            track=int(track),
            zone=zone,
            kind=kind,
            state=state,
            lat=float(pic.lat[r]),
            lon=float(pic.lon[r]),
            alt_m=float(pic.alt_m[r]),
            identity=ident_name(int(pic.ident[r]), pic.names),
            cls=CLASSES[int(pic.cls[r])],
            message=msg,
            evidence=ev,
        )


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


def write_alerts_csv(path: str | Path, alerts: list[Alert]) -> None:
    """alerts.csv as in FORMAT.md "Alerts" (time_s, alert, track, zone, kind, state, lat, lon) + context."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ALERT_CSV_FIELDS)
        for a in alerts:
            w.writerow(
                [
                    f"{a.time_s:.3f}",
                    a.alert,
                    a.track,
                    a.zone,
                    a.kind,
                    a.state,
                    f"{a.lat:.6f}",
                    f"{a.lon:.6f}",
                    f"{a.alt_m:.1f}",
                    a.cls,
                    a.message,
                ]
            )


__all__ = ["ALERT_CSV_FIELDS", "KIND_INDEX", "AlertRules", "write_alerts_csv"]
