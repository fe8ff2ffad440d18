"""Input a command must refuse, and the words it refuses with: out-of-range numbers are argparse
errors naming the option; files that are empty, gzip under another name, or recordings that lie
outside the scenario are named for what they are."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from airpicture.cli.main import main
from airpicture.cli.warm import BUNDLED
from airpicture.sources.scenario import load_scenario

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["demo", "--speed", "0"], "must be > 0"),
        (["console", "--speed", "-3"], "must be > 0"),
        (["replay", "x.db", "--console", "8000", "--speed", "0"], "must be > 0"),
        (["replay", "x.db", "--console", "70000"], "0..65535"),
        (["decode", "x.bin", "--lat", "95", "--lon", "2"], "-90..90"),
        (["run", "--beast", "h:1", "--lat", "49", "--lon", "181"], "-180..180"),
        (["console", "--beast", "h:1", "--lat", "nan", "--lon", "2"], "not a finite number"),
        (["sim", "out", "--site", "95,2"], "-90..90"),
    ],
)
def test_out_of_range_numbers_are_refused(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert words in capsys.readouterr().err


def test_recordings_say_what_is_wrong_with_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty, junk = tmp_path / "empty.bin", tmp_path / "junk.txt"
    empty.touch()
    junk.write_text("hello\n")
    assert main(["decode", str(empty)]) == 1
    assert "empty.bin: empty file" in capsys.readouterr().err
    assert main(["rid", str(empty)]) == 1
    assert "empty.bin: empty file" in capsys.readouterr().err
    assert main(["decode", str(junk)]) == 1
    assert "cannot tell its format" in (err := capsys.readouterr().err) and "--format names it" in err
    scen = tmp_path / "paris"
    shutil.copytree(BUNDLED, scen)
    assert main(["track", str(scen), "--modes", str(junk), "--out", str(tmp_path / "t.csv")]) == 1
    err = capsys.readouterr().err
    assert "cannot tell its format" in err and "--format" not in err  # track has no --format


def test_a_recording_outside_the_scenario_time_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the CDG flight was recorded years after the bundled Paris scenario
    assert main(["track", str(BUNDLED), "--modes", str(FRAMES), "--out", str(tmp_path / "t.csv")]) == 1
    err = capsys.readouterr().err
    assert "all lie outside the scenario's time span" in err and "2021-10-07T13:00:01Z" in err
    assert not (tmp_path / "t.csv").exists()


def test_gzip_content_under_a_csv_name_is_read(tmp_path: Path) -> None:
    scen = tmp_path / "paris"
    shutil.copytree(BUNDLED, scen)
    (scen / "plots.csv.gz").rename(scen / "plots.csv")  # gzip bytes, named .csv
    (scen / "adsb.csv").write_bytes(gzip.decompress((scen / "adsb.csv.gz").read_bytes()))
    (scen / "adsb.csv.gz").unlink()
    a, b = load_scenario(BUNDLED), load_scenario(scen)
    assert len(b.plots) == len(a.plots) > 30_000 and len(b.reports) == len(a.reports) > 10_000
    (scen / "plots.csv").write_bytes(b"\x00\xff binary")
    with pytest.raises(Exception, match="not UTF-8 text"):
        load_scenario(scen)
