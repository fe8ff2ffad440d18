"""JSON-lines frames: the real CDG file, cut anywhere; malformed lines counted."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.jsonl import JsonlParser
from airpicture.sources.live import ModesStream

DATA = Path(__file__).parent.parent / "data" / "modes"


def test_whole_file_in_odd_chunks() -> None:
    data = gzip.decompress((DATA / "raw_frames_cdg.jsonl.gz").read_bytes())
    p = JsonlParser()
    n = sum(len(p.feed(data[i : i + 4099])) for i in range(0, len(data), 4099)) + len(p.close())
    assert n == 57_793 and p.rejects.total == 0


def test_bad_lines_are_counted() -> None:
    p = JsonlParser()
    lines = [
        b'{"timestamp": 1.5, "frame": "8d4840d6202cc371c32ce0576098"}',
        b"not json",
        b"[1, 2]",
        b'{"timestamp": 1.5}',
        b'{"timestamp": "x", "frame": "8d4840d6202cc371c32ce0576098"}',
        b'{"timestamp": NaN, "frame": "8d4840d6202cc371c32ce0576098"}',
        b'{"timestamp": 2, "frame": 12}',
    ]
    f = p.feed(b"\n".join(lines) + b"\n")
    assert f.hex == ["8d4840d6202cc371c32ce0576098"] and f.time_s.tolist() == [1.5]
    assert p.rejects.counts == {"jsonl_syntax": 2, "jsonl_frame": 2, "jsonl_timestamp": 2}


def test_truncated_last_line() -> None:
    p = JsonlParser()
    p.feed(b'{"timestamp": 1.5, "frame": "8d4840d6202cc371c32ce0576098"}\n{"timestamp": 2.5, "fra')
    assert len(p.close()) == 0 and p.rejects.counts["truncated"] == 1
    q = JsonlParser()
    q.feed(b'{"timestamp": 1.5, "frame": "8d4840d6202cc371c32ce0576098"}')
    assert q.close().hex == ["8d4840d6202cc371c32ce0576098"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=80), st.text(max_size=80).map(str.encode),
                          st.builds(lambda f, t: f'{{"frame": "{f}", "timestamp": {t}}}'.encode(),
                                    st.text("0123456789abcdefXZ", max_size=30),
                                    st.floats(allow_nan=False, allow_infinity=False))),
                max_size=10))  # fmt: skip
def test_fuzz_never_raises(lines: list[bytes]) -> None:
    s = ModesStream("jsonl")
    table = s.feed(b"\n".join(lines))
    table = np.concatenate([table, s.close()])
    assert len(table) <= len(lines)
