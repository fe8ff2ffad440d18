"""`airpicture history`: look into, export and prune a history store (SQLite file or postgresql:// URL).

    airpicture history info STORE
    airpicture history export STORE --format parquet|csv --out DIR [--since T] [--until T]
    airpicture history prune STORE --keep-hours H

T is UTC epoch seconds or ISO 8601 (2026-11-23T03:00:00Z). prune measures age from the newest
picture in the store (not the wall clock), so pruning a replayed store keeps its last H hours.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime
from pathlib import Path


def parse_time(text: str) -> float:
    """Epoch seconds or an ISO 8601 time (UTC when it names no zone)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not epoch seconds nor ISO 8601: {text!r}") from e
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def existing_store(target: str) -> None:
    """Refuse a store that is not there before opening it: opening creates a missing or empty
    SQLite file, and a command that only reads must leave the disk as it found it."""
    from airpicture.errors import ConfigError

    if "://" in target and not target.startswith("sqlite://"):
        return  # a server (PostgreSQL): it says itself what is missing
    path = Path(target.removeprefix("sqlite://"))
    if not path.is_file():
        raise ConfigError(f"no history store at {path}")
    with path.open("rb") as f:
        head = f.read(16)
    if not head:
        raise ConfigError(f"{path} is an empty file, not a history store")
    if head != b"SQLite format 3\x00":
        raise ConfigError(f"{path} is not a history store (not an SQLite file)")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = sub.add_parser("info", help="time range and row counts")
    info.add_argument("store", help="SQLite file or postgresql:// URL")
    ex = sub.add_parser("export", help="write tracks, alerts and stats to Parquet or CSV files")
    ex.add_argument("store", help="SQLite file or postgresql:// URL")
    ex.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    ex.add_argument("--out", required=True, help="output folder (created if missing)")
    ex.add_argument("--since", type=parse_time, help="first time to export (epoch s or ISO 8601)")
    ex.add_argument("--until", type=parse_time, help="last time to export (epoch s or ISO 8601)")
    pr = sub.add_parser("prune", help="delete records older than H hours before the newest picture")
    pr.add_argument("store", help="SQLite file or postgresql:// URL")
    pr.add_argument("--keep-hours", type=float, required=True, help="hours of history to keep")


def run(args: argparse.Namespace) -> int:
    from airpicture.errors import ConfigError
    from airpicture.sinks.store import open_store

    if args.action == "prune" and not (math.isfinite(args.keep_hours) and args.keep_hours >= 0):
        raise ConfigError(f"--keep-hours must be a number >= 0, not {args.keep_hours}")
    existing_store(args.store)
    with open_store(args.store) as store:
        span = store.time_range()
        if args.action == "info":
            where = f"{_iso(span[0])} .. {_iso(span[1])}" if span else "no pictures"
            print(f"{store.url}: {where}")
            for table, n in store.counts().items():
                print(f"  {table}: {n}")
        elif args.action == "export":
            for path in store.export(args.out, args.format, args.since, args.until):
                print(path)
        else:
            if span is None:
                print(f"{store.url}: empty, nothing to prune")
                return 0
            cutoff = span[1] - args.keep_hours * 3600.0
            deleted = store.prune(cutoff)
            parts = ", ".join(f"{t}={n}" for t, n in deleted.items())
            print(f"pruned records before {_iso(cutoff)}: {parts}")
    return 0
