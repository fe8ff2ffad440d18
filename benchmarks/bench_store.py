"""History store throughput: pictures/s and rows/s writing 2,000-track pictures, and read latencies.

    .venv/bin/python benchmarks/bench_store.py [--tracks 2000] [--pictures 150] [--pg DSN]

SQLite always (a file in a temporary folder); PostgreSQL too when --pg or AIRPICTURE_TEST_PG gives a
DSN (it writes into a scratch schema and drops it). Figures are printed, not judged.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from airpicture.sinks.store import HistoryStore, StoreWriter, open_store
from airpicture.types import Picture


def synthetic_pictures(n_tracks: int, n_pictures: int, t0: float = 1.7e9) -> list[Picture]:
    """Pictures of n_tracks tracks moving in straight lines, one per second."""
    rng = np.random.default_rng(0)
    pos = rng.uniform(-50e3, 50e3, (n_tracks, 3)) * [1, 1, 0.05]
    vel = rng.normal(0, 60, (n_tracks, 3)) * [1, 1, 0.02]
    P = np.broadcast_to(np.diag([100.0, 100.0, 400.0, 4.0, 4.0, 1.0]), (n_tracks, 6, 6)).copy()
    ids = np.arange(n_tracks, dtype=np.int64) + 1000
    out = []
    for k in range(n_pictures):
        p = pos + vel * k
        out.append(
            Picture(
                time_s=t0 + k,
                track=ids,
                x=np.hstack([p, vel]),
                P=P,
                lat=48.85 + p[:, 1] / 111_320.0,
                lon=2.35 + p[:, 0] / 73_300.0,
                alt_m=p[:, 2] + 1000.0,
                cls=(ids % 4).astype(np.int8),
                cls_p=np.full(n_tracks, 0.9),
                ident=np.where(ids % 2 == 0, 0x400000 + ids, -1),
                sensors=np.full(n_tracks, 0b101, dtype=np.int64),
                last_update_s=np.full(n_tracks, t0 + k - 0.5),
                integrity=np.zeros(n_tracks, np.int8),
                mode_c=ids % 2 == 0,
            )
        )
    return out


def timed(label: str, rows: int, n_pictures: int, fn: Callable[[], object]) -> None:
    # CPU time of this process (all threads) beside wall time: other jobs on the machine inflate
    # the wall figure, much less the CPU one.
    t, c = time.perf_counter(), time.process_time()
    fn()
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(
        f"  {label:<34} {n_pictures / dt:8.1f} pictures/s {rows / dt:10,.0f} rows/s"
        f"   client CPU {dc / n_pictures * 1e3:6.2f} ms/picture"
    )


def bench(name: str, make: Callable[[], HistoryStore], pictures: list[Picture]) -> None:
    n_rows = sum(len(p) for p in pictures)
    n = len(pictures)
    print(f"{name}: {n} pictures x {len(pictures[0])} tracks")
    half = n // 3
    with make() as store:
        timed(
            "write_picture (1 commit/picture)",
            len(pictures[0]) * half,
            half,
            lambda: [store.write_picture(p) for p in pictures[:half]],
        )
        batch = pictures[half : 2 * half]
        timed(
            "write_pictures (10 per commit)",
            len(pictures[0]) * half,
            half,
            lambda: [store.write_pictures(batch[i : i + 10]) for i in range(0, half, 10)],
        )
        rest = pictures[2 * half :]

        def through_writer() -> None:
            with StoreWriter(store, max_pictures=len(rest)) as w:
                for p in rest:
                    w.submit_picture(p)
                w.flush(600.0)

        timed("StoreWriter (thread, batches)", len(pictures[0]) * len(rest), len(rest), through_writer)
        assert store.counts()["tracks"] == n_rows
        lo, hi = store.time_range() or (0.0, 0.0)
        for label, fn in (
            ("picture_at (seek, 2000 rows)", lambda: store.picture_at((lo + hi) / 2)),
            ("track_history (one track)", lambda: store.track_history(1500)),
            ("tracks_between (10 s)", lambda: store.tracks_between(lo, lo + 9.0)),
        ):
            t = time.perf_counter()
            reps = 20
            for _ in range(reps):
                fn()
            print(f"  {label:<34} {(time.perf_counter() - t) / reps * 1e3:9.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=2000)
    ap.add_argument("--pictures", type=int, default=150)
    ap.add_argument("--pg", default=os.environ.get("AIRPICTURE_TEST_PG"), help="PostgreSQL DSN (optional)")
    args = ap.parse_args()
    pictures = synthetic_pictures(args.tracks, args.pictures)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.db"
        bench("SQLite (WAL, synchronous=normal)", lambda: open_store(path), pictures)
        print(f"  file size {path.stat().st_size / len(pictures) / args.tracks:.0f} bytes/row")
    if not args.pg:
        print("PostgreSQL: skipped (no --pg / AIRPICTURE_TEST_PG)")
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in args.pg else "?"
        bench(
            "PostgreSQL (COPY)",
            lambda: open_store(f"{args.pg}{sep}options=-csearch_path%3D{schema}"),
            pictures,
        )
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
