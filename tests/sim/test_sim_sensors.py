"""The generated measurements follow the sensor model they claim: noise, timing, clutter, Pd, Mode C,
ADS-B loss and noise, coverage."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from simkit import Run, simulate

from airpicture.geo import EnuFrame, ecef_to_geodetic
from airpicture.sim import Site, default_sensors
from airpicture.sim.sensors import ALT_STEP_M
from airpicture.sim.targets import B_GHOST, KIND_AIRCRAFT, KIND_BIRD, KIND_DRONE

SITE = Site()
START = 1_700_000_000.0


def sheet(**changes: dict[str, object]) -> list[dict[str, object]]:
    """The default sensor sheet with some keys changed per sensor id."""
    out = copy.deepcopy(default_sensors(SITE))
    for s in out:
        s.update(changes.get(str(s["id"]), {}))
    return out


@pytest.fixture(scope="module")
def clean() -> Run:
    """No clutter, Pd 1: every plot comes from an object."""
    pd1 = {"pd": {"aircraft": 1.0, "drone": 1.0, "bird": 1.0}, "clutter_per_scan": 0}
    return simulate(
        aircraft=120,
        drones=20,
        birds=20,
        ghosts=2,
        duration_s=120,
        seed=4,
        sensors=sheet(TMA1=pd1, SITE1=pd1),
    )


def wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


@pytest.mark.parametrize("sensor", [0, 1])
def test_radar_noise_matches_sigma_and_plots_are_timed_at_the_beam(clean: Run, sensor: int) -> None:
    spec = clean.sim.sensors[sensor]
    m = (clean.plots["sensor"] == sensor) & (clean.plot_uid >= 0)
    p, uid, fr = clean.plots[m], clean.plot_uid[m], clean.plot_frame[m]
    assert len(p) > 300
    x = clean.true_ecef(uid, fr, p["time_s"])
    enu = EnuFrame(spec["lat"], spec["lon"], spec["alt_m"])
    d = (x - enu.origin_ecef) @ enu.R.T
    r = np.linalg.norm(d, axis=1)
    az = np.arctan2(d[:, 0], d[:, 1])
    # the beam points at the object when the plot is timed
    beam = 2 * np.pi * (((p["time_s"] - START) / spec["scan_period_s"]) % 1.0)
    assert np.abs(wrap(az - beam)).max() < np.radians(0.01)
    checks = [
        (p["range_m"] - r, spec["sigma_range_m"]),
        (wrap(p["azimuth_rad"] - az), np.radians(spec["sigma_azimuth_deg"])),
    ]
    if "sigma_elevation_deg" in spec:
        el = np.arcsin(d[:, 2] / r)
        checks.append((p["elevation_rad"] - el, np.radians(spec["sigma_elevation_deg"])))
    else:
        assert np.isnan(p["elevation_rad"]).all()
    for res, sigma in checks:
        n = len(res)
        assert abs(res.mean()) < 5 * sigma / np.sqrt(n)
        assert res.std() == pytest.approx(sigma, rel=0.1)
    # inside coverage, one plot per object per scan at most
    assert (r >= spec["min_range_m"] - 1).all() and (r <= spec["max_range_m"] + 1).all()
    scan = np.floor((p["time_s"] - START) / spec["scan_period_s"]).astype(np.int64)
    assert len(np.unique(uid * 100_000 + scan)) == len(uid)


def test_plots_of_each_frame_lie_inside_it_in_time_order(clean: Run) -> None:
    for f in clean.frames:
        assert ((f.plots["time_s"] >= f.t0) & (f.plots["time_s"] < f.t1)).all()
        assert ((f.reports["time_s"] >= f.t0) & (f.reports["time_s"] < f.t1)).all()
        assert (np.diff(f.plots["time_s"]) >= 0).all() and (np.diff(f.reports["time_s"]) >= 0).all()


def test_mode_c_is_quantised_to_25_ft_and_only_from_transponders(clean: Run) -> None:
    tma = clean.plots["sensor"] == 0
    has_alt = ~np.isnan(clean.plots["altitude_m"])
    assert not (has_alt & ~tma).any()  # SITE1 reports no altitude
    m = tma & has_alt
    alt = clean.plots["altitude_m"][m]
    steps = alt / ALT_STEP_M
    assert np.abs(steps - np.round(steps)).max() < 1e-6
    uid = clean.plot_uid[m]
    assert (clean.life(uid, "transponder") == 1).all() and (clean.life(uid, "kind") == KIND_AIRCRAFT).all()
    # primary-only plots: aircraft without transponder, drones, birds never carry an altitude
    silent = (clean.plot_uid >= 0) & (clean.life(np.maximum(clean.plot_uid, 0), "transponder") == 0)
    assert silent.sum() > 20 and not (silent & has_alt).any()
    # the altitude error: sigma_alt_m (10 m) and the 25 ft rounding (7.62 m / sqrt(12))
    x = clean.true_ecef(uid, clean.plot_frame[m], clean.plots["time_s"][m])
    h = ecef_to_geodetic(x)[2]
    assert (alt - h).std() == pytest.approx(np.hypot(10.0, ALT_STEP_M / np.sqrt(12)), rel=0.12)
    # the lost share (p_mode_c_lost 0.02) is small but there
    tp = tma & (clean.plot_uid >= 0) & (clean.life(np.maximum(clean.plot_uid, 0), "transponder") == 1)
    lost = (tp & ~has_alt).sum() / tp.sum()
    assert 0.005 < lost < 0.04


def test_clutter_is_poisson_per_scan_and_uniform_in_area() -> None:
    run = simulate(aircraft=0, drones=0, birds=0, ghosts=0, duration_s=400, seed=2)
    assert (run.plot_uid == -1).all()
    for sensor in (0, 1):
        spec = run.sim.sensors[sensor]
        lam, T = spec["clutter_per_scan"], spec["scan_period_s"]
        p = run.plots[run.plots["sensor"] == sensor]
        scan = np.floor((p["time_s"] - START) / T).astype(np.int64)
        counts = np.bincount(scan, minlength=int(399 // T))[: int(399 // T)]
        assert abs(counts.mean() - lam) < 5 * np.sqrt(lam / len(counts))
        assert 0.6 < counts.var() / counts.mean() < 1.5  # Poisson: variance = mean
        rmin, rmax = spec["min_range_m"], spec["max_range_m"]
        inner = (p["range_m"] ** 2 < (rmin**2 + rmax**2) / 2).mean()
        assert abs(inner - 0.5) < 5 * 0.5 / np.sqrt(len(p))
        beam = 2 * np.pi * (((p["time_s"] - START) / T) % 1.0)
        assert np.allclose(p["azimuth_rad"], beam)
        if "sigma_elevation_deg" in spec:
            assert (p["elevation_rad"] >= 0).all()
            assert (p["elevation_rad"] <= np.radians(spec["clutter_max_elevation_deg"])).all()
        assert np.isnan(p["altitude_m"]).all() and (p["ident"] == -1).all()


def test_probability_of_detection_per_kind(clean: Run) -> None:
    pd = {"aircraft": 0.9, "drone": 0.6, "bird": 0.3}
    low = simulate(
        aircraft=120, drones=20, birds=20, ghosts=2, duration_s=120, seed=4,
        sensors=sheet(TMA1={"clutter_per_scan": 0}, SITE1={"pd": pd, "clutter_per_scan": 0}),
    )  # fmt: skip
    # aircraft on the TMA radar (default Pd 0.9), drones and birds on the site radar
    for sensor, code, name in (
        (0, KIND_AIRCRAFT, "aircraft"),
        (1, KIND_DRONE, "drone"),
        (1, KIND_BIRD, "bird"),
    ):
        # same seed, same objects and beam crossings: only the detection draw differs
        def count(run: Run, code: int = code, sensor: int = sensor) -> int:
            m = (run.plots["sensor"] == sensor) & (run.plot_uid >= 0)
            return int((run.life(run.plot_uid[m], "kind") == code).sum())

        n_all = count(clean)
        assert n_all > 200
        p = pd[name]
        assert count(low) / n_all == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / n_all))


def test_mode_s_identity_share() -> None:
    run = simulate(aircraft=100, drones=0, birds=0, ghosts=0, duration_s=60, seed=5,
                   sensors=sheet(TMA1={"p_identity": 0.7, "clutter_per_scan": 0}))  # fmt: skip
    m = (run.plots["sensor"] == 0) & (run.life(run.plot_uid, "transponder") == 1)
    ident = run.plots["ident"][m]
    share = (ident >= 0).mean()
    assert share == pytest.approx(0.7, abs=5 * np.sqrt(0.21 / m.sum()))
    named = ident >= 0
    assert (ident[named] == run.life(run.plot_uid[m][named], "ident")).all()


def test_adsb_loss_noise_and_who_broadcasts(clean: Run) -> None:
    spec = clean.sim.sensors[2]
    rep, uid = clean.reports, clean.report_uid
    beh = clean.life(uid, "behaviour")
    ghost = beh == B_GHOST
    assert ghost.any()
    assert (clean.life(uid, "transponder") == 1).all()  # no silent aircraft, drone or bird
    assert set(clean.life(uid[ghost], "ident").tolist()) <= {int(g, 16) for g in clean.sim.ghosts()}
    assert not np.isin(clean.plot_uid, uid[ghost]).any()  # ghosts have no radar echo
    steps = rep["altitude_m"] / ALT_STEP_M
    assert np.abs(steps - np.round(steps)).max() < 1e-6
    # received / broadcast (one per second per transponder in range): 1 - p_loss
    real = ~ghost
    frame = EnuFrame(SITE.lat, SITE.lon, SITE.alt_m)
    sent = 0
    for k in range(len(clean.frames) - 1):
        a, b = clean.frames[k].truth, clean.frames[k + 1].truth
        assert a is not None and b is not None
        both = np.intersect1d(a.uid, b.uid)
        both = both[clean.life(both, "transponder") == 1]
        ia = np.searchsorted(a.uid, both)
        d = frame.to_enu(a.lat[ia], a.lon[ia], a.alt_m[ia])
        sent += int(((np.hypot(d[:, 0], d[:, 1]) < spec["max_range_m"] - 500) & (d[:, 2] > -150)).sum())
    got = real.sum()
    assert got / sent == pytest.approx(1 - spec["p_loss"], abs=0.01)
    # horizontal noise of sigma_position_m on each axis
    x = clean.true_ecef(uid[real], clean.report_frame[real], rep["time_s"][real])
    lat, lon, _ = ecef_to_geodetic(x)
    true = frame.to_enu(lat, lon, np.zeros(real.sum()))  # compared on the ground, as reported
    meas = frame.to_enu(rep["lat"][real], rep["lon"][real], np.zeros(real.sum()))
    for axis in (0, 1):
        err = meas[:, axis] - true[:, axis]
        assert err.std() == pytest.approx(spec["sigma_position_m"], rel=0.1)
        assert abs(err.mean()) < 0.5


def test_radar_horizon_hides_low_objects_far_away() -> None:
    """With "radar_horizon": true, no plot lies beyond the 4/3-Earth horizon; without, some do."""
    from airpicture.eval.visibility import radar_horizon

    def beyond(run: Run) -> tuple[int, int]:
        m = (run.plots["sensor"] == 0) & (run.plot_uid >= 0)
        x = run.true_ecef(run.plot_uid[m], run.plot_frame[m], run.plots["time_s"][m])
        h = ecef_to_geodetic(x)[2]
        far = run.plots["range_m"][m] > radar_horizon(h, 20.0) + 200.0  # 5 sigma of range noise
        return int(far.sum()), int(m.sum())

    kw = {"aircraft": 300, "drones": 0, "birds": 0, "ghosts": 0, "duration_s": 40, "seed": 6}
    # a low antenna that reaches far and looks down: the horizon, not the elevation, limits it
    low = {"clutter_per_scan": 0, "alt_m": 20.0, "max_range_m": 200_000, "min_elevation_deg": -3.0}
    plain = simulate(**kw, sensors=sheet(TMA1=low))
    hidden = simulate(**kw, sensors=sheet(TMA1=low | {"radar_horizon": True}))
    assert beyond(plain)[0] > 0
    far, n = beyond(hidden)
    assert far == 0 and n > 500


def test_airborne_radar_measures_from_where_it_flies() -> None:
    """An orbiting radar: noise about the truth seen from the antenna at each plot's time, in the
    local frame there; timed at the beam; nothing beyond the radar horizon."""
    from airpicture.eval.visibility import radar_horizon
    from airpicture.geo import geodetic_to_ecef, rotation
    from airpicture.sim import aew_radar
    from airpicture.sim.sensors import Orbit

    spec = aew_radar(SITE) | {"clutter_per_scan": 0, "scan_period_s": 4.0}
    run = simulate(aircraft=400, drones=0, birds=0, ghosts=0, duration_s=60, seed=9, sensors=[spec])
    assert run.sim.sensors[0]["moving"] is True
    p, uid, fr = run.plots, run.plot_uid, run.plot_frame
    assert len(p) > 1000 and (uid >= 0).all()
    lat, lon, alt = Orbit(run.sim.sheets[0], START).position(p["time_s"])
    d = np.einsum(
        "kij,kj->ki",
        rotation(lat, lon),
        run.true_ecef(uid, fr, p["time_s"]) - geodetic_to_ecef(lat, lon, alt),
    )
    r = np.linalg.norm(d, axis=1)
    az = np.arctan2(d[:, 0], d[:, 1])
    beam = 2 * np.pi * (((p["time_s"] - START) / 4.0) % 1.0)
    assert np.abs(wrap(az - beam)).max() < np.radians(0.01)
    for res, sigma in ((p["range_m"] - r, 100.0), (wrap(p["azimuth_rad"] - az), np.radians(0.2))):
        assert abs(res.mean()) < 5 * sigma / np.sqrt(len(res))
        assert res.std() == pytest.approx(sigma, rel=0.1)
    h = ecef_to_geodetic(run.true_ecef(uid, fr, p["time_s"]))[2]
    assert (r <= radar_horizon(h, 9000.0)).all()
    assert len(run.frames[0].platforms) == 1 and run.frames[0].platforms["alt_m"][0] == 9000.0


def test_reports_across_the_antimeridian_stay_where_the_aircraft_fly() -> None:
    """A site 3 km from the antimeridian (Fiji): aircraft cross it. Each report's position is
    interpolated the short way between the step's ends and given in [-180, 180): interpolating
    longitudes 179.99 and -179.99 linearly put a report near 0, on the other side of the Earth."""
    site = Site(lat=-17.75, lon=179.97, alt_m=20.0, name="near-antimeridian")
    run = simulate(
        site=site, aircraft=60, drones=0, birds=0, ghosts=0, duration_s=240.0, seed=3, air_radius_m=60_000.0
    )
    rep, uid = run.reports, run.report_uid
    assert (rep["lon"] < 0).any() and (rep["lon"] > 0).any()  # heard on both sides
    assert ((rep["lon"] >= -180.0) & (rep["lon"] < 180.0)).all()
    x = run.true_ecef(uid, run.report_frame, rep["time_s"])
    frame = EnuFrame(site.lat, site.lon, site.alt_m)
    true = frame.to_enu(*ecef_to_geodetic(x))
    meas = frame.to_enu(rep["lat"], rep["lon"], rep["altitude_m"])
    err = np.hypot(*(meas[:, :2] - true[:, :2]).T)
    assert err.max() < 10 * run.sim.sensors[2]["sigma_position_m"]
