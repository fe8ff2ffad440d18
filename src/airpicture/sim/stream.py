"""The simulation as a stream: one Frame of measurements per time step, generated on demand.

Memory stays bounded however long the run: only the objects' current state lives between frames.
A benchmark feeds frames straight to the tracker; the writer turns them into a scenario folder.

    sim = Simulation(SimConfig(aircraft=40000, duration_s=3600))
    sim.sensors, sim.site          # the sensor sheet (sensors.json dicts) and the site
    for frame in sim.frames():     # frame.plots: PLOT_DTYPE, frame.reports: REPORT_DTYPE
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from airpicture.geo import EnuFrame, geodetic_to_ecef
from airpicture.sensors import AdsbSheet, RadarSheet
from airpicture.sim.config import SimConfig, public_sheet
from airpicture.sim.sensors import AdsbModel, Orbit, RadarModel
from airpicture.sim.targets import BEHAVIOURS, Targets
from airpicture.types import PLOT_DTYPE, REPORT_DTYPE, FloatArray, IntArray

#: where each moving sensor is at a frame's start (platforms.csv rows; sensor = index in the sheet)
PLATFORM_DTYPE = np.dtype([("time_s", "f8"), ("sensor", "i4"), ("lat", "f8"), ("lon", "f8"), ("alt_m", "f8")])

#: (lat deg, lon deg, height m) of every slot, each (N,)
Geo = tuple[FloatArray, FloatArray, FloatArray]


@dataclass
class Truth:
    """Where every real object is at one time (ADS-B ghosts excluded); arrays are (N,).

    uid: object id (unique over the run); name: its truth.csv name; kind: class code
    (airpicture.types.CLASSES); behaviour: code into BEHAVIOURS; lat, lon (deg), alt_m (ellipsoid);
    e, n (m, the site's tangent plane), ve, vn, vu (m/s).
    """

    time_s: float
    uid: IntArray
    name: np.ndarray
    kind: np.ndarray
    behaviour: np.ndarray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    e: FloatArray
    n: FloatArray
    ve: FloatArray
    vn: FloatArray
    vu: FloatArray

    def __len__(self) -> int:
        return len(self.uid)


@dataclass
class Frame:
    """Measurements of [t0, t1), each array sorted by time.

    plots : (P,) PLOT_DTYPE (sensor = index into Simulation.sensors; azimuth/elevation in rad,
    NaN where not reported; ident the ICAO address or -1); reports : (R,) REPORT_DTYPE (ADS-B);
    truth: the objects at t0 when asked for (frames(truth_every=...)), else None.
    platforms : (M,) PLATFORM_DTYPE, each moving sensor at t0 (empty when none moves).
    plot_uid, report_uid : the uid of the object behind each plot / report (-1: clutter), for
    scoring association; a tracker must not read them.
    """

    t0: float
    t1: float
    plots: np.ndarray
    reports: np.ndarray
    truth: Truth | None = None
    platforms: np.ndarray = field(default_factory=lambda: np.zeros(0, PLATFORM_DTYPE))
    plot_uid: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    report_uid: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))


class Simulation:
    """A synthetic scenario: objects, sensors, and a stream of frames. Deterministic by seed:
    each call of frames() replays the same run."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._specs: list[dict[str, Any]] = list(config.sensors or [])
        #: the sensor sheet as a tracker reads it (sensors.json): orbits become "moving": true
        self.sensors: list[dict[str, Any]] = public_sheet(self._specs)
        #: the same, validated (airpicture.sensors), with the orbits the sensor models fly
        self.sheets = config.sheets()
        self._orbits = {
            i: Orbit(s, config.start_s)
            for i, s in enumerate(self.sheets)
            if isinstance(s, RadarSheet) and s.orbit
        }
        self.site: dict[str, Any] = config.site.as_dict()
        self.frame = EnuFrame(config.site.lat, config.site.lon, config.site.alt_m)
        #: the objects of the last (or running) frames() call: names, lives, ghosts
        self.targets: Targets | None = None

    @property
    def meta(self) -> dict[str, Any]:
        """meta.json of the scenario."""
        c = self.config
        return {
            "start_s": c.start_s,
            "end_s": c.end_s,
            "site": self.site,
            "zones": c.zones,
            "source": "airpicture.sim",
        }

    def steps(self) -> int:
        """Number of time steps of dt_s in the run."""
        return int(np.ceil(self.config.duration_s / self.config.dt_s - 1e-9))

    def _ecef(self, e: FloatArray, n: FloatArray, h: FloatArray) -> tuple[FloatArray, Geo]:
        """Tangent-plane (e, n) and ellipsoid height h -> ECEF (N, 3) and (lat, lon, h).

        The horizontal position is the tangent-plane point's geodetic foot; the height is kept as
        it is, so an aircraft at constant height stays so 150 km out (u would drop 1.8 km there).
        """
        lat, lon, _ = self.frame.to_geodetic(np.column_stack([e, n, np.zeros_like(e)]))
        return geodetic_to_ecef(lat, lon, h), (lat, lon, h)

    def frames(
        self, *, truth_every: int = 0, measure: bool = True, frame_s: float | None = None
    ) -> Iterator[Frame]:
        """Yield Frames from start_s to end_s: one per time step dt_s, or per frame_s (whole steps;
        e.g. a radar's scan period to get whole scans).

        truth_every: attach the objects' state at the start of every k-th step (0: never, 1: all;
        a frame of several steps carries its first step's); measure: run the sensors (False gives
        truth only, for training sets).
        """
        steps = self._steps(truth_every, measure)
        k = 1 if frame_s is None else max(1, round(frame_s / self.config.dt_s))
        if k == 1:
            yield from steps
            return
        group: list[Frame] = []
        for f in steps:
            group.append(f)
            if len(group) == k:
                yield _merge(group)
                group = []
        if group:
            yield _merge(group)

    def _steps(self, truth_every: int, measure: bool) -> Iterator[Frame]:
        c = self.config
        # one random stream for the objects and one per sensor: a change to one sensor leaves
        # the truth and every other sensor's data as they were
        seeds = np.random.SeedSequence(c.seed).spawn(1 + len(self.sensors))
        rngs = [np.random.default_rng(s) for s in seeds]
        tg = Targets(c, rngs[0])
        self.targets = tg
        radars = [
            (RadarModel(i, s, c.start_s, tg.n), rngs[1 + i])
            for i, s in enumerate(self.sheets)
            if isinstance(s, RadarSheet)
        ]
        adsb = [
            (AdsbModel(i, s, c.start_s, tg.n, rngs[1 + i]), rngs[1 + i])
            for i, s in enumerate(self.sheets)
            if isinstance(s, AdsbSheet)
        ]
        real = tg.real
        ecef0, geo0 = self._ecef(tg.e, tg.n_, tg.h)
        for k in range(self.steps()):
            t0 = c.start_s + k * c.dt_s
            dt = min(c.dt_s, c.end_s - t0)
            snap = tg.snapshot()
            ident = tg.ident.copy()
            transponder = tg.transponder.copy()
            kind = tg.kind.copy()
            tr = self._truth(tg, t0, geo0) if truth_every and k % truth_every == 0 else None
            born = tg.step(t0)
            ecef1, geo1 = self._ecef(tg.e, tg.n_, tg.h)
            same = snap["uid"] == tg.uid
            plots, plot_src, reports, report_src = [], [], [], []
            if measure:
                for radar, rng in radars:
                    pl, src = radar.observe(
                        t0, dt, ecef0, ecef1, geo0[2], geo1[2], kind, same & real, transponder, ident, rng
                    )
                    plots.append(pl)
                    plot_src.append(src)
                    radar.reset(born)
                motion = (snap["spd"], snap["hdg"], snap["vz"])
                broadcasting = same & transponder
                for rx, rng in adsb:
                    rep, src = rx.observe(t0, dt, ecef0, ecef1, geo0, geo1, motion, broadcasting, ident, rng)
                    reports.append(rep)
                    report_src.append(src)
                    rx.reset(born, t0 + dt, rng)
            p, p_uid = _sorted(plots, plot_src, PLOT_DTYPE, snap["uid"])
            r, r_uid = _sorted(reports, report_src, REPORT_DTYPE, snap["uid"])
            yield Frame(t0, t0 + dt, p, r, tr, self.platforms(t0), p_uid, r_uid)
            ecef0, geo0 = ecef1, geo1

    def platforms(self, t: float) -> np.ndarray:
        """Where each moving sensor is at time t: (M,) PLATFORM_DTYPE."""
        out = np.zeros(len(self._orbits), PLATFORM_DTYPE)
        for k, (i, orbit) in enumerate(self._orbits.items()):
            lat, lon, alt = orbit.position(np.array([t]))
            out[k] = (t, i, lat[0], lon[0], alt[0])
        return out

    def _truth(self, tg: Targets, t: float, geo: Geo) -> Truth:
        idx = np.flatnonzero(tg.real)
        ve, vn, vu = tg.velocity()
        return Truth(
            time_s=t,
            uid=tg.uid[idx].copy(),
            name=tg.name[idx].copy(),
            kind=tg.kind[idx].copy(),
            behaviour=tg.behaviour[idx].copy(),
            lat=geo[0][idx],
            lon=geo[1][idx],
            alt_m=geo[2][idx].copy(),
            e=tg.e[idx].copy(),
            n=tg.n_[idx].copy(),
            ve=ve[idx],
            vn=vn[idx],
            vu=vu[idx],
        )

    def ghosts(self) -> list[str]:
        """ICAO addresses (hex) of the spoofed broadcasters made so far."""
        if self.targets is None:
            return []
        lives = self.targets.lives()
        ghost = lives["behaviour"] == BEHAVIOURS.index("spoofed")
        return [f"{int(i):06x}" for i in lives["ident"][ghost]]


def _merge(group: list[Frame]) -> Frame:
    """Consecutive frames as one (each part is time-ordered and they follow each other)."""
    return Frame(
        group[0].t0,
        group[-1].t1,
        np.concatenate([f.plots for f in group]),
        np.concatenate([f.reports for f in group]),
        group[0].truth,
        group[0].platforms,
        np.concatenate([f.plot_uid for f in group]),
        np.concatenate([f.report_uid for f in group]),
    )


def _sorted(
    parts: list[np.ndarray], src: list[IntArray], dtype: np.dtype[Any], uid: IntArray
) -> tuple[np.ndarray, IntArray]:
    """Concatenate measurement parts and sort by time; slot of origin -> uid (-1 stays -1)."""
    if not parts:
        return np.empty(0, dtype), np.empty(0, np.int64)
    rows = np.concatenate(parts)
    slots = np.concatenate(src)
    o = np.argsort(rows["time_s"], kind="stable")
    slots = slots[o]
    src_uid = np.full(len(slots), -1, np.int64)
    src_uid[slots >= 0] = uid[slots[slots >= 0]]
    return rows[o], src_uid


__all__ = ["PLATFORM_DTYPE", "Frame", "Simulation", "Truth"]
