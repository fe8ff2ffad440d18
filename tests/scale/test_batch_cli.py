"""`airpicture track --ray / --workers`: what the command line takes and refuses, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from airpicture.cli.main import build_parser, main

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


def parse(*argv: str):
    return build_parser("track").parse_args(["track", *argv])


def test_ray_takes_an_address_or_lets_the_folder_be_an_input() -> None:
    from airpicture.cli.track_ray import chunked

    args = parse("--ray", str(PARIS), "--out", "x")
    assert chunked(args) and args.ray == "" and args.scenario == [str(PARIS)]
    args = parse("--ray", "10.0.0.5:6379", str(PARIS), "--workers", "4")
    assert chunked(args) and args.ray == "10.0.0.5:6379" and args.workers == 4
    assert not chunked(parse(str(PARIS)))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        ([str(PARIS), str(PARIS)], "several scenario folders need --ray"),
        (["--workers", "2", str(PARIS), "--alerts", "a.csv"], "--alerts: not with --ray"),
        (["--workers", "0", str(PARIS)], "--workers must be at least 1"),
        (["--workers", "2", str(PARIS), str(PARIS), "--out", "t.csv"], "a tracks.csv takes one input"),
    ],
)
def test_what_a_chunked_run_refuses(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["track", *argv]) == 1
    assert said in capsys.readouterr().err
