"""`airpicture history info|export|prune` through the real CLI entry point."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from test_store import PG_DSN, drop_pg_schema, make_alert, make_picture, pg_store

from airpicture.cli.history import parse_time
from airpicture.cli.main import main
from airpicture.sinks.store import open_store

T0 = 1_763_870_400.0  # 2025-11-23T04:00:00Z


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    with open_store(path) as s:
        # A picture every 10 minutes for 5 hours, 3 tracks each; one alert per hour.
        s.write_pictures(make_picture(T0 + 600.0 * k, [1, 2, 3]) for k in range(31))
        s.write_alerts(make_alert(T0 + 3600.0 * h, f"A{h}", "raised") for h in range(6))
    return path


def test_info_prints_range_and_counts(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "info", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2025-11-23T04:00:00Z .. 2025-11-23T09:00:00Z" in out
    assert "tracks: 93" in out and "alerts: 6" in out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_window(db: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    argv = ["history", "export", str(db), "--format", fmt, "--out", str(out)]
    assert main([*argv, "--since", "2025-11-23T05:00:00Z", "--until", str(T0 + 7200.0)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / f"{n}.{fmt}") for n in ("tracks", "alerts", "stats")]
    read = pq.read_table if fmt == "parquet" else pcsv.read_csv
    tracks = read(out / f"tracks.{fmt}")
    assert tracks.num_rows == 7 * 3  # pictures at 05:00, 05:10, ... 06:00
    assert min(tracks["time_s"].to_pylist()) == T0 + 3600.0
    assert read(out / f"alerts.{fmt}")["alert"].to_pylist() == ["A1", "A2"]


def test_prune_keeps_the_last_hours(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "prune", str(db), "--keep-hours", "2"]) == 0
    assert (
        "pruned records before 2025-11-23T07:00:00Z: tracks=54, pictures=18, alerts=3"
        in capsys.readouterr().out
    )
    with open_store(db) as s:
        assert s.time_range() == (T0 + 3 * 3600.0, T0 + 5 * 3600.0)
        assert [a.alert.alert for a in s.alerts()] == ["A5", "A4", "A3"]


def test_bad_input_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "info", str(tmp_path / "nope.db")]) == 1
    assert "no history store at" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()
    with pytest.raises(SystemExit):
        main(["history", "export", str(tmp_path / "x.db"), "--out", str(tmp_path), "--since", "yesterday"])


def test_parse_time() -> None:
    assert parse_time("1763870400") == T0
    assert parse_time("2025-11-23T04:00:00Z") == T0
    assert parse_time("2025-11-23T04:00:00") == T0  # no zone: UTC
    assert parse_time("2025-11-23T06:00:00+02:00") == T0


@pytest.mark.postgres
@pytest.mark.skipif(PG_DSN is None, reason="AIRPICTURE_TEST_PG not set (no PostgreSQL)")
def test_history_commands_on_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with pg_store(schema) as s:
            s.write_pictures(make_picture(T0 + 600.0 * k, [1, 2]) for k in range(13))  # 2 hours
            url = f"{PG_DSN}{'&' if '?' in str(PG_DSN) else '?'}options=-csearch_path%3D{schema}"
        assert main(["history", "prune", url, "--keep-hours", "1"]) == 0
        assert "tracks=12, pictures=6" in capsys.readouterr().out
        assert main(["history", "export", url, "--format", "csv", "--out", str(tmp_path)]) == 0
        assert pcsv.read_csv(tmp_path / "tracks.csv").num_rows == 14
        assert main(["history", "info", url]) == 0
        out = capsys.readouterr().out
        assert "postgresql://airpicture@" in out and ":airpicture@" not in out  # no password shown
    finally:
        drop_pg_schema(schema)


def test_reading_commands_never_create_or_change_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty, text = tmp_path / "empty.db", tmp_path / "notes.db"
    empty.touch()
    text.write_text("not a database\n")
    assert main(["history", "info", str(empty)]) == 1
    assert "empty file, not a history store" in capsys.readouterr().err
    assert main(["history", "export", str(text), "--out", str(tmp_path / "x")]) == 1
    assert "not an SQLite file" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.db"), "--console", "0"]) == 1
    assert "no history store at" in capsys.readouterr().err
    assert empty.stat().st_size == 0 and text.read_text() == "not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "notes.db"]
