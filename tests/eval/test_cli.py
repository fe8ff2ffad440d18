"""`airpicture eval` end to end on a tiny scenario in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evalkit import START

import airpicture.cli.main as cli
from airpicture.eval import EvalConfig, load_reference, read_tracks, score_tracks


@pytest.fixture(autouse=True)
def only_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    # Build the parser from the registered eval line alone, so this test does not depend on the
    # other subcommands' modules (written by others, possibly not there yet).
    line = [c for c in cli.COMMANDS if c[0] == "eval"]
    assert line == [("eval", "airpicture.cli.evaluate", line[0][2])]
    monkeypatch.setattr(cli, "COMMANDS", tuple(line))


def test_table_and_plot(basic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "out.png"
    rc = cli.main(["eval", str(basic[0]), str(basic[1]), "--step", "10", "--warmup", "0", "--plot", str(png)])
    out = capsys.readouterr().out
    assert rc == 0
    gospa_line = next(ln for ln in out.splitlines() if ln.startswith("GOSPA"))
    assert gospa_line.split()[-1] == "1000.4"
    assert "1 ID switches" in out and "1 false tracks" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_json_equals_the_library(
    basic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = tmp_path / "alerts.csv"
    alerts.write_text(
        f"time_s,alert,track,zone,kind,state,lat,lon\n{START + 50},x,1,core,zone_entry,raised,49.5,2.3\n"
    )
    rc = cli.main(
        [
            "eval",
            str(basic[0]),
            str(basic[1]),
            "--step",
            "10",
            "--warmup",
            "0",
            "--json",
            "--sensors",
            "R1",
            "--kinds",
            "aircraft",
            "--cutoff",
            "500",
            "--alerts",
            str(alerts),
        ]
    )
    assert rc == 0
    got = json.loads(capsys.readouterr().out)
    ref = load_reference(basic[0])
    cfg = EvalConfig(step_s=10, warmup_s=0, cutoff_m=500, kinds=("aircraft",), sensors=("R1",))
    want = score_tracks(ref, read_tracks(basic[1], ref.origin), cfg).as_dict()
    assert {k: got[k] for k in want} == json.loads(json.dumps(want))
    assert got["counts"]["id_switches"] == 1
    # the alert is on nothing (70 km north): one false alert in the 200 s scenario
    assert got["alerts"] == {
        "events": 0,
        "detected": 0,
        "recall": None,
        "median_latency_s": None,
        "false_per_hour": 18.0,
    }


def test_errors_are_one_line(
    basic: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["eval", str(basic[0]), str(tmp_path / "none.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["eval", str(basic[0]), str(basic[1]), "--sensors", "NOPE"]) == 1
    assert "unknown sensor" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,track,lat\n1,a,48\n")
    assert cli.main(["eval", str(basic[0]), str(bad)]) == 1
    assert "missing column" in capsys.readouterr().err
    bad.write_text("time_s,track,lat,lon\n1,a,48,x\n")
    assert cli.main(["eval", str(basic[0]), str(bad)]) == 1
    assert "line 2: lon is not a number" in capsys.readouterr().err
