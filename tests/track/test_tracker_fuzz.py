"""The tracker never raises on whatever arrays a source hands it: bad values become counted rejects
or quarantined tracks, and the published picture stays finite."""

from __future__ import annotations

import numpy as np
import pytest
import trackkit as tk
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import PLOT_DTYPE, REPORT_DTYPE

#: what a broken source may leave in a field the tracker screens (absurd finite values: see below)
_ODD = [np.nan, np.inf, -np.inf]
_SENSORS = [-1, 0, 0, 0, 1, 1, 7]


def _value(lo: float, hi: float) -> st.SearchStrategy[float]:
    """In range mostly; sometimes NaN or infinite."""
    return st.one_of(st.floats(lo, hi), st.floats(lo, hi), st.sampled_from(_ODD))


def _time() -> st.SearchStrategy[float]:
    # within the run or not a number at all (stamps far off the run's clock: see the xfail below)
    return st.one_of(
        st.floats(tk.T0, tk.T0 + 8), st.floats(tk.T0, tk.T0 + 8), st.sampled_from([np.nan, np.inf])
    )


def _physical(lo: float, hi: float) -> st.SearchStrategy[float]:
    """What a decoder can give for a velocity field: a value in range or NaN (not carried)."""
    return st.one_of(st.just(np.nan), st.floats(lo, hi))


_PLOT = st.tuples(
    _time(),
    st.sampled_from(_SENSORS),
    _value(500.0, 1e5),
    _value(0.0, 2 * np.pi),
    st.sampled_from([np.nan, np.nan, 0.05, np.inf]),
    st.one_of(st.just(np.nan), _value(0.0, 12e3)),
    st.sampled_from([-1, -1, 0x3C6444, 0, -7, 1 << 40]),
)
_REPORT = st.tuples(
    _time(),
    st.sampled_from(_SENSORS),
    st.sampled_from([0x3C6444, 0x3C6444, 0x111111, -1, -5, 1 << 62]),
    _value(48.0, 49.5),
    _value(1.5, 3.0),
    st.one_of(st.just(np.nan), _value(0.0, 12e3)),
    _physical(0.0, 1500.0),
    _physical(0.0, 2 * np.pi),
    _physical(-100.0, 100.0),
)


@settings(max_examples=40, deadline=None)
@given(plots=st.lists(_PLOT, max_size=15), reports=st.lists(_REPORT, max_size=15))
def test_tracker_takes_any_values(plots: list[tuple], reports: list[tuple]) -> None:
    pl = np.array(plots, PLOT_DTYPE) if plots else np.zeros(0, PLOT_DTYPE)
    rp = np.array(reports, REPORT_DTYPE) if reports else np.zeros(0, REPORT_DTYPE)
    trk = ImmGnnTracker(tk.SENSORS, tk.SITE)
    with np.errstate(all="ignore"):  # the point is what comes out, not warnings on the way
        for t in (tk.T0 + 4.0, tk.T0 + 8.0):
            part = (pl["time_s"] < t) | ~(pl["time_s"] < t + 1e9)
            trk.update_reports(np.sort(rp, order="time_s"))
            trk.update_plots(pl[part])
            trk.maintain(t)
            pic = trk.picture(t)
            assert np.isfinite(pic.x).all() and np.isfinite(pic.P).all()
            assert np.isfinite(pic.lat).all() and np.isfinite(pic.lon).all()
            rp = rp[:0]
            pl = pl[~part]
    assert trk.stats.plots <= len(plots)


def _run_with(bad_plot: np.ndarray | None = None, bad_report: np.ndarray | None = None) -> ImmGnnTracker:
    """A radar track and an ADS-B track for 24 s; the bad row arrives with the 4th batch."""
    rng = np.random.default_rng(31)
    path = tk.straight((20_000.0, 10_000.0, 3000.0), (-150.0, 80.0, 0.0))
    plots = tk.radar_plots(path, range(6), rng)
    t = tk.T0 + np.arange(0.0, 24.0)
    reports = tk.adsb_reports(tk.straight((-20_000.0, 5000.0, 5000.0), (100.0, 0.0, 0.0)), t, 0x3C6444, rng)
    trk = ImmGnnTracker(tk.SENSORS, tk.SITE)
    for k in range(6):
        t1 = tk.T0 + 4.0 * (k + 1)
        rp = reports[(reports["time_s"] >= t1 - 4) & (reports["time_s"] < t1)]
        pl = plots[k : k + 1]
        if k == 3 and bad_report is not None:
            rp = np.concatenate([rp, bad_report])
        if k == 3 and bad_plot is not None:
            pl = np.concatenate([pl, bad_plot])
        trk.update_reports(rp)
        trk.update_plots(pl)
        trk.maintain(t1)
        pic = trk.picture(t1)
        assert np.isfinite(pic.x).all() and np.isfinite(pic.P).all()
        assert (np.abs(pic.x[:, :3]) < 1e7).all()  # nothing published 10 000 km away
    return trk


def _bad_report(field: str, value: float, ident: int) -> np.ndarray:
    r = np.zeros(1, REPORT_DTYPE)
    r["time_s"], r["sensor"], r["ident"] = tk.T0 + 13.5, 1, ident
    r["lat"], r["lon"], r["altitude_m"] = 48.9, 2.1, 4000.0
    r["speed_mps"], r["track_rad"], r["vrate_mps"] = 120.0, 1.0, 0.0
    r[field] = value
    return r


def _bad_plot(field: str, value: float) -> np.ndarray:
    p = np.zeros(1, PLOT_DTYPE)
    p["time_s"], p["sensor"], p["range_m"], p["azimuth_rad"] = tk.T0 + 13.1, 0, 50_000.0, 3.0
    p["elevation_rad"] = p["altitude_m"] = np.nan
    p["ident"] = -1
    p[field] = value
    return p


def test_clean_extra_rows_pass() -> None:
    """The harness itself: a well-formed extra report and plot change nothing for the worse."""
    trk = _run_with(
        bad_plot=_bad_plot("range_m", 50_000.0), bad_report=_bad_report("vrate_mps", 1.0, 0x111111)
    )
    assert trk.stats.plots == 7 and sum(trk.rejects.values()) == 0


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("plot", "time_s", 1e300),
        ("plot", "range_m", 1e300),
        ("report", "time_s", 1e300),
        ("report", "altitude_m", 1e300),
        ("report", "speed_mps", 1e300),
    ],
)
def test_absurd_finite_values_are_rejects_not_crashes(kind: str, field: str, value: float) -> None:
    if kind == "plot":
        trk = _run_with(bad_plot=_bad_plot(field, value))
    else:
        trk = _run_with(bad_report=_bad_report(field, value, 0x111111))
    assert sum(trk.rejects.values()) == 1


def test_an_infinite_vertical_rate_is_taken_as_missing() -> None:
    trk = _run_with(bad_report=_bad_report("vrate_mps", np.inf, 0x111111))
    assert trk.stats.report_updates + trk.stats.started > 0
