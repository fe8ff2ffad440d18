"""Fuzz the Remote ID decoders: random and mutated inputs, outcome counts per decoder.

    python benchmarks/fuzz_remoteid.py                 # 1,000,000 inputs per decoder
    python benchmarks/fuzz_remoteid.py -n 20000 --only message,pcap

Decoders: the message codec, the BLE carrier (link types 251/256), the Wi-Fi carrier (105/127,
ASTM and French beacons), the nRF Sniffer (272; seeds include the Wireshark dissector's real
BT5 long-range capture), Bluetooth HCI events (187/201), the pcap/pcapng/btsnoop reader and JSON
lines. 20 % of inputs are random bytes, 80 % valid inputs
mutated (bit flips, boundary bytes, truncation, insertion, splices; half of the mutated BLE and
Wi-Fi frames get their CRC / FCS recomputed so that they reach the parser). An outcome is "ok" or the
typed error's reason; anything else is a crash, printed with its input, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from airpicture.errors import InputError
from airpicture.sources import pcap
from airpicture.sources import remoteid as rid
from airpicture.sources import remoteid_carriers as car
from airpicture.sources.remoteid_fr import fr_beacon_element
from airpicture.types import Rejects

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "remoteid"


def seeds() -> dict[str, list[bytes]]:
    basic = rid.BasicId(1, 2, "1596A0000FUZZ")
    loc = rid.Location(2, 271.0, 70.0, -3.0, 48.71, 2.21, 110.0, 120.0, 1, 30.0, 10, 4, 4, 3, 1234.5, 2)
    system = rid.System(1, 1, 48.7, 2.2, 3, 250, 200.0, 0.0, 1, 2, 95.0, 150_000_000)
    others: list[rid.Message] = [
        rid.SelfId(0, "fuzz"),
        rid.OperatorId(0, "FRA-OP-1"),
        rid.Auth(1, 0, b"k" * 17, 1, 30, 9),
    ]
    msgs = [basic, loc, system, *others]
    single = [rid.encode_message(m) for m in msgs]
    packs = [rid.encode_pack(msgs[:k]) for k in (1, 3, 6)]
    mac = "C0:11:22:33:44:55"
    ble = [car.ble_phdr(car.ble_ll(car.ble_adv_pdu(mac, 1, m))) for m in single[:3]]
    ble += [car.ble_ll(car.ble_adv_pdu(mac, 2, p, extended=True)) for p in packs]
    wifi = [car.wifi_beacon(mac, 1, p) for p in packs] + [
        car.radiotap(car.with_fcs(car.wifi_nan(mac, 2, p)), True) for p in packs
    ]
    fr = fr_beacon_element("ILLEGAL_DRONE_APPELEZ_POLICE17", 48.7, 2.2, 150, 40, (48.7, 2.2), 9, 90, "SN1")
    wifi.append(car.wifi_beacon(mac, 1, packs[0])[:36] + bytes([0, 3]) + b"DRN" + fr)
    real = pcap.read_packets(gzip.decompress((DATA / "odid_bt5_lr_sample.pcapng.gz").read_bytes()))
    nrf = [p.data for p in real][:40:4] + [
        car.nordic_ble(car.ble_ll(car.ble_adv_pdu(mac, 3, p, True))) for p in packs
    ]
    hci = [car.hci_adv_report(mac, k, m) for k, m in enumerate(single)]
    captures = [
        pcap.pcapng_bytes([256, 127], [(1.0, 0, ble[0]), (2.0, 1, wifi[-1])]),
        pcap.pcapng_bytes([105], [(3.0, 0, wifi[0])]),
        pcap.btsnoop_bytes([(1.7e9 + k, h) for k, h in enumerate(hci[:3])]),
    ]
    head = bytes.fromhex("d4c3b2a1020004000000000000000000ffff0000")
    captures.append(
        head
        + (105).to_bytes(4, "little")
        + b"".join(
            (i).to_bytes(4, "little") + bytes(4) + len(w).to_bytes(4, "little") * 2 + w
            for i, w in enumerate(wifi[:2])
        )
    )
    lines = [
        json.dumps({"time_s": 1.7e9 + i, "hex": m.hex(), "address": mac}).encode()
        for i, m in enumerate(single)
    ]
    lines += [
        json.dumps({"timestamp": "2023-11-14T22:13:20Z", "hex": p.hex(), "transport": "ble5"}).encode()
        for p in packs
    ]
    return {"message": single + packs, "ble": ble, "wifi": wifi, "nrf": nrf, "hci": hci, "pcap": captures,
            "jsonl": lines}  # fmt: skip


def mutate(r: random.Random, b: bytes) -> bytes:
    x = bytearray(b)
    for _ in range(r.choice((1, 1, 1, 2, 3, 8))):
        op = r.randrange(6)
        i = r.randrange(len(x) + 1)
        if op == 0 and x:
            j = min(i, len(x) - 1)
            x[j] ^= 1 << r.randrange(8)
        elif op == 1 and x:
            x[min(i, len(x) - 1)] = r.choice((0, 0xFF, 0x7F, 0x80, 0x0D, 0x16, 0xDD, 0xF0, r.randrange(256)))
        elif op == 2:
            del x[i:]
        elif op == 3:
            x[i:i] = r.randbytes(r.randrange(1, 9))
        elif op == 4 and x:
            j = r.randrange(len(x))
            x[i:i] = x[j : j + r.randrange(1, 30)]
        else:
            del x[i : i + r.randrange(1, 9)]
    return bytes(x)


_AA = car.ADV_ACCESS_ADDRESS.to_bytes(4, "little")


def repair(name: str, b: bytes) -> bytes:
    """Recompute the BLE CRC / the Wi-Fi FCS of a mutated frame, so the mutation reaches the parser
    instead of stopping at the checksum (a corrupt packet that a receiver would pass on)."""
    x = bytearray(b)
    if name == "ble":
        at = 0 if x[:4] == _AA else 10
        end = at + 6 + x[at + 5] if len(x) > at + 5 else 0
        if end and len(x) >= end + 3:
            x[end : end + 3] = car.ble_crc(bytes(x[at + 4 : end]))
    elif name == "nrf" and len(x) > 8:
        at = 7 + x[7] + (1 if (x[8] >> 4) & 7 == 2 else 0)  # the PDU after the access address (+ CI)
        end = at + 6 + x[at + 5] if len(x) > at + 5 else 0
        if end and len(x) >= end + 3:
            x[end : end + 3] = car.ble_crc(bytes(x[at + 4 : end]))
            x[8] |= 1
    elif name == "wifi" and len(x) > 8 and x[0] == 0:
        n = x[2] | x[3] << 8
        if 8 <= n <= len(x) - 5:
            x[-4:] = zlib.crc32(bytes(x[n:-4])).to_bytes(4, "little")
    return bytes(x)


def decoders() -> dict[str, Callable[[bytes], object]]:
    # the link type a capture would declare for this kind of seed (a mismatch only tests the AA check)
    def ble(b: bytes) -> object:
        return car.decode_packet(251 if b[:4] == _AA else 256, b, 1.0)

    def wifi(b: bytes) -> object:
        return car.decode_packet(127 if b[:1] == b"\0" else 105, b, 1.0)

    def capture(b: bytes) -> object:
        rj = Rejects("fuzz")
        for _ in pcap.read_packets(b, rj):
            pass
        return rj

    def nrf(b: bytes) -> object:
        return car.decode_packet(pcap.LINKTYPE_NORDIC_BLE, b, 1.0)

    def hci(b: bytes) -> object:
        return car.decode_packet(pcap.LINKTYPE_BLUETOOTH_HCI_H4, b, 1.0)

    return {
        "message": rid.decode_message,
        "ble": ble,
        "wifi": wifi,
        "nrf": nrf,
        "hci": hci,
        "pcap": capture,
        "jsonl": car.decode_json_line,
    }


def run(
    name: str, fn: Callable[[bytes], object], corpus: list[bytes], n: int, seed: int, messages: list[bytes]
) -> tuple[Counter[str], int]:
    r = random.Random(seed)
    out: Counter[str] = Counter()
    crashes = 0
    snoop = pcap.BTSNOOP_MAGIC + bytes([0, 0, 0, 1, 0, 0, 3, 0xEA])
    prefix = {"pcap": [b"\xd4\xc3\xb2\xa1", b"\x0a\x0d\x0d\x0a", snoop],
              "hci": [b"\x04\x3e"]}.get(name)  # fmt: skip
    for _ in range(n):
        u = r.random()
        if u < 0.2:
            data = r.randbytes(r.randrange(0, 300))
            if prefix and r.random() < 0.8:
                data = r.choice(prefix) + data
        elif name == "jsonl" and u < 0.6:  # well-formed JSON around a mutated message
            hexs = mutate(r, r.choice(messages)).hex()
            data = json.dumps(
                {"time_s": r.uniform(0, 2e9), "hex": hexs, "address": "AA:BB:CC:DD:EE:FF"}
            ).encode()
        else:
            data = mutate(r, r.choice(corpus))
            if name in ("ble", "wifi") and r.random() < 0.5:
                data = repair(name, data)
        try:
            res = fn(data)
        except InputError as e:
            out[e.reason] += 1
            continue
        except Exception as e:  # the finding this benchmark exists for: report, count, go on
            crashes += 1
            out[f"CRASH {type(e).__name__}"] += 1
            if crashes <= 5:
                print(f"  {name} crash {e!r} on {data.hex()}", file=sys.stderr)
            continue
        if isinstance(res, Rejects) and res.counts:  # the pcap reader counts instead of raising
            out["read, then " + "+".join(sorted(res.counts))] += 1
        else:
            out["ok"] += 1
    return out, crashes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=1_000_000, help="inputs per decoder")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default="", help="comma-separated decoders (default: all)")
    args = p.parse_args(argv)
    corpus, fns = seeds(), decoders()
    names = [x for x in args.only.split(",") if x] or list(fns)
    total_crashes = 0
    for i, name in enumerate(names):
        t0 = time.perf_counter()
        counts, crashes = run(name, fns[name], corpus[name], args.n, args.seed + i, corpus["message"])
        dt = time.perf_counter() - t0
        total_crashes += crashes
        print(f"{name}: {args.n:,} inputs in {dt:.1f} s ({args.n / dt:,.0f}/s), crashes {crashes}")
        for reason, k in counts.most_common():
            print(f"  {reason:46s} {k:>9,}  {100 * k / args.n:5.1f} %")
    print(f"total crashes: {total_crashes}")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
