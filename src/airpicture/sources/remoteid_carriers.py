"""Where Remote ID messages travel: BLE advertisements, Wi-Fi beacons and Wi-Fi NaN frames.

BLE (legacy advertising, one message; BLE 5 extended advertising, a message pack)::

    AD structure  [len][0x16 service data][0xFA 0xFF = UUID 0xFFFA][0x0D app code][counter][message]

Wi-Fi beacon: a vendor-specific element ``[0xDD][len][FA 0B BC][0x0D][counter][message pack]``.
Wi-Fi NaN: a public action frame (category 4, action 9, OUI 50 6F 9A type 0x13) whose Service
Descriptor attribute (id 3) names service id 88 69 19 9D 92 09 (the first 6 bytes of
SHA-256("org.opendroneid.remoteid")) and carries ``[counter][message pack]`` as service info.
(Layouts as built and parsed by opendroneid-core-c ``wifi.c`` and the Open Drone ID Wireshark
dissector.)

The French national beacon (a Wi-Fi beacon element of OUI 6A:5C:35) is read too
(``remoteid_fr``; transport ``wifi_fr``).

Link layers read from captures: 802.11 (105), radiotap (127), BLE LL (251), BLE LL with the
10-byte PHDR of the Ubertooth / btlejack sniffers (256), the nRF Sniffer for Bluetooth LE (272),
and Bluetooth HCI as a phone or a USB dongle logs it: H4 (187), H4 with a direction header (201),
and Android / BlueZ btsnoop files (read by ``pcap``), whose LE Advertising Report events (legacy
0x02 and extended 0x0D) carry the advertising data. Also JSON lines of hex messages.
Packets failing the BLE CRC or the 802.11 FCS (where the capture carries one) are dropped.

nRF Sniffer (link type 272, Wireshark ``packet-nordic_ble.c``)::

    [board][payload length:2 LE][protocol version][packet counter:2][packet id]
    [header length][flags][channel][RSSI][event counter:2][timestamp:4] then the LL packet
    flags: bit 0 CRC OK, bits 4-6 PHY (2 = LE Coded: a coding-indicator byte follows the access
    address); packet id 2 / 6 = a received PDU (protocol versions 2 and 3)
Pure functions raise DecodeError; ``RemoteIdReader`` counts them by reason and goes on.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from airpicture.errors import DecodeError, InputError, RecordError, SourceError
from airpicture.sources import pcap
from airpicture.sources.remoteid import Frame, RemoteIdRegistry, frame_of
from airpicture.sources.remoteid_fr import FR_OUI, decode_fr_beacon
from airpicture.types import Rejects, SourceStats

ADV_ACCESS_ADDRESS = 0x8E89BED6
ASTM_UUID = 0xFFFA
ODID_APP_CODE = 0x0D
ASD_STAN_OUI = b"\xfa\x0b\xbc"
PARROT_OUI = b"\x90\x3a\xe6"  # early Parrot beacons, accepted by the Wireshark dissector
WFA_OUI = b"\x50\x6f\x9a"
NAN_SERVICE_ID = bytes.fromhex("8869199d9209")
NAN_CLUSTER_ID = bytes.fromhex("506f9a0100ff")
NAN_DEST = bytes.fromhex("516f9a010000")
_ADV_AA = struct.pack("<I", ADV_ACCESS_ADDRESS)


def _err(reason: str, raw: bytes | memoryview) -> DecodeError:
    return DecodeError(reason, bytes(raw[:64]), "remoteid")


def _mac(b: bytes | memoryview, reverse: bool = False) -> str:
    raw = bytes(b)[::-1] if reverse else bytes(b)
    return ":".join(f"{x:02X}" for x in raw)


def _odid(payload: bytes | memoryview) -> tuple[int, bytes]:
    """[counter][message or pack] -> (counter, the message bytes)."""
    if len(payload) < 2:
        raise _err("rid_truncated", payload)
    return payload[0], bytes(payload[1:])


# ---------------------------------------------------------------------------------------- BLE


def _crc_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0xDA6000 if c & 1 else 0)
        table.append(c)
    return tuple(table)


_CRC_TABLE = _crc_table()


def ble_crc(pdu: bytes, init: int = 0x555555) -> bytes:
    """The 24-bit BLE link-layer CRC of a PDU (header + payload), as sent on air (3 bytes).

    The register shifts right (bits go out LSB first) with the reflected polynomial 0xDA6000 of
    x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1, starting from the bit-reversed init value;
    a byte at a time through a table.
    """
    state = int(f"{init:024b}"[::-1], 2)
    for byte in pdu:
        state = (state >> 8) ^ _CRC_TABLE[(state ^ byte) & 0xFF]
    return state.to_bytes(3, "little")


def ad_service_data(ad: bytes | memoryview) -> tuple[int, bytes]:
    """The Remote ID service data in BLE advertising data: (counter, message or pack bytes)."""
    pos = 0
    while pos < len(ad):
        n = ad[pos]
        if n == 0:
            break
        if pos + 1 + n > len(ad):
            raise _err("ble_ad_truncated", ad)
        if (
            n >= 4
            and ad[pos + 1] == 0x16
            and ad[pos + 2] | ad[pos + 3] << 8 == ASTM_UUID
            and (ad[pos + 4] == ODID_APP_CODE)
        ):
            return _odid(ad[pos + 5 : pos + 1 + n])
        pos += 1 + n
    raise _err("not_remoteid", ad)


def decode_ble_pdu(pdu: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """An advertising-channel PDU (2-byte header + payload, no access address, no CRC)."""
    if len(pdu) < 2:
        raise _err("ble_truncated", pdu)
    kind, length = pdu[0] & 0x0F, pdu[1]
    payload = pdu[2 : 2 + length]
    if len(payload) < length:
        raise _err("ble_truncated", pdu)
    if kind in (0, 2, 4, 6):  # ADV_IND, ADV_NONCONN_IND, SCAN_RSP, ADV_SCAN_IND
        if length < 6:
            raise _err("ble_truncated", pdu)
        address, ad, transport = _mac(payload[:6], reverse=True), payload[6:], "ble4"
    elif kind == 7:  # extended: AUX_ADV_IND / AUX_CHAIN_IND / ADV_EXT_IND
        if length < 1:
            raise _err("ble_truncated", pdu)
        hlen = payload[0] & 0x3F
        if 1 + hlen > length:
            raise _err("ble_ext_header", pdu)
        header, ad, transport, address = payload[1 : 1 + hlen], payload[1 + hlen :], "ble5", ""
        if hlen and header[0] & 0x01 and hlen >= 7:
            address = _mac(header[1:7], reverse=True)
    else:
        raise _err("not_remoteid", pdu)
    counter, body = ad_service_data(ad)
    return frame_of(time_s, transport, address, counter, body)


def decode_ble_ll(ll: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """A BLE link-layer packet: access address (4) + PDU + CRC (3), as in link type 251.
    A packet whose CRC does not check is dropped (``ble_bad_crc``): its fields cannot be trusted."""
    if len(ll) < 6:
        raise _err("ble_truncated", ll)
    if bytes(ll[:4]) != _ADV_AA:
        raise _err("not_remoteid", ll)
    end = 6 + ll[5]
    if len(ll) >= end + 3 and ble_crc(bytes(ll[4:end])) != bytes(ll[end : end + 3]):
        raise _err("ble_bad_crc", ll)
    return decode_ble_pdu(ll[4:], time_s)


def decode_ble_phdr(buf: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """Link type 256: a 10-byte pseudo-header (channel, powers, flags) then the LL packet.
    Flags 0x0400 "CRC checked" without 0x0800 "CRC valid" mean a damaged packet."""
    if len(buf) < 10:
        raise _err("ble_truncated", buf)
    if buf[8] & 0x04 and not buf[8] & 0x08:
        raise _err("ble_bad_crc", buf)
    return decode_ble_ll(buf[10:], time_s)


def ble_adv_pdu(address: str, counter: int, message: bytes, extended: bool = False) -> bytes:
    """An advertising PDU carrying Remote ID: ADV_NONCONN_IND (legacy, one 25-byte message) or,
    with extended, an AUX_ADV_IND carrying a message pack. Random address (TxAdd = 1)."""
    adva = bytes.fromhex(address.replace(":", ""))[::-1]
    service = bytes([len(message) + 5, 0x16, 0xFA, 0xFF, ODID_APP_CODE, counter & 0xFF]) + message
    ext = bytes([0x01]) + adva  # extended header flags: AdvA present
    payload = bytes([len(ext)]) + ext + service if extended else adva + service
    if len(payload) > 255:
        raise RecordError("ble_too_long", len(payload), "remoteid")
    return bytes([0x47 if extended else 0x42, len(payload)]) + payload


def ble_ll(pdu: bytes) -> bytes:
    """The link-layer packet of an advertising PDU: access address + PDU + CRC."""
    return _ADV_AA + pdu + ble_crc(pdu)


def ble_phdr(ll: bytes, channel: int = 37, rssi_dbm: int = -60) -> bytes:
    """Link type 256 framing: RF channel, signal power, noise power, AA offenses, reference AA,
    flags (0x0013 = dewhitened, signal power valid, reference AA valid; CRC not checked)."""
    rf = {37: 0, 38: 12, 39: 39}.get(channel, channel)
    return struct.pack("<BbbBIH", rf, rssi_dbm, -100, 0, ADV_ACCESS_ADDRESS, 0x0013) + ll


# -------------------------------------------------------------------------------------- Wi-Fi


def strip_fcs(mpdu: bytes | memoryview) -> bytes:
    """The frame without its trailing FCS when the last 4 bytes are a valid CRC-32 of the rest."""
    b = bytes(mpdu)
    if len(b) > 4 and zlib.crc32(b[:-4]) == int.from_bytes(b[-4:], "little"):
        return b[:-4]
    return b


def _radiotap_flags(buf: bytes | memoryview, n: int) -> int:
    """The radiotap Flags field (present bit 1), 0 when absent. It follows the present words and
    TSFT (bit 0, 8 bytes aligned to 8)."""
    present = int.from_bytes(buf[4:8], "little")
    pos = 8
    while int.from_bytes(buf[pos - 4 : pos], "little") & 0x8000_0000:  # another present word
        pos += 4
        if pos > n:
            raise _err("radiotap_truncated", buf)
    if present & 0x01:
        pos = (pos + 7) // 8 * 8 + 8
    return buf[pos] if present & 0x02 and pos < n else 0


def decode_radiotap(buf: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """Link type 127: a radiotap header (its length at bytes 2-3) then an 802.11 frame. Frames the
    receiver flags as failing the FCS (0x40), or whose included FCS (0x10) does not check, are
    dropped (``wifi_bad_fcs``)."""
    if len(buf) < 8:
        raise _err("radiotap_truncated", buf)
    n = buf[2] | buf[3] << 8
    if n < 8 or n > len(buf):
        raise _err("radiotap_truncated", buf)
    flags = _radiotap_flags(buf, n)
    mpdu = buf[n:]
    if flags & 0x40 or (flags & 0x10 and len(strip_fcs(mpdu)) == len(mpdu)):
        raise _err("wifi_bad_fcs", buf[:16])
    return decode_wifi(mpdu, time_s)


def _elements(ies: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos + 2 <= len(ies):
        eid, n = ies[pos], ies[pos + 1]
        if pos + 2 + n > len(ies):
            return  # a torn last element (or an FCS we could not recognise) ends the list
        yield eid, ies[pos + 2 : pos + 2 + n]
        pos += 2 + n


def _beacon(body: bytes) -> tuple[int, bytes] | bytes:
    """(counter, message bytes) of an ASTM / ASD-STAN element, else the value of a French
    beacon element (decoded by remoteid_fr)."""
    french: bytes | None = None
    for eid, value in _elements(body[12:]):  # after timestamp, interval, capabilities
        if (
            eid == 0xDD
            and len(value) >= 4
            and value[:3] in (ASD_STAN_OUI, PARROT_OUI)
            and (value[3] == ODID_APP_CODE)
        ):
            return _odid(value[4:])
        if eid == 0xDD and value[:3] == FR_OUI and french is None:
            french = value
    if french is not None:
        return french
    raise _err("not_remoteid", body[:16])


def _nan(body: bytes) -> tuple[int, bytes]:
    if len(body) < 6 or body[0] != 0x04 or body[1] != 0x09 or body[2:5] != WFA_OUI or body[5] != 0x13:
        raise _err("not_remoteid", body[:8])
    pos = 6
    while pos + 3 <= len(body):
        aid, n = body[pos], body[pos + 1] | body[pos + 2] << 8
        attr = body[pos + 3 : pos + 3 + n]
        if len(attr) < n:
            raise _err("nan_truncated", body[pos : pos + 8])
        pos += 3 + n
        if aid != 0x03 or len(attr) < 9 or attr[:6] != NAN_SERVICE_ID:
            continue
        control, p = attr[8], 9
        if control & 0x40:  # binding bitmap
            p += 2
        for bit in (0x04, 0x08):  # matching filter, service response filter
            if control & bit:
                if p >= len(attr):
                    raise _err("nan_truncated", attr)
                p += 1 + attr[p]
        if not control & 0x10 or p >= len(attr):
            raise _err("nan_no_service_info", attr)
        info = attr[p + 1 : p + 1 + attr[p]]
        if len(info) < attr[p]:
            raise _err("nan_truncated", attr)
        return _odid(info)
    raise _err("not_remoteid", body[:8])


def decode_wifi(mpdu: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """An 802.11 management frame (link type 105), with or without its FCS."""
    b = strip_fcs(mpdu)
    if len(b) < 24:
        raise _err("wifi_truncated", b)
    if (b[0] >> 2) & 0x03 != 0:
        raise _err("not_remoteid", b[:2])
    subtype, address, body = b[0] >> 4, _mac(b[10:16]), b[24:]
    if subtype in (8, 5):  # beacon, probe response
        if len(body) < 12:
            raise _err("wifi_truncated", b)
        found = _beacon(body)
        if isinstance(found, bytes):
            return Frame(time_s, "wifi_fr", address, -1, decode_fr_beacon(found))
        (counter, data), transport = found, "wifi_beacon"
    elif subtype == 13:  # action
        (counter, data), transport = _nan(body), "wifi_nan"
    else:
        raise _err("not_remoteid", b[:2])
    return frame_of(time_s, transport, address, counter, data)


def _mgmt(subtype: int, dest: bytes, address: str, bssid: bytes | None) -> bytes:
    src = bytes.fromhex(address.replace(":", ""))
    return struct.pack("<HH", subtype << 4, 0) + dest + src + (bssid or src) + b"\0\0"


def wifi_beacon(address: str, counter: int, pack: bytes, ssid: str = "RID", tsf_us: int = 0) -> bytes:
    """A beacon frame (no FCS) with the ASD-STAN vendor element carrying a message pack."""
    vendor = ASD_STAN_OUI + bytes([ODID_APP_CODE, counter & 0xFF]) + pack
    if len(vendor) > 255:
        raise RecordError("wifi_too_long", len(vendor), "remoteid")
    fixed = struct.pack("<QHH", tsf_us, 100, 0x0420)
    ies = bytes([0, len(ssid)]) + ssid.encode() + b"\x01\x01\x8c" + bytes([0xDD, len(vendor)]) + vendor
    return _mgmt(8, b"\xff" * 6, address, None) + fixed + ies


def wifi_nan(address: str, counter: int, pack: bytes) -> bytes:
    """A NaN service discovery (public action) frame carrying a message pack, as wifi.c builds it."""
    info = bytes([counter & 0xFF]) + pack
    sda = NAN_SERVICE_ID + bytes([0x01, 0x00, 0x10, len(info)]) + info
    sdea = bytes([0x01]) + struct.pack("<H", 0x0200) + bytes([counter & 0xFF])
    body = bytes([0x04, 0x09]) + WFA_OUI + bytes([0x13])
    body += bytes([0x03]) + struct.pack("<H", len(sda)) + sda + bytes([0x0E]) + struct.pack("<H", 4) + sdea
    return _mgmt(13, NAN_DEST, address, NAN_CLUSTER_ID) + body


def radiotap(mpdu: bytes, fcs: bool = False) -> bytes:
    """A minimal radiotap header (Flags field only; 0x10 = frame includes FCS) before a frame."""
    return struct.pack("<BBHIB", 0, 0, 9, 0x02, 0x10 if fcs else 0) + mpdu


def with_fcs(mpdu: bytes) -> bytes:
    return mpdu + struct.pack("<I", zlib.crc32(mpdu))


# ------------------------------------------------------------------- sniffers and HCI logs

_NRF_PDU_IDS = (0x02, 0x06)  # EVENT_PACKET_ADV_PDU (v3), EVENT_PACKET / DATA_PDU (v2, v3)


def decode_nordic_ble(buf: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """Link type 272, the nRF Sniffer for Bluetooth LE (header in the module docstring). A packet
    the sniffer flags as failing the CRC is dropped (``ble_bad_crc``)."""
    if len(buf) < 8:
        raise _err("nrf_truncated", buf)
    if buf[3] not in (2, 3):
        raise _err("nrf_version", buf[:8])
    if buf[6] not in _NRF_PDU_IDS:
        raise _err("not_remoteid", buf[:8])
    start = 7 + buf[7]  # the packet header's own length
    if buf[7] < 10 or start + 6 > len(buf):
        raise _err("nrf_truncated", buf[:24])
    flags = buf[8]
    if not flags & 0x01:
        raise _err("ble_bad_crc", buf[:24])
    ll = bytes(buf[start:])
    if (flags >> 4) & 0x07 == 2:  # LE Coded PHY: drop the coding indicator after the access address
        ll = ll[:4] + ll[5:]
    return decode_ble_ll(ll, time_s)


def _hci_reports(event: bytes | memoryview) -> Iterator[tuple[str, str, bytes]]:
    """(transport, address, advertising data) of each report of an LE Advertising Report (0x02)
    or LE Extended Advertising Report (0x0D) event: [0x3E][length][subevent][count]..."""
    sub, count, pos = event[2], event[3], 4
    for _ in range(count):
        if sub == 0x02:  # event type, address type, address (6, LE), data length, data, RSSI
            if pos + 9 > len(event):
                raise _err("hci_truncated", event)
            n = event[pos + 8]
            address, data, pos = (
                _mac(event[pos + 2 : pos + 8], reverse=True),
                event[pos + 9 : pos + 9 + n],
                pos + 10 + n,
            )
            transport = "ble4"
        else:  # 0x0D: event type (2), address type, address, PHYs, SID, power, RSSI, interval, direct address
            if pos + 24 > len(event):
                raise _err("hci_truncated", event)
            legacy = event[pos] & 0x10
            n = event[pos + 23]
            address, data, pos = (
                _mac(event[pos + 3 : pos + 9], reverse=True),
                event[pos + 24 : pos + 24 + n],
                pos + 24 + n,
            )
            transport = "ble4" if legacy else "ble5"
        if len(data) < n:
            raise _err("hci_truncated", event)
        yield transport, address, bytes(data)


def decode_hci_h4(buf: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """Link type 187 (and btsnoop H4 records): an H4 packet, [type][...]; type 4 = an HCI event.
    The first advertising report carrying Remote ID gives the Frame."""
    if len(buf) < 5 or buf[0] != 0x04 or buf[1] != 0x3E:
        raise _err("not_remoteid", buf[:8])
    event = buf[1:]
    if event[2] not in (0x02, 0x0D):
        raise _err("not_remoteid", buf[:8])
    for transport, address, data in _hci_reports(event):
        try:
            counter, body = ad_service_data(data)
        except DecodeError as e:
            if e.reason == "not_remoteid":
                continue
            raise
        return frame_of(time_s, transport, address, counter, body)
    raise _err("not_remoteid", buf[:8])


def decode_hci_h4_phdr(buf: bytes | memoryview, time_s: float = math.nan) -> Frame:
    """Link type 201: a 4-byte big-endian direction (1 = received) before the H4 packet."""
    if len(buf) < 4:
        raise _err("hci_truncated", buf)
    return decode_hci_h4(buf[4:], time_s)


def hci_adv_report(address: str, counter: int, message: bytes, rssi_dbm: int = -60) -> bytes:
    """An H4 LE Advertising Report event (one ADV_NONCONN_IND report) carrying a Remote ID message,
    as a phone's HCI log holds it (for tests and demos)."""
    data = bytes([len(message) + 5, 0x16, 0xFA, 0xFF, ODID_APP_CODE, counter & 0xFF]) + message
    adva = bytes.fromhex(address.replace(":", ""))[::-1]
    report = bytes([0x03, 0x01]) + adva + bytes([len(data)]) + data + struct.pack("b", rssi_dbm)
    params = bytes([0x02, 0x01]) + report
    return bytes([0x04, 0x3E, len(params)]) + params


def nordic_ble(ll: bytes, channel: int = 37, coded: bool = False, counter: int = 0) -> bytes:
    """Link type 272 framing (protocol version 3, an advertising PDU received with a good CRC)
    around a link-layer packet (for tests and demos)."""
    if coded:
        ll = ll[:4] + b"\x00" + ll[4:]  # coding indicator: S=8
    header = bytes([10, 0x01 | (0x20 if coded else 0), channel, 60]) + struct.pack("<HI", 0, 0)
    payload = header + ll
    return bytes([0]) + struct.pack("<HBHB", len(payload), 3, counter & 0xFFFF, 0x02) + payload


# ------------------------------------------------------------------------------------ streams

_LINK_DECODERS = {
    pcap.LINKTYPE_IEEE802_11: decode_wifi,
    pcap.LINKTYPE_IEEE802_11_RADIOTAP: decode_radiotap,
    pcap.LINKTYPE_BLUETOOTH_LE_LL: decode_ble_ll,
    pcap.LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR: decode_ble_phdr,
    pcap.LINKTYPE_NORDIC_BLE: decode_nordic_ble,
    pcap.LINKTYPE_BLUETOOTH_HCI_H4: decode_hci_h4,
    pcap.LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR: decode_hci_h4_phdr,
}


def decode_packet(linktype: int, data: bytes, time_s: float = math.nan) -> Frame:
    """Decode one captured packet of a supported link type into a Frame (DecodeError otherwise)."""
    decoder = _LINK_DECODERS.get(linktype)
    if decoder is None:
        raise _err("linktype", struct.pack("<I", linktype & 0xFFFFFFFF))
    return decoder(data, time_s)


def _time(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise RecordError("jsonl_time", value, "remoteid")


def decode_json_line(line: str | bytes) -> Frame:
    """One JSON line: ``{"time_s": 1700000000.1, "hex": "<message or pack>", "transport": "ble4",
    "address": "AA:BB:.."}``; time may be "timestamp" (epoch s or ISO 8601); transport and
    address are optional. Raises RecordError / DecodeError."""
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise RecordError("jsonl_syntax", line[:80], "remoteid") from None
    if not isinstance(obj, dict):
        raise RecordError("jsonl_syntax", line[:80], "remoteid")
    t = _time(obj.get("time_s", obj.get("timestamp")))
    hexs = obj.get("hex")
    if not isinstance(hexs, str):
        raise RecordError("jsonl_hex", hexs, "remoteid")
    try:
        raw = bytes.fromhex(hexs)
    except ValueError:
        raise RecordError("jsonl_hex", hexs[:80], "remoteid") from None
    transport, address = obj.get("transport", "jsonl"), obj.get("address", "")
    if not isinstance(transport, str) or not isinstance(address, str):
        raise RecordError("jsonl_field", line[:80], "remoteid")
    return frame_of(t, transport, address.upper(), -1, raw)


def encode_json_line(time_s: float, message: bytes, transport: str = "jsonl", address: str = "") -> bytes:
    """The JSON line `decode_json_line` reads (a file for `airpicture rid`, a live feed for
    `console --remoteid`): one received frame's message or pack, newline-terminated."""
    obj = {"time_s": round(time_s, 3), "hex": message.hex(), "transport": transport, "address": address}
    return json.dumps(obj).encode() + b"\n"


class RemoteIdReader:
    """Reads captures (pcap / pcapng) and JSON-lines files into a RemoteIdRegistry.

    Never raises on content: every packet or line that does not give a Frame is counted in
    ``registry.rejects`` by reason (``not_remoteid`` counts other traffic in the capture).
    """

    def __init__(self, registry: RemoteIdRegistry | None = None) -> None:
        self.registry = registry if registry is not None else RemoteIdRegistry()

    @property
    def rejects(self) -> Rejects:
        return self.registry.rejects

    def feed_packet(self, linktype: int, data: bytes, time_s: float) -> bool:
        try:
            frame = decode_packet(linktype, data, time_s)
        except InputError as e:
            self.rejects.add(e.reason)
            return False
        self.registry.ingest(frame)
        return True

    def feed_packets(self, packets: Iterable[pcap.Packet]) -> int:
        return sum(self.feed_packet(p.linktype, p.data, p.time_s) for p in packets)

    def feed_lines(self, lines: Iterable[str | bytes]) -> int:
        n = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                frame = decode_json_line(line)
            except InputError as e:
                self.rejects.add(e.reason)
                continue
            self.registry.ingest(frame)
            n += 1
        return n

    def feed_bytes(self, data: bytes) -> int:
        """A whole capture or JSON-lines file held in memory; returns the frames decoded."""
        if pcap.is_capture(data[:8]):
            try:
                return self.feed_packets(pcap.read_packets(data, self.rejects))
            except DecodeError as e:
                self.rejects.add(e.reason)
                return 0
        return self.feed_lines(data.splitlines())

    def feed_file(self, path: str | Path) -> int:
        data = Path(path).read_bytes()
        if not data:  # said as such, not "0 frames" as if a capture had heard nothing
            raise SourceError(f"{path}: empty file")
        return self.feed_bytes(data)


class RemoteIdFileSource:
    """The Source role (sources/base.py) over a capture or JSON-lines file.

    Yields REPORT_DTYPE batches every ``batch_s`` of receive time; ``registry.drones()`` then holds
    each drone's serial, UA type, operator location and id, self-ID text and last-seen time.
    """

    def __init__(
        self, path: str | Path, sensor: int = 0, name: str = "remoteid", batch_s: float = 1.0
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.batch_s = batch_s
        self.reader = RemoteIdReader(RemoteIdRegistry(sensor=sensor, name=name))
        self._last = math.nan
        self._status = "idle"

    @property
    def registry(self) -> RemoteIdRegistry:
        return self.reader.registry

    def batches(self) -> Iterator[npt.NDArray[np.void]]:
        self._status = "running"
        data = self.path.read_bytes()
        if not pcap.is_capture(data[:8]):
            self.reader.feed_bytes(data)
        else:
            try:
                packets = pcap.read_packets(data, self.rejects)
            except DecodeError as e:
                self.rejects.add(e.reason)
                packets = iter(())
            edge = math.nan
            for p in packets:
                if self.reader.feed_packet(p.linktype, p.data, p.time_s):
                    self._last = p.time_s
                if math.isnan(edge):
                    edge = p.time_s + self.batch_s
                elif p.time_s >= edge:
                    edge = p.time_s + self.batch_s
                    out = self.registry.reports(p.time_s)
                    if len(out):
                        yield out
        out = self.registry.reports()
        self._status = "done"
        if len(out):
            yield out

    @property
    def rejects(self) -> Rejects:
        return self.reader.rejects

    @property
    def stats(self) -> SourceStats:
        return SourceStats(self.name, "remoteid", messages=self.registry.frames, last_message_s=self._last,
                           status=self._status, rejects=self.rejects)  # fmt: skip


def read_remoteid(path: str | Path, sensor: int = 0) -> tuple[npt.NDArray[np.void], RemoteIdRegistry]:
    """Decode a capture or JSON-lines file: (REPORT_DTYPE rows sorted by time, the registry with
    every drone's serial, operator location... and the reject counts)."""
    reader = RemoteIdReader(RemoteIdRegistry(sensor=sensor))
    reader.feed_file(path)
    return reader.registry.reports(), reader.registry


__all__ = [
    "ADV_ACCESS_ADDRESS",
    "NAN_SERVICE_ID",
    "RemoteIdFileSource",
    "RemoteIdReader",
    "ad_service_data",
    "ble_adv_pdu",
    "ble_crc",
    "ble_ll",
    "ble_phdr",
    "decode_ble_ll",
    "decode_ble_pdu",
    "decode_ble_phdr",
    "decode_hci_h4",
    "decode_hci_h4_phdr",
    "decode_json_line",
    "decode_nordic_ble",
    "decode_packet",
    "decode_radiotap",
    "decode_wifi",
    "encode_json_line",
    "hci_adv_report",
    "nordic_ble",
    "radiotap",
    "read_remoteid",
    "strip_fcs",
    "wifi_beacon",
    "wifi_nan",
    "with_fcs",
]
