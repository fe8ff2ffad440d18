"""Table layout of the history store, and the Picture ↔ column-array conversions.

One column spec drives everything: the DDL of each backend, the INSERT column list, the SELECT list
and the dtype each column is read back into. Kinds: "f" float64, "i" int64, "s" text, "b" bool.

A track row keeps the state x [e n u ve vn vu], the six variances of P and the east-north position
covariance (enough for a position ellipse and speed uncertainty); the other off-diagonal terms of P
are not kept, so `rows_to_picture` returns a P that holds only those seven terms.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.types import Alert, Picture, Rejects, SourceStats, ident_name

#: pictures: one row per published picture (an empty sky is a picture with n_tracks = 0).
PICTURE_COLUMNS: tuple[tuple[str, str], ...] = (("time_s", "f"), ("n_tracks", "i"))

#: (column, kind) of the tracks table: one row per track per published picture.
TRACK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_s", "f"),
    ("track", "i"),
    ("lat", "f"),
    ("lon", "f"),
    ("alt_m", "f"),
    ("e", "f"),
    ("n", "f"),
    ("u", "f"),
    ("ve", "f"),
    ("vn", "f"),
    ("vu", "f"),
    ("var_e", "f"),
    ("var_n", "f"),
    ("var_u", "f"),
    ("var_ve", "f"),
    ("var_vn", "f"),
    ("var_vu", "f"),
    ("cov_en", "f"),
    ("cls", "i"),
    ("cls_p", "f"),
    ("ident", "i"),
    ("identity", "s"),
    ("sensors", "i"),
    ("integrity", "i"),
    ("mode_c", "b"),
    ("last_update_s", "f"),
    ("integrity_reason", "i"),  # schema 2
)
TRACK_NAMES = tuple(c for c, _ in TRACK_COLUMNS)
STATE = ("e", "n", "u", "ve", "vn", "vu")

#: alerts: one row per step of an alert's life (raised / updated / cleared): the fields of
#: Alert.to_record (ALERT_FIELDS), evidence as JSON.
ALERT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_s", "f"),
    ("alert", "s"),
    ("track", "i"),
    ("zone", "s"),
    ("kind", "s"),
    ("state", "s"),
    ("lat", "f"),
    ("lon", "f"),
    ("alt_m", "f"),
    ("identity", "s"),
    ("cls", "s"),
    ("message", "s"),
    ("evidence", "s"),
)
ALERT_NAMES = tuple(c for c, _ in ALERT_COLUMNS)

#: source_stats: one row per source per snapshot; rejects is JSON {reason: count}.
STATS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_s", "f"),
    ("name", "s"),
    ("kind", "s"),
    ("messages", "i"),
    ("rate_per_s", "f"),
    ("last_message_s", "f"),
    ("status", "s"),
    ("reconnects", "i"),
    ("rejects", "s"),
)
STATS_NAMES = tuple(c for c, _ in STATS_COLUMNS)

_DTYPES = {"f": np.float64, "i": np.int64, "b": np.bool_, "s": object}


#: The schema a new store is created with (meta 'schema'), and the statements that bring a store
#: of an older schema to the next one ({i}: the backend's integer type).
SCHEMA = 2
UPGRADES = {1: ("ALTER TABLE tracks ADD COLUMN integrity_reason {i} NOT NULL DEFAULT 0",)}


def upgrades(found: int | None, types: dict[str, str]) -> list[str]:
    """What brings a store whose meta says schema `found` (None: a new store, just created) to
    SCHEMA, ending with the meta update (portable SQL: '?' parameters are not used)."""
    if found == SCHEMA:
        return []
    steps = [s.format(i=types["i"]) for v in range(found or SCHEMA, SCHEMA) for s in UPGRADES[v]]
    meta = ["DELETE FROM meta WHERE key = 'schema'", f"INSERT INTO meta VALUES ('schema', '{SCHEMA}')"]
    return [*steps, *meta]


def ddl(types: dict[str, str], serial: str) -> list[str]:
    """CREATE statements for a backend. types maps kinds to SQL types; serial is the row-id column."""

    def cols(spec: tuple[tuple[str, str], ...]) -> str:
        # Floats stay nullable: SQLite stores a NaN as NULL.
        return ", ".join(f"{c} {types[k]}{'' if k == 'f' else ' NOT NULL'}" for c, k in spec)

    return [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS pictures ({cols(PICTURE_COLUMNS)}, PRIMARY KEY (time_s))",
        # (time_s, track) clusters rows by picture in SQLite (WITHOUT ROWID): seek reads one range.
        f"CREATE TABLE IF NOT EXISTS tracks ({cols(TRACK_COLUMNS)}, PRIMARY KEY (time_s, track))"
        + types["clustered"],
        "CREATE INDEX IF NOT EXISTS tracks_by_track ON tracks (track, time_s)",
        f"CREATE TABLE IF NOT EXISTS alerts (id {serial}, {cols(ALERT_COLUMNS)})",
        "CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (time_s)",
        "CREATE INDEX IF NOT EXISTS alerts_by_alert ON alerts (alert, id)",
        f"CREATE TABLE IF NOT EXISTS alert_acks (alert TEXT PRIMARY KEY, time_s {types['f']} NOT NULL, "
        "ack_by TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS source_stats ({cols(STATS_COLUMNS)})",
        "CREATE INDEX IF NOT EXISTS source_stats_by_time ON source_stats (time_s)",
    ]


@dataclass
class TrackRows:
    """Track rows read back from a store, as column arrays (names and kinds of TRACK_COLUMNS).

    Floats that were NaN come back NaN; `identity` is an object array of str.
    """

    columns: dict[str, npt.NDArray[Any]]

    def __len__(self) -> int:
        return len(self.columns["time_s"])

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per row, plain Python values (NaN → None), for JSON."""
        out: dict[str, list[Any]] = {}
        for name, kind in TRACK_COLUMNS:
            col = self.columns[name]
            if kind == "f":
                out[name] = [v if math.isfinite(v) else None for v in col.tolist()]
            else:
                out[name] = col.tolist()
        return [dict(zip(TRACK_NAMES, row, strict=True)) for row in zip(*out.values(), strict=True)]

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> TrackRows:
        """From DB tuples in TRACK_NAMES order (SQLite gives NULL for a stored NaN)."""
        cols = list(zip(*rows, strict=True)) if rows else [()] * len(TRACK_COLUMNS)
        return cls(
            {name: np.array(c, dtype=_DTYPES[k]) for (name, k), c in zip(TRACK_COLUMNS, cols, strict=True)}
        )


def picture_rows(picture: Picture) -> list[tuple[Any, ...]]:
    """The tracks-table rows of one picture (column arrays → tuples, one .tolist() per column)."""
    n = len(picture)
    P = picture.P
    names = picture.names
    cols: list[list[Any]] = [
        [float(picture.time_s)] * n,
        picture.track.tolist(),
        picture.lat.tolist(),
        picture.lon.tolist(),
        picture.published_alt_m().tolist(),  # NaN: a height never measured or stale
        *(picture.x[:, i].tolist() for i in range(6)),
        *(P[:, i, i].tolist() for i in range(6)),
        P[:, 0, 1].tolist(),
        picture.cls.astype(np.int64).tolist(),
        picture.cls_p.tolist(),
        picture.ident.tolist(),
        # Per-object view: the sink is where a printable name per track is allowed.
        [ident_name(i, names) for i in picture.ident.tolist()],
        picture.sensors.tolist(),
        picture.integrity.astype(np.int64).tolist(),
        picture.mode_c.tolist(),
        picture.last_update_s.tolist(),
        (picture.integrity_reason if picture.integrity_reason is not None else np.zeros(n, np.int64))
        .astype(np.int64)
        .tolist(),
    ]
    return list(zip(*cols, strict=True))


def rows_to_picture(time_s: float, rows: TrackRows) -> Picture:
    """Rebuild a Picture from its stored rows (P keeps only the stored terms, see module doc)."""
    c = rows.columns
    n = len(rows)
    x = np.column_stack([c[s] for s in STATE]) if n else np.zeros((0, 6))
    P = np.zeros((n, 6, 6))
    for i, s in enumerate(STATE):
        P[:, i, i] = c["var_" + s]
    P[:, 0, 1] = P[:, 1, 0] = c["cov_en"]
    ident = c["ident"]
    identity = c["identity"]
    # Keep names that differ from the default rendering (callsigns, Remote ID serials).
    names = {
        int(i): str(s)
        for i, s in zip(ident.tolist(), identity.tolist(), strict=True)
        if i >= 0 and s != ident_name(i)
    }
    return Picture(
        time_s=float(time_s),
        track=c["track"],
        x=x,
        P=P,
        lat=c["lat"],
        lon=c["lon"],
        alt_m=c["alt_m"],
        cls=c["cls"].astype(np.int8),
        cls_p=c["cls_p"],
        ident=ident,
        sensors=c["sensors"],
        last_update_s=c["last_update_s"],
        integrity=c["integrity"].astype(np.int8),
        mode_c=c["mode_c"].astype(bool),
        names=names,
        integrity_reason=c["integrity_reason"].astype(np.int8),
        alt_sigma_m=np.sqrt(np.maximum(c["var_u"], 0.0)),
        alt_known=np.isfinite(c["alt_m"]),
    )


def alert_row(a: Alert) -> tuple[Any, ...]:
    """An alert step as DB values in ALERT_NAMES order: its record, evidence as JSON (NaN kept)."""
    rec = a.to_record()
    rec["evidence"] = json.dumps(rec["evidence"], allow_nan=True)
    return tuple(rec[c] for c in ALERT_NAMES)


def row_alert(row: tuple[Any, ...]) -> Alert:
    """From DB values in ALERT_NAMES order (SQLite gives NULL for a stored NaN)."""
    v = dict(zip(ALERT_NAMES, row, strict=True))
    v["evidence"] = json.loads(v["evidence"]) if v["evidence"] else {}
    return Alert.from_record(v)


def stats_row(time_s: float, s: SourceStats) -> tuple[Any, ...]:
    rejects = dict(s.rejects.counts) if s.rejects is not None else {}
    return (
        float(time_s),
        s.name,
        s.kind,
        int(s.messages),
        float(s.rate_per_s),
        float(s.last_message_s),
        s.status,
        int(s.reconnects),
        json.dumps(rejects),
    )


def row_stats(row: tuple[Any, ...]) -> tuple[float, SourceStats]:
    """From DB values in STATS_NAMES order → (snapshot time, stats)."""
    v = dict(zip(STATS_NAMES, row, strict=True))
    rejects = Rejects(v["name"])
    for reason, count in json.loads(v["rejects"]).items():
        rejects.add(reason, int(count))
    last = v["last_message_s"]
    return float(v["time_s"]), SourceStats(
        name=v["name"],
        kind=v["kind"],
        messages=int(v["messages"]),
        rate_per_s=float(v["rate_per_s"]),
        last_message_s=float("nan") if last is None else float(last),
        status=v["status"],
        reconnects=int(v["reconnects"]),
        rejects=rejects,
    )
