"""The yardstick: the posterior Cramér–Rao lower bound (PCRLB) on each target's position error,
for the measurements the scenario's sensors would make of it, next to what a tracker achieved.

For every target of the truth, the measurement events are laid out as the scenario's sensors make
them (FORMAT.md, make_scenario): a rotating radar looks once a revolution, when its beam crosses
the target (from where a moving platform is at that time), inside its coverage, with its Pd and
clutter; an ADS-B receiver hears a transponder-equipped aircraft every update period in its
range, losing p_loss of the reports; a Remote ID receiver hears drones likewise. Each event adds
q H^T R^-1 H to the Fisher information (H the measurement's Jacobian at the true position, q the
information-reduction factor of Pd and clutter; see crlb_kernel), and the information flows
between events through a constant-velocity model with white acceleration. docs/crlb.md has the
method and its references.

    ref = load_reference("scenarios/paris-aew")
    bounds = target_bounds(ref, CrlbConfig(), sensors=("AEW1",))
    sigma_h = bounds.horizontal(k, t)   # (P,) bound on the horizontal RMS error, m
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from airpicture.eval.crlb_kernel import bound_over_events, information_reduction
from airpicture.eval.metrics import TrackRows, TrackScores
from airpicture.eval.truth import Reference, silent_aircraft
from airpicture.geo import EnuFrame, geodetic_to_ecef, geodetic_to_enu, rotation
from airpicture.sensors import CooperativeSheet, RadarSheet, SensorSheet, covers
from airpicture.track.geometry import earth
from airpicture.track.measurement import MODE_C_STEP_M, radar_h
from airpicture.types import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class CrlbConfig:
    """The bound's prior and motion model. The accelerations are the tracker's quiet mode
    (track.motion.MODE_ACCEL): physical limits of gentle flight, not fitted to a scenario; a
    target that manoeuvres harder than this can be tracked worse than the bound says."""

    accel_h_mps2: float = 0.5
    accel_v_mps2: float = 0.3
    #: prior at the first measurement: position per horizontal axis, height, velocities (1 sigma).
    #: The height prior is the spread of the population the target belongs to (the truth's heights
    #: of its kind, transponder-equipped or not; at least min_prior_height_m): a 2-D radar never
    #: measures the height of an aircraft without Mode C, and an estimator may know, as a tracker's
    #: height prior does, where such aircraft fly. A fixed value replaces it when given.
    prior_position_m: float = 20_000.0
    prior_height_m: float | None = None
    min_prior_height_m: float = 100.0
    prior_speed_mps: float = 150.0
    prior_climb_mps: float = 10.0


@dataclass
class BoundTable:
    """The bound after each measurement event of each target (E events, target-major, time-ordered
    within a target): k (E,) target index (ref.truth), t (E,), P (E, 6, 6), sensor (E,) index into
    names."""

    k: IntArray
    t: FloatArray
    P: FloatArray
    sensor: IntArray
    names: list[str]
    cfg: CrlbConfig

    def _last_event(
        self, k: IntArray, x: FloatArray, m: BoolArray | None = None
    ) -> tuple[IntArray, BoolArray]:
        """Index (into the events, or those where m) of target k[i]'s last event at or before x[i],
        and whether it has one."""
        ek, et = (self.k, self.t) if m is None else (self.k[m], self.t[m])
        if not len(ek):
            return np.zeros(len(k), np.int64), np.zeros(len(k), bool)
        t0 = min(float(et.min()), float(np.min(x, initial=et.min()))) - 1
        span = max(float(et.max()), float(np.max(x, initial=et.max()))) - t0 + 1
        j = np.searchsorted(ek * span + (et - t0), np.asarray(k) * span + (x - t0), side="right") - 1
        jj = np.maximum(j, 0)
        return jj, (j >= 0) & (ek[jj] == k)

    def horizontal(self, k: IntArray, x: FloatArray) -> FloatArray:
        """(P,) bound on the horizontal RMS position error of target k[i] at time x[i] (m), the
        last event's bound predicted to x; NaN before the target's first measurement."""
        C = self.horizontal_cov(k, x)
        return np.sqrt(C[:, 0, 0] + C[:, 1, 1])

    def horizontal_cov(self, k: IntArray, x: FloatArray) -> FloatArray:
        """(P, 2, 2) the bound's east-north position covariance of target k[i] at time x[i]: the
        last event's predicted to x (F P F^T + Q); NaN before the target's first measurement."""
        if not len(self.k):
            return np.full((len(k), 2, 2), np.nan)
        j, ok = self._last_event(k, x)
        dt = np.where(ok, x - self.t[j], 0.0)
        P = self.P[j]
        C = np.empty((len(j), 2, 2))
        for a in (0, 1):
            for b in (0, 1):
                C[:, a, b] = P[:, a, b] + dt * (P[:, a, b + 3] + P[:, a + 3, b]) + dt**2 * P[:, a + 3, b + 3]
            C[:, a, a] += self.cfg.accel_h_mps2**2 * dt**4 / 4
        C[~ok] = np.nan
        return C

    def sensor_sets(self, k: IntArray, x: FloatArray, window_s: float) -> IntArray:
        """(P,) bit mask of the sensors that measured target k[i] in the window_s before x[i]."""
        mask = np.zeros(len(k), np.int64)
        for s in range(len(self.names)):
            m = self.sensor == s
            j, ok = self._last_event(k, x, m)
            if ok.any():
                hit = ok & (x - self.t[m][j] <= window_s)
                mask |= np.where(hit, 1 << s, 0)
        return mask


def within(C: FloatArray, r: float, nodes: int = 48) -> FloatArray:
    """(P,) probability that a zero-mean Gaussian error of east-north covariance C (P, 2, 2) lies
    within r of the truth: over the principal axes (variances l1 <= l2), the integral of the
    normal density along the long axis times the probability of the short one within the chord,
    by Gauss-Legendre quadrature over at most 9 sigmas. NaN covariances give 0."""
    C = np.nan_to_num(C, nan=np.inf)
    fin = np.isfinite(C).all(axis=(1, 2))
    out = np.zeros(len(C))
    if not fin.any():
        return out
    from scipy.special import ndtr

    lam = np.maximum(np.linalg.eigvalsh(C[fin]), 1e-12)  # ascending: short, long
    s_short, s_long = np.sqrt(lam[:, 0]), np.sqrt(lam[:, 1])
    u, w = np.polynomial.legendre.leggauss(nodes)
    a = np.minimum(r, 9.0 * s_long)[:, None]  # along the long axis, in [-a, a]: past 9 sigma nothing
    x = a * u[None, :]
    half = np.sqrt(np.maximum(r * r - x * x, 0.0))
    dens = np.exp(-0.5 * (x / s_long[:, None]) ** 2) / (np.sqrt(2 * np.pi) * s_long[:, None])
    chord = ndtr(half / s_short[:, None]) - ndtr(-half / s_short[:, None])
    out[fin] = np.clip((a * dens * chord) @ w, 0.0, 1.0)
    return out


def _radar_events(
    s: RadarSheet,
    ref: Reference,
    frame: EnuFrame,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    t: FloatArray,
    kind: str,
    silent: bool,
) -> tuple[FloatArray, FloatArray]:
    """Times (n,) and information (n, 6, 6) of one radar's looks at one target."""
    T = s.scan_period_s
    pd = s.pd_of(kind)
    scans = np.arange(ref.start_s, ref.end_s, T)
    ks = scans[(scans >= t[0] - T) & (scans <= t[-1])]
    if pd <= 0 or not len(ks):
        return np.zeros(0), np.zeros((0, 6, 6))

    def sensor_at(tt: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        if s.id in ref.platforms:
            pt, pv = ref.platforms[s.id]
            return np.interp(tt, pt, pv[0]), np.interp(tt, pt, pv[1]), np.interp(tt, pt, pv[2])
        return np.full(len(tt), s.lat), np.full(len(tt), s.lon), np.full(len(tt), s.alt_m)

    d = geodetic_to_enu(np.interp(ks, t, lat), np.interp(ks, t, lon), np.interp(ks, t, alt), *sensor_at(ks))
    td = ks + (np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360) / 360 * T  # the beam crosses it
    td = td[(td >= t[0]) & (td <= t[-1])]
    tl, tn, ta = (np.interp(td, t, v) for v in (lat, lon, alt))
    slat, slon, salt = sensor_at(td)
    seen = covers(
        s,
        geodetic_to_ecef(slat, slon, salt),
        rotation(slat, slon),
        geodetic_to_ecef(tl, tn, ta),
        alt_m=ta,
        sensor_alt_m=salt,
    )
    td, tl, tn, ta, slat, slon, salt = (v[seen] for v in (td, tl, tn, ta, slat, slon, salt))
    p = frame.to_enu(tl, tn, ta)
    o = frame.to_enu(slat, slon, salt)
    Mr = rotation(slat, slon) @ frame.R.T
    ea = earth(frame, frame.alt0, frame.lat0)
    sr, sa = s.sigma_range_m, math.radians(s.sigma_azimuth_deg)
    se = math.radians(s.sigma_elevation_deg) if s.sigma_elevation_deg else 0.0
    ealt2 = s.sigma_alt_m**2 + MODE_C_STEP_M**2 / 12
    area = (s.max_range_m**2 - s.min_range_m**2) * 2 * np.pi
    mode_c = s.mode_c and kind == "aircraft" and not silent
    infos = np.zeros((len(td), 6, 6))
    zh, Hp, Ha = np.zeros(3), np.zeros((3, 3)), np.zeros((3, 3))
    for i in range(len(td)):
        radar_h(p[i], o[i], Mr[i], 1 if s.three_d else 0, ea, zh, Hp)
        r = zh[0]
        lam = s.clutter_per_scan * 2 * max(r, 1.0) / area * sr * sa  # false plots per whitened area
        m = 3 if s.three_d else 2
        if s.three_d:
            lam *= se / math.radians(s.clutter_max_elevation_deg)
        q = information_reduction(pd, lam, m)
        H = Hp[:m]
        # the sheet's noise, and the platform's navigation error seen through the geometry
        R = np.diag([sr**2, sa**2, se**2][:m]) + s.sigma_nav_m**2 * H @ H.T
        info = q * H.T @ np.linalg.solve(R, H)
        if mode_c:
            radar_h(p[i], o[i], Mr[i], 2, ea, zh, Ha)
            info += q * (1 - s.p_mode_c_lost) * np.outer(Ha[2], Ha[2]) / ealt2
        infos[i, :3, :3] = info
    return td, infos


def _report_events(
    s: CooperativeSheet, ref: Reference, lat: FloatArray, lon: FloatArray, alt: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Times and information of one receiver's reports of one target (position and horizontal
    velocity, each report kept with probability 1 - p_loss)."""
    P = s.update_period_s
    times = np.arange(math.ceil(t[0] / P) * P, t[-1], P)
    times = times[(times >= ref.start_s) & (times <= ref.end_s)]
    at = [np.interp(times, t, v) for v in (lat, lon, alt)]
    enu = geodetic_to_enu(at[0], at[1], at[2], s.lat, s.lon, s.alt_m)
    rmax = np.inf if s.max_range_m is None else s.max_range_m
    times = times[(np.hypot(enu[:, 0], enu[:, 1]) <= rmax) & (enu[:, 2] > -200)]
    w = np.array(
        [s.sigma_position_m**-2] * 2
        + [(s.sigma_alt_m**2 + MODE_C_STEP_M**2 / 12) ** -1]
        + [s.sigma_velocity_mps**-2] * 2
        + [0.0]
    )
    return times, np.broadcast_to(np.diag(w * s.p_detect), (len(times), 6, 6))


def target_bounds(
    ref: Reference, cfg: CrlbConfig | None = None, sensors: tuple[str, ...] | None = None
) -> BoundTable:
    """The bound after every measurement event of every target, for the sensors named (all when
    None)."""
    cfg = cfg or CrlbConfig()
    sheets: list[SensorSheet] = [s for s in ref.sensors if sensors is None or s.id in sensors]
    site = ref.meta["site"]
    frame = EnuFrame(float(site["lat"]), float(site["lon"]), float(site["alt_m"]))
    truth = ref.truth
    silent = silent_aircraft(truth, ref.config)
    group = np.char.add(truth.kinds.astype(str), np.where(silent, "/silent", ""))
    row_group = np.repeat(group, truth.stop - truth.start)
    h_sigma = {
        g: cfg.prior_height_m or max(float(np.std(truth.alt[row_group == g])), cfg.min_prior_height_m)
        for g in np.unique(group)
    }
    ks: list[IntArray] = []
    ts: list[FloatArray] = []
    Ps: list[FloatArray] = []
    ss: list[IntArray] = []
    for k in range(len(truth)):
        a, b = truth.start[k], truth.stop[k]
        if b - a < 2:
            continue
        kind = str(truth.kinds[k])
        lat, lon, alt, t = truth.lat[a:b], truth.lon[a:b], truth.alt[a:b], truth.t[a:b]
        ev_t, ev_i, ev_s = [], [], []
        for si, s in enumerate(sheets):
            if isinstance(s, RadarSheet):
                tt, ii = _radar_events(s, ref, frame, lat, lon, alt, t, kind, bool(silent[k]))
            elif (s.kind == "adsb" and kind == "aircraft" and not silent[k]) or (
                s.kind == "remoteid" and kind == "drone"
            ):
                tt, ii = _report_events(s, ref, lat, lon, alt, t)
            else:
                continue
            ev_t.append(tt)
            ev_i.append(ii)
            ev_s.append(np.full(len(tt), si, np.int64))
        if not ev_t or not sum(len(v) for v in ev_t):
            continue
        P0 = np.diag(
            [cfg.prior_position_m**2] * 2
            + [h_sigma[group[k]] ** 2]
            + [cfg.prior_speed_mps**2] * 2
            + [cfg.prior_climb_mps**2]
        )
        tcat = np.concatenate(ev_t)
        o = np.argsort(tcat, kind="stable")
        tcat = tcat[o]
        ks.append(np.full(len(tcat), k, np.int64))
        ts.append(tcat)
        Ps.append(
            bound_over_events(P0, tcat, np.concatenate(ev_i)[o], cfg.accel_h_mps2, cfg.accel_v_mps2, P0[2, 2])
        )
        ss.append(np.concatenate(ev_s)[o])
    if not ks:
        z = np.zeros(0, np.int64)
        return BoundTable(z, np.zeros(0), np.zeros((0, 6, 6)), z, [s.id for s in sheets], cfg)
    return BoundTable(
        np.concatenate(ks),
        np.concatenate(ts),
        np.concatenate(Ps),
        np.concatenate(ss),
        [s.id for s in sheets],
        cfg,
    )


@dataclass
class BoundRow:
    """Achieved RMS and the bound's RMS over the same paired rows (those with a bound)."""

    label: str
    pairs: int
    rms_m: float
    bound_m: float

    @property
    def ratio(self) -> float:
        return self.rms_m / self.bound_m if self.bound_m > 0 else math.nan


@dataclass
class CoverageRow:
    """Coverage (share of the scored target-pictures with a paired row) achieved, next to what an
    estimator at the bound would reach: its error Gaussian with the bound's covariance at the time
    it would publish (its last measurement, no older than the scorer's window), within the scorer's
    cut-off; a target-picture before the target's first measurement counts as missed."""

    label: str
    possible: int
    achieved: float
    at_bound: float
    before_first: int  # target-pictures before the target's first measurement


@dataclass
class BoundComparison:
    """Per kind and per sensor set (the sensors that measured the target in the last two
    revisits), plus per-pair arrays for the plot: t (P,), error d (P,), bound (P,); coverage per
    kind at the cut-off."""

    by_kind: list[BoundRow]
    by_set: list[BoundRow]
    t: FloatArray
    d: FloatArray
    bound: FloatArray
    unbounded: int  # paired rows before the target's first measurement
    coverage: list[CoverageRow]
    cutoff_m: float


def compare(
    ref: Reference,
    tracks: TrackRows,
    scores: TrackScores,
    bounds: BoundTable,
    cutoff_m: float = 1000.0,
    window_s: float = 6.0,
) -> BoundComparison:
    """The bound next to the achieved horizontal error over the scorer's pairs, and the coverage at
    the scorer's cut-off (cutoff_m, window_s: its EvalConfig) next to the bound's. tracks must be
    the rows the scores were computed from (score_tracks drops spoofed rows: pass them dropped too)."""
    pk, pi = scores.pair_targets, scores.pair_rows
    x = tracks.t[pi]
    truth = ref.truth
    d = np.hypot(truth.interp(truth.e, pk, x) - tracks.e[pi], truth.interp(truth.n, pk, x) - tracks.n[pi])
    b = bounds.horizontal(pk, x)
    ok = np.isfinite(b)

    def row(label: str, m: np.ndarray) -> BoundRow:
        m = m & ok
        n = int(m.sum())
        return BoundRow(
            label,
            n,
            math.sqrt(np.mean(d[m] ** 2)) if n else math.nan,
            math.sqrt(np.mean(b[m] ** 2)) if n else math.nan,
        )

    kinds = [row("all", np.ones(len(pk), bool))]
    kinds += [row(str(kd), truth.kinds[pk] == kd) for kd in np.unique(truth.kinds[pk])]
    revisit = max((s.revisit_s for s in ref.sensors if s.id in bounds.names), default=1.0)
    sets = bounds.sensor_sets(pk, x, 2 * revisit)
    by_set = []
    for m in np.unique(sets[ok]):
        label = "+".join(n for i, n in enumerate(bounds.names) if m >> i & 1)
        by_set.append(row(label, sets == m))
    tk, tt, paired = scores.target_pictures, scores.target_picture_t, scores.target_picture_paired
    # the scorer takes a track's newest row of the window_s before the picture, at the row's own
    # time: the best estimator publishes at its last measurement, or predicts to the window's start
    j, has = bounds._last_event(tk, tt)
    at = np.where(has, np.maximum(bounds.t[j] if len(bounds.t) else tt, tt - window_s), tt)
    C = bounds.horizontal_cov(tk, at)
    p_in = within(C, cutoff_m)
    bounded = np.isfinite(C[:, 0, 0])
    coverage = []
    for label in ["all", *np.unique(truth.kinds[tk]).tolist()]:
        m = np.ones(len(tk), bool) if label == "all" else truth.kinds[tk] == label
        n = int(m.sum())
        if n:
            coverage.append(
                CoverageRow(
                    str(label), n, float(paired[m].mean()), float(p_in[m].mean()), int((~bounded[m]).sum())
                )
            )
    return BoundComparison(kinds, by_set, x[ok], d[ok], b[ok], int((~ok).sum()), coverage, cutoff_m)


def format_bounds(c: BoundComparison, sensors: list[str]) -> str:
    """The comparison as a plain-text table."""
    lines = [
        "",
        f"posterior Cramér–Rao bound (sensors {','.join(sensors)}), over the paired rows:",
        f"{'':<24}{'pairs':>8}{'RMS (m)':>10}{'bound (m)':>11}{'ratio':>8}",
    ]
    for title, rows in (("kind", c.by_kind), ("sensor set", c.by_set)):
        lines.append(f"by {title}:")
        lines += [
            f"  {r.label:<22}{r.pairs:>8}{r.rms_m:>10.1f}{r.bound_m:>11.1f}{r.ratio:>8.2f}" for r in rows
        ]
    if c.unbounded:
        lines.append(f"{c.unbounded} paired rows before the target's first measurement are left out")
    if c.coverage:
        lines += [
            f"coverage within the cut-off ({c.cutoff_m:g} m), over the scored target-pictures:",
            f"{'':<24}{'possible':>8}{'achieved':>10}{'at bound':>11}{'before 1st':>12}",
        ]
        lines += [
            f"  {r.label:<22}{r.possible:>8}{r.achieved:>10.4f}{r.at_bound:>11.4f}{r.before_first:>12}"
            for r in c.coverage
        ]
    return "\n".join(lines)


def plot_bounds(c: BoundComparison, path: str | Path, title: str = "", bin_s: float = 60.0) -> Path:
    """PNG of the achieved horizontal RMS and the bound's RMS per bin_s over time (matplotlib's
    Agg canvas, as eval.report.plot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from airpicture.eval.report import save_png

    t0 = float(c.t.min()) if len(c.t) else 0.0
    idx = ((c.t - t0) // bin_s).astype(np.int64)
    n = int(idx.max()) + 1 if len(idx) else 0
    cnt = np.bincount(idx, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.bincount(idx, c.d**2, n) / cnt)
        bnd = np.sqrt(np.bincount(idx, c.bound**2, n) / cnt)
    minutes = (np.arange(n) + 0.5) * bin_s / 60
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(minutes, rms, lw=1.2, color="C3", label="achieved horizontal RMS")
    ax.plot(minutes, bnd, lw=1.2, color="C0", label="PCRLB (same rows)")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("m")
    ax.set_xlabel(f"minutes after the first paired row ({bin_s:g} s bins)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return save_png(fig, path)


__all__ = [
    "BoundComparison",
    "BoundRow",
    "BoundTable",
    "CoverageRow",
    "CrlbConfig",
    "compare",
    "format_bounds",
    "plot_bounds",
    "target_bounds",
    "within",
]
