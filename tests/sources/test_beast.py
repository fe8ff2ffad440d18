"""Beast framing on a real dump1090 capture, at every chunk boundary, and on garbage."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import rs1090
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.beast import BeastParser, encode_beast

DATA = Path(__file__).parent.parent / "data" / "modes"


@pytest.fixture(scope="module")
def capture() -> bytes:
    return gzip.decompress((DATA / "sample_dump1090.bin.gz").read_bytes())


def test_every_frame_of_the_capture_parses(capture: bytes) -> None:
    p = BeastParser()
    f = p.feed(capture)
    p.close()
    assert len(f) == 239  # the file holds 239 '2'/'3' frames (counted with xxd by hand)
    assert p.rejects.total == 0
    assert all(len(h) in (14, 28) for h in f.hex)
    assert None not in rs1090.decode(f.hex)  # every one decodes (DF17/DF11 CRCs check)
    assert np.all(np.diff(f.time_s) >= 0) and f.time_s[0] == 0.0
    assert ((f.signal > 0) & (f.signal <= 1)).all()


def test_escaped_bytes_are_unescaped(capture: bytes) -> None:
    # the capture has 0x1a inside counters and payloads: the frame at 0x10 has "1a 1a" in its counter
    assert capture.count(b"\x1a\x1a") > 0
    f = BeastParser().feed(capture)
    assert encode_beast(f.time_s, f.hex)[2:] != b""
    again = BeastParser().feed(encode_beast(f.time_s, f.hex))
    assert again.hex == f.hex
    np.testing.assert_allclose(again.time_s, f.time_s, atol=1e-7)


def test_frames_cut_at_byte_boundaries(capture: bytes) -> None:
    whole = BeastParser().feed(capture).hex
    for cut in [*range(1, 300), *range(300, len(capture), 3)]:  # every byte of the first frames
        p = BeastParser()
        got = p.feed(capture[:cut]).hex + p.feed(capture[cut:]).hex
        assert got == whole, cut
        assert p.rejects.total == 0


def test_one_byte_at_a_time(capture: bytes) -> None:
    p = BeastParser()
    got = [h for i in range(len(capture)) for h in p.feed(capture[i : i + 1]).hex]
    assert got == BeastParser().feed(capture).hex


def test_truncated_file_keeps_every_whole_frame(capture: bytes) -> None:
    whole = BeastParser().feed(capture).hex
    p = BeastParser()
    got = p.feed(capture[:-5]).hex
    p.close()
    assert got == whole[:-1]
    assert p.rejects.counts["truncated"] == 1


def test_garbage_between_frames_is_counted_and_skipped(capture: bytes) -> None:
    whole = BeastParser().feed(capture).hex
    p = BeastParser()
    got = p.feed(b"\x00\x01junk" + capture[:200] + b"\x1a\x39xxxx" + capture[200:]).hex
    assert p.rejects.counts["beast_sync"] >= 1 and p.rejects.counts["beast_type"] == 1
    assert set(got) <= set(whole) and len(got) >= len(whole) - 2


def test_status_and_mode_ac_frames_are_not_mode_s() -> None:
    ac = b"\x1a1" + bytes(6) + b"\x10" + b"\x12\x34"
    status = b"\x1a4" + bytes(6) + b"\x00" + bytes(14)
    long = encode_beast(np.array([0.0]), ["8d4840d6202cc371c32ce0576098"])
    p = BeastParser()
    f = p.feed(ac + long + status + long)
    assert f.hex == ["8d4840d6202cc371c32ce0576098"] * 2
    assert p.notes["mode_ac"] == 1 and p.notes["status"] == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 400))
def test_fuzz_never_raises(data: bytes, cut: int) -> None:
    p = BeastParser(live=True)
    frames = p.feed(data[:cut])
    frames2 = p.feed(data[cut:])
    for f in (frames, frames2, p.close()):
        assert len(f.time_s) == len(f.hex) == len(f.signal)
        assert all(len(h) in (14, 28) for h in f.hex)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(min_size=7, max_size=7), st.binary(min_size=14, max_size=14)),
                max_size=30), st.integers(1, 50))  # fmt: skip
def test_roundtrip_any_payload_any_chunking(payloads: list[bytes], size: int) -> None:
    hexes = [b.hex() for b in payloads]
    t = np.arange(len(hexes)) * 0.1
    data = encode_beast(t, hexes)
    p = BeastParser()
    got = [h for i in range(0, len(data), size) for h in p.feed(data[i : i + size]).hex]
    got += p.close().hex  # a last frame ending in an escaped 0x1a is only known complete at the end
    assert got == hexes
    assert p.rejects.total == 0
