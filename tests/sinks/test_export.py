"""tracks.csv writer: FORMAT.md columns, published rows only, rows at updates and coasted rows."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from airpicture.errors import SinkError
from airpicture.sinks.export import TracksCsvWriter
from airpicture.types import NO_IDENT, Picture, remoteid_ident

#: FORMAT.md "What a tracker writes": time_s, track, lat, lon, then the optional columns, then why
#: the integrity stage marked a track and the log10 LR of its evidence
COLUMNS = ["time_s", "track", "lat", "lon", "alt_m", "class", "class_p", "identity", "integrity",
           "integrity_reason", "integrity_log10_lr"]  # fmt: skip


def picture(
    t: float,
    track: list[int],
    row_time: list[float] | None = None,
    integrity: list[int] | None = None,
    ident: list[int] | None = None,
    names: dict[int, str] | None = None,
) -> Picture:
    n = len(track)
    return Picture(
        time_s=t,
        track=np.array(track, np.int64),
        x=np.zeros((n, 6)),
        P=np.broadcast_to(np.eye(6), (n, 6, 6)).copy(),
        lat=48.5 + 0.001 * np.arange(n),
        lon=2.25 + 0.002 * np.arange(n),
        alt_m=np.full(n, 1234.56),
        cls=np.arange(n, dtype=np.int8) % 4,
        cls_p=np.full(n, 0.875),
        ident=np.array(ident if ident is not None else [NO_IDENT] * n, np.int64),
        sensors=np.ones(n, np.int64),
        last_update_s=np.full(n, t),
        integrity=np.array(integrity if integrity is not None else [0] * n, np.int8),
        mode_c=np.zeros(n, bool),
        names=names or {},
        row_time=None if row_time is None else np.array(row_time, float),
    )


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_columns_values_and_every_integrity_written(tmp_path: Path) -> None:
    rid = remoteid_ident("1581F5FJD0000000001")
    names = {rid: "1581F5FJD0000000001"}
    pic = picture(
        100.0,
        [7, 8, 9, 10],
        integrity=[0, 1, 2, 0],
        ident=[0x3C6444, 0xABCDEF, 0x111111, rid],
        names=names,
    )
    pic.integrity_reason = np.array([0, 2, 1, 0], np.int8)
    pic.integrity_l10 = np.array([-3.25, 3.5, 7.0, 0.0])
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out) as w:
        w.write(pic)
    assert out.read_text().splitlines()[0] == ",".join(COLUMNS)
    rows = read(out)
    # what the picture does not believe is written with its mark, not hidden
    assert [(r["track"], r["integrity"]) for r in rows] == [
        ("7", "ok"),
        ("8", "suspect"),
        ("9", "spoofed"),
        ("10", "ok"),
    ]
    # ...and why, with the weight of the evidence
    assert [(r["integrity_reason"], r["integrity_log10_lr"]) for r in rows] == [
        ("", "-3.2"),
        ("replay_twin", "3.5"),
        ("radar_silent", "7.0"),
        ("", "0.0"),
    ]
    assert w.rows == 4
    with TracksCsvWriter(tmp_path / "ok.csv", published_only=True) as w2:
        w2.write(pic)
    assert [r["track"] for r in read(tmp_path / "ok.csv")] == ["7", "10"]  # the operator's filter
    first, last = rows[0], rows[3]
    assert first == {
        "time_s": "100.00",
        "track": "7",
        "lat": "48.500000",
        "lon": "2.250000",
        "alt_m": "1234.6",
        "class": "unknown",
        "class_p": "0.875",
        "identity": "3c6444",
        "integrity": "ok",
        "integrity_reason": "",
        "integrity_log10_lr": "-3.2",
    }
    assert last["identity"] == "1581F5FJD0000000001"  # a known Remote ID serial by name
    assert last["class"] == "bird" and last["lat"] == "48.503000"


def test_all_rows_when_not_published_only(tmp_path: Path) -> None:
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, published_only=False) as w:
        w.write(picture(5.0, [1, 2, 3], integrity=[0, 1, 2], ident=[NO_IDENT, 0xABCDEF, 0x111111]))
    rows = read(out)
    assert {r["integrity_reason"] + r["integrity_log10_lr"] for r in rows} == {""}  # not judged
    assert [(r["track"], r["identity"], r["integrity"]) for r in rows] == [
        ("1", "", "ok"),
        ("2", "abcdef", "suspect"),
        ("3", "111111", "spoofed"),
    ]


def test_coasted_rows_every_coast_period(tmp_path: Path) -> None:
    """Pictures each second, no measurement (every row predicted to the picture time): a row at the
    first picture, then one whenever the track's last row is 4 s old."""
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, coast_every_s=4.0) as w:
        for t in np.arange(101.0, 121.0):
            w.write(picture(t, [1], row_time=[t]))
    times = [float(r["time_s"]) for r in read(out)]
    assert times == [101.0, 105.0, 109.0, 113.0, 117.0]


def test_rows_at_measurement_updates_each_once(tmp_path: Path) -> None:
    """A track measured at 102.5, 105.3 and 109.9 (given at the measurement's time by the picture
    right after it) and coasted otherwise; a second track only coasts."""
    meas = [102.5, 105.3, 109.9]
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, coast_every_s=4.0) as w:
        for t in np.arange(101.0, 114.0):
            recent = [m for m in meas if t - 1.0 < m <= t]
            w.write(picture(t, [1, 2], row_time=[recent[-1] if recent else t, t]))
    rows = read(out)
    t1 = [float(r["time_s"]) for r in rows if r["track"] == "1"]
    t2 = [float(r["time_s"]) for r in rows if r["track"] == "2"]
    assert t2 == [101.0, 105.0, 109.0, 113.0]
    # measured often enough that it never needs a coasted row after the first
    assert sorted(t1) == [101.0, 102.5, 105.3, 109.9]
    assert len(t1) == len(set(t1))  # no measurement row twice


def test_no_rows_for_an_empty_picture_and_unwritable_path(tmp_path: Path) -> None:
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, published_only=True) as w:
        w.write(picture(1.0, []))
        w.write(picture(2.0, [4], integrity=[2]))
    assert out.read_text() == ",".join(COLUMNS) + "\n"
    assert w.rows == 0
    with pytest.raises(SinkError):
        TracksCsvWriter(tmp_path / "no" / "such" / "dir" / "tracks.csv")


def test_names_with_separators_cannot_break_the_file(tmp_path: Path) -> None:
    rid = remoteid_ident("x")
    evil = "AB,CD\n1.00,99,0.0,0.0,0.0,drone,1.000,FAKE,ok"
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out) as w:
        w.write(picture(1.0, [1], ident=[rid], names={rid: evil}))
    rows = read(out)
    assert len(rows) == 1
    assert rows[0]["track"] == "1" and rows[0]["integrity"] == "ok"
    assert rows[0]["identity"] == evil


def test_each_track_coasts_on_its_own_clock(tmp_path: Path) -> None:
    """Track 1 is there from 101; track 2 appears at 103; track 3 is there at 101-102, leaves the
    picture and comes back at 110: each gets a row when its own last row is 4 s old, and one at once
    when it (re)appears after longer than that."""
    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, coast_every_s=4.0) as w:
        for t in np.arange(101.0, 116.0):
            ids = [1] + ([2] if t >= 103 else []) + ([3] if t <= 102 or t >= 110 else [])
            w.write(picture(t, ids, row_time=[t] * len(ids)))
    rows = read(out)
    times = {k: [float(r["time_s"]) for r in rows if r["track"] == k] for k in ("1", "2", "3")}
    assert times["1"] == [101.0, 105.0, 109.0, 113.0]
    assert times["2"] == [103.0, 107.0, 111.0, 115.0]
    assert times["3"] == [101.0, 110.0, 114.0]


def test_memory_of_written_tracks_stays_bounded(tmp_path: Path) -> None:
    """A long run of short-lived tracks: the writer keeps the last row time only of tracks written
    within FORGET_S (a live run must not grow it without bound), and a forgotten track that comes
    back gets a row at once, as a new one."""
    from airpicture.sinks.export import FORGET_S

    out = tmp_path / "tracks.csv"
    with TracksCsvWriter(out, coast_every_s=4.0) as w:
        for k, t in enumerate(np.arange(0.0, 20 * FORGET_S, 10.0)):
            w.write(picture(float(t), [k + 1], row_time=[float(t)]))
        remembered = len(w._last)
        w.write(picture(20 * FORGET_S, [1], row_time=[20 * FORGET_S - 0.5]))
    assert remembered <= 2 * (FORGET_S / 10.0) + 64
    rows = read(out)
    assert len(rows) == 1201
    assert rows[-1]["track"] == "1" and rows[-1]["time_s"] == f"{20 * FORGET_S - 0.5:.2f}"
