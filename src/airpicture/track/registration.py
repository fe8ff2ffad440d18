"""Sensor registration: each radar's systematic errors — range offset, azimuth offset, time-stamp
offset — estimated online and taken out of its plots before they are tracked (what ATC multi-radar
trackers such as ARTAS do before fusing radars; the math is in bias.py).

References are ADS-B aircraft (references.py: a plot against its aircraft's report moved to the
plot's time) and the other radars. Residuals are taken on the plots as stamped, so the estimate
is always of the whole bias, whatever correction is applied.

Other radars (`cross_radar`): a plot the tracker puts on a track is paired with the last plot
another radar gave that track, if it is at most `cross_max_dt_s` older or newer, moved to the plot's
time with the track's velocity; each plot is a reference once. Both radars' biases enter the
residual (bias.py), so every radar's biases are one vector, estimated jointly with the ADS-B
pairings. Without ADS-B, what only a reference fixes stays unknown and is not applied: a time
offset common to all radars, and a common azimuth offset unless the radars' baseline shows it;
`reference_radars` may name radars taken as unbiased.

The state is bounded: a 3N x 3N information matrix and its vector (N radars), forgotten with
`memory_s`, 8 azimuth-sector weights per radar, the ADS-B store and each radar's last plot per
track (both expire). What is applied of a radar's estimate is the part known to the `ready_*`
sigmas (bias.observable_part: directions the pairings do not fix are left out), when its pairings
come from `min_sectors` azimuth sectors and it differs significantly from zero; it stops being
applied when no longer known (no pairings for a while: the information decays).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from airpicture.config import RegistrationSettings
from airpicture.errors import ConfigError
from airpicture.geo import EnuFrame
from airpicture.track import bias
from airpicture.track.geometry import SensorGeometry
from airpicture.track.keyed import KeyedStore
from airpicture.track.measurement import Plots
from airpicture.track.references import MAX_SPEED_MPS, AdsbReferences, RadarPlots, antenna_velocity
from airpicture.track.table import TrackColumns
from airpicture.types import FloatArray, IntArray

#: azimuth sectors counted for observability
SECTORS = 8
#: pairings (forgetting-weighted) after which a radar is gated against its estimate, not the prior
SETTLED_PAIRS = 30.0
#: a track takes part in radar pairings while another radar has seen it this recently (s)
SEEN_S = 30.0
#: the estimate is solved and judged at most this often (s of data): it moves slowly, and the
#: eigen-decompositions cost more than the pairings of a batch
SOLVE_EVERY_S = 5.0
#: a reference radar's prior is this much tighter (its biases are taken as zero)
REFERENCE_TIGHTER = 1000.0


@dataclass(frozen=True)
class RadarBias:
    """One radar's estimated biases (what `/api/sensors` shows): range m, azimuth deg (clockwise),
    time-stamp s (late: positive), their 1-sigma, the pairings in memory (forgetting-weighted),
    whether the tracker applies them, and the time of the last pairing (s, NaN: none). The
    applied_* values are what is taken out of its plots (the part of the estimate known well
    enough; 0 when not applied); relative: part of it is known only relative to other radars (no
    ADS-B or reference radar fixes it); reference: a radar taken as unbiased."""

    sensor: str
    range_m: float
    azimuth_deg: float
    time_s: float
    sigma_range_m: float
    sigma_azimuth_deg: float
    sigma_time_s: float
    pairs: float
    sectors: int
    applied: bool
    last_pair_s: float
    applied_range_m: float = 0.0
    applied_azimuth_deg: float = 0.0
    applied_time_s: float = 0.0
    relative: bool = False
    reference: bool = False

    def as_dict(self) -> dict[str, float | int | bool | None]:
        """The fields but the sensor's id, NaN as None (JSON)."""
        d = dataclasses.asdict(self)
        del d["sensor"]
        return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


class _Radar:
    """One radar's part of the estimator: its block `sl` of the joint bias vector."""

    def __init__(self, k: int, reference: bool) -> None:
        self.sl = slice(3 * k, 3 * k + 3)
        self.reference = reference
        self.b_app = np.zeros(3)  # what is taken out of its plots
        self.sectors = np.zeros(SECTORS)
        self.t = -np.inf  # its last pairing
        self.applied = False
        self.settled = False  # gated against the estimate (enough pairings, spread)
        self.known = False  # known to half the ready sigmas: refreshed from fewer batches
        self.relative = False
        self.radius = 0.0  # pre-gate radius around a plot, m
        self.reach = 0.0  # references further than this from the antenna are not looked at, m
        self.batches = 0
        # its last plot per track (placed with range and azimuth as measured), for the other radars
        self.plots = KeyedStore({"p": (3,), "G": (3, 2), "C": (3, 3), "ov": (3,), "az": ()})


class BiasRegistration:
    """Estimates and applies the radars' biases (does nothing when settings.enabled is false).
    geo: the tracker's sensor geometry; frame: the site's ENU frame; ref_sigma: receiver index ->
    its 1-sigma position noise (m); only ADS-B receivers give references."""

    def __init__(
        self,
        geo: list[SensorGeometry],
        frame: EnuFrame,
        settings: RegistrationSettings,
        ref_sigma: dict[int, float],
    ) -> None:
        self.settings = st = settings
        self.geo = geo
        self.frame = frame
        self.ref_sigma = {i: v for i, v in ref_sigma.items() if geo[i].kind == "adsb"}
        radar_ids = [g.spec.id for g in geo if g.kind == "radar"]
        for name in st.reference_radars:
            if name not in radar_ids:
                raise ConfigError(
                    f"registration.reference_radars: {name!r} is not a radar of the sensor sheets"
                )
        prior = np.array(
            [st.prior_sigma_range_m, np.radians(st.prior_sigma_azimuth_deg), st.prior_sigma_time_s]
        )
        self._ready = np.array(
            [st.ready_sigma_range_m, np.radians(st.ready_sigma_azimuth_deg), st.ready_sigma_time_s]
        )
        # registration off: no radar is estimated, so nothing is corrected or paired
        radars = [g for g in geo if g.kind == "radar" and st.enabled]
        self.radars = {g.index: _Radar(k, g.spec.id in st.reference_radars) for k, g in enumerate(radars)}
        n = 3 * len(radars)
        sig0 = np.concatenate(
            [prior / (REFERENCE_TIGHTER if rad.reference else 1.0) for rad in self.radars.values()]
            or [np.zeros(0)]
        )
        self._L0 = np.diag(1.0 / sig0**2)
        self._P0: FloatArray = np.diag(sig0**2)
        self.L, self.e = np.zeros((n, n)), np.zeros(n)
        self.b, self.Pb = np.zeros(n), self._P0.copy()
        self._t_info = -np.inf  # the time the information is forgotten to
        self._t_solved, self._dirty = -np.inf, False  # when b, Pb were last solved; pairings since
        for i, rad in self.radars.items():
            # how far a plot may lie from its aircraft: 3 prior sigmas at the radar's longest range
            # (azimuth), for the fastest aircraft (time), capped by pair_radius_m
            max_range = float(geo[i].spec.max_range_m or 0.0)
            spread = np.hypot(
                np.hypot(st.prior_sigma_range_m, MAX_SPEED_MPS * st.prior_sigma_time_s),
                max_range * np.radians(st.prior_sigma_azimuth_deg),
            )
            rad.radius = float(min(st.pair_radius_m, 3.0 * spread))
            rad.reach = max_range + rad.radius
        self.counts: Counter[str] = Counter()
        self.refs = AdsbReferences(st, self.ref_sigma, self.counts)  # the last report per identity

    # ------------------------------------------------------------------ references
    def observe_reports(
        self, sensor: int, t: FloatArray, z: FloatArray, mask: np.ndarray, ident: IntArray, alt: FloatArray
    ) -> None:
        """One receiver's ADS-B reports (references.AdsbReferences.observe)."""
        if self.radars:
            self.refs.observe(sensor, t, z, mask, ident, alt)

    # ------------------------------------------------------------------ plots
    def correct(
        self, sensor: int, t: FloatArray, r: FloatArray, az: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The plots of radar `sensor` with its applied biases taken out: (time s, range m,
        azimuth rad). Unchanged while its estimate is not applied."""
        rad = self.radars.get(sensor)
        if rad is None or not rad.applied:
            return t, r, az
        b = rad.b_app
        return t - b[2], r - b[0], np.mod(az - b[1], 2 * np.pi)

    def observe_plots(
        self,
        g: SensorGeometry,
        t: FloatArray,
        r: FloatArray,
        az: FloatArray,
        el: FloatArray,
        alt: FloatArray,
        pid: IntArray,
        pp: FloatArray,
    ) -> None:
        """Pair one radar's plots (as stamped: t, r, az, el elevation rad or NaN, alt Mode C or
        NaN, pid Mode S address or -1) with ADS-B references and update the estimate.
        pp (K, 3): the plots in site ENU after correction, for the pre-gate. Until a radar has
        settled, its pairings are gated against the prior (zero bias, prior sigmas), so that a few
        early wrong pairings cannot pull the gate away from the right ones."""
        rad = self.radars.get(g.index)
        if rad is None or len(t) == 0 or len(self.refs.store) == 0:
            return
        rad.batches += 1
        if rad.known and rad.batches % self.settings.known_every:
            return  # well known: refreshed from every known_every-th batch only (it costs)
        sl = rad.sl
        est = (self.b[sl], self.Pb[sl, sl]) if rad.settled else (np.zeros(3), self._P0[sl, sl])
        pl = RadarPlots(t, r, az, el, alt, pid, pp, antenna_velocity(g, self.frame, t))
        got = self.refs.pair(g, self.frame, pl, (rad.radius, rad.reach), est)
        if got is None:
            return
        H = np.zeros((len(got.sel), 2, len(self.b)))
        H[:, :, sl] = got.H
        self.counts["pairs"] += len(got.sel)
        w = bias.huber(got.d2, self.settings.huber_k)
        self._learn(float(t.max()), got.y, H, got.R, w, [(rad, az[got.sel])])

    def observe_tracks(
        self,
        g: SensorGeometry,
        cols: TrackColumns,
        k: IntArray,
        m: IntArray,
        raw: Sequence[FloatArray],
        plots: Plots,
    ) -> None:
        """Radar g's plots m (into the batch) that the tracker put on the table's rows k (cols, after
        the update): each is paired with the last plot another radar gave the same track, and kept
        for the next. raw: the batch's (t, r, az) as stamped; plots: the batch as the tracker
        prepared it. Only tracks another radar saw in the last SEEN_S take part (the others cost
        nothing), and only plots with a measured height (without one, their place on the ground
        would rest on a guessed height)."""
        rad = self.radars.get(g.index)
        st = self.settings
        if rad is None or len(self.radars) < 2 or not st.cross_radar or len(m) == 0:
            return
        others = [i for i in self.radars if i != g.index]
        t_seen = cols.t_seen[k][:, others]  # NaN: never
        keep = (plots.third[m] != 0) & (t_seen >= raw[0][m, None] - SEEN_S).any(axis=1)
        if not keep.any():
            return
        k, m = k[keep], m[keep]
        tid, v = cols.id[k], cols.xc[k, 3:]
        t, r, az = (a[m] for a in raw)
        R3 = plots.R[m]
        # the height above the antenna as the tracker placed the plot; the antenna where it was at
        # the stamped time (the tracker's is at the corrected time: a moving radar has moved)
        du = np.einsum("kj,kj->k", plots.Mr[m, 2], plots.pp[m] - plots.o[m])
        o, Mr = g.at(self.frame, t)
        p, G, C = bias.plot_points(r, az, o, Mr, du, plots.third[m], R3)
        o_v = antenna_velocity(g, self.frame, t)
        parts: list[tuple[FloatArray, ...]] = []
        seen: list[tuple[_Radar, FloatArray]] = []
        for other in self.radars.values():
            if other is rad or len(other.plots) == 0:
                continue
            ref = other.plots
            slot = ref.lookup(tid)
            sel = np.flatnonzero(slot >= 0)
            sel = sel[np.abs(t[sel] - ref.t[slot[sel]]) <= st.cross_max_dt_s]
            if len(sel) == 0:
                continue
            s = slot[sel]
            dt = t[sel] - ref.t[s]
            ref_p = ref.col["p"][s] + v[sel] * dt[:, None]
            y, Ha, _, _ = bias.residuals(r[sel], az[sel], ref_p, v[sel], o[sel], Mr[sel], o_v[sel])
            J = bias.polar_jacobian(ref_p, o[sel], Mr[sel])
            Hb = bias.reference_jacobian(J, ref.col["G"][s], v[sel] - ref.col["ov"][s])
            # the reference's noise, and its move to this plot's time with an uncertain velocity
            q2 = st.model_sigma_m**2 + (st.cross_sigma_speed_mps * dt) ** 2
            Cref = ref.col["C"][s] + q2[:, None, None] * np.eye(3)
            R = J @ Cref @ J.swapaxes(-1, -2) + R3[sel, :2, :2]
            H = np.zeros((len(sel), 2, len(self.b)))
            H[:, :, rad.sl], H[:, :, other.sl] = Ha, Hb
            gated = rad.settled and other.settled
            d2 = bias.normalised(
                y, H, R, *((self.b, self.Pb) if gated else (np.zeros(len(self.b)), self._P0))
            )
            inside = d2 < st.gate_d2
            self.counts["cross_outside_gate"] += int((~inside).sum())
            ref.id[s] = -1  # a plot is a reference once (its noise is not counted twice)
            if inside.any():
                parts.append((y[inside], H[inside], R[inside], bias.huber(d2[inside], st.huber_k)))
                seen += [(rad, az[sel[inside]]), (other, ref.col["az"][s[inside]])]
        if parts:
            y, H, R, w = (np.concatenate(a) for a in zip(*parts, strict=True))
            self.counts["cross_pairs"] += len(y)
            self._learn(float(t.max()), y, H, R, w, seen)
        new, s = rad.plots.put(tid, t)
        for name, a in (("p", p), ("G", G), ("C", C), ("ov", o_v), ("az", az)):
            rad.plots.col[name][s] = a[new]
        rad.plots.expire(float(t.max()) - 2 * st.cross_max_dt_s)

    # ------------------------------------------------------------------ the joint estimate
    def _learn(
        self,
        t_now: float,
        y: FloatArray,
        H: FloatArray,
        R: FloatArray,
        w: FloatArray,
        seen: list[tuple[_Radar, FloatArray]],
    ) -> None:
        """Pairings into the information (forgotten to t_now); the new estimate, judged, at most
        every SOLVE_EVERY_S. seen: each radar that took part and the azimuths (rad) of its plots."""
        st = self.settings
        lam = (
            float(np.exp(-max(t_now - self._t_info, 0.0) / st.memory_s)) if np.isfinite(self._t_info) else 1.0
        )
        self.L, self.e = bias.accumulate(self.L, self.e, lam, y, H, R, w)
        self._t_info = max(self._t_info, t_now)
        for rad, az in seen:
            lam_r = float(np.exp(-max(t_now - rad.t, 0.0) / st.memory_s)) if np.isfinite(rad.t) else 1.0
            sector = (np.mod(az, 2 * np.pi) / (2 * np.pi / SECTORS)).astype(np.int64) % SECTORS
            rad.sectors = lam_r * rad.sectors + np.bincount(sector, minlength=SECTORS)
            rad.t = max(rad.t, t_now)
        self._dirty = True
        if t_now >= self._t_solved + SOLVE_EVERY_S:
            self.b, self.Pb = bias.solve(self.L, self.e, self._L0)
            self._t_solved, self._dirty = t_now, False
            self._judge(t_now)

    def _judge(self, t: float) -> None:
        """What is applied of each radar's estimate: the part known to the ready sigmas (twice
        them once applied, so that it does not flicker) — when its pairings come from enough
        azimuth sectors and that part is significant."""
        st = self.settings
        n = len(self.radars)
        ready = np.tile(self._ready, n)
        hyst = np.repeat([2.0 if rad.applied else 1.0 for rad in self.radars.values()], 3)
        b_obs, P_obs, free = bias.observable_part(self.b, self.Pb, ready * hyst)
        _, _, free_half = bias.observable_part(self.b, self.Pb, 0.5 * ready)
        for rad in self.radars.values():
            sl = rad.sl
            fade = float(np.exp(-max(t - rad.t, 0.0) / st.memory_s)) if np.isfinite(rad.t) else 0.0
            spread = int((fade * rad.sectors >= 1.0).sum()) >= st.min_sectors
            rad.settled = spread and fade * float(rad.sectors.sum()) >= SETTLED_PAIRS
            u = (ready * hyst)[sl]
            bn, Pn = b_obs[sl] / u, P_obs[sl, sl] / np.outer(u, u)
            # a bias consistent with zero is not applied: correcting by the estimate's noise only adds it
            d2 = float(bn @ np.linalg.pinv(Pn, rcond=1e-6, hermitian=True) @ bn)
            rad.applied = spread and not rad.reference and d2 >= st.significant_d2
            rad.b_app = b_obs[sl].copy() if rad.applied else np.zeros(3)
            mine = np.linalg.norm(free_half[sl], axis=0) > 0.3
            rad.known = spread and not mine.any()
            mine = np.linalg.norm(free[sl], axis=0) > 0.3
            others = np.linalg.norm(np.delete(free, np.arange(sl.start, sl.stop), axis=0), axis=0) > 0.3
            rad.relative = spread and bool((mine & others).any())

    def expire(self, t: float) -> None:
        """At time t: an estimate without pairings for a minute is judged again on its decayed
        information (no longer known well enough: no longer applied)."""
        if self.radars and np.isfinite(self._t_info) and t > self._t_info + 60.0:
            lam = float(np.exp(-(t - self._t_info) / self.settings.memory_s))
            self.L, self.e, self._t_info = lam * self.L, lam * self.e, t
            self.b, self.Pb = bias.solve(self.L, self.e, self._L0)
            self._judge(t)

    def lateness(self) -> float:
        """How much older than its stamp a plot is, at most over the radars (s, >= 0): the applied
        time offsets. A radar that stamps late delivers each plot that much after the instant it
        describes, so a track it updates looks that much staler at a picture's time."""
        late = [rad.b_app[2] for rad in self.radars.values() if rad.applied]
        return max(0.0, *late) if late else 0.0

    # ------------------------------------------------------------------ output
    def estimates(self) -> list[RadarBias]:
        """Every radar's estimate, in sensor order."""
        if self._dirty:  # the pairings since the last solve are in the estimate shown
            self.b, self.Pb = bias.solve(self.L, self.e, self._L0)
            self._dirty = False
        out = []
        for i, rad in self.radars.items():
            b, sig = self.b[rad.sl], np.sqrt(np.diag(self.Pb)[rad.sl])
            out.append(
                RadarBias(
                    sensor=self.geo[i].spec.id,
                    range_m=float(b[0]),
                    azimuth_deg=float(np.degrees(b[1])),
                    time_s=float(b[2]),
                    sigma_range_m=float(sig[0]),
                    sigma_azimuth_deg=float(np.degrees(sig[1])),
                    sigma_time_s=float(sig[2]),
                    pairs=float(rad.sectors.sum()),
                    sectors=int((rad.sectors >= 1.0).sum()),
                    applied=rad.applied,
                    last_pair_s=float(rad.t) if np.isfinite(rad.t) else float("nan"),
                    applied_range_m=float(rad.b_app[0]),
                    applied_azimuth_deg=float(np.degrees(rad.b_app[1])),
                    applied_time_s=float(rad.b_app[2]),
                    relative=rad.relative,
                    reference=rad.reference,
                )
            )
        return out


__all__ = ["BiasRegistration", "RadarBias"]
