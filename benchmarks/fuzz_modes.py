"""Fuzz every Mode S / ADS-B input decoder with random and mutated inputs; print what happened.

    .venv/bin/python benchmarks/fuzz_modes.py [--n 1000000] [--seed 1]
        [--only beast,modes,modes-norx,commb,avr,jsonl,sbs]

Inputs are real data (the CDG frames and the dump1090 Beast capture in tests/data/modes, and
SBS lines built from them) mutated by bit flips, byte insertions / deletions / replacements,
0x1a escapes, truncation and splicing, plus purely random bytes. Each decoder takes --n inputs:
  beast  one Beast stream fed one input (a chunk of 1-200 bytes) at a time
  modes  ModesDecoder.decode on batches of 2,000 hex frames (one frame = one input)
  modes-norx  the same without a receiver position (surface frames wait for a fix)
  commb  decode_commb (Comm-B 4,0 / 5,0 / 6,0 via pyModeS) on mutated DF20/21 frames
  avr, jsonl, sbs  the stream reader fed batches of 1,000 lines (one line = one input)
A decoder passes when nothing raised out of it (any exception, or an abort from the Rust
decoder, is caught here and counted as `raised`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import numpy as np

from airpicture.sources.beast import BeastParser
from airpicture.sources.commb import decode_commb
from airpicture.sources.live import ModesStream
from airpicture.sources.modes import ModesDecoder

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "modes"
CDG = (49.0097, 2.5479)


class Mutator:
    """Random edits of real inputs (bytes)."""

    def __init__(self, seeds: list[bytes], rng: np.random.Generator) -> None:
        self.seeds = seeds
        self.rng = rng

    def __call__(self) -> bytes:
        r = self.rng
        kind = int(r.integers(0, 8))
        if kind == 0:
            return r.bytes(int(r.integers(0, 64)))
        b = bytearray(self.seeds[int(r.integers(len(self.seeds)))])
        if not b:
            return bytes(b)
        for _ in range(int(r.integers(1, 4))):
            i = int(r.integers(len(b))) if b else 0
            if kind == 1 and b:  # bit flips
                b[i] ^= 1 << int(r.integers(8))
            elif kind == 2:  # insertion
                b.insert(i, int(r.integers(256)))
            elif kind == 3 and b:  # deletion
                del b[i]
            elif kind == 4 and b:  # replacement
                b[i] = int(r.integers(256))
            elif kind == 5:  # Beast escape byte where it hurts
                b.insert(i, 0x1A)
            elif kind == 6:  # truncation
                b = b[:i]
            elif kind == 7:  # splice with another seed
                other = self.seeds[int(r.integers(len(self.seeds)))]
                b = b[:i] + other[int(r.integers(len(other) + 1)) :]
        return bytes(b)


def _seeds() -> tuple[list[bytes], bytes, list[bytes], list[bytes], list[bytes]]:
    """(frames as bytes, the Beast capture, AVR lines, JSON lines, SBS lines)."""
    raw = gzip.decompress((DATA / "raw_frames_cdg.jsonl.gz").read_bytes()).splitlines()[:5000]
    rows = [json.loads(line) for line in raw]
    frames = [bytes.fromhex(r["frame"]) for r in rows]
    beast = gzip.decompress((DATA / "sample_dump1090.bin.gz").read_bytes())
    avr = [f"*{r['frame']};".encode() for r in rows[:2000]]
    avr += [f"@{i * 1000:012x}{r['frame']};".encode() for i, r in enumerate(rows[2000:4000])]
    sbs = []
    when = "2024/07/06,06:43:09.525,2024/07/06,06:43:09.525"
    for r in rows:
        head = f"MSG,{{}},1,1,{r['icao24'].upper()},1,{when},"
        if "latitude" in r:
            pos = f"{r.get('altitude', '')},,,{r['latitude']:.5f},{r['longitude']:.5f}"
            sbs.append((head.format(3) + f",{pos},,,0,0,0,0").encode())
        elif "groundspeed" in r and r.get("bds") == "09":
            vel = f"{r['groundspeed']},{r['track']},,,{r['vertical_rate']}"
            sbs.append((head.format(4) + f",,{vel},,0,0,0,0").encode())
    return frames, beast, avr, raw, sbs


def _batches(gen: Callable[[], bytes], n: int, size: int) -> Iterator[list[bytes]]:
    for start in range(0, n, size):
        yield [gen() for _ in range(min(size, n - start))]


class Escapes:
    """What escaped the code under test, the point of a fuzzer: every exception but a Ctrl-C,
    counted by type, and the first one's traceback. `with escapes:` around each input."""

    def __init__(self) -> None:
        self.raised: Counter[str] = Counter()
        self.first = ""

    def __enter__(self) -> Escapes:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if e is None or isinstance(e, KeyboardInterrupt):
            return False
        self.raised[type(e).__name__] += 1
        self.first = self.first or "".join(traceback.format_exception(kind, e, tb))
        return True

    def guard(self, fn: Callable[[], object]) -> None:
        with self:
            fn()

    def print(self, pad: int, silent: int | None = None) -> None:
        """The `raised` line (and `silent`, inputs that went by uncounted), then the first traceback."""
        what = f"{sum(self.raised.values())} {dict(self.raised) if self.raised else ''}"
        print(f"{'':{pad}} raised: {what}" + ("" if silent is None else f"; silent: {silent}"))
        if self.first:
            print(self.first)


def cli(doc: str | None, fuzz: Callable[[str, int, np.random.Generator], None], per: str, only: str) -> None:
    """The fuzzers' command line: --n inputs per target, --seed, --only targets."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help=f"inputs per {per}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default=only)
    args = ap.parse_args()
    for name in args.only.split(","):
        fuzz(name, args.n, np.random.default_rng(args.seed))


def fuzz(name: str, n: int, rng: np.random.Generator) -> None:
    frames, beast, avr, jsonl, sbs = _seeds()
    esc = Escapes()
    out = 0
    t0 = time.perf_counter()
    if name == "beast":
        chunks = [beast[i : i + 60] for i in range(0, len(beast), 60)] + [beast]
        gen = Mutator(chunks, rng)
        p = BeastParser(live=True)
        rejects, notes = p.rejects, p.notes
        for _ in range(n):
            data = gen()

            def step(data: bytes = data) -> None:
                nonlocal out
                out += len(p.feed(data))

            esc.guard(step)
        esc.guard(p.close)
    elif name == "commb":
        gen = Mutator([f for f in frames if f[0] >> 3 in (20, 21)], rng)
        rejects, notes = ModesDecoder().rejects, Counter[str]()
        for _ in range(n):
            frame = (gen() + bytes(14))[:14].hex()  # a reply's 112 bits: what the framing layer passes
            known = None if rng.random() < 0.5 else {"groundspeed": float(rng.uniform(0, 600)),
                                                     "track": float(rng.uniform(0, 360))}  # fmt: skip

            def step(frame: str = frame, known: dict[str, float] | None = known) -> None:
                nonlocal out
                cb = decode_commb(frame, known)
                out += cb is not None
                notes[cb.bds if cb is not None else "none"] += 1

            esc.guard(step)
    elif name in ("modes", "modes-norx"):
        gen = Mutator(frames, rng)
        dec = ModesDecoder(receiver=CDG if name == "modes" else None)
        rejects, notes = dec.rejects, dec.notes
        for batch in _batches(gen, n, 2000):
            # mostly mutated frames as hex; some text mutated at the character level
            hexes = [b.hex() if rng.random() < 0.9 else b.hex()[:-1] + "g" for b in batch]
            t = np.sort(rng.uniform(0, 60, len(hexes)))

            def step(t: np.ndarray = t, hexes: list[str] = hexes) -> None:
                nonlocal out
                out += len(dec.decode(t, hexes))

            esc.guard(step)
    else:
        seeds = {"avr": avr, "jsonl": jsonl, "sbs": sbs}[name]
        gen = Mutator(seeds, rng)
        s = ModesStream(name, receiver=CDG, live=True)
        rejects, notes = s.rejects, s.notes
        for batch in _batches(gen, n, 1000):

            def step(batch: list[bytes] = batch) -> None:
                nonlocal out
                out += len(s.feed(b"\n".join(batch) + b"\n"))

            esc.guard(step)
        esc.guard(s.close)
        notes = s.notes
    dt = time.perf_counter() - t0
    rej = ", ".join(f"{k}={v}" for k, v in rejects.counts.most_common())
    print(f"{name:6} {n:,} inputs in {dt:.0f} s: {out:,} decoded, {rejects.total:,} rejected ({rej})")
    if notes:
        print(f"{'':6} notes: " + ", ".join(f"{k}={v}" for k, v in notes.most_common()))
    esc.print(6)


if __name__ == "__main__":
    cli(__doc__, fuzz, "decoder", "beast,modes,modes-norx,commb,avr,jsonl,sbs")
