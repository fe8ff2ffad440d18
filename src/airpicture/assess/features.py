"""Per-track evidence accumulated over pictures, as a struct-of-arrays keyed by track id.

Each picture, the table is re-keyed to the picture's rows (np.searchsorted on the previous ids),
so tracks appear and disappear without Python loops; a track missing from the picture is parked
for grace_s and comes back with its history. What it keeps per track:

    first_s, last_s        first / latest picture time of the track
    speed_ew               horizontal speed, exponentially weighted (tau_speed_s), m/s
    heading_ew             exponentially weighted unit heading vector (tau_heading_s): its length is
                           how straight the flight is (birds wander, drones and aircraft fly legs)
    hits, chances (N, S)   per sensor: plots that updated the track, and the scans it could have been
                           seen in (time in the sensor's coverage / scan period) -> detection evidence
                           (attributed from the cumulative Picture.sensors mask: see update)
    ring (N, K)            positions and headings sampled every sample_dt_s, for loitering

Hits and chances fade with tau_detect_s (bounded memory: a class can change when the evidence does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airpicture.geo import EnuFrame, geodetic_to_enu
from airpicture.types import BoolArray, FloatArray, IntArray, Picture

_EARTH_K_M = 4 / 3 * 6371000.0  # radar horizon with standard refraction


def rekey(old_ids: IntArray, new_ids: IntArray) -> tuple[BoolArray, IntArray]:
    """Match new_ids (N,) against old_ids (M,): (known (N,) bool, row in old_ids (N,) int)."""
    if len(old_ids) == 0:
        return np.zeros(len(new_ids), dtype=bool), np.zeros(len(new_ids), dtype=np.int64)
    order = np.argsort(old_ids, kind="stable")
    pos = np.minimum(np.searchsorted(old_ids[order], new_ids), len(order) - 1)
    old = order[pos]
    return old_ids[old] == new_ids, old


def take_rows(a: np.ndarray, known: BoolArray, old: IntArray) -> np.ndarray:
    """Rows of `a` for the known tracks, zeros for new ones (same dtype and trailing shape)."""
    out = np.zeros((len(known), *a.shape[1:]), dtype=a.dtype)
    out[known] = a[old[known]]
    return out


class Parking:
    """Rows of tracks missing from the latest pictures, kept for grace_s.

    The tracker stops publishing a track it has missed a few times but may pick the object up
    again under the same id: its history must survive the gap. `realign` re-keys the named
    per-track arrays of `owner` (aligned with owner.ids) to the picture's ids, parking the rows of
    absent tracks and restoring those that come back.
    """

    def __init__(self, grace_s: float = 60.0) -> None:
        self.grace_s = grace_s
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.seen = np.zeros(0)
        self.cols: dict[str, np.ndarray] = {}
        self.last_t = -np.inf

    def realign(self, owner: object, names: tuple[str, ...], ids: IntArray, t: float) -> BoolArray:
        """Re-key owner's arrays `names` (and owner.ids) to `ids`; returns which rows are known."""
        cur_ids: IntArray = owner.ids  # type: ignore[attr-defined]
        pool_ids = np.concatenate([cur_ids, self.ids])
        pool_seen = np.concatenate([np.full(len(cur_ids), self.last_t), self.seen])
        known, old = rekey(pool_ids, ids)
        absent = ~np.isin(pool_ids, ids) & (pool_seen >= t - self.grace_s)
        cols = {}
        for n in names:
            a = getattr(owner, n)
            pool = np.concatenate([a, self.cols.get(n, a[:0])])
            setattr(owner, n, take_rows(pool, known, old))
            cols[n] = pool[absent]
        self.ids, self.seen, self.cols, self.last_t = pool_ids[absent], pool_seen[absent], cols, t
        owner.ids = ids.copy()  # type: ignore[attr-defined]
        return known


@dataclass
class SensorSheet:
    """The spec sheets reduced to arrays, index = sensor index in the tracker's sensor list.

    pos : (S, 3) [lat lon alt_m]; period_s, min_range_m, max_range_m, min_el_rad : (S,)
    pd : (S, 3) P(detect | aircraft, drone, bird) per scan; radar : (S,) bool (has a pd);
    moving : (S,) bool (coverage from the radar horizon, not elevation).
    """

    pos: FloatArray
    period_s: FloatArray
    min_range_m: FloatArray
    max_range_m: FloatArray
    min_el_rad: FloatArray
    pd: FloatArray
    radar: BoolArray
    moving: BoolArray

    @classmethod
    def from_specs(cls, sensors: list[dict[str, object]]) -> SensorSheet:
        def f(s: dict[str, object], k: str, default: float) -> float:
            v = s.get(k, default)
            return float(v) if isinstance(v, (int, float)) else default

        pd = np.zeros((len(sensors), 3))
        for i, s in enumerate(sensors):
            sheet = s.get("pd")
            if isinstance(sheet, dict):
                pd[i] = [float(sheet.get(k, 0.0)) for k in ("aircraft", "drone", "bird")]
        return cls(
            pos=np.array([[f(s, "lat", 0.0), f(s, "lon", 0.0), f(s, "alt_m", 0.0)] for s in sensors]).reshape(
                -1, 3
            ),
            period_s=np.array([f(s, "scan_period_s", f(s, "update_period_s", 1.0)) for s in sensors]),
            min_range_m=np.array([f(s, "min_range_m", 0.0) for s in sensors]),
            max_range_m=np.array([f(s, "max_range_m", 0.0) for s in sensors]),
            min_el_rad=np.radians([f(s, "min_elevation_deg", -0.5) for s in sensors]),
            pd=pd,
            radar=np.array([isinstance(s.get("pd"), dict) for s in sensors], dtype=bool),
            moving=np.array([bool(s.get("moving", False)) for s in sensors], dtype=bool),
        )

    def coverage(self, lat: FloatArray, lon: FloatArray, alt: FloatArray) -> BoolArray:
        """(N,) positions -> (N, S) whether each radar could see an object there."""
        out = np.zeros((len(lat), len(self.period_s)), dtype=bool)
        for s in np.flatnonzero(self.radar):  # a loop over sensors, not tracks
            enu = geodetic_to_enu(lat, lon, alt, *self.pos[s])
            r = np.linalg.norm(enu, axis=-1)
            if self.moving[s]:
                h = np.sqrt(2 * _EARTH_K_M * max(self.pos[s, 2], 0.0))
                above = r <= h + np.sqrt(2 * _EARTH_K_M * np.maximum(alt, 0.0))
            else:
                above = enu[:, 2] >= r * np.sin(self.min_el_rad[s])
            out[:, s] = (r >= self.min_range_m[s]) & (r <= self.max_range_m[s]) & above
        return out


@dataclass
class Features:
    """What the classifier and alert rules read, aligned with the picture's rows.

    dt : (N,) s since the track's previous picture (0 for a new track); age_s : (N,)
    speed, height (above the site), height_ok (vertical sigma small enough to trust),
    wander : (N,) 1 - heading persistence (0 straight, 1 random);
    hits, misses : (N, S) detections and missed scans per sensor (faded with tau_detect_s);
    loiter_turn_deg, loiter_steady, loiter_radius_m, loiter_speed, loiter_span_s : (N,) over the
    last loiter window (NaN where the history is shorter than the window).
    """

    dt: FloatArray
    age_s: FloatArray
    speed: FloatArray
    height: FloatArray
    height_ok: BoolArray
    wander: FloatArray
    hits: FloatArray
    misses: FloatArray
    loiter_turn_deg: FloatArray
    loiter_steady: FloatArray
    loiter_radius_m: FloatArray
    loiter_speed: FloatArray
    loiter_span_s: FloatArray
    centre_en: FloatArray


class FeatureTable:
    """Struct-of-arrays of per-track history, re-keyed to each picture's track ids."""

    def __init__(
        self,
        sheet: SensorSheet,
        site: dict[str, float],
        *,
        tau_speed_s: float = 5.0,
        tau_heading_s: float = 20.0,
        tau_detect_s: float = 120.0,
        grace_s: float = 60.0,
        sample_dt_s: float = 2.0,
        loiter_window_s: float = 40.0,
    ) -> None:
        self.sheet = sheet
        self.frame = EnuFrame(site["lat"], site["lon"], site.get("alt_m", 0.0))
        self.site_alt = float(site.get("alt_m", 0.0))
        self.tau_speed_s, self.tau_heading_s = tau_speed_s, tau_heading_s
        self.tau_detect_s = tau_detect_s
        self.sample_dt_s = sample_dt_s
        self.window_s = loiter_window_s
        self.K = int(np.ceil(loiter_window_s / sample_dt_s)) + 3
        S = len(sheet.period_s)
        self.ids: IntArray = np.zeros(0, dtype=np.int64)
        self.parking = Parking(grace_s)
        self.first_s = np.zeros(0)
        self.last_s = np.zeros(0)
        self.last_update_s = np.zeros(0)
        self.speed_ew = np.zeros(0)
        self.heading_ew = np.zeros((0, 2))
        self.hits = np.zeros((0, S))
        self.chances = np.zeros((0, S))
        self.ring_t = np.zeros((0, self.K))
        self.ring_en = np.zeros((0, self.K, 2))
        self.ring_v = np.zeros((0, self.K, 2))
        self.ring_head = np.zeros(0, dtype=np.int64)
        self.mask = np.zeros(0, dtype=np.int64)  # the sensor bits seen at the previous picture

    _ROW_FIELDS = (
        "first_s",
        "last_s",
        "last_update_s",
        "speed_ew",
        "heading_ew",
        "hits",
        "chances",
        "ring_t",
        "ring_en",
        "ring_v",
        "ring_head",
        "mask",
    )

    def _rekey(self, ids: IntArray, t: float) -> BoolArray:
        """Re-align every per-track array to `ids`; returns which rows are known tracks."""
        known = self.parking.realign(self, self._ROW_FIELDS, ids, t)
        fresh = ~known
        self.first_s[fresh] = t
        self.last_s[fresh] = t
        self.ring_t[fresh] = -1e18  # "never sampled", finite so differences stay finite
        self.last_update_s[fresh] = -np.inf
        return known

    def update(self, pic: Picture) -> Features:
        t = float(pic.time_s)
        known = self._rekey(np.asarray(pic.track, dtype=np.int64), t)
        N = len(pic)
        dt = np.where(known, np.maximum(t - self.last_s, 0.0), 0.0)
        v = pic.x[:, 3:5]
        speed = np.hypot(v[:, 0], v[:, 1])
        # exponentially weighted speed (a new track starts from its first value)
        a_s = np.where(known, 1.0 - np.exp(-dt / self.tau_speed_s), 1.0)
        self.speed_ew += a_s * (speed - self.speed_ew)
        # heading persistence: length of the weighted mean of unit heading vectors (1 = straight)
        moving = speed > 2.0
        u = v / np.maximum(speed, 1e-9)[:, None]
        a_u = np.where(known, 1.0 - np.exp(-dt / self.tau_heading_s), 1.0) * moving
        self.heading_ew += a_u[:, None] * (u - self.heading_ew)
        # sensors: Picture.sensors is cumulative (every sensor that ever updated the track), so a
        # hit is attributed where it can be: a sensor's bit appearing, or an update of a track
        # that only one sensor has ever seen. Chances (scans in coverage) count while the updates
        # are attributable; after that only new bits add evidence (a second sensor seeing it).
        S = self.hits.shape[1]
        mask = pic.sensors.astype(np.int64)
        bits = ((mask[:, None] >> np.arange(S)[None, :]) & 1).astype(np.float64)
        new_bits = ((mask & ~self.mask)[:, None] >> np.arange(S)[None, :]) & 1
        single = bits.sum(axis=1) == 1
        updated = (pic.last_update_s > self.last_update_s) & single & (new_bits.sum(axis=1) == 0)
        new_hits = new_bits + bits * updated[:, None]
        cover = self.sheet.coverage(pic.lat, pic.lon, pic.alt_m)
        new_chances = cover * (dt * single)[:, None] / self.sheet.period_s[None, :]
        # bounded memory: older looks fade with tau_detect_s, so the evidence stays revisable
        fade = np.exp(-dt / self.tau_detect_s)[:, None]
        self.hits = self.hits * fade + new_hits
        self.chances = np.maximum(self.chances * fade + new_chances, self.hits)
        self.mask = mask.copy()
        self.last_update_s = pic.last_update_s.astype(np.float64).copy()
        self.last_s[:] = t
        self._sample(t, pic)
        height = pic.alt_m - self.site_alt
        height_ok = np.isfinite(height) & (np.sqrt(np.abs(pic.P[:, 2, 2])) < 150.0)
        loiter = self._loiter(t, N)
        return Features(
            dt=dt,
            age_s=t - self.first_s,
            speed=self.speed_ew.copy(),
            height=height,
            height_ok=height_ok,
            wander=1.0 - np.hypot(self.heading_ew[:, 0], self.heading_ew[:, 1]),
            hits=self.hits.copy(),
            misses=self.chances - self.hits,
            **loiter,
        )

    def _sample(self, t: float, pic: Picture) -> None:
        """Push (t, e, n, ve, vn) into each track's ring when sample_dt_s has passed since its last."""
        last = np.take_along_axis(self.ring_t, ((self.ring_head - 1) % self.K)[:, None], axis=1)[:, 0]
        due = np.flatnonzero(t - last >= self.sample_dt_s - 1e-6)
        slot = self.ring_head[due]
        self.ring_t[due, slot] = t
        self.ring_en[due, slot] = pic.x[due, 0:2]
        self.ring_v[due, slot] = pic.x[due, 3:5]
        self.ring_head[due] = (slot + 1) % self.K

    def _loiter(self, t: float, N: int) -> dict[str, FloatArray]:
        """Turn, steadiness, radius and speed over each track's last loiter window of samples."""
        # newest-first view of the ring
        idx = (self.ring_head[:, None] - 1 - np.arange(self.K)[None, :]) % self.K
        rt = np.take_along_axis(self.ring_t, idx, axis=1)
        ren = np.take_along_axis(self.ring_en, idx[..., None], axis=1)
        rv = np.take_along_axis(self.ring_v, idx[..., None], axis=1)
        w = self.window_s
        valid = rt >= t - w - 1e-6
        span = np.where(valid.any(axis=1), t - np.min(np.where(valid, rt, np.inf), axis=1), 0.0)
        n = np.maximum(valid.sum(axis=1), 1)
        centre = np.sum(np.where(valid[..., None], ren, 0.0), axis=1) / n[:, None]
        radius = np.max(np.where(valid, np.hypot(*np.moveaxis(ren - centre[:, None], -1, 0)), 0.0), axis=1)
        sp = np.hypot(rv[..., 0], rv[..., 1])
        mean_speed = np.sum(np.where(valid, sp, 0.0), axis=1) / n
        psi = np.arctan2(rv[..., 0], rv[..., 1])
        # consecutive pairs (newer, older): heading change where both speeds say where it points
        pair = valid[:, :-1] & valid[:, 1:] & (sp[:, :-1] > 2.0) & (sp[:, 1:] > 2.0)
        dpsi = np.angle(np.exp(1j * (psi[:, :-1] - psi[:, 1:])))
        dts = np.maximum(rt[:, :-1] - rt[:, 1:], 1e-6)
        turn = np.sum(np.where(pair, dpsi, 0.0), axis=1)
        turning = pair & (np.abs(dpsi) / np.where(np.isfinite(dts), dts, 1.0) >= np.radians(1.0))
        same = turning & (np.sign(dpsi) == np.sign(turn)[:, None])
        steady = same.sum(axis=1) / np.maximum(pair.sum(axis=1), 1)
        enough = span >= w - self.sample_dt_s - 1e-6
        nan = np.full(N, np.nan)
        return {
            "loiter_turn_deg": np.where(enough, np.degrees(np.abs(turn)), nan),
            "loiter_steady": np.where(enough, steady, nan),
            "loiter_radius_m": np.where(enough, radius, nan),
            "loiter_speed": np.where(enough, mean_speed, nan),
            "loiter_span_s": span,
            "centre_en": centre,
        }


__all__ = ["FeatureTable", "Features", "Parking", "SensorSheet", "rekey", "take_rows"]
