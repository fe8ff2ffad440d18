"""`airpicture demo`: track the bundled real Paris scenario and print the figures."""

from __future__ import annotations

import argparse
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "paris"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="out", help="folder for tracks.csv and the plot (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import main

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return main(["track", str(BUNDLED), "--out", str(out / "tracks.csv")])
