"""`HistoryStore`: the store's API, written once in portable SQL over four backend primitives.

A backend (sqlite.py, postgres.py) supplies a write transaction, statement execution and bulk
insert inside it, and a query on a separate read connection, so console reads never wait for the
tracker's writes (SQLite WAL / PostgreSQL MVCC). SQL here uses `?` placeholders; a backend that
wants another style rewrites them in `_sql`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.errors import SinkError
from airpicture.sinks.store.schema import (
    ALERT_COLUMNS,
    ALERT_NAMES,
    PICTURE_COLUMNS,
    STATS_COLUMNS,
    STATS_NAMES,
    TRACK_COLUMNS,
    TRACK_NAMES,
    TrackRows,
    alert_row,
    picture_rows,
    row_alert,
    row_stats,
    rows_to_picture,
    stats_row,
)
from airpicture.types import Alert, FloatArray, Picture, SourceStats

_TRACK_SELECT = ", ".join(TRACK_NAMES)
_INF = math.inf


@dataclass
class StoredAlert:
    """An alert record as stored: its row id, the Alert, and whether an operator acknowledged it.

    Acknowledgement belongs to the alert id (all its raised/updated/cleared rows share it).
    """

    id: int
    alert: Alert
    acknowledged: bool = False
    ack_time_s: float = math.nan
    ack_by: str = ""


def _lo(t: float | None) -> float:
    return -_INF if t is None else float(t)


def _hi(t: float | None) -> float:
    return _INF if t is None else float(t)


class HistoryStore(ABC):
    """Tracks, alerts and source stats over time; see the package docstring for the API."""

    url: str
    #: exceptions of the driver, turned into SinkError at this API's edge
    _driver_errors: tuple[type[Exception], ...] = ()

    # ---- backend primitives -------------------------------------------------------------------
    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]:
        """Hold the write lock and one write transaction (commit on success, roll back on error)."""

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement inside `_transaction`; return the number of rows it touched."""

    @abstractmethod
    def _insert(self, table: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
        """Insert many rows inside `_transaction`; columns are (name, kind) as in schema.py."""

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a SELECT on the read connection."""

    @abstractmethod
    def _compact(self) -> None:
        """Give space back after a prune."""

    @abstractmethod
    def close(self) -> None:
        """Close the connections; the store cannot be used afterwards."""

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._driver_errors as e:
            raise SinkError(f"history store {self.url}: {what} failed: {e}") from e

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writes -------------------------------------------------------------------------------
    def write(
        self,
        pictures: Iterable[Picture] = (),
        alerts: Iterable[Alert] = (),
        stats: Iterable[tuple[float, Sequence[SourceStats]]] = (),
    ) -> None:
        """Write pictures, alerts and stats snapshots in ONE transaction (all or nothing).

        A picture written again at the same time replaces the earlier one.
        """
        with self._guard("write"), self._transaction():
            for p in pictures:
                t = float(p.time_s)
                if not math.isfinite(t):
                    raise SinkError(f"history store {self.url}: picture time {t} is not finite")
                self._execute("DELETE FROM tracks WHERE time_s = ?", (t,))
                self._execute("DELETE FROM pictures WHERE time_s = ?", (t,))
                self._insert("pictures", PICTURE_COLUMNS, [(t, len(p))])
                if len(p):
                    self._insert("tracks", TRACK_COLUMNS, picture_rows(p))
            rows = [alert_row(a) for a in alerts]
            if rows:
                self._insert("alerts", ALERT_COLUMNS, rows)
            srows = [stats_row(t, s) for t, snapshot in stats for s in snapshot]
            if srows:
                self._insert("source_stats", STATS_COLUMNS, srows)

    def write_picture(self, picture: Picture) -> None:
        self.write(pictures=(picture,))

    def write_pictures(self, pictures: Iterable[Picture]) -> None:
        self.write(pictures=pictures)

    def write_alerts(self, alerts: Iterable[Alert]) -> None:
        self.write(alerts=alerts)

    def write_stats(self, time_s: float, stats: Sequence[SourceStats]) -> None:
        self.write(stats=((time_s, stats),))

    def acknowledge(self, alert: str, by: str, time_s: float) -> bool:
        """Mark alert id `alert` acknowledged by `by` at `time_s`.

        Returns False when no such alert is stored. The first acknowledgement stands.
        """
        with self._guard("acknowledge"):
            if not self._query("SELECT 1 FROM alerts WHERE alert = ? LIMIT 1", (alert,)):
                return False
            with self._transaction():
                self._execute(
                    "INSERT INTO alert_acks (alert, time_s, ack_by) VALUES (?, ?, ?) "
                    "ON CONFLICT (alert) DO NOTHING",
                    (alert, float(time_s), by),
                )
        return True

    def prune(self, older_than_s: float) -> dict[str, int]:
        """Delete everything stamped before `older_than_s` (epoch s); return rows deleted per table.
        An alert goes whole, once its last step is older: an alert still going keeps the step that
        raised it (issue 13: pruning by step left alerts whose "raised" step was gone)."""
        t = float(older_than_s)
        deleted: dict[str, int] = {}
        with self._guard("prune"):
            with self._transaction():
                for table in ("tracks", "pictures", "alerts", "source_stats"):
                    where = (
                        "alert IN (SELECT alert FROM alerts GROUP BY alert HAVING max(time_s) < ?)"
                        if table == "alerts"
                        else "time_s < ?"
                    )
                    deleted[table] = self._execute(f"DELETE FROM {table} WHERE {where}", (t,))
                deleted["alert_acks"] = self._execute(
                    "DELETE FROM alert_acks WHERE alert NOT IN (SELECT alert FROM alerts)"
                )
            self._compact()
        return deleted

    # ---- reads --------------------------------------------------------------------------------
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._guard("read"):
            return self._query(sql, params)

    def time_range(self) -> tuple[float, float] | None:
        """(first, last) picture time in the store, or None when it holds no picture."""
        (lo, hi), *_ = self._read("SELECT min(time_s), max(time_s) FROM pictures")
        return None if lo is None else (float(lo), float(hi))

    def picture_times(self, t0: float | None = None, t1: float | None = None) -> FloatArray:
        """Times of the stored pictures in [t0, t1], ascending (for a replay's timeline)."""
        rows = self._read(
            "SELECT time_s FROM pictures WHERE time_s >= ? AND time_s <= ? ORDER BY time_s",
            (_lo(t0), _hi(t1)),
        )
        return np.array([r[0] for r in rows], dtype=np.float64)

    def picture_at(self, t: float | None = None) -> Picture | None:
        """The last picture published at or before `t` (the latest one when t is None), or None."""
        # One statement = one snapshot, so a picture being written is never seen in part; the
        # LEFT JOIN gives an empty picture one row of NULL track columns.
        cols = ", ".join(f"k.{c}" for c in TRACK_NAMES)
        rows = self._read(
            f"SELECT p.time_s, {cols} FROM pictures p LEFT JOIN tracks k ON k.time_s = p.time_s "
            "WHERE p.time_s = (SELECT max(time_s) FROM pictures WHERE time_s <= ?) ORDER BY k.track",
            (_hi(t),),
        )
        if not rows:
            return None
        tracks = [r[1:] for r in rows if r[2] is not None]
        return rows_to_picture(rows[0][0], TrackRows.from_rows(tracks))

    def track_history(self, track: int, t0: float | None = None, t1: float | None = None) -> TrackRows:
        """Every stored row of one track in [t0, t1], in time order."""
        rows = self._read(
            f"SELECT {_TRACK_SELECT} FROM tracks "
            "WHERE track = ? AND time_s >= ? AND time_s <= ? ORDER BY time_s",
            (int(track), _lo(t0), _hi(t1)),
        )
        return TrackRows.from_rows(rows)

    def tracks_between(self, t0: float | None = None, t1: float | None = None) -> TrackRows:
        """All track rows with t0 <= time_s <= t1, ordered by time then track."""
        rows = self._read(
            f"SELECT {_TRACK_SELECT} FROM tracks WHERE time_s >= ? AND time_s <= ? ORDER BY time_s, track",
            (_lo(t0), _hi(t1)),
        )
        return TrackRows.from_rows(rows)

    def iter_tracks(
        self, t0: float | None = None, t1: float | None = None, pictures: int = 200
    ) -> Iterator[TrackRows]:
        """tracks_between in chunks of `pictures` pictures, so an export never holds a whole store."""
        times = self.picture_times(t0, t1)
        for i in range(0, len(times), pictures):
            chunk = times[i : i + pictures]
            rows = self.tracks_between(float(chunk[0]), float(chunk[-1]))
            if len(rows):
                yield rows

    def alerts(
        self,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = 1000,
        latest_only: bool = False,
    ) -> list[StoredAlert]:
        """Alert records in [since, until], newest first; latest_only keeps each alert id's last step."""
        cols = ", ".join(f"a.{c}" for c in ALERT_NAMES)
        sql = (
            f"SELECT a.id, {cols}, k.time_s, k.ack_by "
            "FROM alerts a LEFT JOIN alert_acks k ON k.alert = a.alert "
            "WHERE a.time_s >= ? AND a.time_s <= ?"
        )
        if latest_only:
            sql += " AND a.id = (SELECT max(b.id) FROM alerts b WHERE b.alert = a.alert)"
        sql += " ORDER BY a.time_s DESC, a.id DESC"
        params: list[Any] = [_lo(since), _hi(until)]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        out = []
        for row in self._read(sql, params):
            ack_t, ack_by = row[-2], row[-1]
            out.append(
                StoredAlert(
                    id=int(row[0]),
                    alert=row_alert(row[1:-2]),
                    acknowledged=ack_by is not None,
                    ack_time_s=math.nan if ack_t is None else float(ack_t),
                    ack_by=ack_by or "",
                )
            )
        return out

    def stats(
        self, since: float | None = None, until: float | None = None
    ) -> list[tuple[float, SourceStats]]:
        """Source stats snapshots in [since, until] as (time_s, stats), in time order."""
        rows = self._read(
            f"SELECT {', '.join(STATS_NAMES)} FROM source_stats "
            "WHERE time_s >= ? AND time_s <= ? ORDER BY time_s, name",
            (_lo(since), _hi(until)),
        )
        return [row_stats(r) for r in rows]

    def latest_stats(self, at: float | None = None) -> list[SourceStats]:
        """The last stats snapshot at or before `at` (the newest when None), one entry per source."""
        ((found,),) = self._read("SELECT max(time_s) FROM source_stats WHERE time_s <= ?", (_hi(at),))
        return [] if found is None else [s for _, s in self.stats(found, found)]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = ("pictures", "tracks", "alerts", "alert_acks", "source_stats")
        return {t: int(self._read(f"SELECT count(*) FROM {t}")[0][0]) for t in tables}

    def export(
        self, out_dir: str | Path, fmt: str = "parquet", t0: float | None = None, t1: float | None = None
    ) -> list[Path]:
        """Write tracks, alerts and stats in [t0, t1] to out_dir as Parquet or CSV; return the files."""
        from airpicture.sinks.store.export import export_store

        return export_store(self, Path(out_dir), fmt, t0, t1)
