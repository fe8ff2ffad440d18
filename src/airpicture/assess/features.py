"""Per-track evidence accumulated over pictures, kept in fixed rows keyed by track id (slots.py).

A track missing from the picture keeps its row for grace_s and comes back with its history.
What the table keeps per track (one compiled pass a picture: kernels.update_features):

    first_s, last_s        first / latest picture time of the track
    speed_ew               horizontal speed, exponentially weighted (tau_speed_s), m/s
    hits, chances (C, S)   per sensor: plots that updated the track, and the scans it could have been
                           seen in (time in the sensor's coverage / scan period, less the scans whose
                           plot in its gate went to another track, Picture.denied_n) -> detection
                           evidence (from each sensor's count, Picture.seen_n; a picture without it:
                           from the cumulative Picture.sensors mask, see kernels.py)
    crowd (C, S)           per sensor: detections in which the track gated more than one plot (a
                           flock's sign: Picture.crowd_n), at most the hits
    ring (C, K)            position, speed, heading and its noise sampled every sample_dt_s, for
                           loitering and heading wander (how much the turn rate changes from one
                           wander_lag_s to the next: birds' headings random-walk, drones and
                           aircraft fly legs and circles; kernels._wander_stat)

Hits, chances and crowds fade with tau_detect_s (bounded memory: a class can change when the evidence does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airpicture.assess import kernels
from airpicture.assess.slots import SlotTable
from airpicture.config import AssessSettings
from airpicture.geo import EnuFrame, geodetic_to_ecef, rotation
from airpicture.sensors import RadarSheet, covers
from airpicture.sensors import SensorSheet as Sheet
from airpicture.types import BoolArray, FloatArray, IntArray, Picture


def rekey(old_ids: IntArray, new_ids: IntArray) -> tuple[BoolArray, IntArray]:
    """Match new_ids (N,) against old_ids (M,): (known (N,) bool, row in old_ids (N,) int)."""
    if len(old_ids) == 0:
        return np.zeros(len(new_ids), dtype=bool), np.zeros(len(new_ids), dtype=np.int64)
    order = np.argsort(old_ids, kind="stable")
    pos = np.minimum(np.searchsorted(old_ids[order], new_ids), len(order) - 1)
    old = order[pos]
    return old_ids[old] == new_ids, old


#: the kinds of object a radar's pd is given for, in the order of SensorSheet.pd's columns
KINDS = ("aircraft", "drone", "bird")


@dataclass
class SensorSheet:
    """The spec sheets reduced to arrays, index = sensor index in the tracker's sensor list.

    pos : (S, 3) [lat lon alt_m]; period_s, min_range_m, max_range_m, min_el_rad : (S,)
    pd : (S, 3) P(detect | aircraft, drone, bird) per scan; radar : (S,) bool (has a pd);
    moving : (S,) bool (coverage from the radar horizon, not elevation); sheets: the validated
    sheets themselves (coverage is airpicture.sensors.covers of each radar's).
    """

    pos: FloatArray
    period_s: FloatArray
    min_range_m: FloatArray
    max_range_m: FloatArray
    min_el_rad: FloatArray
    pd: FloatArray
    radar: BoolArray
    moving: BoolArray
    sheets: Sequence[Sheet] = ()

    @classmethod
    def from_specs(cls, sensors: Sequence[Sheet]) -> SensorSheet:
        """From validated sheets (airpicture.sensors); a receiver has no ranges here (0)."""
        radars = [s if isinstance(s, RadarSheet) else None for s in sensors]
        return cls(
            pos=np.array([[s.lat, s.lon, s.alt_m] for s in sensors], dtype=np.float64).reshape(-1, 3),
            period_s=np.array([s.revisit_s for s in sensors], dtype=np.float64),
            min_range_m=np.array([r.min_range_m if r else 0.0 for r in radars], dtype=np.float64),
            max_range_m=np.array([r.max_range_m if r else 0.0 for r in radars], dtype=np.float64),
            min_el_rad=np.radians([r.min_elevation_deg if r else -0.5 for r in radars]),
            pd=np.array(
                [[r.pd_of(k) if r else 0.0 for k in ("aircraft", "drone", "bird")] for r in radars]
            ).reshape(-1, 3),
            radar=np.array([r is not None for r in radars], dtype=bool),
            moving=np.array([s.moving for s in sensors], dtype=bool),
            sheets=list(sensors),
        )

    def radar_frames(self) -> tuple[FloatArray, FloatArray]:
        """What coverage needs of each sensor, computed once: its ECEF origin (S, 3) m and the
        ECEF -> its ENU rotation (S, 3, 3)."""
        origin = geodetic_to_ecef(self.pos[:, 0], self.pos[:, 1], self.pos[:, 2]).reshape(-1, 3)
        rot = rotation(self.pos[:, 0], self.pos[:, 1]).reshape(-1, 3, 3)
        return origin, rot

    def coverage(self, frames: tuple[FloatArray, FloatArray], x: FloatArray, alt: FloatArray) -> BoolArray:
        """(N, S) bool: which radar covers each position (x (N, 3) ECEF m, alt m above the
        ellipsoid) by airpicture.sensors.covers; frames: radar_frames()."""
        out = np.zeros((len(x), len(self.period_s)), dtype=bool)
        for k, s in enumerate(self.sheets):  # a loop over sensors, not tracks
            if isinstance(s, RadarSheet):
                out[:, k] = covers(s, frames[0][k], frames[1][k], x, alt_m=alt, sensor_alt_m=s.alt_m)
        return out


@dataclass
class Features:
    """What the classifier and alert rules read, aligned with the picture's rows.

    dt : (N,) s since the track's previous picture (0 for a new track); age_s : (N,)
    speed, height (above the site), height_ok (vertical sigma small enough to trust),
    speed_sd : (N,) the standard deviation of the track's speed now (its velocity covariance), m/s;
    wander : (N,) median change of the turn over wander_lag_s, rad (NaN: not enough moving samples);
    hits, misses : (N, S) detections and missed scans per sensor (faded with tau_detect_s);
    crowd : (N, S) the detections among hits in which the track gated more than one plot;
    loiter_turn_deg, loiter_steady, loiter_radius_m, loiter_speed, loiter_span_s : (N,) over the
    last loiter window (NaN where the history is shorter than the window).
    """

    dt: FloatArray
    age_s: FloatArray
    speed: FloatArray
    speed_sd: FloatArray
    height: FloatArray
    height_ok: BoolArray
    wander: FloatArray
    hits: FloatArray
    misses: FloatArray
    crowd: FloatArray
    loiter_turn_deg: FloatArray
    loiter_steady: FloatArray
    loiter_radius_m: FloatArray
    loiter_speed: FloatArray
    loiter_span_s: FloatArray
    centre_en: FloatArray


#: the defaults of the table's time constants (airpicture.config, `Settings.assess`)
_DEFAULT = AssessSettings()


class FeatureTable:
    """Per-track history in slot rows; `update` folds in a picture and returns its Features."""

    def __init__(
        self,
        sheet: SensorSheet,
        site: dict[str, float],
        *,
        tau_speed_s: float = _DEFAULT.speed_memory_s,
        tau_detect_s: float = _DEFAULT.detect_memory_s,
        grace_s: float = _DEFAULT.history_grace_s,
        sample_dt_s: float = _DEFAULT.loiter_sample_s,
        loiter_window_s: float = _DEFAULT.loiter_time_s,
        wander_lag_s: float = _DEFAULT.wander_lag_s,
        wander_noise_rad: float = _DEFAULT.wander_noise_rad,
        wander_window_s: float = _DEFAULT.wander_window_s,
    ) -> None:
        self.sheet = sheet
        self.frames = sheet.radar_frames()
        self.site_alt = float(site.get("alt_m", 0.0))
        self._enu = EnuFrame(float(site["lat"]), float(site["lon"]), self.site_alt)
        self.tau_speed_s = tau_speed_s
        self.tau_detect_s = tau_detect_s
        self.sample_dt_s = sample_dt_s
        self.window_s = loiter_window_s
        self.wander_lag = max(1, round(wander_lag_s / sample_dt_s))
        # the ring holds the loiter window and the wander window (whose median must outvote the two
        # lags a step of the turn rate fills), and at least two wander lags with a few triples
        window = max(loiter_window_s, wander_window_s)
        self.K = max(int(np.ceil(window / sample_dt_s)) + 3, 2 * self.wander_lag + 4)
        S, K = len(sheet.period_s), self.K
        self.slots = SlotTable(grace_s)
        C = self.slots.capacity
        self.first_s = np.zeros(C)
        self.last_s = np.zeros(C)
        self.last_update_s = np.zeros(C)
        self.speed_ew = np.zeros(C)
        self.hits = np.zeros((C, S))
        self.chances = np.zeros((C, S))
        self.crowd = np.zeros((C, S))
        self.hit_s = np.full((C, S), -np.inf)  # each sensor's last measurement of the track
        self.ring_t = np.zeros((C, K))
        self.ring_en = np.zeros((C, K, 2))
        self.ring_sp = np.zeros((C, K))
        self.ring_psi = np.zeros((C, K))
        self.ring_turn = np.zeros((C, K))
        self.ring_psi_sd = np.full((C, K), np.nan)
        self.ring_head = np.zeros(C, dtype=np.int64)
        self.mask = np.zeros(C, dtype=np.int64)  # the sensor bits seen at the track's previous picture
        self.seen_n = np.zeros((C, S), dtype=np.int64)  # each sensor's count at its previous picture
        self.crowd_prev = np.zeros((C, S), dtype=np.int64)  # ... and its crowded scans
        self.denied_prev = np.zeros((C, S), dtype=np.int64)  # ... and its denied ones
        self.history = self._history()
        self.tuning = kernels.FeatureTuning(
            period_s=sheet.period_s,
            tau_speed_s=self.tau_speed_s,
            tau_detect_s=self.tau_detect_s,
            site_alt=self.site_alt,
            sample_dt_s=self.sample_dt_s,
            window_s=self.window_s,
            wander_lag=self.wander_lag,
            wander_noise_rad=wander_noise_rad,
        )

    def _history(self) -> kernels.SlotHistory:
        """The slot arrays as the kernel takes them (rebuilt when the slots grow)."""
        return kernels.SlotHistory._make(getattr(self, n) for n in kernels.SlotHistory._fields)

    _ROW_FIELDS = (
        "first_s",
        "last_s",
        "last_update_s",
        "speed_ew",
        "hits",
        "chances",
        "crowd",
        "hit_s",
        "ring_t",
        "ring_en",
        "ring_sp",
        "ring_psi",
        "ring_turn",
        "ring_psi_sd",
        "ring_head",
        "mask",
        "seen_n",
        "crowd_prev",
        "denied_prev",
    )

    @staticmethod
    def _per_sensor(counts: npt.NDArray[np.integer] | None, name: str, N: int, S: int) -> IntArray:
        """Picture.seen_n, crowd_n or denied_n for the sheet's S sensors (zeros when the picture has none).
        Columns past S are sensors the sheet does not hold, as bits past S of Picture.sensors are."""
        if counts is None:
            return np.zeros((N, S), np.int64)
        if counts.ndim != 2 or counts.shape[0] != N or counts.shape[1] < S:
            raise ValueError(f"Picture.{name} is {counts.shape}, not ({N}, >= {S})")
        return np.ascontiguousarray(counts[:, :S], dtype=np.int64)

    def update(self, pic: Picture) -> Features:
        t = float(pic.time_s)
        ids = np.asarray(pic.track, dtype=np.int64)
        rows, known = self.slots.assign(self, self._ROW_FIELDS, ids, t)
        if self.history.first_s is not self.first_s:  # the slots grew: new arrays
            self.history = self._history()
        N, S = len(ids), len(self.sheet.period_s)
        out = np.empty((11, N))
        height_ok = np.empty(N, dtype=bool)
        hits, misses, crowd, centre = np.empty((N, S)), np.empty((N, S)), np.empty((N, S)), np.empty((N, 2))
        rows_in = kernels.PictureRows(
            rows,
            known,
            pic.x,
            pic.P,
            pic.alt_m,
            np.asarray(pic.sensors, dtype=np.int64),
            np.asarray(pic.last_update_s, dtype=np.float64),
            # the picture's site-ENU positions in ECEF: one product, not a geodetic conversion
            self.sheet.coverage(self.frames, pic.x[:, :3] @ self._enu.R + self._enu.origin_ecef, pic.alt_m),
            self._per_sensor(pic.seen_n, "seen_n", N, S),
            self._per_sensor(pic.crowd_n, "crowd_n", N, S),
            self._per_sensor(pic.denied_n, "denied_n", N, S),
            pic.seen_n is not None,
        )
        res = kernels.FeatureOutputs(out, height_ok, hits, misses, crowd, centre)
        kernels.update_features(t, rows_in, self.history, self.tuning, res)
        dt, age_s, speed, height, wander, turn, steady, radius, loiter_speed, span, speed_sd = out
        return Features(
            dt=dt,
            age_s=age_s,
            speed=speed,
            speed_sd=speed_sd,
            height=height,
            height_ok=height_ok,
            wander=wander,
            hits=hits,
            misses=misses,
            crowd=crowd,
            loiter_turn_deg=turn,
            loiter_steady=steady,
            loiter_radius_m=radius,
            loiter_speed=loiter_speed,
            loiter_span_s=span,
            centre_en=centre,
        )


__all__ = ["FeatureTable", "Features", "SensorSheet", "rekey"]
