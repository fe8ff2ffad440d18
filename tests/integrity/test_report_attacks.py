"""Synthetic attacks injected into real Paris traffic (the bundled 20-minute extract of
quickstart.json.gz, heard by two receivers with their losses and noise): each is flagged for its
reason, and none of the real aircraft is. Victims, offsets and bearings vary with the seed."""

from __future__ import annotations

import numpy as np
import pytest
from reportkit import RECEIVERS, Outcome, fixture, merge, run, shifted

from airpicture.config import ReportIntegritySettings
from airpicture.sim.recorded import receive
from airpicture.sim.sensors import metres_to_degrees
from airpicture.types import REPORT_DTYPE, IntegrityReason

GHOST = 0xF00000
ATTACK_AFTER_S = 300.0
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def traffic() -> np.ndarray:
    return fixture("paris_traffic.csv.gz")


def _victim(traffic: np.ndarray, rng: np.random.Generator) -> tuple[int, np.ndarray, float]:
    """A real aircraft airborne through a long stretch of the extract, its fixes and the attack's
    start (one taxiing at Orly, without altitude or velocity, is heard too little for the attacks'
    time limits: a teleport of it lands beyond both receivers' ground-level horizon)."""
    ids, n = np.unique(traffic["ident"], return_counts=True)
    up = np.isfinite(traffic["altitude_m"]) & (traffic["altitude_m"] > 300.0)
    n_up = np.bincount(np.searchsorted(ids, traffic["ident"][up]), minlength=len(ids))
    ident = int(rng.choice(ids[(n > 600) & (n_up > 0.98 * n)]))
    mine = traffic[traffic["ident"] == ident]
    return ident, mine, float(mine["time_s"][0] + ATTACK_AFTER_S)


def _offset(rng: np.random.Generator, lo_m: float, hi_m: float) -> tuple[float, float]:
    d, b = rng.uniform(lo_m, hi_m), rng.uniform(0, 2 * np.pi)
    return d * np.sin(b), d * np.cos(b)


def _heard_by(reports: np.ndarray, sensor: int, rng: np.random.Generator) -> np.ndarray:
    """What one receiver hears of a spoofer's transmitter next to it (its loss, no range limit)."""
    out = reports[rng.random(len(reports)) >= RECEIVERS[sensor].p_loss].copy()  # type: ignore[union-attr]
    out["sensor"] = sensor
    return out


def _judge(outcome: Outcome, target: int, reason: IntegrityReason, start: float, within_s: float,
           real: set[int]) -> None:  # fmt: skip
    assert target in outcome.flags, f"not flagged; peak {outcome.peak.get(target)}"
    assert start <= outcome.first_flag(target) <= start + within_s
    assert IntegrityReason(outcome.flags[target][0][1]) == reason
    assert not outcome.flagged(real - {target}), {
        i: outcome.peak[i] for i in outcome.flagged(real - {target})
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_teleport(traffic: np.ndarray, seed: int) -> None:
    """From the attack on, the victim's positions are 15-40 km away (GNSS spoofing of the aircraft:
    heard as usual by both receivers): a sustained jump, flagged within seconds."""
    rng = np.random.default_rng(seed)
    ident, mine, t_a = _victim(traffic, rng)
    after = mine["time_s"] >= t_a
    moved = merge(mine[~after], shifted(mine[after], *_offset(rng, 15e3, 40e3)))
    rep = receive(merge(traffic[traffic["ident"] != ident], moved), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, ident, IntegrityReason.KINEMATICS, t_a, 10.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_position_jumps(traffic: np.ndarray, seed: int) -> None:
    """From the attack on, one fix in five of the victim jumps 2-10 km and back: each alone could
    be an error, their rate cannot."""
    rng = np.random.default_rng(seed)
    ident, mine, t_a = _victim(traffic, rng)
    mine = mine.copy()
    hit = np.flatnonzero(mine["time_s"] >= t_a)[::5]
    for k in hit.tolist():
        mine[k : k + 1] = shifted(mine[k : k + 1], *_offset(rng, 2e3, 10e3))
    rep = receive(merge(traffic[traffic["ident"] != ident], mine), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, ident, IntegrityReason.KINEMATICS, t_a, 60.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_second_transmitter(traffic: np.ndarray, seed: int) -> None:
    """A second transmitter sends the victim's address and path 20-50 km away, alongside the
    real aircraft: one address at two places at once."""
    rng = np.random.default_rng(seed)
    ident, mine, t_a = _victim(traffic, rng)
    twin = shifted(mine[mine["time_s"] >= t_a], *_offset(rng, 20e3, 50e3))
    twin["time_s"] += rng.uniform(0.1, 0.9)
    rep = receive(merge(traffic, twin), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, ident, IntegrityReason.TWO_PLACES, t_a, 20.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_broadcast_from_beyond_range(traffic: np.ndarray, seed: int) -> None:
    """A spoofer next to ADSB1 (250 km range) claims a flight 320-400 km away: heard from beyond
    the receiver's range."""
    rng = np.random.default_rng(seed)
    _, mine, t_a = _victim(traffic, rng)
    ghost = shifted(mine[mine["time_s"] >= t_a], *_offset(rng, 320e3, 400e3))
    ghost["ident"] = GHOST
    rep = merge(receive(traffic, RECEIVERS, rng), _heard_by(ghost, 0, rng))
    out = run(rep, RECEIVERS)
    _judge(out, GHOST, IntegrityReason.BEYOND_RANGE, t_a, 30.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_low_flight_beyond_the_radio_horizon(traffic: np.ndarray, seed: int) -> None:
    """A spoofer next to ADSB1 claims a flight at 300 m, 150-200 km away: inside the sheet's
    range, beyond the radio horizon (4.12 km x (sqrt(300) + sqrt(60)) = 103 km)."""
    rng = np.random.default_rng(seed)
    _, mine, t_a = _victim(traffic, rng)
    ghost = mine[mine["time_s"] >= t_a].copy()
    de, dn = _offset(rng, 1.0, 2.0)
    north, east = 48.86 - ghost["lat"][0], 2.29 - ghost["lon"][0]  # start it at the receiver
    ghost["lat"] += north
    ghost["lon"] += east
    ghost = shifted(ghost, de / np.hypot(de, dn) * 175e3, dn / np.hypot(de, dn) * 175e3)
    ghost["ident"], ghost["altitude_m"] = GHOST, 300.0
    rep = merge(receive(traffic, RECEIVERS, rng), _heard_by(ghost, 0, rng))
    out = run(rep, RECEIVERS)
    _judge(out, GHOST, IntegrityReason.BEYOND_RANGE, t_a, 30.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_one_receiver_hears_what_the_other_should(traffic: np.ndarray, seed: int) -> None:
    """A low-power spoofer next to ADSB1 sends a ghost on the victim's path shifted 5-15 km: ADSB2
    covers that place and hears the real traffic around it, but never the ghost."""
    rng = np.random.default_rng(seed)
    _, mine, t_a = _victim(traffic, rng)
    ghost = shifted(mine[mine["time_s"] >= t_a], *_offset(rng, 5e3, 15e3))
    ghost["ident"] = GHOST
    rep = merge(receive(traffic, RECEIVERS, rng), _heard_by(ghost, 0, rng))
    out = run(rep, RECEIVERS)
    _judge(out, GHOST, IntegrityReason.RECEIVER_MISS, t_a, 120.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_slow_at_cruise_altitude(traffic: np.ndarray, seed: int) -> None:
    """A ghost at FL360 whose broadcast ground speed (and positions) make 20-40 m/s, heard by both
    receivers: no jet keeps that; flagged within five minutes."""
    rng = np.random.default_rng(seed)
    _, mine, t_a = _victim(traffic, rng)
    n = 600
    v, trk = rng.uniform(20, 40), rng.uniform(0, 2 * np.pi)
    ghost = np.zeros(n, mine.dtype)
    ghost["time_s"] = t_a + np.arange(n)
    ghost["ident"], ghost["altitude_m"], ghost["speed_mps"], ghost["track_rad"] = GHOST, 10972.8, v, trk
    ghost["vrate_mps"] = 0.0
    ghost["lat"], ghost["lon"] = mine["lat"][0], mine["lon"][0]
    s = v * np.arange(n)
    ghost = shifted(ghost, 0.0, 0.0)
    dlat, dlon = (
        np.degrees(s * np.cos(trk) / 6371e3),
        np.degrees(s * np.sin(trk) / (6371e3 * np.cos(np.radians(ghost["lat"])))),
    )
    ghost["lat"] += dlat
    ghost["lon"] += dlon
    rep = receive(merge(traffic, ghost), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, GHOST, IntegrityReason.KINEMATICS, t_a, 300.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_broadcast_velocity_turns_as_no_aircraft_can(traffic: np.ndarray, seed: int) -> None:
    """From the attack on, one velocity in four points 120-180 degrees off the victim's track (a
    turn no aircraft makes in a second or two); the positions stay true."""
    rng = np.random.default_rng(seed)
    ident, mine, t_a = _victim(traffic, rng)
    mine = mine.copy()
    hit = np.flatnonzero(mine["time_s"] >= t_a)[::4]
    turn = rng.uniform(np.radians(120), np.pi, len(hit)) * rng.choice([-1, 1], len(hit))
    mine["track_rad"][hit] = np.mod(mine["track_rad"][hit] + turn, 2 * np.pi)
    rep = receive(merge(traffic[traffic["ident"] != ident], mine), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, ident, IntegrityReason.KINEMATICS, t_a, 60.0, set(traffic["ident"].tolist()))


@pytest.mark.parametrize("seed", SEEDS)
def test_sustained_altitude_jump(traffic: np.ndarray, seed: int) -> None:
    """From the attack on, the victim reports 2-5 km higher (or lower, kept above ground): a climb
    no aircraft flies, sustained (garbled altitudes among good ones are not)."""
    rng = np.random.default_rng(seed)
    ident, mine, t_a = _victim(traffic, rng)
    mine = mine.copy()
    after = mine["time_s"] >= t_a
    step = rng.uniform(2000.0, 5000.0) * rng.choice([-1, 1])
    mine["altitude_m"][after] = np.maximum(mine["altitude_m"][after] + step, 150.0)
    rep = receive(merge(traffic[traffic["ident"] != ident], mine), RECEIVERS, rng)
    out = run(rep, RECEIVERS)
    _judge(out, ident, IntegrityReason.KINEMATICS, t_a, 10.0, set(traffic["ident"].tolist()))


def test_an_airliner_landing_where_its_pressure_altitude_reads_below_the_sea_is_believed() -> None:
    """Heard by ADSB1 alone: an airliner on approach to an airfield 37 km east (a recorded landing
    at Charles de Gaulle, 120 m up, on a high-QNH day, reported -30 m on the runway). From 0 m
    the 4/3-Earth horizon is 4.12 km x sqrt(60) = 32 km, x 1.15 = 37 km, and the landing was
    flagged beyond range; a pressure altitude is not a height, so the horizon is taken 300 m
    higher (`baro_allowance_m`: 8 m per hPa of QNH above 1013)."""
    n = 400
    t = 1_700_000_000.0 + np.arange(n, dtype=float)
    left = np.clip((n - 100 - np.arange(n)) / (n - 100), 0.0, 1.0)  # 1 -> 0, then on the runway
    rep = np.zeros(n, REPORT_DTYPE)
    rep["time_s"], rep["sensor"], rep["ident"] = t, 0, 0x3946E5
    rep["altitude_m"] = -30.0 + 930.0 * left
    speed = 15.0 + 60.0 * left
    rep["speed_mps"], rep["track_rad"], rep["vrate_mps"] = speed, np.pi / 2, -930.0 / (n - 100) * (left > 0)
    east = 37_000.0 - np.cumsum(speed[::-1])[::-1]  # flying east, at 37 km at the end
    dlat, dlon = metres_to_degrees(np.full(n, 48.86), east, np.zeros(n))
    rep["lat"], rep["lon"] = 48.86 + dlat, 2.29 + dlon
    out = run(rep, RECEIVERS[:1])
    assert not out.flagged(), out.peak
    # without the allowance it is flagged beyond range: the test sees the case it is about
    bare = run(rep, RECEIVERS[:1], settings=ReportIntegritySettings(baro_allowance_m=0.0))
    assert IntegrityReason(bare.flags[0x3946E5][0][1]) == IntegrityReason.BEYOND_RANGE
