"""`airpicture warm`: the warm-up reaches every kernel, for every argument type, that a whole run
uses, so a run after it compiles nothing; the status line prints lines, not carriage returns, into
a log."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from airpicture.cli.main import main
from airpicture.cli.status import StatusLine
from airpicture.cli.warm import BUNDLED, is_warm, kernels, warm_pipeline

FRAMES = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"


def signatures() -> set[tuple[str, str]]:
    return {(k.py_func.__qualname__, str(s)) for k in kernels() for s in k.signatures}


def live_feed() -> None:
    """A real Mode S recording through the live path (`run --out`, `console --beast`)."""
    from airpicture.assess import TrackAssessor
    from airpicture.integrity import TrackIntegrity
    from airpicture.sensors import live_receivers
    from airpicture.sources.replay import decode_file
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.windows import FeedWindows

    site = (49.0097, 2.5479, 0.0)
    table, src = decode_file(FRAMES, receiver=site[:2])
    reports = src.stream.reports(table)
    sheets = live_receivers(["beast:test"], *site)
    trk, integrity = ImmGnnTracker(sheets, site), TrackIntegrity(sheets, site, placed=False)
    assessor = TrackAssessor(sheets, {"lat": site[0], "lon": site[1], "alt_m": 0.0}, [])
    windows = FeedWindows(1.0)
    for batch in np.array_split(reports, max(1, len(reports) // 200)):
        window = windows.add(batch)
        if window is not None:
            integrity.observe(window)
            assessor.update(integrity.judge(trk.step(window)))


def test_a_whole_run_after_the_warm_up_compiles_nothing(tmp_path: Path) -> None:
    warm_pipeline()
    before = signatures()
    assert len(before) > 20  # the kernels the stages call (their callees load with them from the cache)
    assert (
        main(["track", str(BUNDLED), "--out", str(tmp_path / "t.csv"), "--alerts", str(tmp_path / "a.csv")])
        == 0
    )
    live_feed()
    assert signatures() - before == set()
    assert is_warm()  # `track` ran ensure_compiled, which leaves its stamp


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_line_rewrites_a_terminal_and_prints_lines_into_a_log() -> None:
    tty, log = Terminal(), io.StringIO()
    for out in (tty, log):
        line = StatusLine(out, every_s=3600.0)
        for i in range(3):
            line.show(f"step {i}")
        line.show("last", force=True)
        line.end()
    assert tty.getvalue() == "\rstep 0\x1b[K\rstep 1\x1b[K\rstep 2\x1b[K\rlast\x1b[K\n"
    assert log.getvalue() == "step 0\nlast\n"  # throttled to every_s, the last one forced; no \r
