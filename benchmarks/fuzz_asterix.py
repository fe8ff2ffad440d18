"""Fuzz the ASTERIX input with random and mutated inputs; print what happened.

    .venv/bin/python benchmarks/fuzz_asterix.py [--n 1000000] [--seed 1] [--only stream,tcp,capture]

Seeds are real data: every data block of the recordings in tests/data/asterix (CAT048, CAT034,
CAT021, CAT062, CAT065) and CAT048/034 blocks `airpicture sim --asterix` makes of the bundled
Paris plots, mutated by bit flips, byte insertions / deletions / replacements, truncation and
splicing (fuzz_modes.Mutator), plus random bytes. Each target takes --n inputs:
  stream   AsterixStream.feed, one input = one UDP datagram
  tcp      BlockFramer + AsterixStream.feed: the inputs one after another as a TCP stream, read in
           chunks of 1-200 bytes (a garbled header makes the framer skip to the next plausible one)
  capture  datagrams_of + feed, one input = a pcap or pcapng file of 1-2 packets of the real
           captures, mutated
A target passes when nothing raised out of it (any exception is caught here and counted as
`raised`), and no non-empty datagram went by without a record decoded or a reject counted
(`silent`).
"""

from __future__ import annotations

import gzip
import struct
import time
from pathlib import Path

import numpy as np

from airpicture.sim.asterix import radar_datagrams
from airpicture.sources.asterix import split_blocks
from airpicture.sources.asterix_feed import AsterixStream, BlockFramer, datagrams_of
from airpicture.sources.pcap import Packet, pcapng_bytes, read_packets
from airpicture.sources.scenario import load_scenario
from airpicture.types import Rejects
from fuzz_modes import Escapes, Mutator, cli

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "asterix"
PARIS = ROOT / "src" / "airpicture" / "data" / "paris"


def pcap_bytes(header: bytes, packets: list[Packet]) -> bytes:
    """A little-endian microsecond pcap of these packets under a capture's global header."""
    out = [header]
    for p in packets:
        usec = round(p.time_s * 1e6)
        out.append(
            struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(p.data), len(p.data)) + p.data
        )
    return b"".join(out)


def seeds() -> tuple[list[bytes], list[bytes], AsterixStream]:
    """(data blocks, pcap files, a stream whose sheets are Paris's, SAC/SIC of the real radars added)."""
    blocks: list[bytes] = []
    captures: list[bytes] = []
    for f in sorted(DATA.glob("*.gz")):
        data = gzip.decompress(f.read_bytes())
        if f.name.endswith(".pcap.gz"):
            captures.append(data[:24])  # the header alone
            packets = list(read_packets(data))
            for i in range(0, len(packets), 2):
                pair = packets[i : i + 2]
                captures.append(pcapng_bytes([pair[0].linktype], [(p.time_s, 0, p.data) for p in pair]))
                captures.append(pcap_bytes(data[:24], pair))
        for _, d in datagrams_of(data, Rejects("seed")):
            blocks += split_blocks(d)
    scn = load_scenario(PARIS)
    plots = scn.plots[scn.plots["time_s"] < scn.start_s + 60]
    blocks += [d for _, d in radar_datagrams(plots, scn.sensors)]
    return blocks, captures, AsterixStream(scn.sensors, reference_s=scn.start_s)


def fuzz(name: str, n: int, rng: np.random.Generator) -> None:
    blocks, captures, stream = seeds()
    esc = Escapes()
    plots = reports = silent = 0
    t0 = time.perf_counter()

    def feed(data: bytes) -> None:
        nonlocal plots, reports, silent
        before = (sum(stream.records.values()), stream.rejects.total)
        p, r = stream.feed(data, float("nan"))
        plots, reports = plots + len(p), reports + len(r)
        if data and before == (sum(stream.records.values()), stream.rejects.total):
            silent += 1

    gen = Mutator(captures if name == "capture" else blocks, rng)
    framer = BlockFramer(stream.rejects)
    for _ in range(n):
        data = gen()
        with esc:
            if name == "stream":
                feed(data)
            elif name == "tcp":
                k = int(rng.integers(1, 201))
                for cut in range(0, len(data), k):
                    for block in framer.split(data[cut : cut + k]):
                        feed(block)
            else:
                for _, d in datagrams_of(data, stream.rejects):
                    feed(d)
    dt = time.perf_counter() - t0
    recs = ", ".join(f"CAT{c:03d}={v:,}" for c, v in sorted(stream.records.items()))
    rej = ", ".join(f"{k}={v:,}" for k, v in stream.rejects.counts.most_common())
    print(f"{name:7} {n:,} inputs in {dt:.0f} s: records {recs}; {plots:,} plots, {reports:,} reports")
    print(f"{'':7} rejected {stream.rejects.total:,} ({rej})")
    esc.print(7, silent)


if __name__ == "__main__":
    cli(__doc__, fuzz, "target", "stream,tcp,capture")
