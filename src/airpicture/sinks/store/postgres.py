"""The server option: the same store in PostgreSQL (psycopg 3), for sites that keep a database.

`dsn` is a libpq URL or keyword string (postgresql://user:pass@host/db). To keep several stores in
one database, put each in its own schema with `?options=-csearch_path%3Dmy_schema` (the schema must
exist). Rows go in with binary COPY (one stream per table per picture); reads use a second connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from airpicture.sinks.store.base import HistoryStore
from airpicture.sinks.store.schema import ddl, upgrades

_TYPES = {"f": "DOUBLE PRECISION", "i": "BIGINT", "s": "TEXT", "b": "BOOLEAN", "clustered": ""}
_COPY_TYPES = {"f": "float8", "i": "int8", "s": "text", "b": "bool"}


def _sql(sql: str) -> str:
    # The portable SQL in base.py uses '?'; psycopg wants '%s' (no '?' or '%' appears otherwise).
    return sql.replace("?", "%s")


class PostgresStore(HistoryStore):
    """History in a PostgreSQL database reached through `dsn`."""

    _driver_errors = (psycopg.Error,)

    def __init__(self, dsn: str, connect_timeout_s: int = 10) -> None:
        self.url = _redact(dsn)
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        with self._guard("open"):
            self._w = psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout_s)
        try:
            with self._guard("open"):
                self._r = psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout_s)
                self._create_tables()
        except BaseException:
            for conn in (self._w, getattr(self, "_r", None)):
                if conn is not None:
                    conn.close()
            raise

    def _create_tables(self) -> None:
        with self._transaction():
            # Two processes creating the same tables at once would race; serialise them.
            self._w.execute("SELECT pg_advisory_xact_lock(4242001)")
            for stmt in ddl(_TYPES, "BIGSERIAL PRIMARY KEY"):
                self._w.execute(stmt)
            found = self._w.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            for stmt in upgrades(int(found[0]) if found else None, _TYPES):
                self._w.execute(stmt)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._wlock, self._w.transaction():
            yield

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._w.execute(_sql(sql), params).rowcount

    def _insert(self, table: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
        # Binary COPY with declared types: ~3x faster than text COPY, ~8x faster than INSERT ... unnest.
        names = ", ".join(c for c, _ in columns)
        with self._w.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_COPY_TYPES[k] for _, k in columns])
            for row in rows:
                copy.write_row(row)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._rlock:
            return self._r.execute(_sql(sql), params).fetchall()

    def _compact(self) -> None:
        # VACUUM cannot run in a transaction; autocommit makes this its own statement.
        with self._wlock:
            for table in ("tracks", "pictures", "alerts", "source_stats"):
                self._w.execute(f"VACUUM {table}")

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._r.close()
            self._w.close()


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    info.pop("password", None)
    return "postgresql://{}@{}:{}/{}".format(
        info.get("user", ""), info.get("host", ""), info.get("port", ""), info.get("dbname", "")
    )
