"""HistoryStore API on both backends: SQLite always, PostgreSQL when AIRPICTURE_TEST_PG names a server."""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from airpicture.errors import ConfigError, SinkError
from airpicture.sinks.store import HistoryStore, StoreWriter, open_store
from airpicture.types import Alert, Picture, Rejects, SourceStats, remoteid_ident

PG_DSN = os.environ.get("AIRPICTURE_TEST_PG")


def make_picture(t: float, tracks: np.ndarray | list[int], seed: int | None = None) -> Picture:
    """A picture at time t holding the given track ids, with every field exercised."""
    ids = np.asarray(tracks, dtype=np.int64)
    n = len(ids)
    rng = np.random.default_rng(int(t * 1000) if seed is None else seed)
    x = rng.normal(size=(n, 6)) * [5000.0, 5000.0, 300.0, 60.0, 60.0, 3.0]
    A = rng.normal(size=(n, 6, 6))
    P = A @ A.swapaxes(-1, -2) + np.eye(6)
    alt = 200.0 + x[:, 2]
    alt[::7] = np.nan  # tracks without a height
    ident = np.where(ids % 3 == 0, 0x3C0000 + ids, -1)
    ident[ids % 3 == 1] = remoteid_ident("DRONE-1") if n else 0
    names = {0x3C0000 + int(i): f"DLH{int(i)}" for i in ids[ids % 3 == 0][:2]}
    return Picture(
        time_s=t,
        track=ids,
        x=x,
        P=P,
        lat=48.85 + x[:, 1] / 111e3,
        lon=2.35 + x[:, 0] / 73e3,
        alt_m=alt,
        cls=rng.integers(0, 4, n).astype(np.int8),
        cls_p=rng.uniform(0.25, 1.0, n),
        ident=ident,
        sensors=rng.integers(1, 1 << 45, n),
        last_update_s=t - rng.uniform(0.0, 3.0, n),
        integrity=rng.integers(0, 3, n).astype(np.int8),
        mode_c=rng.integers(0, 2, n).astype(bool),
        names=names,
        integrity_reason=rng.integers(0, 8, n).astype(np.int8),
    )


def make_alert(t: float, alert: str, state: str, track: int = 7) -> Alert:
    return Alert(
        time_s=t,
        alert=alert,
        track=track,
        zone="stade",
        kind="zone_entry",
        state=state,
        lat=48.9244,
        lon=2.3601,
        alt_m=float("nan") if state == "cleared" else 80.0,
        identity="rid:DRONE-1",
        cls="drone",
        message=f"drone {state} zone stade",
        evidence={"distance_m": 120.5, "speed_mps": 12.0, "source": "radar+rid"},
    )


def pg_store(schema: str) -> HistoryStore:
    """A PostgreSQL store in its own fresh schema of the test database."""
    import psycopg

    assert PG_DSN is not None
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_DSN else "?"
    return open_store(f"{PG_DSN}{sep}options=-csearch_path%3D{schema}")


def drop_pg_schema(schema: str) -> None:
    import psycopg

    assert PG_DSN is not None
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(PG_DSN is None, reason="AIRPICTURE_TEST_PG not set (no PostgreSQL)"),
            ],
        ),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HistoryStore]:
    if request.param == "sqlite":
        s = open_store(tmp_path / "history.db")
        yield s
        s.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    s = pg_store(schema)
    yield s
    s.close()
    drop_pg_schema(schema)


def assert_same_picture(got: Picture, want: Picture) -> None:
    """Equal in every stored field; P only in its variances and east-north covariance."""
    order = np.argsort(want.track)
    assert got.time_s == want.time_s
    np.testing.assert_array_equal(got.track, want.track[order])
    np.testing.assert_array_equal(got.x, want.x[order])
    for name in ("lat", "lon", "alt_m", "cls_p", "last_update_s"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name)[order], err_msg=name)
    for name in ("cls", "ident", "sensors", "integrity", "integrity_reason", "mode_c"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name)[order], err_msg=name)
    idx = np.arange(6)
    np.testing.assert_array_equal(got.P[:, idx, idx], want.P[order][:, idx, idx])
    np.testing.assert_array_equal(got.P[:, 0, 1], want.P[order, 0, 1])
    np.testing.assert_array_equal(got.P[:, 1, 0], want.P[order, 0, 1])
    assert got.names == want.names


def test_picture_round_trips_every_field(store: HistoryStore) -> None:
    p = make_picture(1_700_000_000.25, [5, 3, 9, 12, 1, 0, 6, 30])
    store.write_picture(p)
    got = store.picture_at(p.time_s)
    assert got is not None
    assert np.isnan(got.alt_m).sum() == np.isnan(p.alt_m).sum() > 0
    assert got.ident.max() > 1 << 62  # the Remote ID bit survives
    assert got.sensors.max() > 1 << 32
    assert_same_picture(got, p)


def test_picture_at_seeks_the_last_picture_at_or_before_t(store: HistoryStore) -> None:
    t0 = 1_700_000_000.0
    pics = [make_picture(t0 + k, range(k, k + 4)) for k in range(5)]
    store.write_pictures(pics)
    store.write_picture(make_picture(t0 + 10, []))  # an empty sky is a picture too
    assert store.picture_at(t0 - 0.5) is None
    for k in range(5):
        for dt in (0.0, 0.5, 0.999):
            got = store.picture_at(t0 + k + dt)
            assert got is not None
            assert_same_picture(got, pics[k])
    empty = store.picture_at(t0 + 11)
    assert empty is not None and empty.time_s == t0 + 10 and len(empty) == 0
    assert empty.x.shape == (0, 6) and empty.P.shape == (0, 6, 6)
    latest = store.picture_at()
    assert latest is not None and latest.time_s == t0 + 10
    assert store.time_range() == (t0, t0 + 10)
    np.testing.assert_array_equal(store.picture_times(t0 + 1, t0 + 3), [t0 + 1, t0 + 2, t0 + 3])


def test_empty_store_reads(store: HistoryStore) -> None:
    assert store.time_range() is None
    assert store.picture_at() is None
    assert len(store.track_history(1)) == 0
    assert len(store.tracks_between()) == 0
    assert store.alerts() == []
    assert store.latest_stats() == []
    assert store.counts() == dict.fromkeys(("pictures", "tracks", "alerts", "alert_acks", "source_stats"), 0)


def test_writing_a_picture_time_again_replaces_it(store: HistoryStore) -> None:
    store.write_picture(make_picture(100.0, [1, 2, 3]))
    again = make_picture(100.0, [7, 8], seed=5)
    store.write_picture(again)
    got = store.picture_at(100.0)
    assert got is not None
    assert_same_picture(got, again)
    assert store.counts()["tracks"] == 2 and store.counts()["pictures"] == 1


def test_track_history_and_time_windows(store: HistoryStore) -> None:
    # Track k lives in pictures k..k+5.
    store.write_pictures(make_picture(float(t), [k for k in range(10) if k <= t <= k + 5]) for t in range(15))
    h = store.track_history(4)
    np.testing.assert_array_equal(h["time_s"], np.arange(4.0, 10.0))
    assert set(h["track"].tolist()) == {4}
    np.testing.assert_array_equal(store.track_history(4, 6.0, 8.0)["time_s"], [6.0, 7.0, 8.0])
    assert len(store.track_history(99)) == 0
    between = store.tracks_between(2.0, 3.0)
    assert list(zip(between["time_s"].tolist(), between["track"].tolist(), strict=True)) == [
        (2.0, 0),
        (2.0, 1),
        (2.0, 2),
        (3.0, 0),
        (3.0, 1),
        (3.0, 2),
        (3.0, 3),
    ]
    chunks = list(store.iter_tracks(pictures=4))
    assert len(chunks) == 4
    assert sum(len(c) for c in chunks) == store.counts()["tracks"] == 60


def test_track_rows_to_records_are_json_ready(store: HistoryStore) -> None:
    p = make_picture(50.0, [0, 1, 2, 3, 4, 5, 6, 7])
    store.write_picture(p)
    records = store.tracks_between()
    out = json.loads(json.dumps(records.to_records(), allow_nan=False))
    assert len(out) == 8
    assert out[0]["alt_m"] is None  # NaN altitude → null
    assert out[0]["identity"] == "DLH0" and out[0]["mode_c"] in (True, False)
    assert out[6]["identity"] == "3c0006" and out[5]["identity"] == ""


def test_alerts_latest_only_and_acknowledge(store: HistoryStore) -> None:
    steps = [
        make_alert(10.0, "A1", "raised"),
        make_alert(12.0, "B7", "raised", track=9),
        make_alert(15.0, "A1", "updated"),
        make_alert(20.0, "A1", "cleared"),
    ]
    store.write_alerts(steps)
    got = store.alerts()
    assert [(a.alert.alert, a.alert.state) for a in got] == [
        ("A1", "cleared"),
        ("A1", "updated"),
        ("B7", "raised"),
        ("A1", "raised"),
    ]
    assert got[-1].alert == steps[0]  # every field, evidence included
    assert math.isnan(got[0].alert.alt_m)
    assert [a.alert.alert for a in store.alerts(latest_only=True)] == ["A1", "B7"]
    assert [a.alert.time_s for a in store.alerts(since=12.0, until=15.0)] == [15.0, 12.0]
    assert len(store.alerts(limit=1)) == 1
    assert not any(a.acknowledged for a in got)

    assert store.acknowledge("A1", by="operator-2", time_s=16.0)
    assert not store.acknowledge("nope", by="operator-2", time_s=16.0)
    assert store.acknowledge("A1", by="late", time_s=30.0)  # the first acknowledgement stands
    for a in store.alerts():
        assert a.acknowledged == (a.alert.alert == "A1")
        if a.acknowledged:
            assert (a.ack_by, a.ack_time_s) == ("operator-2", 16.0)
    # A later step of an acknowledged alert is acknowledged too (it is the same alert).
    store.write_alerts([make_alert(25.0, "A1", "raised")])
    assert store.alerts(limit=1)[0].acknowledged


def test_stats_snapshots(store: HistoryStore) -> None:
    rej = Rejects("radar-1")
    rej.add("crc", 3)
    rej.add("range", 1)
    snap1 = [
        SourceStats("radar-1", "radar", 100, 9.5, 1000.0, "ok", 0, rej),
        SourceStats("adsb", "beast", 5000, 400.0, 999.5, "ok", 2, None),
    ]
    snap2 = [SourceStats("radar-1", "radar", 110, 10.0, 1001.0, "stale", 1, Rejects("radar-1"))]
    store.write_stats(1000.0, snap1)
    store.write_stats(1001.0, snap2)
    got = store.stats()
    assert [(t, s.name) for t, s in got] == [(1000.0, "adsb"), (1000.0, "radar-1"), (1001.0, "radar-1")]
    radar = got[1][1]
    assert radar.rejects is not None and radar.rejects.counts == {"crc": 3, "range": 1}
    assert (radar.messages, radar.rate_per_s, radar.status) == (100, 9.5, "ok")
    assert [s.status for s in store.latest_stats()] == ["stale"]
    assert {s.name for s in store.latest_stats(at=1000.5)} == {"adsb", "radar-1"}
    assert math.isnan(SourceStats("x", "y").last_message_s)
    store.write_stats(1002.0, [SourceStats("idle", "remoteid")])
    assert math.isnan(store.latest_stats()[0].last_message_s)


def test_prune_deletes_by_age(store: HistoryStore) -> None:
    store.write_pictures(make_picture(float(t), [1, 2, 3]) for t in range(10))
    store.write_alerts([make_alert(2.0, "OLD", "raised"), make_alert(8.0, "NEW", "raised")])
    store.acknowledge("OLD", "op", 3.0)
    store.acknowledge("NEW", "op", 9.0)
    store.write_stats(1.0, [SourceStats("a", "radar")])
    store.write_stats(9.0, [SourceStats("a", "radar")])
    deleted = store.prune(5.0)
    assert deleted == {"tracks": 15, "pictures": 5, "alerts": 1, "source_stats": 1, "alert_acks": 1}
    assert store.time_range() == (5.0, 9.0)
    assert [a.alert.alert for a in store.alerts()] == ["NEW"] and store.alerts()[0].acknowledged
    assert store.counts() == {"pictures": 5, "tracks": 15, "alerts": 1, "alert_acks": 1, "source_stats": 1}
    assert store.prune(5.0) == dict.fromkeys(deleted, 0)


def test_prune_keeps_an_alert_whole_while_it_goes_on(store: HistoryStore) -> None:
    """Issue 13, defect 12: pruning by step left alerts whose "raised" step was gone."""
    steps = [(1.0, "LONG", "raised"), (6.0, "LONG", "updated"), (9.0, "LONG", "cleared")]
    steps += [(2.0, "DONE", "raised"), (4.0, "DONE", "cleared")]
    store.write_alerts(make_alert(*s) for s in steps)
    assert store.prune(5.0)["alerts"] == 2  # DONE, both steps; LONG is still going at 5
    steps = sorted(
        (a.alert.time_s, a.alert.state) for a in store.alerts(limit=None) if a.alert.alert == "LONG"
    )
    assert steps == [(1.0, "raised"), (6.0, "updated"), (9.0, "cleared")]
    assert {a.alert.alert for a in store.alerts(limit=None)} == {"LONG"}
    assert store.prune(10.0)["alerts"] == 3


def test_a_failed_batch_writes_nothing(store: HistoryStore) -> None:
    good = make_picture(1.0, [1, 2])
    bad = make_picture(2.0, [3, 4])
    bad.lat = bad.lat[:1]  # arrays of unequal length: the batch fails half-way
    with pytest.raises(ValueError):
        store.write(pictures=[good, bad], alerts=[make_alert(1.0, "A", "raised")])
    assert store.counts() == dict.fromkeys(("pictures", "tracks", "alerts", "alert_acks", "source_stats"), 0)
    store.write_picture(good)  # the store is still usable
    assert store.counts()["tracks"] == 2


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_matches_the_store(store: HistoryStore, tmp_path: Path, fmt: str) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    pics = [make_picture(float(t), range(t, t + 3)) for t in range(6)]
    store.write_pictures(pics)
    store.write_alerts([make_alert(1.0, "A1", "raised"), make_alert(4.0, "A1", "cleared")])
    store.acknowledge("A1", "op", 2.0)
    store.write_stats(3.0, [SourceStats("radar-1", "radar", 7, 1.0, 2.5, "ok", 0, Rejects("radar-1"))])

    files = store.export(tmp_path / "out", fmt, t0=1.0, t1=4.0)
    assert [f.name for f in files] == [f"tracks.{fmt}", f"alerts.{fmt}", f"stats.{fmt}"]
    read = pq.read_table if fmt == "parquet" else pcsv.read_csv
    tracks = read(files[0]).to_pydict()
    want = store.tracks_between(1.0, 4.0)
    assert len(tracks["time_s"]) == len(want) == 12
    np.testing.assert_array_equal(tracks["lat"], want["lat"])
    np.testing.assert_array_equal(tracks["track"], want["track"])
    assert tracks["class"][0] == ("unknown", "aircraft", "drone", "bird")[want["cls"][0]]
    alerts = read(files[1]).to_pydict()
    assert alerts["state"] == ["raised", "cleared"] and alerts["acknowledged"] == [True, True]
    assert json.loads(alerts["evidence"][0])["distance_m"] == 120.5
    stats = read(files[2]).to_pydict()
    assert stats["name"] == ["radar-1"] and stats["messages"] == [7]


def test_export_rejects_an_unknown_format(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        store.export(tmp_path, "xlsx")


def test_writer_thread_writes_what_is_submitted(store: HistoryStore) -> None:
    committed: list[float] = []
    with StoreWriter(store, on_commit=committed.append) as w:
        for t in range(20):
            w.submit_picture(make_picture(float(t), [1, 2, 3, 4]))
        w.submit_alerts([make_alert(3.0, "A", "raised")])
        w.submit_stats(3.0, [SourceStats("radar-1", "radar")])
        assert w.flush(30.0)
        assert w.pending == 0
    assert store.counts() == {"pictures": 20, "tracks": 80, "alerts": 1, "alert_acks": 0, "source_stats": 1}
    assert w.counters.written_pictures == 20 and w.counters.dropped_pictures == 0
    assert committed[-1] == 19.0 and w.counters.commits == len(committed)


def test_open_store_errors_are_sink_errors(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match="does not exist"):
        open_store(tmp_path / "missing" / "h.db")
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(SinkError):
        open_store(tmp_path / "junk.db")
    with pytest.raises(SinkError):
        open_store("postgresql://nobody:wrong@127.0.0.1:1/none?connect_timeout=2")


def test_a_picture_without_a_finite_time_is_refused(store: HistoryStore) -> None:
    with pytest.raises(SinkError, match="not finite"):
        store.write_picture(make_picture(math.nan, [1], seed=1))
    assert store.counts()["pictures"] == 0


def test_reads_during_writes_never_see_half_a_picture(store: HistoryStore) -> None:
    # Picture k holds 50 + 10 * (k % 7) tracks; a reader racing the writer must see whole pictures.
    sizes = {float(k): 50 + 10 * (k % 7) for k in range(60)}
    writer = StoreWriter(store, max_pictures=100, max_batch=1)
    seen = 0
    for t, n in sizes.items():
        writer.submit_picture(make_picture(t, range(n)))
        p = store.picture_at()
        if p is not None:
            assert len(p) == sizes[p.time_s]
            seen += 1
    assert writer.flush(60.0)
    writer.close()
    assert seen > 0 and store.counts()["pictures"] == 60


def test_store_package_exports_its_public_names() -> None:
    import airpicture.sinks.store as pkg

    public = {
        n
        for n, v in vars(pkg).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith(pkg.__name__)
    }
    assert public <= set(pkg.__all__)
    assert all(hasattr(pkg, n) for n in pkg.__all__)


def test_a_store_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    """A history file written before tracks carried their integrity reason (schema 1) opens: its
    rows read back with no reason, new pictures are stored with theirs."""
    import sqlite3

    from airpicture.sinks.store.schema import SCHEMA, TRACK_COLUMNS

    path = tmp_path / "old.db"
    with open_store(path) as s:
        s.write_picture(make_picture(100.0, [1, 2]))
    db = sqlite3.connect(path)  # the schema-1 file: no integrity_reason column, meta says 1
    db.executescript(
        "CREATE TABLE t1 AS SELECT * FROM tracks; DROP TABLE tracks;"
        f"CREATE TABLE tracks ({', '.join(c for c, _ in TRACK_COLUMNS[:-1])});"
        f"INSERT INTO tracks SELECT {', '.join(c for c, _ in TRACK_COLUMNS[:-1])} FROM t1; DROP TABLE t1;"
        "UPDATE meta SET value = '1' WHERE key = 'schema';"
    )
    db.close()
    with open_store(path) as s:
        old = s.picture_at(100.0)
        assert old is not None and old.integrity_reason is not None
        assert old.integrity_reason.tolist() == [0, 0]
        p = make_picture(200.0, [1, 2, 3])
        s.write_picture(p)
        got = s.picture_at(200.0)
        assert got is not None
        assert_same_picture(got, p)
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (str(SCHEMA),)
    db.close()
