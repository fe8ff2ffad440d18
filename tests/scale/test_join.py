"""The join of chunk pictures on synthetic tracks: a track split at a boundary keeps one id, by
identity or, without one, by position and velocity; a different identity or velocity is not
matched; each row has one owner."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pyarrow as pa

from airpicture.scale.chunks import plan_chunks
from airpicture.scale.join import SCHEMA, JoinGates, join, write_tracks_csv

GATES = JoinGates(gate_m=1000.0, speed_mps=30.0, ident_gate_m=5000.0, reach_mps=300.0)
M_PER_DEG = 6_371_000.0 * math.pi / 180


def rows(track: int, t: np.ndarray, east_m: np.ndarray, north_m: np.ndarray, ident: str = "") -> dict:
    lat = 48.0 + north_m / M_PER_DEG
    lon = 2.0 + east_m / (M_PER_DEG * math.cos(math.radians(48.0)))
    n = len(t)
    return {
        "time_s": t,
        "track": np.full(n, track),
        "lat": lat,
        "lon": lon,
        "alt_m": np.full(n, 1000.0),
        "class": ["aircraft"] * n,
        "class_p": np.full(n, 0.9),
        "identity": [ident] * n,
        "integrity": ["ok"] * n,
        "integrity_reason": [""] * n,
        "integrity_log10_lr": [None] * n,
    }


def table(*parts: dict) -> pa.Table:
    cols = {k: np.concatenate([np.asarray(p[k], dtype=object) for p in parts]) for k in SCHEMA.names}
    return pa.table({k: pa.array(cols[k].tolist(), type=SCHEMA.field(k).type) for k in SCHEMA.names})


def straight(t: np.ndarray, x0: float, vx: float, y0: float = 0.0, vy: float = 0.0):
    return x0 + vx * (t - t[0]), y0 + vy * (t - t[0])


def test_a_track_split_at_a_boundary_keeps_one_id_and_no_row_is_doubled(tmp_path: Path) -> None:
    chunks = plan_chunks(0.0, 200.0, 100.0, 40.0)  # chunk 1 is tracked from 60 s, owns [100, 200)
    t0, t1 = np.arange(0.0, 100.0, 4.0), np.arange(64.0, 200.0, 4.0)  # chunk 1 confirms at 64 s
    # A: cooperative, identity in both chunks (a little noise between the two trackers' estimates)
    a0 = rows(7, t0, *straight(t0, 0.0, 200.0), ident="3c6444")
    xa, ya = straight(t1, 200.0 * 64, 200.0)
    a1 = rows(3, t1, xa + 30.0, ya - 20.0, ident="3c6444")
    # B: primary only (no identity), flying north: matched by position and velocity
    b0 = rows(8, t0, *straight(t0, 20_000.0, 0.0, 0.0, 150.0))
    b1 = rows(1, t1, *straight(t1, 20_000.0, 0.0, 150.0 * 64, 150.0))
    # C: new in chunk 1's core
    tc = np.arange(120.0, 200.0, 4.0)
    c1 = rows(2, tc, *straight(tc, -30_000.0, 50.0))
    parts = [table(a0, b0), table(a1, b1, c1)]

    joined, stats = join(parts, chunks, GATES)
    out = pa.concat_tables(joined)
    track = np.array(out.column("track").to_pylist())
    t = np.array(out.column("time_s").to_pylist())
    ident = np.array(out.column("identity").to_pylist())
    east = np.array(out.column("lon").to_pylist())
    assert len(set(track[ident == "3c6444"].tolist())) == 1  # A: one id over the boundary
    b_rows = (ident == "") & (east > 2.2) & (east < 2.4)
    assert len(set(track[b_rows].tolist())) == 1  # B: one id, by kinematics
    assert len(set(track.tolist())) == 3  # A, B, C
    assert (stats.by_identity, stats.by_kinematics) == (1, 1)
    # one owner per row: chunk 0's rows before 100 s, chunk 1's from 100 s, none twice
    keys = list(zip(t.tolist(), track.tolist(), strict=True))
    assert len(keys) == len(set(keys))
    assert out.num_rows == 2 * len(t0) + 2 * int((t1 >= 100).sum()) + len(tc)
    assert t.min() < 100 <= t.max()

    # the joined picture as tracks.csv reads back through the product's scorer reader
    path = tmp_path / "tracks.csv"
    assert write_tracks_csv(joined, path) == out.num_rows
    with path.open() as f:
        back = list(csv.DictReader(f))
    assert list(back[0]) == list(SCHEMA.names) and len(back) == out.num_rows
    assert {r["identity"] for r in back} == {"3c6444", ""}


def test_identity_or_velocity_that_disagree_start_a_new_id() -> None:
    chunks = plan_chunks(0.0, 200.0, 100.0, 40.0)
    t0, t1 = np.arange(0.0, 100.0, 4.0), np.arange(64.0, 200.0, 4.0)
    a0 = rows(1, t0, *straight(t0, 0.0, 200.0), ident="3c6444")
    a1 = rows(1, t1, *straight(t1, 200.0 * 64, 200.0), ident="4ca7b2")  # same place, another aircraft
    b0 = rows(2, t0, *straight(t0, 20_000.0, 0.0, 0.0, 150.0))
    # within the position gate over the overlap (they cross at 80 s), but 40 m/s slower
    b1 = rows(2, t1, *straight(t1, 20_000.0, 0.0, 150.0 * 80 - 110.0 * 16, 110.0))
    joined, stats = join([table(a0, b0), table(a1, b1)], chunks, GATES)
    out = pa.concat_tables(joined)
    assert len(set(out.column("track").to_pylist())) == 4
    assert stats.by_identity == stats.by_kinematics == 0
