"""Export a store's tracks, alerts and stats to Parquet or CSV (pyarrow), chunk by chunk.

Files: tracks.<ext> (TRACK_COLUMNS plus `class`, the class name), alerts.<ext> (ALERT_COLUMNS plus
the acknowledgement), stats.<ext> (STATS_COLUMNS). Tracks are read and written a few hundred
pictures at a time, so exporting a long store needs little memory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airpicture.errors import ConfigError, SinkError
from airpicture.sinks.store.schema import STATS_COLUMNS, STATS_NAMES, TRACK_COLUMNS, TrackRows
from airpicture.types import ALERT_FIELDS, ObjectClass

if TYPE_CHECKING:
    from airpicture.sinks.store.base import HistoryStore

FORMATS = ("parquet", "csv")
_ARROW = {"f": "float64", "i": "int64", "s": "string", "b": "bool"}


def export_store(
    store: HistoryStore, out_dir: Path, fmt: str, t0: float | None, t1: float | None
) -> list[Path]:
    if fmt not in FORMATS:
        raise ConfigError(f"export format must be one of {FORMATS}, not {fmt!r}")
    try:
        import pyarrow as pa
    except ImportError as e:
        raise ConfigError("export needs pyarrow: pip install pyarrow") from e
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True)
        except OSError as e:
            raise SinkError(f"cannot create export folder {out_dir}: {e}") from e

    track_schema = pa.schema(
        [(name, _ARROW[kind]) for name, kind in TRACK_COLUMNS] + [("class", pa.string())]
    )

    def track_table(rows: TrackRows) -> Any:
        cols = [pa.array(rows[name], type=_ARROW[kind]) for name, kind in TRACK_COLUMNS]
        classes = ObjectClass.labels(rows["cls"], default="unknown")
        return pa.Table.from_arrays([*cols, pa.array(classes, type=pa.string())], schema=track_schema)

    files = [out_dir / f"{name}.{fmt}" for name in ("tracks", "alerts", "stats")]
    try:
        with _Writer(files[0], fmt, track_schema) as w:
            for chunk in store.iter_tracks(t0, t1):
                w.write(track_table(chunk))
        alerts = store.alerts(t0, t1, limit=None)[::-1]
        records = [a.alert.to_record() for a in alerts]
        alert_cols: dict[str, list[Any]] = {
            "id": [a.id for a in alerts],
            **{k: [r[k] for r in records] for k in _ALERT_FIELDS},
            "acknowledged": [a.acknowledged for a in alerts],
            "ack_time_s": [a.ack_time_s for a in alerts],
            "ack_by": [a.ack_by for a in alerts],
        }
        alert_cols["evidence"] = [_json(r["evidence"]) for r in records]
        _write_one(files[1], fmt, pa.table(alert_cols, schema=_alert_schema(pa)))
        snaps = store.stats(t0, t1)
        stat_cols = {
            "time_s": [t for t, _ in snaps],
            **{k: [getattr(s, k) for _, s in snaps] for k in STATS_NAMES[1:-1]},
            "rejects": [_json(dict(s.rejects.counts) if s.rejects else {}) for _, s in snaps],
        }
        _write_one(files[2], fmt, pa.table(stat_cols, schema=_stats_schema(pa)))
    except (OSError, pa.ArrowException) as e:
        raise SinkError(f"export to {out_dir} failed: {e}") from e
    return files


#: the alert record's fields but evidence, which goes last as JSON
_ALERT_FIELDS = tuple(k for k in ALERT_FIELDS if k != "evidence")


def _alert_schema(pa: Any) -> Any:
    types = {"time_s": "float64", "track": "int64", "lat": "float64", "lon": "float64", "alt_m": "float64"}
    return pa.schema(
        [("id", "int64")]
        + [(k, types.get(k, "string")) for k in _ALERT_FIELDS]
        + [("acknowledged", "bool"), ("ack_time_s", "float64"), ("ack_by", "string"), ("evidence", "string")]
    )


def _stats_schema(pa: Any) -> Any:
    return pa.schema([(name, _ARROW[kind]) for name, kind in STATS_COLUMNS])


def _json(d: dict[str, Any]) -> str:
    return json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()})


class _Writer:
    """One output file written table by table (ParquetWriter / CSVWriter)."""

    def __init__(self, path: Path, fmt: str, schema: Any) -> None:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._w: Any = pq.ParquetWriter(path, schema, compression="zstd")
        else:
            import pyarrow.csv as pcsv

            self._w = pcsv.CSVWriter(path, schema)

    def write(self, table: Any) -> None:
        self._w.write_table(table)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._w.close()


def _write_one(path: Path, fmt: str, table: Any) -> None:
    with _Writer(path, fmt, table.schema) as w:
        w.write(table)
