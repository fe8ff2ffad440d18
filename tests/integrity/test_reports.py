"""ReportIntegrity on the bundled real data: the spoofed stretch of a real recording is flagged
and its genuine stretches are not; real Paris traffic and the real CDG frames give no flag; bad
input is counted; memory stays bounded; old evidence clears; quality fields and categories count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reportkit import FLAG, MERGED, RECEIVERS, fixture, merge, run, shifted

from airpicture.config import ReportIntegritySettings
from airpicture.integrity import ReportIntegrity
from airpicture.integrity.reports import containment_m
from airpicture.sensors import live_receivers
from airpicture.sim.recorded import receive
from airpicture.sources.modes import describe
from airpicture.sources.replay import ModesFileSource
from airpicture.types import REPORT_DTYPE, IntegrityReason

MODES = Path(__file__).resolve().parents[1] / "data" / "modes"


def _silences(rep: np.ndarray, longer_s: float = 300.0) -> list[tuple[float, float]]:
    gaps = np.flatnonzero(np.diff(rep["time_s"]) > longer_s)
    return [(float(rep["time_s"][k]), float(rep["time_s"][k + 1])) for k in gaps]


def test_spoofed_stretch_of_a_real_recording_is_flagged_and_the_genuine_ones_not() -> None:
    """noisy_spoofing: the spoofed stretch lies between the recording's two long silences (the
    positions come back 260 km off with 51 kt at FL380, then return to where the aircraft would
    be); flagged within 5 minutes of its start until its end, never before, cleared on return."""
    rep = fixture("noisy_spoofing.csv.gz")
    (_, onset), (end, back) = _silences(rep)
    out = run(rep, MERGED)
    (ident,) = set(rep["ident"].tolist())
    times = np.array([t for t, _ in out.flags[ident]])
    assert onset < times.min() <= onset + 300.0
    assert times.max() <= back + 1.0  # the window of the return, at most
    during = rep["time_s"][(rep["time_s"] > onset + 300.0) & (rep["time_s"] < end)]
    assert np.isin(np.floor(during) + 1.0, times).mean() > 0.95  # flagged through the stretch
    assert {IntegrityReason(y) for _, y in out.flags[ident]} == {IntegrityReason.KINEMATICS}
    c = out.checker.counts()
    assert c["returns"] == 1 and c["jumps"] >= 1
    llr, why = out.checker.evidence(np.array([ident]))
    assert llr[0] == 0.0 and why[0] == IntegrityReason.NONE  # believed again after the return


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_real_traffic_is_not_flagged(seed: int) -> None:
    """20 minutes of real Paris traffic (16 aircraft) heard by two receivers: no flag."""
    rep = receive(fixture("paris_traffic.csv.gz"), RECEIVERS, np.random.default_rng(seed))
    out = run(rep, RECEIVERS)
    assert not out.flagged(), {f"{i:06x}": out.peak[i] for i in out.flagged()}
    assert out.checker.counts()["good"] > 0.99 * len(rep)


def test_real_cdg_frames_are_not_flagged() -> None:
    """The real CDG frames, decoded by the real decoder (with surface positions): no flag, not one
    position out of reach. The recording merges receivers (ground frames at CDG and at Toulouse,
    570 km apart), so its receiver states no range."""
    src = ModesFileSource(MODES / "raw_frames_cdg.jsonl.gz", receiver=(49.0097, 2.5479), include_surface=True)
    rep = np.concatenate(list(src.batches()))
    rep = rep[np.argsort(rep["time_s"], kind="stable")]
    _, info = describe([src.stream.registry], np.unique(rep["ident"]))
    out = run(rep, MERGED, info=info)
    assert len(rep) > 8000 and not out.flagged()
    assert out.checker.counts()["outliers"] == 0


def test_bad_input_is_counted_not_raised() -> None:
    checker = ReportIntegrity(RECEIVERS, (48.86, 2.29, 60.0))
    rep = np.zeros(5, REPORT_DTYPE)
    rep["time_s"] = [1.0, np.nan, 2.0, 3.0, 1e12]  # the last: a corrupted far-future time
    rep["ident"] = [0x123456, 0x123456, -1, 0x123456, 0x123456]
    rep["sensor"] = [0, 0, 0, 9, 0]
    rep["lat"], rep["lon"] = 48.9, 2.3
    checker.observe(rep, 4.0)
    checker.observe(np.zeros(2, [("time_s", "f8")]), 5.0)
    assert checker.rejects.counts == {
        "no time": 1,
        "no identity": 1,
        "unknown sensor": 1,
        "after the window": 1,
        "not REPORT_DTYPE": 2,
    }
    assert checker.counts()["addresses"] == 1


def test_memory_stays_bounded_over_hours_of_address_churn() -> None:
    """Six hours, 40 new addresses a minute, each heard for a minute: the memory holds the
    addresses of the last forget_s only, and its arrays stop growing."""
    st = ReportIntegritySettings()
    checker = ReportIntegrity(RECEIVERS, (48.86, 2.29, 60.0), st)
    sizes = []
    for minute in range(360):
        rep = np.zeros(40 * 60, REPORT_DTYPE)
        rep["ident"] = np.repeat(minute * 40 + np.arange(40), 60)
        rep["time_s"] = minute * 60.0 + np.tile(np.arange(60.0), 40)
        rep["lat"], rep["lon"] = 48.9 + 0.01 * (rep["ident"] % 40)[:, None].ravel(), 2.3
        rep["altitude_m"], rep["speed_mps"] = 3000.0, 0.0
        checker.observe(rep[np.argsort(rep["time_s"], kind="stable")], minute * 60.0 + 60.0)
        sizes.append((len(checker.rows), len(checker.state)))
    live_max = 40 * (st.forget_s / 60 + 2)
    assert max(n for n, _ in sizes) <= live_max
    assert sizes[-1][1] == sizes[len(sizes) // 2][1]  # no growth in the second half
    assert checker.expired > 40 * 300


def _teleported(seconds_after: float) -> tuple[ReportIntegrity, int]:
    rep = fixture("paris_traffic.csv.gz")
    ids, n = np.unique(rep["ident"], return_counts=True)
    ident = int(ids[np.argmax(n)])
    mine = rep[rep["ident"] == ident]
    t_a = mine["time_s"][0] + 120.0
    mine = mine[mine["time_s"] < t_a + 60.0]
    moved = merge(mine[mine["time_s"] < t_a], shifted(mine[mine["time_s"] >= t_a], 20e3, 0.0))
    checker = run(moved, MERGED).checker
    checker.observe(np.zeros(0, REPORT_DTYPE), float(mine["time_s"][-1]) + seconds_after)
    return checker, ident


def test_old_evidence_clears() -> None:
    """A sustained jump is evidence for a while, then halves every half_life_s: an hour later it
    is gone (before the memory of the address)."""
    soon, ident = _teleported(0.0)
    late, _ = _teleported(3600.0)
    assert soon.evidence(np.array([ident]))[0][0] >= FLAG
    assert late.evidence(np.array([ident]))[0][0] < 0.01 * FLAG


def test_quality_claims_contradicted_by_a_jump() -> None:
    """An address that claims NIC 8 (Rc 185 m) with SIL 3 and jumps 20 km adds QUALITY evidence;
    without quality fields it has none."""
    rep = fixture("paris_traffic.csv.gz")
    ids, n = np.unique(rep["ident"], return_counts=True)
    ident = int(ids[np.argmax(n)])
    mine = rep[rep["ident"] == ident]
    t_a = mine["time_s"][0] + 120.0
    moved = merge(mine[mine["time_s"] < t_a], shifted(mine[mine["time_s"] >= t_a], 0.0, 20e3))
    claims = {ident: {"nic": 8, "nacp": 9, "sil": 3, "category": "A3"}}
    with_q = run(moved, MERGED, info=claims).checker
    without = run(moved, MERGED).checker
    q = with_q.state[with_q.rows[ident]]
    from airpicture.integrity.report_kernels import EV_QUAL

    assert q[EV_QUAL] > 0 and without.state[without.rows[ident], EV_QUAL] == 0
    assert with_q.evidence(np.array([ident]))[0][0] > without.evidence(np.array([ident]))[0][0]
    assert containment_m(8, None) == 185.0 and containment_m(None, 9) == 30.0
    assert np.isnan(containment_m(0, 0))


def test_slow_and_high_is_allowed_for_a_balloon() -> None:
    """50 kt at FL380 flags an address without a category, not one that says it is a balloon."""
    rep = np.zeros(900, REPORT_DTYPE)
    rep["time_s"] = np.arange(900.0)
    rep["ident"] = 0xABCDEF
    rep["altitude_m"], rep["speed_mps"], rep["track_rad"], rep["vrate_mps"] = 11582.4, 26.0, 0.0, 0.0
    rep["lat"] = 48.9 + np.degrees(26.0 * np.arange(900.0) / 6371e3)
    rep["lon"] = 2.3
    plain = run(rep, MERGED)
    balloon = run(rep, MERGED, info={0xABCDEF: {"category": "B2"}})
    assert plain.flagged() == {0xABCDEF} and not balloon.flagged()


def test_live_receiver_sheets_are_accepted() -> None:
    """The sheets `airpicture run` makes for live feeds work as they are."""
    checker = ReportIntegrity(live_receivers(["a", "b"], 48.86, 2.29, 60.0), (48.86, 2.29, 60.0))
    assert checker.looks.active


def test_one_bad_position_of_a_real_aircraft_is_an_error_not_evidence_enough() -> None:
    """One position 50 km off in each real aircraft's stream (a bad decode): counted, not flagged."""
    rep = receive(fixture("paris_traffic.csv.gz"), RECEIVERS, np.random.default_rng(5))
    ids = np.unique(rep["ident"])
    for i in ids.tolist():
        k = np.flatnonzero(rep["ident"] == i)
        k = k[len(k) // 2 : len(k) // 2 + 1]
        rep[k] = shifted(rep[k], 50e3, 0.0)
    out = run(rep, RECEIVERS)
    assert not out.flagged()
    assert out.checker.counts()["outliers"] >= len(ids) - 1
