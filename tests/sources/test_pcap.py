"""pcap / pcapng reading: both byte orders, micro/nanosecond and if_tsresol timestamps, several
interfaces, truncation at every byte, garbage."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.errors import DecodeError
from airpicture.sources import pcap
from airpicture.types import Rejects

PACKETS = [
    (1_700_000_000.25, b"\x01\x02\x03"),
    (1_700_000_001.5, b""),
    (1_700_000_002.000001, bytes(range(200))),
]


def read(data: bytes) -> tuple[list[pcap.Packet], Rejects]:
    rj = Rejects("t")
    return list(pcap.read_packets(data, rj)), rj


def test_pcap_write_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a.pcap"
    assert pcap.write_pcap(path, 105, PACKETS) == 3
    got = list(pcap.read_file(path))
    assert [p.data for p in got] == [d for _, d in PACKETS]
    assert [p.linktype for p in got] == [105] * 3
    assert [p.time_s for p in got] == pytest.approx([t for t, _ in PACKETS], abs=1e-6)


def test_big_endian_nanosecond_pcap() -> None:
    head = struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 256)
    rec = struct.pack(">IIII", 1_700_000_000, 123_456_789, 2, 2) + b"\xab\xcd"
    got, rj = read(head + rec)
    assert got == [pcap.Packet(pytest.approx(1_700_000_000.123456789), 256, b"\xab\xcd")]  # type: ignore[arg-type]
    assert rj.total == 0


def test_pcap_linktype_upper_bits_are_ignored() -> None:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 0x1000_0000 | 127)
    got, _ = read(head + struct.pack("<IIII", 1, 0, 1, 1) + b"x")
    assert got[0].linktype == 127


def test_pcapng_two_interfaces_round_trip() -> None:
    data = pcap.pcapng_bytes([251, 127], [(10.5, 0, b"ble"), (11.25, 1, b"wifi!"), (12.0, 0, bytes(7))])
    got, rj = read(data)
    assert [(p.linktype, p.data) for p in got] == [(251, b"ble"), (127, b"wifi!"), (251, bytes(7))]
    assert [p.time_s for p in got] == pytest.approx([10.5, 11.25, 12.0])
    assert rj.total == 0


def _block(end: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack(end + "II", btype, len(body) + 12) + body + struct.pack(end + "I", len(body) + 12)


@pytest.mark.parametrize("end", ["<", ">"])
def test_pcapng_byte_orders_tsresol_and_other_blocks(end: str) -> None:
    shb = _block(end, 0x0A0D0D0A, struct.pack(end + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack(end + "HH", 9, 1) + b"\x09\0\0\0" + struct.pack(end + "HH", 0, 0)  # if_tsresol 1e-9
    idb = _block(end, 1, struct.pack(end + "HHI", 256, 0, 0) + opts)
    ts = 1_700_000_000_123_456_789
    epb = _block(end, 6, struct.pack(end + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, 4, 4) + b"abcd")
    spb = _block(end, 3, struct.pack(end + "I", 3) + b"xyz")
    nrb = _block(end, 4, b"\0" * 8)  # name resolution: skipped
    got, rj = read(shb + idb + nrb + epb + spb)
    assert [p.data for p in got] == [b"abcd", b"xyz"]
    assert got[0].time_s == pytest.approx(1_700_000_000.123456789) and got[0].linktype == 256
    assert rj.total == 0


def test_pcapng_power_of_two_resolution_and_bad_interface() -> None:
    shb = _block("<", 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block("<", 1, struct.pack("<HHI", 105, 0, 0) + struct.pack("<HH", 9, 1) + b"\x8a\0\0\0")
    epb = _block("<", 6, struct.pack("<IIIII", 0, 0, 3 * 1024, 1, 1) + b"x")
    bad = _block("<", 6, struct.pack("<IIIII", 5, 0, 0, 1, 1) + b"y")
    got, rj = read(shb + idb + epb + bad)
    assert [p.time_s for p in got] == [3.0] and rj.counts == {"pcapng_packet": 1}


@pytest.mark.parametrize("kind", ["pcap", "pcapng"])
def test_truncation_at_every_byte_keeps_whole_packets(kind: str, tmp_path: Path) -> None:
    if kind == "pcap":
        pcap.write_pcap(tmp_path / "x", 105, PACKETS)
        data = (tmp_path / "x").read_bytes()
    else:
        data = pcap.pcapng_bytes([105], [(t, 0, d) for t, d in PACKETS])
    whole = read(data)[0]
    # record / block boundaries, walked by hand
    bounds, pos = set(), 24 if kind == "pcap" else 0
    while pos < len(data):
        bounds.add(pos)
        pos += (
            16 + struct.unpack_from("<I", data, pos + 8)[0]
            if kind == "pcap"
            else struct.unpack_from("<I", data, pos + 4)[0]
        )
    for cut in range(4, len(data)):
        try:
            got, rj = read(data[:cut])
        except DecodeError as e:
            assert e.reason == "pcap_truncated" and cut < 24
            continue
        assert got == whole[: len(got)]
        assert rj.counts == ({} if cut in bounds else {"pcap_truncated": 1}), cut


def test_not_a_capture_and_absurd_lengths() -> None:
    with pytest.raises(DecodeError) as e:
        pcap.read_packets(b"hello world, not a capture")
    assert e.value.reason == "pcap_magic"
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105)
    got, rj = read(head + struct.pack("<IIII", 0, 0, 10_000_000, 10_000_000))
    assert got == [] and rj.counts == {"pcap_record_length": 1}
    shb = _block("<", 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    got, rj = read(shb + struct.pack("<III", 6, 13, 0))
    assert rj.counts == {"pcapng_block_length": 1}
    got, rj = read(b"\x0a\x0d\x0d\x0a" + struct.pack("<I", 28) + b"\x00\x00\x00\x00" + bytes(16))
    assert rj.counts == {"pcapng_byte_order": 1}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a"]),
       st.binary(max_size=300))  # fmt: skip
def test_fuzz_reader_raises_only_decode_error(magic: bytes, rest: bytes) -> None:
    try:
        for p in pcap.read_packets(magic + rest, Rejects("t")):
            assert len(p.data) <= pcap.MAX_PACKET
    except DecodeError as e:
        assert e.reason.startswith("pcap")
