"""A live feed for many simulated hours over a changing population: everything the tracker and the
integrity stage keep per identity or per track expires, so their size and the process's memory
stay flat."""

from __future__ import annotations

import tracemalloc

import numpy as np
import trackkit as tk

from airpicture.integrity import TrackIntegrity
from airpicture.track import FeedWindows, ImmGnnTracker
from airpicture.types import REPORT_DTYPE

#: Aircraft in the air at once, each heard for DWELL_S, a new one every DWELL_S / AIRBORNE s.
AIRBORNE = 40
DWELL_S = 300.0
HOURS = 6
STEP_S = 4.0  # one feed batch (every aircraft reports once) every STEP_S of feed time


def _batch(t: float, rng: np.random.Generator) -> tuple[np.ndarray, dict[int, str]]:
    """One report of every aircraft airborne at t: aircraft k starts at k * DWELL_S / AIRBORNE,
    flies a straight line for DWELL_S, and never comes back (a fresh address every time)."""
    gap = DWELL_S / AIRBORNE
    first = int(np.floor((t - tk.T0 - DWELL_S) / gap)) + 1
    ks = np.arange(max(first, 0), int(np.floor((t - tk.T0) / gap)) + 1)
    out = np.zeros(len(ks), REPORT_DTYPE)
    ang = ks * 2.399963  # golden angle: every aircraft on its own heading
    age = t - (tk.T0 + ks * gap)
    e = -40_000.0 * np.sin(ang) + 200.0 * age * np.sin(ang)
    n = -40_000.0 * np.cos(ang) + 200.0 * age * np.cos(ang)
    lat, lon, _ = tk.FRAME.to_geodetic(np.column_stack([e, n, np.full(len(ks), 5000.0)]))
    out["time_s"], out["sensor"], out["ident"] = t + rng.uniform(0, 0.5, len(ks)), 1, 0x100000 + ks
    out["lat"], out["lon"], out["altitude_m"] = lat, lon, 5000.0
    out["speed_mps"], out["track_rad"], out["vrate_mps"] = 200.0, np.mod(ang, 2 * np.pi), 0.0
    return out[np.argsort(out["time_s"])], {int(0x100000 + k): f"FLT{k:05d}" for k in ks}


def test_hours_of_a_changing_population_keep_state_and_memory_flat() -> None:
    rng = np.random.default_rng(5)
    sensors = tk.SENSORS  # a radar that never sees them: the integrity stage flags them all
    trk = ImmGnnTracker(sensors, tk.SITE)
    integrity = TrackIntegrity(sensors, tk.SITE)
    windows = FeedWindows(1.0)
    sizes: list[tuple[int, int, int, int]] = []
    mem: list[int] = []
    tracemalloc.start()
    try:
        for step in range(int(HOURS * 3600 / STEP_S)):
            t = tk.T0 + step * STEP_S
            reports, names = _batch(t, rng)
            window = windows.add(reports, names, {})
            if window is None:
                continue
            pic = integrity.judge(trk.step(window))
            assert len(pic.names) <= len(pic)  # a picture carries its own tracks' names only
            if step % int(1800 / STEP_S) == 0:  # every half hour
                held = (len(trk.table), len(trk.identities), len(integrity.ids), len(integrity.spoofed))
                sizes.append(held)
                mem.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    heard = int(HOURS * 3600 / (DWELL_S / AIRBORNE))
    assert trk.stats.started >= 0.9 * heard  # thousands of identities came and went
    airborne = AIRBORNE + 1
    # tracks: the airborne ones plus those coasting to deletion (60 s at most)
    assert max(s[0] for s in sizes) <= airborne * (1 + 60.0 / DWELL_S) + 5
    # identities: heard within the last 10 minutes (expiry) plus one sweep (60 s)
    assert max(s[1] for s in sizes) <= airborne * (1 + (600.0 + 60.0) / DWELL_S) + 5
    # the integrity stage's memory: tracks in a picture within its forget time
    assert max(s[2] for s in sizes) <= airborne * (1 + 300.0 / DWELL_S) + 5
    # identities found spoofed: remembered for an hour (SPOOF_MEMORY_S)
    assert max(s[3] for s in sizes) <= airborne * (1 + 3600.0 / DWELL_S) + 5
    assert max(s[3] for s in sizes) > 0  # the check did find them (or this bound proves nothing)
    # memory after the first hour does not grow with the hours (10 % slack for allocator noise)
    settled = mem[2:]
    assert max(settled) <= 1.10 * settled[0] + 2e6, [m // 1000 for m in mem]
