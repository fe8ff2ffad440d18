"""Read (and write) pcap and pcapng captures, standard library only.

pcap: a 24-byte global header (magic a1b2c3d4 for microseconds or a1b23c4d for nanoseconds, in
either byte order, then the link type) and records of ``[ts_sec][ts_frac][incl_len][orig_len]``.
pcapng: blocks ``[type][total length]...[total length]``; a Section Header (0x0A0D0D0A) fixes the
byte order, Interface Description blocks (1) give each interface's link type and ``if_tsresol``,
Enhanced (6), Simple (3) and the obsolete Packet (2) blocks carry packets. Other blocks are skipped.

btsnoop (Android's "Bluetooth HCI snoop log", BlueZ btmon): "btsnoop\0", version 1, a datalink
(1001 unencapsulated HCI, 1002 H4), then records ``[original length][included length][flags]
[drops][time: int64 microseconds since 0000-01-01]``, all big-endian. Its packets are given as
link type 187 (H4); an unencapsulated event (flags 3) gets its H4 type byte.

A capture that ends mid-record (a sniffer killed while writing) yields every whole packet and
counts one ``pcap_truncated`` reject; a file that is not a capture at all raises DecodeError.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from airpicture.errors import DecodeError
from airpicture.types import Rejects

LINKTYPE_IEEE802_11 = 105
LINKTYPE_IEEE802_11_RADIOTAP = 127
LINKTYPE_BLUETOOTH_LE_LL = 251
LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256
LINKTYPE_BLUETOOTH_HCI_H4 = 187
LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR = 201
LINKTYPE_NORDIC_BLE = 272
BTSNOOP_MAGIC = b"btsnoop\0"
#: microseconds from 0000-01-01 (btsnoop's epoch) to 1970-01-01
_BTSNOOP_EPOCH_US = 0x00DCDDB30F2F8000

#: Larger records are corrupt: no link layer we read comes near it, and it bounds memory.
MAX_PACKET = 262_144

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
_SHB = 0x0A0D0D0A
_BOM = 0x1A2B3C4D


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured packet: time_s UTC epoch seconds, the link type and the captured bytes."""

    time_s: float
    linktype: int
    data: bytes


def is_capture(head: bytes) -> bool:
    """True when the first bytes look like a pcap, pcapng or btsnoop file."""
    return head[:4] in _PCAP_MAGICS or head[:4] == b"\x0a\x0d\x0d\x0a" or head[:8] == BTSNOOP_MAGIC


def read_packets(data: bytes, rejects: Rejects | None = None) -> Iterator[Packet]:
    """Iterate over the packets of a pcap or pcapng capture held in memory."""
    if len(data) < 4 or not is_capture(data):
        raise DecodeError("pcap_magic", data[:8], "pcap")
    rj = rejects if rejects is not None else Rejects("pcap")
    if data[:8] == BTSNOOP_MAGIC:
        return _read_btsnoop(memoryview(data), rj)
    if data[:4] in _PCAP_MAGICS:
        return _read_pcap(memoryview(data), rj)
    return _read_pcapng(memoryview(data), rj)


def read_file(path: str | Path, rejects: Rejects | None = None) -> Iterator[Packet]:
    """Iterate over the packets of a pcap or pcapng file."""
    return read_packets(Path(path).read_bytes(), rejects)


def _read_pcap(buf: memoryview, rj: Rejects) -> Iterator[Packet]:
    if len(buf) < 24:
        raise DecodeError("pcap_truncated", bytes(buf), "pcap")
    end, frac = _PCAP_MAGICS[bytes(buf[:4])]
    linktype = struct.unpack_from(end + "I", buf, 20)[0] & 0x0FFFFFFF  # upper bits: FCS info
    rec = struct.Struct(end + "IIII")
    pos = 24
    while pos < len(buf):
        if pos + 16 > len(buf):
            rj.add("pcap_truncated")
            return
        sec, sub, incl, _ = rec.unpack_from(buf, pos)
        if incl > MAX_PACKET:
            rj.add("pcap_record_length")
            return
        if pos + 16 + incl > len(buf):
            rj.add("pcap_truncated")
            return
        yield Packet(sec + sub * frac, linktype, bytes(buf[pos + 16 : pos + 16 + incl]))
        pos += 16 + incl


def _read_btsnoop(buf: memoryview, rj: Rejects) -> Iterator[Packet]:
    if len(buf) < 16:
        raise DecodeError("pcap_truncated", bytes(buf), "pcap")
    version, datalink = struct.unpack_from(">II", buf, 8)
    if version != 1 or datalink not in (1001, 1002):
        raise DecodeError("btsnoop_datalink", bytes(buf[:16]), "pcap")
    pos = 16
    while pos < len(buf):
        if pos + 24 > len(buf):
            rj.add("pcap_truncated")
            return
        _, incl, flags, _, ts = struct.unpack_from(">IIIIq", buf, pos)
        if incl > MAX_PACKET:
            rj.add("pcap_record_length")
            return
        if pos + 24 + incl > len(buf):
            rj.add("pcap_truncated")
            return
        data = bytes(buf[pos + 24 : pos + 24 + incl])
        pos += 24 + incl
        if datalink == 1001:  # flags bit 1: command / event, bit 0: received; events are both
            data = (b"\x04" if flags & 3 == 3 else b"\x01" if flags & 2 else b"\x02") + data
        yield Packet((ts - _BTSNOOP_EPOCH_US) * 1e-6, LINKTYPE_BLUETOOTH_HCI_H4, data)


def btsnoop_bytes(packets: Iterable[tuple[float, bytes]]) -> bytes:
    """A btsnoop file (datalink 1002, H4) of (time_s, H4 packet) records, as Android writes its
    HCI snoop log (flags 3: a received event)."""
    out = [BTSNOOP_MAGIC + struct.pack(">II", 1, 1002)]
    for t, data in packets:
        ts = round(t * 1e6) + _BTSNOOP_EPOCH_US
        out.append(struct.pack(">IIIIq", len(data), len(data), 3, 0, ts) + data)
    return b"".join(out)


def _tsresol(options: memoryview, end: str) -> float:
    """The if_tsresol option (code 9) of an Interface Description block; default microseconds."""
    pos = 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(end + "HH", options, pos)
        if code == 0:
            break
        if code == 9 and length >= 1 and pos + 5 <= len(options):
            v = options[pos + 4]
            return 2.0 ** -(v & 0x7F) if v & 0x80 else 10.0 ** -(v & 0x7F)
        pos += 4 + ((length + 3) & ~3)
    return 1e-6


def _read_pcapng(buf: memoryview, rj: Rejects) -> Iterator[Packet]:
    end = "<"
    ifaces: list[tuple[int, float]] = []
    pos = 0
    while pos < len(buf):
        if pos + 12 > len(buf):
            rj.add("pcap_truncated")
            return
        if struct.unpack_from("<I", buf, pos)[0] == _SHB:
            bom = bytes(buf[pos + 8 : pos + 12])
            if bom == _BOM.to_bytes(4, "little"):
                end = "<"
            elif bom == _BOM.to_bytes(4, "big"):
                end = ">"
            else:
                rj.add("pcapng_byte_order")
                return
            ifaces = []  # interface ids are per section
        btype, blen = struct.unpack_from(end + "II", buf, pos)
        if blen < 12 or blen % 4 or blen > MAX_PACKET + 64:
            rj.add("pcapng_block_length")
            return
        if pos + blen > len(buf):
            rj.add("pcap_truncated")
            return
        body = buf[pos + 8 : pos + blen - 4]
        pos += blen
        if btype == 1 and len(body) >= 8:
            linktype = struct.unpack_from(end + "H", body, 0)[0]
            ifaces.append((linktype, _tsresol(body[8:], end)))
        elif btype in (6, 2) and len(body) >= 20:
            if btype == 6:
                iface, hi, lo, cap, _ = struct.unpack_from(end + "IIIII", body, 0)
            else:
                iface, _, hi, lo, cap, _ = struct.unpack_from(end + "HHIIII", body, 0)
            if iface >= len(ifaces) or 20 + cap > len(body):
                rj.add("pcapng_packet")
                continue
            linktype, res = ifaces[iface]
            yield Packet(((hi << 32) | lo) * res, linktype, bytes(body[20 : 20 + cap]))
        elif btype == 3 and len(body) >= 4:
            if not ifaces:
                rj.add("pcapng_packet")
                continue
            orig = struct.unpack_from(end + "I", body, 0)[0]
            yield Packet(float("nan"), ifaces[0][0], bytes(body[4 : 4 + min(orig, len(body) - 4)]))


# ------------------------------------------------------------------------------------ write


def write_pcap(path: str | Path, linktype: int, packets: Iterable[tuple[float, bytes]]) -> int:
    """Write a little-endian microsecond pcap file; returns the number of packets written."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    n = 0
    for t, data in packets:
        usec = round(t * 1e6)
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(data), len(data)) + data)
        n += 1
    Path(path).write_bytes(b"".join(out))
    return n


def pcapng_bytes(interfaces: list[int], packets: Iterable[tuple[float, int, bytes]]) -> bytes:
    """A little-endian pcapng capture: one interface per link type given, packets as
    (time_s, interface index, data) in Enhanced Packet blocks with microsecond timestamps."""

    def block(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = [block(_SHB, struct.pack("<IHHq", _BOM, 1, 0, -1))]
    out += [block(1, struct.pack("<HHI", lt, 0, 65535)) for lt in interfaces]
    for t, iface, data in packets:
        ts = round(t * 1e6)
        out.append(
            block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data)
        )
    return b"".join(out)


__all__ = [
    "BTSNOOP_MAGIC",
    "LINKTYPE_BLUETOOTH_HCI_H4",
    "LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR",
    "LINKTYPE_BLUETOOTH_LE_LL",
    "LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR",
    "LINKTYPE_IEEE802_11",
    "LINKTYPE_IEEE802_11_RADIOTAP",
    "LINKTYPE_NORDIC_BLE",
    "MAX_PACKET",
    "Packet",
    "btsnoop_bytes",
    "is_capture",
    "pcapng_bytes",
    "read_file",
    "read_packets",
    "write_pcap",
]
