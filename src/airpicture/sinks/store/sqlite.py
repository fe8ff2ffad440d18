"""The embedded default: one SQLite file in WAL mode (stdlib sqlite3, no server).

Durability: WAL with synchronous=NORMAL keeps every committed transaction across a killed
process (the WAL is in the OS's page cache); only a power cut or OS crash can lose the last
commits. synchronous="full" also survives those, at an fsync per commit.
Two connections: the writer's, and a query-only one for reads, so a reader never blocks the
writer and sees only committed pictures.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from airpicture.errors import SinkError
from airpicture.sinks.store.base import HistoryStore
from airpicture.sinks.store.schema import ddl, upgrades

_TYPES = {"f": "REAL", "i": "INTEGER", "s": "TEXT", "b": "INTEGER", "clustered": " WITHOUT ROWID"}
_SYNCHRONOUS = ("off", "normal", "full", "extra")


class SqliteStore(HistoryStore):
    """History in one SQLite file. `path` is created if missing (its folder must exist)."""

    _driver_errors = (sqlite3.Error,)

    def __init__(self, path: str | Path, synchronous: str = "normal", timeout_s: float = 30.0) -> None:
        if synchronous not in _SYNCHRONOUS:
            raise SinkError(f"synchronous must be one of {_SYNCHRONOUS}, not {synchronous!r}")
        self.path = Path(path)
        self.url = str(self.path)
        if not self.path.parent.is_dir():
            raise SinkError(f"history store {self.path}: folder {self.path.parent} does not exist")
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        with self._guard("open"):
            self._w = self._connect(timeout_s)
            self._r = self._connect(timeout_s)
        try:
            with self._guard("open"):
                self._setup(synchronous)
        except BaseException:
            self._r.close()
            self._w.close()
            raise

    def _setup(self, synchronous: str) -> None:
        w = self._w
        # auto_vacuum only takes effect on a new file, before the first table.
        w.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = w.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise SinkError(f"history store {self.path}: cannot use WAL (journal_mode={mode})")
        w.execute(f"PRAGMA synchronous = {synchronous}")
        with self._transaction():
            for stmt in ddl(_TYPES, "INTEGER PRIMARY KEY"):
                w.execute(stmt)
            found = w.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            for stmt in upgrades(int(found[0]) if found else None, _TYPES):
                w.execute(stmt)
        self._r.execute("PRAGMA query_only = ON")

    def _connect(self, timeout_s: float) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves; the locks make cross-thread use safe.
        return sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._wlock:
            self._w.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._w.execute("ROLLBACK")
                raise
            self._w.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._w.execute(sql, params).rowcount

    def _insert(self, table: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(columns))
        names = ", ".join(c for c, _ in columns)
        self._w.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._rlock:
            return self._r.execute(sql, params).fetchall()

    def _compact(self) -> None:
        with self._wlock:
            self._w.execute("PRAGMA incremental_vacuum")
            self._w.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> str:
        """SQLite's own consistency check: 'ok' when the file is sound."""
        with self._guard("integrity check"), self._rlock:
            return "; ".join(r[0] for r in self._r.execute("PRAGMA integrity_check").fetchall())

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._r.close()
            self._w.close()
