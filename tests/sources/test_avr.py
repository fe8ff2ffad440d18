"""AVR hex lines: real frames written as AVR decode like the originals; bad lines are counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.avr import AvrParser
from airpicture.sources.live import ModesStream

DATA = Path(__file__).parent.parent / "data" / "modes"


def _frames(n: int = 3000) -> list[dict]:
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        return [json.loads(next(f)) for _ in range(n)]


def test_avr_with_mlat_counter_decodes_like_the_original_frames() -> None:
    rows = _frames()
    t0 = rows[0]["timestamp"]
    text = "".join(f"@{round((r['timestamp'] - t0) * 12e6):012X}{r['frame'].upper()};\r\n" for r in rows)
    s = ModesStream("avr", receiver=(49.0097, 2.5479), t0=t0)
    # in uneven chunks, so lines are cut everywhere
    data = text.encode()
    tables = [s.feed(data[i : i + 997]) for i in range(0, len(data), 997)]
    tables.append(s.close())
    table = np.concatenate(tables)
    assert len(table) == len(rows) and s.rejects.total == 0
    np.testing.assert_allclose(table["time_s"], [r["timestamp"] for r in rows], atol=1e-6)
    ref = [i for i, r in enumerate(rows) if "latitude" in r]
    np.testing.assert_allclose(table["lat"][ref], [rows[i]["latitude"] for i in ref], atol=1e-5)


def test_plain_avr_lines_and_bad_lines() -> None:
    p = AvrParser(t0=100.0)
    f = p.feed(b"*8d4840d6202cc371c32ce0576098;\n8d4840d6;\n*nothex;\n@zz;\n\n*5d4840d6202cc3;\n*8d48")
    assert f.hex == ["8d4840d6202cc371c32ce0576098", "nothex", "5d4840d6202cc3"]  # hex checked downstream
    assert p.rejects.counts["avr_syntax"] == 2
    assert (f.time_s == 100.0).all()
    p.close()
    assert p.rejects.counts["truncated"] == 1


def test_last_line_without_newline_counts() -> None:
    p = AvrParser()
    assert p.feed(b"*8d4840d6202cc371c32ce0576098;").hex == []
    assert p.close().hex == ["8d4840d6202cc371c32ce0576098"]


def test_bad_hex_is_rejected_by_the_decoder_not_passed_to_rs1090() -> None:
    s = ModesStream("avr")
    table = s.feed(b"*8d4840d6202cc371c32ce0576098;\n*zz4840d6202cc371c32ce0576098;\n*8d48;\n")
    assert len(table) == 1 and s.rejects.counts == {"hex": 1, "length": 1}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_never_raises(data: bytes) -> None:
    s = ModesStream("avr", live=True)
    s.feed(data)
    s.close()


def test_a_line_without_end_longer_than_any_frame_is_a_counted_reject() -> None:
    from airpicture.sources.avr import MAX_LINE

    p = AvrParser()
    p.feed(b"*" + b"A" * (MAX_LINE + 10))  # no newline and already longer than any AVR line
    assert p.rejects.counts["avr_oversize"] == 1
    p.feed(b"\n*8D4CA1B2;\n")  # the stream goes on afterwards
    assert p.rejects.counts["avr_oversize"] == 1
