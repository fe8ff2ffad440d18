"""History store: every published picture, alert and source-stats snapshot, for the console and replay.

Embedded by default (one SQLite file in WAL mode, no server); PostgreSQL when given a URL.

    store = open_store("run/history.db")            # or "postgresql://user:pw@host/db"
    writer = StoreWriter(store, keep_s=24 * 3600)    # tracker side: never blocks on the disk
    writer.submit_picture(picture)                   # airpicture.types.Picture
    writer.submit_alerts(alerts)                     # list[airpicture.types.Alert]
    writer.submit_stats(time_s, stats)               # list[airpicture.types.SourceStats]
    writer.close(); store.close()

StoreWriter(store, max_pictures=64, max_events=4096, max_batch=32, on_commit=None, keep_s=None,
prune_every_s=600): submit_* never block; full queues drop the oldest (pictures and alerts/stats
separately) and count it in `writer.counters` (WriterCounters: written_pictures, written_alerts,
commits, dropped_pictures, dropped_events, failed_batches, pruned_rows, last_error); flush(timeout_s)
-> bool; close(timeout_s, close_store=False); `pending`.

HistoryStore (both backends), all times UTC epoch seconds, ranges inclusive, None = open end:
    write(pictures=(), alerts=(), stats=((t, [SourceStats]),))   one transaction for all of it
    write_picture(p) / write_pictures(ps) / write_alerts(alerts) / write_stats(t, stats)
    picture_at(t=None) -> Picture | None       last picture at or before t (None: the latest);
                                                P holds variances + east-north covariance only
    picture_times(t0=None, t1=None) -> (N,) float64     times of stored pictures, ascending
    time_range() -> (first, last) | None
    track_history(track, t0=None, t1=None) -> TrackRows  one track's rows in time order
    tracks_between(t0=None, t1=None) -> TrackRows         rows ordered by (time_s, track)
    iter_tracks(t0=None, t1=None, pictures=200) -> Iterator[TrackRows]
    alerts(since=None, until=None, limit=1000, latest_only=False) -> list[StoredAlert]  newest first
    acknowledge(alert_id, by, time_s) -> bool   False when the alert id is unknown; first ack stands
    stats(since=None, until=None) -> list[(time_s, SourceStats)];  latest_stats(at=None) -> list
    prune(older_than_s) -> {table: rows deleted}
    export(out_dir, fmt="parquet"|"csv", t0=None, t1=None) -> [tracks, alerts, stats file paths]
    counts() -> {table: rows};  close()  (also a context manager)

TrackRows: `.columns` dict of arrays named as schema.TRACK_COLUMNS (time_s track lat lon alt_m
e n u ve vn vu var_* cov_en cls cls_p ident identity sensors integrity mode_c last_update_s),
`rows["lat"]`, `len(rows)`, `.to_records()` (JSON-ready dicts). alt_m is the published height
(NaN: never measured or stale); var_u is its variance either way. StoredAlert: id, alert (Alert),
acknowledged, ack_time_s, ack_by.

Errors: a database that cannot be opened, read or written raises airpicture.errors.SinkError;
StoreWriter catches those in its thread, counts them (`counters.failed_batches`) and goes on.
"""

from __future__ import annotations

from pathlib import Path

from airpicture.sinks.store.base import HistoryStore, StoredAlert
from airpicture.sinks.store.schema import TRACK_COLUMNS, TrackRows
from airpicture.sinks.store.writer import StoreWriter, WriterCounters


def open_store(target: str | Path, synchronous: str = "normal") -> HistoryStore:
    """A store at a file path (SQLite; "sqlite://PATH" also works) or a postgresql:// / postgres:// URL.

    synchronous ("normal" or "full") applies to SQLite; see sqlite.py for what each survives.
    """
    s = str(target)
    if s.startswith(("postgresql://", "postgres://")):
        from airpicture.sinks.store.postgres import PostgresStore

        return PostgresStore(s)
    from airpicture.sinks.store.sqlite import SqliteStore

    return SqliteStore(s.removeprefix("sqlite://"), synchronous=synchronous)


__all__ = [
    "TRACK_COLUMNS",
    "HistoryStore",
    "StoreWriter",
    "StoredAlert",
    "TrackRows",
    "WriterCounters",
    "open_store",
]
