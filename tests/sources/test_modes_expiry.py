"""Live state expires: a decoder fed for hours by a changing population holds only the aircraft
heard lately (readsb aircraft TTL, pyModeS v3 `eviction_ttl`), and says how many it let go."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from pyModeS.util import crc

from airpicture.sources.modes import EXPIRE_S, STALE_S, SWEEP_S, ModesDecoder
from airpicture.sources.sbs import SbsDecoder

DATA = Path(__file__).parent.parent / "data" / "modes"
CDG = (49.0097, 2.5479)


@pytest.fixture(scope="module")
def templates() -> dict[str, str]:
    """One real frame of each kind the live path keeps state for (AFR34ZG, 393322)."""
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        cdg = [json.loads(line) for line in f]
    pos = [r for r in cdg if r.get("bds") == "05"]
    even = next(r for r in pos if r["parity"] == "even")
    odd = next(r for r in pos if r["parity"] == "odd" and abs(r["timestamp"] - even["timestamp"]) < 5)
    pick = {
        "even": even,
        "odd": odd,
        "velocity": next(r for r in cdg if r.get("bds") == "09"),
        "ident": next(r for r in cdg if r.get("bds") == "08"),
        "squawk": next(r for r in cdg if r["df"] == "5"),
        "commb": next(r for r in cdg if r["df"] == "21" and r.get("bds") == "20"),
        "bds60": next(r for r in cdg if r["df"] == "20" and r.get("bds") == "60"),
    }
    return {k: r["frame"] for k, r in pick.items()}


def readdress(frame: str, icao: int) -> str:
    """The frame as sent by another aircraft, parity recomputed with pyModeS's CRC.

    DF17/18 carry the address in clear and a plain CRC; the replies (DF4/5/20/21) carry it only
    overlaid on the parity (AP = CRC of the data XOR address), as the decoder recovers it."""
    df = int(frame[:2], 16) >> 3
    if df < 16:
        frame = frame[:14]  # a short reply (some receivers pass on 112 bits of it)
    if df in (17, 18):
        body = frame[:2] + f"{icao:06x}" + frame[8:-6]
        return body + f"{crc(body + '000000'):06x}"
    body = frame[:-6]
    return body + f"{crc(body + '000000') ^ icao:06x}"


def test_readdressed_frames_decode_as_the_new_aircraft(templates: dict[str, str]) -> None:
    dec = ModesDecoder(receiver=CDG)
    order = ("ident", "even", "odd", "velocity", "squawk", "commb")
    frames = [readdress(templates[k], 0xABC123) for k in order]
    table = dec.decode(1.7e9 + np.arange(len(frames), dtype=float) * 0.5, frames)
    assert len(table) == len(frames) and (table["icao"] == 0xABC123).all()
    assert np.isfinite(table["lat"][1:3]).all()
    a = dec.registry[0xABC123]
    assert a.callsign and a.squawk
    assert a.sources == {"callsign": "commb", "squawk": "modes"}  # the last frames were replies


def test_state_is_stale_then_expired_and_counted(templates: dict[str, str]) -> None:
    dec = ModesDecoder(receiver=CDG)
    t0 = 1.7e9
    a, b = 0x111111, 0x222222
    order = ("ident", "even", "odd", "velocity", "bds60")
    table = dec.decode(t0 + np.arange(5.0), [readdress(templates[k], a) for k in order])
    assert table["bds"][4] == "60"
    assert dec.state_sizes() == {"registry": 1, "cpr": 1, "velocity": 1, "commb": 1}
    # stale: after STALE_S the old position is no reference; a lone frame decodes against the
    # receiver (method 3), not the aircraft's own position (method 2)
    t = t0 + 4 + STALE_S + 1
    table = dec.decode(np.array([t]), [readdress(templates["even"], a)])
    assert table["cpr"][0] == 3
    # another aircraft keeps the feed going; `a` goes at the first sweep after EXPIRE_S
    t_a = t
    steps = np.arange(t_a + 10, t_a + EXPIRE_S + 2 * SWEEP_S, 10.0)
    for s in steps:
        dec.decode(np.array([s]), [readdress(templates["velocity"], b)])
        if s - t_a <= EXPIRE_S:
            assert a in dec.registry
    assert a not in dec.registry and b in dec.registry
    assert dec.state_sizes() == {"registry": 1, "cpr": 0, "velocity": 1, "commb": 0}
    assert dec.notes["expired"] == 1


def test_sweeps_are_throttled_and_survive_bad_clocks(templates: dict[str, str]) -> None:
    dec = ModesDecoder(receiver=CDG)
    t0 = 1.7e9
    dec.decode(np.array([t0]), [readdress(templates["ident"], 0x333333)])
    swept = dec.expiry.swept_s
    dec.decode(np.array([t0 + SWEEP_S / 2]), [readdress(templates["ident"], 0x444444)])
    assert dec.expiry.swept_s == swept  # not due yet
    # one frame of a batch with a wild timestamp neither sweeps everything nor stops the sweeps
    frames = [readdress(templates["ident"], 0x444444)] * 3
    dec.decode(np.array([t0 + SWEEP_S, 9e12, t0 + SWEEP_S + 1]), frames)
    assert set(dec.registry) == {0x333333, 0x444444}
    assert dec.expiry.swept_s < 1e10


def test_sbs_registry_expires() -> None:
    def line(icao: int, t: int) -> bytes:
        hh, mm, ss = t // 3600, t // 60 % 60, t % 60
        when = f"2024/07/06,{hh:02d}:{mm:02d}:{ss:02d}.000"
        return f"MSG,1,1,1,{icao:06X},1,{when},{when},AFR{icao % 1000},,,,,,,,,,,0\n".encode()

    dec = SbsDecoder()
    dec.feed(line(0x555555, 0))
    assert dec.registry[0x555555].sources == {"callsign": "sbs"}
    for t in range(30, int(EXPIRE_S + 3 * SWEEP_S), 30):
        dec.feed(line(0x666666, t))
    assert set(dec.registry) == {0x666666} and dec.notes["expired"] == 1


def test_hours_of_a_changing_population_stay_bounded(templates: dict[str, str]) -> None:
    """8 simulated hours, a new aircraft every GAP_S, each heard for DWELL_S (a burst of ident,
    even/odd position, velocity, squawk and Comm-B replies every PERIOD_S): 3,600 distinct
    addresses. An address is held from its first frame until EXPIRE_S after its last, plus at
    most one sweep interval and one batch, so at most that span / GAP_S + 1 aircraft are held."""
    GAP_S, DWELL_S, PERIOD_S, BATCH_S, HOURS = 8.0, 600.0, 60.0, 5.0, 8
    kinds = ("ident", "even", "odd", "velocity", "squawk", "commb")
    offsets = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    n = int(HOURS * 3600 / GAP_S)
    t0 = 1.7e9
    times, frames = [], []
    for k in range(n):
        icao = (0x100000 + k * 7919) % (1 << 24)  # distinct, spread over the address space
        own = [readdress(templates[kind], icao) for kind in kinds]
        for burst in np.arange(0.0, DWELL_S, PERIOD_S):
            times.append(t0 + k * GAP_S + burst + offsets)
            frames += own
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    t = t[order]
    frames = [frames[i] for i in order]
    edges = np.searchsorted(t, np.arange(t[0], t[-1] + BATCH_S, BATCH_S))

    dec = ModesDecoder(receiver=CDG)
    bound = int((DWELL_S + EXPIRE_S + SWEEP_S + BATCH_S) / GAP_S) + 1
    most = dict.fromkeys(("registry", "cpr", "velocity", "commb"), 0)
    positions = 0
    for a, b in itertools.pairwise(edges.tolist()):
        if a == b:
            continue
        table = dec.decode(t[a:b], frames[a:b])
        positions += int(np.isfinite(table["lat"]).sum())
        for key, size in dec.state_sizes().items():
            most[key] = max(most[key], size)
    assert dec.rejects.total == 0
    # expiry did not cost positions: every burst's odd frame pairs with its even one (the even one
    # has no pair or recent position but on an aircraft's first burst, against the receiver)
    assert positions == n * (DWELL_S / PERIOD_S + 1)
    assert n > 20 * bound  # without expiry the registry would hold every one of them
    for key, size in most.items():
        assert size <= bound, f"{key}: {size} entries held, bound {bound}"
    print(f"{n} aircraft, most held {most}, bound {bound}, expired {dec.notes['expired']}")
    assert most["registry"] >= DWELL_S / GAP_S  # the aircraft being heard are all held
    assert dec.notes["expired"] >= n - bound


def test_a_flood_of_new_addresses_is_bounded_and_counted(templates: dict[str, str]) -> None:
    """Issue 13, defect 6: valid frames with ever new addresses (within EXPIRE_S, so expiry alone
    would keep them all) are held to max_aircraft; the least recently heard go first."""
    dec = ModesDecoder(receiver=CDG, max_aircraft=1000)
    t = 1.7e9
    real = readdress(templates["ident"], 0x3C6444)
    for batch in range(30):
        flood = [readdress(templates["ident"], 0x100000 + batch * 1000 + k) for k in range(1000)]
        dec.decode(t + np.arange(1001) * 1e-3, [*flood, real])  # the real aircraft heard last
        t += 1.0
        assert len(dec.registry) <= 1000 + 1001
    assert len(dec.registry) <= 1000 and 0x3C6444 in dec.registry
    assert dec.notes["evicted"] == 30 * 1000 + 1 - len(dec.registry)  # every address heard, less those kept
