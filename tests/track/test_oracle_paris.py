"""The compiled kernels against their numpy oracle on the real bundled Paris scenario (real sensor
sheets, clutter, ADS-B gaps, crossing traffic, a 3-D site radar), on the tracker's own state.

`ImmGnnTracker` runs the scenario window by window. Every kernel it calls is wrapped by a spy
(pytest's monkeypatch on the names in airpicture.track.tracker and manage) that copies the
inputs, calls the real kernel, and checks what it returned or wrote against the oracle modules
(tests/track/oracle_*.py) computed from the copied inputs. So each check sees the states and
measurements the tracker really has at that moment — tracks that have coasted, been stitched,
fused with a report, or have just started — not a made-up case.

Tolerances: the oracle and the kernels do the same arithmetic in a different order and with
different small-matrix inverses (np.linalg LU against Cholesky or cofactors), so they agree to a
few ulps times the condition of the matrices involved. Values are compared with rtol 1e-9 (a
well-conditioned result differs by ~1e-14; 1e-9 leaves five orders of margin and is still far
below any physical effect). Covariances after an update are the difference Pp - K H Pp, which
loses digits relative to Pp, not to the result, so their absolute tolerance is 1e-9 of the
largest element of the matrix. Positions are compared to 1 micrometre, latitude and longitude to
1e-9 deg (0.1 mm; the kernel's single Bowring step is within 2e-11 deg of the iterated one).
Decisions (which pairs gate, which tracks confirm, drop, merge, publish) must be identical.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import oracle_gate
import oracle_imm as imm
import oracle_manage
import oracle_measure as measure
import oracle_models as models
import oracle_update
import oracle_vertical
import pytest

import airpicture
from airpicture.config import TrackSettings
from airpicture.sources.scenario import Scenario, load_scenario
from airpicture.track import manage, tracker
from airpicture.track.geometry import curvature_radii
from airpicture.track.table import CONFIRMED, TrackColumns
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows

V_MAX_MPS = TrackSettings().v_max_mps

PARIS = Path(airpicture.__file__).resolve().parent / "data" / "paris"
RTOL = 1e-9
#: the jump mode, found from the oracle's own models: the one with the largest acceleration
JUMP_MODE = int(np.argmax(models.MODE_ACCEL[:, 0]))


def _first(scn: Scenario, span_s: float) -> Scenario:
    """The scenario's first span_s seconds."""
    end = scn.start_s + span_s
    return dataclasses.replace(
        scn,
        plots=scn.plots[scn.plots["time_s"] < end],
        reports=scn.reports[scn.reports["time_s"] < end],
        end_s=min(end, scn.end_s),
    )


def _copy(cols: TrackColumns) -> TrackColumns:
    return TrackColumns(*(np.array(a, copy=True) for a in cols))


def _close(got: np.ndarray, ref: np.ndarray, what: str, atol: float = 0.0) -> None:
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=atol, err_msg=what)


def _close_cov(got: np.ndarray, ref: np.ndarray, what: str, scale: np.ndarray | None = None) -> None:
    """Covariances (K, ..., n, n) to 1e-9 of their scale: by default each matrix's largest element;
    after an update, that of the predicted covariance it was computed from (P+ = Pp - K H Pp keeps
    the absolute rounding of Pp, which can be 1e4 times larger than P+ after a long gap)."""
    if scale is None:
        scale = np.abs(ref).max(axis=(-2, -1)) if ref.size else np.zeros(ref.shape[:-2])
    bad = np.abs(got - ref) > RTOL * scale[..., None, None]
    assert not bad.any(), f"{what}: {int(bad.sum())} elements differ beyond 1e-9 of their scale, at " + str(
        np.argwhere(bad)[:3].tolist()
    )


class Spies:
    """The tracker's kernels wrapped: each call checked against the oracle, what was checked
    counted in `seen`."""

    def __init__(self, trk: ImmGnnTracker) -> None:
        self.trk = trk
        self.seen: Counter[str] = Counter()
        self.kernels: dict[str, Callable[..., Any]] = {}
        self.rn, self.rm = curvature_radii(trk.frame.lat0)
        self.site_alt = float(trk.earth.site_alt)
        self.spec_of = {id(sheet): trk.sensors[i] for i, sheet in trk._radar_sheets.items()}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for module, name, check in [
            (tracker, "prepare_plots", self.prepare_plots),
            (tracker, "prepare_reports", self.prepare_reports),
            (tracker, "radar_pairs", self.radar_pairs),
            (tracker, "update_with_plots", self.update_with_plots),
            (tracker, "update_with_reports", self.update_with_reports),
            (tracker, "judge", self.judge),
            (manage, "duplicates", self.duplicates),
            (tracker, "publish", self.publish),
            (tracker, "vertical_update", self.vertical_update),
        ]:
            self.kernels[name] = getattr(module, name)
            monkeypatch.setattr(module, name, self._spy(self.kernels[name], check))

    @staticmethod
    def _spy(kernel: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
        def spy(*args: Any) -> Any:
            before = tuple(_copy(a) if isinstance(a, TrackColumns) else a for a in args)
            out = kernel(*args)
            check(out, *before, live=args[0])
            return out

        return spy

    # ------------------------------------------------------------------ measurements
    def prepare_plots(self, out: tuple, r, az, el, alt, o, Mr, sheet, earth, live: Any) -> None:
        third, z, R, pp, Cpp, lam = out
        spec = self.spec_of[id(sheet)]
        th = measure.plot_thirds(spec, el, alt)
        np.testing.assert_array_equal(third, th)
        z_ref = np.column_stack([r, az, np.where(th == 1, el, np.where(th == 2, alt, 0.0))])
        np.testing.assert_array_equal(z, z_ref)
        _close(R, measure.radar_noise(spec, th), "R")
        pp_ref, Cpp_ref = measure.plot_to_enu(
            r, az, el, alt, th, o, Mr, spec, self.site_alt, self.rn, self.rm
        )
        _close(pp, pp_ref, "plot position", atol=1e-6)
        _close_cov(Cpp, Cpp_ref, "plot covariance")
        _close(lam, measure.clutter_density(spec, r, th), "clutter density")
        self.seen["plots"] += len(r)
        self.seen["plots 3-D"] += int((th == 1).sum())
        self.seen["plots Mode C"] += int((th == 2).sum())
        self.seen["plots 2-D"] += int((th == 0).sum())

    def prepare_reports(self, out: tuple, lat, lon, alt, speed, track, vrate, earth, sig2, live: Any) -> None:
        z, R, mask = out
        # the documented rule: a report without altitude is placed at the site's height
        alt_f = np.where(np.isfinite(alt), alt, self.site_alt)
        p, v = measure.report_to_enu(self.trk.frame, lat, lon, alt_f, speed, track, vrate)
        mask_ref = np.column_stack([np.isfinite(p), np.isfinite(v)])
        mask_ref[:, 2] &= np.isfinite(alt)
        np.testing.assert_array_equal(mask, mask_ref)
        z_ref = np.where(mask_ref, np.column_stack([p, v]), 0.0)
        _close(z[:, :3], z_ref[:, :3], "report position", atol=1e-6)
        _close(z[:, 3:], z_ref[:, 3:], "report velocity", atol=1e-9)
        R_ref = np.zeros((len(lat), 6, 6))
        R_ref[:, np.arange(6), np.arange(6)] = np.where(mask_ref, sig2, 1.0)
        np.testing.assert_array_equal(R, R_ref)
        self.seen["reports"] += len(lat)
        self.seen["reports without altitude"] += int((~mask_ref[:, 2]).sum())
        self.seen["reports without velocity"] += int((~mask_ref[:, 3]).sum())

    @staticmethod
    def _accel(motion: Any) -> np.ndarray:
        """The oracle's mode accelerations for the kernel's motion record: the IMM's own, or the one
        for radar plots (models.PLOT_ACCEL); and its mode switching, with the turns or without
        (a sensor that looks often), which the oracle's transition_probs then uses. Anything else
        is a model the oracle does not know."""
        for switch in (models.MODE_SWITCH, models.straight_switch()):
            if np.allclose(motion.switch, switch, rtol=0, atol=1e-15):
                models.ACTIVE["switch"] = switch
                break
        else:
            raise AssertionError(f"a mode switching the oracle does not know: {motion.switch}")
        for accel in (models.MODE_ACCEL, models.PLOT_ACCEL):
            if np.array_equal(motion.accel2, accel**2):
                return accel
        raise AssertionError(f"a motion model the oracle does not know: {motion.accel2}")

    # ------------------------------------------------------------------ gate
    def radar_pairs(
        self, out: tuple, cols, rows, plots, pd, h_2d, sig_t_report, gates, earth, motion, live: Any
    ) -> None:
        k, m, cost, gain, ambiguous = out
        ref = oracle_gate.radar_pairs(
            cols, rows, plots.t, plots.z, plots.R, plots.third, plots.o, plots.Mr, plots.pp, plots.Cpp,
            plots.lam, plots.pid, pd, h_2d, sig_t_report, gates, self.site_alt, self.rn, self.rm,
            self._accel(motion),
        )  # fmt: skip
        kept = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(ref.k, ref.m, strict=True)) if ref.kept[i]}
        got = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(k, m, strict=True))}
        # a pair on a threshold (d2 at the gate, cost at 0) to 1e-9 may fall either way
        every = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(ref.k, ref.m, strict=True))}
        for pair in set(kept) ^ set(got):
            self.seen["pairs decided differently on a threshold"] += 1
            i = every.get(pair)
            assert i is not None, f"radar_pairs kept {pair}, which the oracle's pre-gate does not propose"
            on_edge = abs(ref.d2[i] - ref.gate[i]) < 1e-9 * ref.gate[i] or abs(ref.cost[i]) < 1e-9
            assert on_edge, (
                f"pair {pair}: kernel kept={pair in got}, oracle d2={ref.d2[i]:.6g} "
                f"(gate {ref.gate[i]:.4g}), cost={ref.cost[i]:.6g}"
            )
        both = sorted(set(kept) & set(got))
        gi = np.array([got[p] for p in both], np.int64)
        ri = np.array([every[p] for p in both], np.int64)
        _close(cost[gi], ref.cost[ri], "pair cost", atol=1e-9)
        _close(gain[gi], ref.gain[ri], "pair gain", atol=1e-9)
        many = len(np.unique(k)) < len(k) or len(np.unique(m)) < len(m)
        assert ambiguous == many
        self.seen["candidate pairs"] += len(ref.k)
        self.seen["gated pairs"] += len(both)
        self.seen["ambiguous batches"] += int(ambiguous)

    # ------------------------------------------------------------------ update
    def _booked(self, before: TrackColumns, after: TrackColumns, k, t, gain, sensor, ref) -> None:
        """The modes (ref: an oracle_update.Updated of the rows) and the bookkeeping of updated
        rows k (all finite)."""
        _close(after.x[k], ref.x, "x", atol=1e-6)
        scale = np.maximum(np.abs(ref.Pp).max(axis=(-2, -1)), np.abs(ref.P).max(axis=(-2, -1)))  # (K, M)
        _close_cov(after.P[k], ref.P, "P", scale)
        _close(after.mu[k], ref.mu, "mu", atol=1e-12)
        xc, Pc = imm.combine(ref.x, ref.P, ref.mu)
        _close(after.xc[k], xc, "xc", atol=1e-6)
        _close_cov(after.Pc[k], Pc, "Pc", np.maximum(scale.max(axis=1), np.abs(Pc).max(axis=(-2, -1))))
        np.testing.assert_array_equal(after.t[k], t)
        np.testing.assert_array_equal(after.t_update[k], t)
        np.testing.assert_array_equal(after.t_seen[k, sensor], t)
        _close(after.score[k], before.score[k] + gain, "score", atol=1e-12)
        _close(after.peak[k], np.maximum(before.peak[k], before.score[k] + gain), "peak", atol=1e-12)
        np.testing.assert_array_equal(after.hits[k], before.hits[k] + 1)
        np.testing.assert_array_equal(after.miss_lp[k], 0.0)
        np.testing.assert_array_equal(after.sensors[k], before.sensors[k] | (1 << sensor))

    def update_with_plots(
        self, bad, cols, k, m, gain, plots, sheet, sensor, earth, motion, live: Any
    ) -> None:
        spec = self.spec_of[id(sheet)]
        hp, hs = measure.primary_height(spec)
        ref = oracle_update.radar_step(
            cols, k, plots.t[m], plots.z[m], plots.R[m], plots.o[m], plots.Mr[m], plots.third[m],
            self.site_alt, self.rn, self.rm, hp, hs**2, spec.moving, JUMP_MODE, self._accel(motion),
        )  # fmt: skip
        ok = np.isfinite(ref.x).all(axis=(1, 2)) & np.isfinite(ref.P).all(axis=(1, 2, 3))
        assert bad == int((~ok).sum())
        np.testing.assert_array_equal(live.alive[k], ok)
        k, m, gain = k[ok], m[ok], gain[ok]
        self._booked(cols, live, k, plots.t[m], gain, sensor, oracle_update.Updated(*(a[ok] for a in ref)))
        np.testing.assert_array_equal(live.radar_hits[k], cols.radar_hits[k] + 1)
        third = plots.third[m]
        np.testing.assert_array_equal(live.mode_c[k], cols.mode_c[k] | (third == 2))
        np.testing.assert_array_equal(live.h_known[k], cols.h_known[k] | (third > 0))
        pid = plots.pid[m]
        np.testing.assert_array_equal(
            live.ident[k], np.where((pid >= 0) & (cols.ident[k] < 0), pid, cols.ident[k])
        )
        self.seen["radar updates"] += len(k)
        self.seen["radar updates with the height prior"] += int(((third == 0) & ~cols.h_known[k]).sum())

    def update_with_reports(
        self, out, cols, k, m, reports, gain, sensor, jump_gate, motion, live: Any
    ) -> None:
        bad, jumps = out
        self._accel(motion)  # its mode switching
        z, R, mask = reports.z[m], reports.R[m], reports.mask[m]
        ref = oracle_update.report_step(cols, k, reports.t[m], z, R, mask, jump_gate, (V_MAX_MPS / 2) ** 2)
        assert jumps == int(ref.jump.sum())
        ok = np.isfinite(ref.x).all(axis=(1, 2)) & np.isfinite(ref.P).all(axis=(1, 2, 3))
        assert bad == int((~ok).sum())
        np.testing.assert_array_equal(live.alive[k], ok)
        k, m, mask = k[ok], m[ok], mask[ok]
        ref = oracle_update.Updated(*(a[ok] for a in ref))
        self._booked(cols, live, k, reports.t[m], np.full(len(k), gain), sensor, ref)
        np.testing.assert_array_equal(live.radar_hits[k], cols.radar_hits[k])
        np.testing.assert_array_equal(live.mode_c[k], cols.mode_c[k] | mask[:, 2])
        np.testing.assert_array_equal(live.h_known[k], cols.h_known[k] | mask[:, 2])
        self.seen["report updates"] += len(k)
        self.seen["report jumps"] += jumps
        self.seen["fusions" if jump_gate == 0 else "report updates of a held identity"] += len(k)

    # ------------------------------------------------------------------ management and output
    def judge(self, out, cols, rows, t, looks, limits, live: Any) -> None:
        confirm, drop, lost = out
        ref = oracle_manage.judge(cols, rows, t, looks, limits)
        np.testing.assert_array_equal(confirm, ref.confirm)
        np.testing.assert_array_equal(drop, ref.drop)
        assert lost == ref.lost
        _close(live.score[rows], ref.score, "score after misses", atol=1e-9)
        _close(live.miss_lp[rows], ref.miss_lp, "miss_lp", atol=1e-9)
        self.seen["judged"] += len(rows)
        self.seen["confirmed"] += int(confirm.sum())
        self.seen["dropped"] += int(drop.sum())
        self.seen["lost"] += lost

    def duplicates(self, out, cols, rows, t, reach_m, gate, accel2, revisit, live: Any) -> None:
        a, b = oracle_manage.duplicates(cols, rows, t, reach_m, gate, revisit)
        got = set(zip(out[0].tolist(), out[1].tolist(), strict=True))
        assert got == set(zip(a.tolist(), b.tolist(), strict=True))
        # real tracks seldom have a duplicate: each track and a copy of it, which must pair
        twin = np.concatenate([rows, rows])
        ta, tb = self.kernels["duplicates"](cols, twin, t, reach_m, gate, accel2, revisit)
        a, b = oracle_manage.duplicates(cols, twin, t, reach_m, gate, revisit)
        got = set(zip(ta.tolist(), tb.tolist(), strict=True))
        assert got == set(zip(a.tolist(), b.tolist(), strict=True))
        assert {(i, i + len(rows)) for i in range(len(rows))} <= got
        self.seen["duplicate checks"] += 1
        self.seen["duplicates"] += len(out[0])
        self.seen["duplicates of twins"] += len(got)

    def publish(
        self, out, cols, t, fresh_s, min_lp, accel2, earth, show, v_accel2, reporters, live: Any
    ) -> None:
        rows, row_time, x, P, lat, lon, alt, alt_var = out
        np.testing.assert_array_equal(v_accel2, oracle_vertical.ACCEL**2)
        ref = oracle_manage.publish(
            cols, t, fresh_s, min_lp, self.trk.frame, self.site_alt, self.rn, self.rm, show, reporters
        )
        kinds = [s.kind for s in self.trk.sensors]
        assert reporters == sum(1 << i for i, k in enumerate(kinds) if k != "radar")
        np.testing.assert_array_equal(rows, ref.rows)
        np.testing.assert_array_equal(row_time, ref.row_time)
        _close(x, ref.x, "published x", atol=1e-6)
        _close_cov(P, ref.P, "published P")
        _close(lat, ref.lat, "lat", atol=1e-9)
        _close(lon, ref.lon, "lon", atol=1e-9)
        _close(alt, ref.alt, "height", atol=1e-6)
        _close(alt_var, ref.alt_var, "height variance", atol=1e-9)
        # the table's combined moments are kept up to date by every writer
        alive = np.flatnonzero(cols.alive)
        xc, Pc = imm.combine(cols.x[alive], cols.P[alive], cols.mu[alive])
        _close(cols.xc[alive], xc, "stored xc", atol=1e-6)
        _close_cov(cols.Pc[alive], Pc, "stored Pc", np.abs(cols.P[alive]).max(axis=(1, 2, 3)))
        self.seen["pictures"] += 1
        self.seen["published"] += len(rows)
        self.seen["published at their measurement"] += int((row_time < t).sum())
        vert = (cols.vt[rows] >= cols.t_height[rows]) & ((cols.sensors[rows] & reporters) == 0)
        self.seen["published from the vertical channel"] += int(vert.sum())
        self.seen["published tentative"] += int((cols.status[rows] != CONFIRMED).sum())

    def vertical_update(self, out, cols, rows, t, h, r2, model, live: Any) -> None:
        assert len(np.unique(rows)) == len(rows)
        ref = oracle_vertical.update(
            cols.vx[rows], cols.vcov[rows], cols.vmu[rows], cols.vt[rows], t, h, r2, model.v_var
        )
        _close(live.vx[rows], ref.x, "vertical x", atol=1e-6)
        _close_cov(live.vcov[rows], ref.P, "vertical P")
        _close(live.vmu[rows], ref.mu, "vertical mu", atol=1e-12)
        np.testing.assert_array_equal(live.vt[rows], ref.t)
        self.seen["vertical updates"] += int(np.isfinite(cols.vt[rows]).sum())
        self.seen["vertical starts"] += int((~np.isfinite(cols.vt[rows])).sum())


def _check(scn: Scenario, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Track the scenario with every kernel call checked; what was checked."""
    # tentative tracks shown at once (share 0.5: from the start) so that every path of publish is checked
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, TrackSettings(p_show_tentative=0.5))
    spies = Spies(trk)
    spies.install(monkeypatch)
    monkeypatch.setitem(models.ACTIVE, "switch", models.MODE_SWITCH)  # restored after the test
    for _ in trk.track(scenario_windows(scn, progress=False)):
        pass
    return spies.seen


#: at least this much of each kind checked in the first five minutes of TMA1 alone (about half of
#: what happens there), so that a run that skipped a path fails instead of passing on nothing
FAST_MINIMUM = {
    "plots": 2000,
    "plots Mode C": 500,
    "plots 2-D": 1000,
    "reports": 1000,
    "gated pairs": 700,
    "ambiguous batches": 10,
    "radar updates": 700,
    "radar updates with the height prior": 100,
    "report updates": 1000,
    "judged": 4000,
    "confirmed": 10,
    "dropped": 1000,
    "duplicate checks": 50,
    "duplicates of twins": 1000,
    "pictures": 70,
    "published": 700,
    "published at their measurement": 500,
    "published from the vertical channel": 50,
    "published tentative": 1,
    "vertical updates": 300,
    "vertical starts": 5,
}


@pytest.mark.parametrize("sensors", [None, ["TMA1"]], ids=["all", "TMA1"])
def test_kernels_agree_with_the_oracle_on_the_start_of_paris(
    sensors: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    scn = _first(load_scenario(PARIS, sensors), 300.0)
    seen = _check(scn, monkeypatch)
    need = dict(FAST_MINIMUM)
    if sensors:  # a radar alone: no reports
        for kind in ("reports", "report updates"):
            need.pop(kind)
        assert seen["reports"] == 0
    else:
        need.update({"plots 3-D": 50, "fusions": 1})
    short = {kind: (seen[kind], n) for kind, n in need.items() if seen[kind] < n}
    assert not short, f"checked less than expected (seen, minimum): {short}; all seen: {dict(seen)}"


@pytest.mark.slow
def test_kernels_agree_with_the_oracle_on_all_of_paris(monkeypatch: pytest.MonkeyPatch) -> None:
    scn = load_scenario(PARIS)
    assert scn.end_s - scn.start_s >= 1800.0
    seen = _check(scn, monkeypatch)
    need = {kind: 6 * n for kind, n in FAST_MINIMUM.items()} | {
        "plots 3-D": 300,
        "fusions": 5,
        "report jumps": 1,
    }
    short = {kind: (seen[kind], n) for kind, n in need.items() if seen[kind] < n}
    assert not short, f"checked less than expected (seen, minimum): {short}; all seen: {dict(seen)}"
