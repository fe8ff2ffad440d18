"""The DF17 encoder, frame by frame against the real decoders (rs1090, pyModeS, ModesDecoder).

Published vectors come from "The 1090 Megahertz Riddle" (J. Sun, mode-s.org/decode): the even
airborne position 8D40621D58C382D690C8AC2863A7 (52.2572 N, 3.91937 E, 38,000 ft) and the
identification 8D4840D6202CC371C32CE0576098 (KLM1023, TC 4, category 0).
"""

from __future__ import annotations

import numpy as np
import pyModeS
import pytest
import rs1090
from pyModeS.position import airborne_position_with_ref, cprNL
from pyModeS.util import crc

from airpicture.sim import modes as m
from airpicture.sources.modes import FPM, FT, KT, ModesDecoder

SEED = 20261206  # each test draws its own states: the same whatever runs before it
N = 4000


def _decode(frames: np.ndarray, times: list[float] | None = None) -> list[dict]:
    hexes = m.frames_hex(frames)
    out = rs1090.decode(hexes, times) if times is not None else rs1090.decode(hexes)
    assert None not in out
    return out


def test_published_position_and_identification_frames() -> None:
    f = m.position_frames([0x40621D], [52.2572], [3.91937], [38000 * FT], [0], [8])
    assert m.frames_hex(f) == ["8d40621d58c382d690c8ac2863a7"]
    i = m.identification_frames([0x4840D6], ["KLM1023"], category=0)
    assert m.frames_hex(i) == ["8d4840d6202cc371c32ce0576098"]


def test_every_kind_of_frame_has_a_valid_crc() -> None:
    rng = np.random.default_rng(SEED)
    n = 500
    icao = rng.integers(0, 1 << 24, n)
    lat, lon = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
    alt, odd, nic = rng.uniform(-300, 15000, n), rng.integers(0, 2, n), rng.integers(0, 12, n)
    frames = np.concatenate(
        [
            m.position_frames(icao, lat, lon, alt, odd, nic),
            m.velocity_frames(icao, rng.uniform(0, 700, n), rng.uniform(0, 6.3, n), rng.uniform(-50, 50, n)),
            m.identification_frames(icao, [f"TEST{k:03d}" for k in range(n)]),
            m.status_frames(icao, rng.integers(0, 12, n), rng.integers(0, 12, n)),
            m.no_position_frames(icao, rng.uniform(0, 12000, n)),
        ]
    )
    hexes = m.frames_hex(frames)
    assert all(crc(h) == 0 for h in hexes)  # pyModeS: remainder 0 for a valid DF17
    decoded = rs1090.decode(hexes)
    assert None not in decoded  # rs1090 drops a frame whose CRC fails
    assert [d["icao24"] for d in decoded] == [f"{a:06x}" for a in np.tile(icao, 5)]
    flipped = frames.copy()
    flipped[:, 6] ^= 0x10  # one bit changed in every ME field: every CRC must now fail
    assert all(crc(h) != 0 for h in m.frames_hex(flipped))


def test_nl_matches_pymodes_on_a_fine_grid_and_at_every_edge() -> None:
    lat = np.concatenate([np.linspace(-90, 90, 360_001), m._NL_EDGES, -m._NL_EDGES])
    lat = np.concatenate([lat, np.nextafter(lat, 100), np.nextafter(lat, -100)])
    lat = lat[np.abs(lat) <= 90]
    assert (m.cpr_nl(lat) == np.array([cprNL(x) for x in lat.tolist()])).all()


def _hard_positions(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random positions, a third of them on CPR edges: NL transitions, latitude-zone edges of both
    parities, the poles, the dateline and the Greenwich meridian (a metre either side)."""
    k = n // 6
    edge = rng.choice(np.concatenate([m._NL_EDGES, -m._NL_EDGES]), k)
    zone = rng.integers(-30, 30, k) * rng.choice([6.0, 360 / 59], k)
    near = np.concatenate([edge, zone]) + rng.uniform(-1e-5, 1e-5, 2 * k)
    lat = np.concatenate([rng.uniform(-89.9, 89.9, n - 3 * k), near, rng.uniform(86.5, 90, k // 2),
                          rng.uniform(-90, -86.5, k - k // 2)])  # fmt: skip
    lon = rng.uniform(-180, 180, len(lat))
    j = rng.choice(len(lat), len(lat) // 3, replace=False)
    lon[j] = rng.choice([-180.0, 0.0, 180.0], len(j)) + rng.uniform(-1e-5, 1e-5, len(j))
    return np.clip(lat, -90, 90), (lon + 180) % 360 - 180


def _resolution(lat: np.ndarray, odd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One CPR step (deg) in latitude and longitude: the most a decoded position may be off."""
    dlat = 360.0 / (60 - odd)
    dlon = 360.0 / np.maximum(m.cpr_nl(lat) - odd, 1)
    return dlat / 2**17, dlon / 2**17


def _lon_err(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs((a - b + 180) % 360 - 180)


def test_each_frame_decodes_locally_to_its_position() -> None:
    rng = np.random.default_rng(SEED)
    lat, lon = _hard_positions(N, rng)
    for odd in (0, 1):
        f = m.position_frames(
            np.arange(len(lat)), lat, lon, np.full(len(lat), 10000.0), np.full(len(lat), odd), 8
        )
        got = np.array(
            [
                airborne_position_with_ref(odd, d["lat_cpr"], d["lon_cpr"], la, lo)
                for d, la, lo in zip(_decode(f), lat.tolist(), lon.tolist(), strict=True)
            ]
        )
        rlat, rlon = _resolution(lat, np.full(len(lat), odd))
        assert (np.abs(got[:, 0] - lat) <= rlat).all()
        assert (_lon_err(got[:, 1], lon) <= rlon).all()


def test_even_odd_pairs_decode_globally_with_rs1090() -> None:
    rng = np.random.default_rng(SEED)
    lat, lon = _hard_positions(N, rng)
    n = len(lat)
    icao = np.repeat(np.arange(1, n + 1), 2)
    f = m.position_frames(
        icao, np.repeat(lat, 2), np.repeat(lon, 2), np.full(2 * n, 3000.0), np.tile([0, 1], n), 8
    )
    times = np.tile([0.0, 1.0], n) + np.repeat(np.arange(n) * 20.0, 2)  # aircraft 20 s apart
    d = _decode(f, times.tolist())[1::2]  # the odd frame completes each pair
    has = np.array(["latitude" in x for x in d])
    # a pair is undecodable only when its even and odd latitudes fall in different NL zones,
    # which happens only within a CPR step of an NL edge (a real decoder waits for the next pair)
    dist = np.min(np.abs(np.abs(lat)[:, None] - m._NL_EDGES[None, :]), axis=1)
    assert (has | (dist < 1e-3)).all()
    assert has[dist >= 1e-3].all() and has.mean() > 0.8  # a sixth of the positions sit on NL edges
    got_lat = np.array([x.get("latitude", np.nan) for x in d])[has]
    got_lon = np.array([x.get("longitude", np.nan) for x in d])[has]
    rlat, rlon = _resolution(lat[has], np.ones(int(has.sum()), np.int64))
    assert (np.abs(got_lat - lat[has]) <= rlat).all()
    assert (_lon_err(got_lon, lon[has]) <= rlon).all()


def test_altitude_in_25_ft_steps_and_unknown_outside_its_range() -> None:
    rng = np.random.default_rng(SEED)
    ft = np.concatenate([rng.uniform(-1000, 50000, N), [-1000, 50000, 0, 37000]])
    f = m.position_frames(np.arange(len(ft)), np.full(len(ft), 48.0), np.full(len(ft), 2.0), ft * FT, 0, 8)
    got = np.array([d["altitude"] for d in _decode(f)])
    assert (got == np.round(ft / 25) * 25).all()
    out = m.position_frames(
        [1, 2, 3], [48.0] * 3, [2.0] * 3, [60000 * FT, -2000 * FT, np.nan], [0] * 3, [8] * 3
    )
    assert [d.get("altitude") for d in _decode(out)] == [None, None, None]


def _check_velocity(
    spd_kt: np.ndarray, trk: np.ndarray, vr_fpm: np.ndarray, d: list[dict], unit: float
) -> None:
    gs = np.array([x["groundspeed"] for x in d])
    track = np.array([x["track"] for x in d])
    vr = np.array([x["vertical_rate"] for x in d])
    # each component within half a step; pyModeS gives whole knots above 1021 kt
    assert (np.abs(gs - spd_kt) <= unit * 0.71 + (unit > 1) * 0.5).all()
    ang = np.abs((track - np.degrees(trk) + 180) % 360 - 180)
    fast = spd_kt > 20
    assert (ang[fast] <= np.degrees(np.arcsin(unit * 0.71 / spd_kt[fast])) + 1e-9).all()
    assert (vr == np.sign(vr_fpm) * np.round(np.abs(vr_fpm) / 64) * 64).all()


def test_velocity_over_ground_matches_rs1090() -> None:
    rng = np.random.default_rng(SEED)
    spd_kt, trk, vr_fpm = rng.uniform(0, 1000, N), rng.uniform(0, 2 * np.pi, N), rng.uniform(-6000, 6000, N)
    d = _decode(m.velocity_frames(np.arange(N), spd_kt * KT, trk, vr_fpm * FPM))
    _check_velocity(spd_kt, trk, vr_fpm, d, 1.0)
    assert {x["NACv"] for x in d} == {2}
    # NaN is sent as "not available" (0): pyModeS reads it so; rs1090 0.7 reads a velocity of 0
    # as -1 kt per component, so the squitter pipeline sends no velocity frame without a speed
    nan = pyModeS.decode(m.frames_hex(m.velocity_frames([1], [np.nan], [np.nan], [np.nan]))[0])
    assert nan["groundspeed"] is None and nan["track"] is None and nan["vertical_rate"] is None


def test_supersonic_velocity_matches_pymodes() -> None:
    rng = np.random.default_rng(SEED)
    # subtype 2 (4 kt steps) above 1021 kt; rs1090 0.7 reads it as subtype 1 (a quarter of the
    # speed), pyModeS scales it: checked against pyModeS
    n = 300
    spd_kt, trk, vr_fpm = (
        rng.uniform(1030, 4000, n),
        rng.uniform(0, 2 * np.pi, n),
        rng.uniform(-6000, 6000, n),
    )
    d = [
        pyModeS.decode(h)
        for h in m.frames_hex(m.velocity_frames(np.arange(n), spd_kt * KT, trk, vr_fpm * FPM))
    ]
    assert {x["subtype"] for x in d} == {2}
    _check_velocity(spd_kt, trk, vr_fpm, d, 4.0)


def test_callsigns_round_trip() -> None:
    rng = np.random.default_rng(SEED)
    chars = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    calls = ["".join(rng.choice(chars, rng.integers(1, 9))) for _ in range(N)]
    d = _decode(m.identification_frames(np.arange(N), calls))
    assert [x["callsign"].strip() for x in d] == calls
    with pytest.raises(ValueError, match="callsign"):
        m.identification_frames([1], ["AB-12"])
    with pytest.raises(ValueError, match="callsign"):
        m.identification_frames([1], ["TOOLONG12"])


@pytest.mark.parametrize("nic", range(12))
def test_status_and_position_give_the_decoder_the_nic_and_nacp_meant(nic: int) -> None:
    nacp = np.arange(12)
    icao = 0x100000 + nacp
    status = m.status_frames(icao, nacp, np.full(12, nic))
    d = _decode(status)
    assert [x["NACp"] for x in d] == nacp.tolist()
    assert {x["version"] for x in d} == {2}
    assert [x["NICa"] for x in d] == [m.NIC_FIELDS[nic][1]] * 12
    pos = m.position_frames(
        icao, np.full(12, 48.5), np.full(12, 2.5), np.full(12, 3000.0), 0, np.full(12, nic)
    )
    dec = ModesDecoder(receiver=(48.6, 2.4))
    table = dec.decode(
        np.concatenate([np.zeros(12), np.ones(12)]), m.frames_hex(np.concatenate([status, pos]))
    )
    p = table[12:]
    assert (p["nic"] == nic).all() and (p["nacp"] == nacp).all() and (p["sil"] == 3).all()
    assert {dec.registry[int(a)].version for a in icao} == {2}
