"""`airpicture track` and `airpicture demo` on the bundled real Paris scenario, checked against its truth."""

from __future__ import annotations

import functools
import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from airpicture.cli.main import main
from airpicture.geo import EnuFrame

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
CUT_S = 300.0


def _rows(path: Path) -> tuple[str, list[str]]:
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    return lines[0], lines[1:]


def cut_scenario(dst: Path, start_offset_s: float, length_s: float) -> tuple[float, float]:
    """Copy the bundled scenario's [start + offset, + length) into dst (truth left behind: the
    tracker must not read it). Returns the cut's (start, end)."""
    dst.mkdir()
    meta = json.loads((BUNDLED / "meta.json").read_text())
    t0 = meta["start_s"] + start_offset_s
    t1 = t0 + length_s
    meta["start_s"], meta["end_s"] = t0, t1
    (dst / "meta.json").write_text(json.dumps(meta))
    shutil.copy(BUNDLED / "sensors.json", dst / "sensors.json")
    for name in ("plots.csv", "adsb.csv"):
        header, rows = _rows(BUNDLED / (name + ".gz"))
        t = np.array([float(r.split(",", 1)[0]) for r in rows])
        keep = [r for r, ti in zip(rows, t, strict=True) if t0 <= ti < t1]
        (dst / name).write_text("\n".join([header, *keep]) + "\n")
    return t0, t1


@functools.cache
def truth() -> dict[str, np.ndarray]:
    header, rows = _rows(BUNDLED / "truth.csv.gz")
    assert header == "time_s,target,kind,lat,lon,alt_m"
    cols = list(zip(*(r.split(",") for r in rows), strict=True))
    return {
        "time_s": np.array(cols[0], float),
        "target": np.array(cols[1]),
        "kind": np.array(cols[2]),
        "lat": np.array(cols[3], float),
        "lon": np.array(cols[4], float),
    }


TRACKS_DTYPE = np.dtype(
    [("time_s", "f8"), ("track", "i8"), ("lat", "f8"), ("lon", "f8"), ("alt_m", "f8"), ("class", "U16"),
     ("class_p", "f8"), ("identity", "U64"), ("integrity", "U8"), ("integrity_reason", "U16"),
     ("integrity_log10_lr", "f8")]
)  # fmt: skip


def read_tracks(path: Path) -> np.ndarray:
    """tracks.csv with its columns typed (an ICAO address such as 392e10 stays text)."""
    assert path.read_text().split("\n", 1)[0] == ",".join(TRACKS_DTYPE.names or ())
    return np.genfromtxt(path, delimiter=",", skip_header=1, dtype=TRACKS_DTYPE, encoding=None)


def distance_to_truth(tracks: np.ndarray, tr: dict[str, np.ndarray]) -> np.ndarray:
    """Horizontal distance (m) of each track row to the nearest truth target at the row's time
    (truth, given every second, interpolated linearly in the site's ENU plane)."""
    site = json.loads((BUNDLED / "meta.json").read_text())["site"]
    frame = EnuFrame(site["lat"], site["lon"], 0.0)
    p_truth = frame.to_enu(tr["lat"], tr["lon"], np.zeros(len(tr["lat"])))[:, :2]
    p_rows = frame.to_enu(tracks["lat"], tracks["lon"], np.zeros(len(tracks)))[:, :2]
    t_rows = tracks["time_s"]
    out = np.full(len(tracks), np.inf)
    for tgt in np.unique(tr["target"]):
        sel = tr["target"] == tgt
        tt, pp = tr["time_s"][sel], p_truth[sel]
        inside = (t_rows >= tt[0]) & (t_rows <= tt[-1])
        if not inside.any():
            continue
        e = np.interp(t_rows[inside], tt, pp[:, 0])
        n = np.interp(t_rows[inside], tt, pp[:, 1])
        d = np.hypot(p_rows[inside, 0] - e, p_rows[inside, 1] - n)
        out[inside] = np.minimum(out[inside], d)
    return out


@pytest.fixture(scope="module")
def paris_cut_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, float, int]:
    base = tmp_path_factory.mktemp("paris")
    t0, t1 = cut_scenario(base / "scn", 600.0, CUT_S)
    out = base / "tracks.csv"
    code = main(["track", str(base / "scn"), "--sensors", "TMA1", "--out", str(out), "--no-progress"])
    return out, t0, t1, code


def test_track_cli_on_a_cut_of_the_paris_scenario(paris_cut_run: tuple[Path, float, float, int]) -> None:
    out, t0, t1, code = paris_cut_run
    assert code == 0
    tracks = read_tracks(out)
    assert len(tracks) > 500
    assert len(np.unique(tracks["track"])) >= 10
    assert (tracks["time_s"] >= t0 - 1).all() and (tracks["time_s"] <= t1 + 5).all()
    assert (tracks["integrity"] == "ok").all()
    d = distance_to_truth(tracks, truth())
    near = d < 1000.0
    # the radar's tracks are real aircraft: >= 90% of the rows within 1 km of one, most much closer
    print(f"{near.mean():.3f} of {len(d)} rows within 1 km of a truth target, median {np.median(d):.0f} m")
    assert near.mean() >= 0.9
    assert np.median(d[near]) < 150.0
    # FORMAT.md: every published track has a row at least every 5 s (measured or coasted); longer
    # gaps are only where a track left the picture after missed scans and came back
    gaps = np.concatenate(
        [np.diff(np.sort(tracks["time_s"][tracks["track"] == k])) for k in np.unique(tracks["track"])]
    )
    print(f"{(gaps > 5.5).sum()} of {len(gaps)} gaps between a track's rows over 5.5 s")
    assert (gaps > 5.5).mean() < 0.01


def test_track_cli_finds_most_aircraft_in_coverage(
    paris_cut_run: tuple[Path, float, float, int, str],
) -> None:
    """The other way round: truth aircraft within the radar's range in the last two minutes of the
    cut have a track row within 1 km in the 6 s before (FORMAT.md's scoring window)."""
    out, _, t1, _ = paris_cut_run
    tracks = read_tracks(out)
    tr = truth()
    site = json.loads((BUNDLED / "meta.json").read_text())["site"]
    sensors = json.loads((BUNDLED / "sensors.json").read_text())
    radar = next(s for s in sensors if s["id"] == "TMA1")
    frame = EnuFrame(site["lat"], site["lon"], 0.0)
    o = frame.to_enu(np.array([radar["lat"]]), np.array([radar["lon"]]), np.zeros(1))[0, :2]
    found, total = 0, 0
    for t in np.arange(t1 - 120.0, t1, 4.0):
        sel = (tr["time_s"] == np.floor(t)) & (tr["kind"] == "aircraft")
        pt = frame.to_enu(tr["lat"][sel], tr["lon"][sel], np.zeros(sel.sum()))[:, :2]
        pt = pt[np.hypot(*(pt - o).T) < 0.9 * radar["max_range_m"]]
        rows = (tracks["time_s"] > t - 6.0) & (tracks["time_s"] <= t)
        pr = frame.to_enu(tracks["lat"][rows], tracks["lon"][rows], np.zeros(rows.sum()))[:, :2]
        if len(pt) == 0:
            continue
        d = (
            np.hypot(*(pt[:, None, :] - pr[None, :, :]).transpose(2, 0, 1))
            if len(pr)
            else np.full((len(pt), 1), np.inf)
        )
        found += int((d.min(axis=1) < 1000.0).sum())
        total += len(pt)
    assert total > 100
    print(f"{found}/{total} aircraft-times in coverage tracked")
    assert found / total >= 0.9


def test_track_cli_prints_its_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut_scenario(tmp_path / "scn", 0.0, 60.0)
    out = tmp_path / "t.csv"
    assert main(["track", str(tmp_path / "scn"), "--sensors", "TMA1,ADSB1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "plots +" in text and "reports over 60 s" in text
    assert f"-> {out}" in text
    assert "rejects plots.csv: no rejects" in text
    assert out.read_text().startswith("time_s,track,lat,lon")


def test_track_cli_unknown_sensor_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["track", str(BUNDLED), "--sensors", "TMA9", "--out", str(tmp_path / "t.csv")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "TMA9" in err and "Traceback" not in err


def test_track_cli_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["track", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.csv")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("airpicture track:") and err.count("\n") == 1


@pytest.mark.slow
def test_demo_tracks_the_whole_bundled_scenario(tmp_path: Path) -> None:
    assert main(["demo", "--batch", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "gospa.png").stat().st_size > 1000
    tracks = read_tracks(tmp_path / "tracks.csv")
    assert len(tracks) > 5000
    d = distance_to_truth(tracks, truth())
    assert (d < 1000.0).mean() >= 0.9
    # every ADS-B identity is published; the spoofed ones (ghosts.csv) marked so, the real ones never
    _, adsb = _rows(BUNDLED / "adsb.csv.gz")
    broadcast = {r.split(",")[2] for r in adsb}
    _, ghosts = _rows(BUNDLED / "ghosts.csv.gz")
    assert ghosts and set(ghosts) <= broadcast
    ident, mark = tracks["identity"].astype(str), tracks["integrity"].astype(str)
    assert set(ident.tolist()) - {""} == broadcast
    for g in ghosts:
        assert (mark[ident == g] == "spoofed").mean() > 0.9, g
    assert set(mark[~np.isin(ident, ghosts)].tolist()) == {"ok"}


def test_track_cli_overlapped_and_serial_runs_write_the_same_files(tmp_path: Path) -> None:
    """--overlap assesses and writes in a second thread while tracking: same rows, same alerts."""
    cut_scenario(tmp_path / "scn", 600.0, 300.0)
    files = {}
    for flag in ("--overlap", "--no-overlap"):
        out, alerts = tmp_path / f"t{flag}.csv", tmp_path / f"a{flag}.csv"
        args = [
            "track",
            str(tmp_path / "scn"),
            "--out",
            str(out),
            "--alerts",
            str(alerts),
            flag,
            "--no-progress",
        ]
        assert main(args) == 0
        files[flag] = (out.read_text(), alerts.read_text())
    assert files["--overlap"] == files["--no-overlap"]
    assert files["--overlap"][0].count("\n") > 1000  # a real picture, not an empty file


def test_track_command_process_writes_all_and_exits_with_its_code(tmp_path: Path) -> None:
    """The console script ends a `track` process without the interpreter's teardown (cli.main.entry):
    every file and line is still written, and the exit code is run()'s."""
    import os
    import subprocess
    import sys

    cut_scenario(tmp_path / "scn", 600.0, 120.0)
    files = {}
    for how in ("process", "main"):
        out, alerts = tmp_path / f"t-{how}.csv", tmp_path / f"a-{how}.csv"
        args = ["track", str(tmp_path / "scn"), "--out", str(out), "--alerts", str(alerts), "--no-progress"]
        if how == "main":
            assert main(args) == 0
        else:
            env = {**os.environ, "PYTHONPATH": str(BUNDLED.parents[2])}
            done = subprocess.run(
                [sys.executable, "-m", "airpicture", *args], capture_output=True, text=True, env=env
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.rstrip().endswith("rejects adsb.csv: no rejects")
        files[how] = (out.read_text(), alerts.read_text())
    assert files["process"] == files["main"] and files["main"][0].count("\n") > 100
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "airpicture",
            "track",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "x.csv"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(BUNDLED.parents[2])},
    )
    assert missing.returncode == 1 and missing.stderr.startswith("airpicture track:")
    # under a profiler the process ends normally, so that the profiler writes its figures
    prof = tmp_path / "track.prof"
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "airpicture", "track",
         str(tmp_path / "scn"), "--out", str(tmp_path / "p.csv"), "--no-progress"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(BUNDLED.parents[2])},
    )  # fmt: skip
    assert profiled.returncode == 0 and prof.stat().st_size > 0
