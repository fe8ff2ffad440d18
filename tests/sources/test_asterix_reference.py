"""Every field of the real ASTERIX recordings, as airpicture's codec (libasterix) reads them,
against CroatiaControl's asterix-decoder (see asterix_reference.py; skipped when not installed).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from asterix.base import Bits
from asterix_reference import available, flatten_ours, flatten_reference, reference_decode, same

from airpicture.sources.asterix import EDITIONS, split_blocks
from airpicture.sources.asterix_feed import AsterixStream, read_datagrams
from airpicture.types import Rejects

DATA = Path(__file__).resolve().parents[1] / "data" / "asterix"
RECORDINGS = ("cat_034_048.pcap.gz", "cat048.raw.gz", "cat034.raw.gz", "cat_062_065.pcap.gz",
              "cat062cat065.raw.gz", "cat21_re.ast.gz")  # fmt: skip

#: Items the two decoders give in different shapes, and why (the values agree where both give them).
SHAPES = {
    # the reference decodes the Comm-B registers (BDS 4,0 / 5,0 / 6,0) into their fields;
    # libasterix, like the CAT048 specification, gives the 56-bit MB data and BDS1/BDS2
    (48, "250"): "Mode S MB data: register fields (reference) vs 56 raw bits (spec)",
    (21, "RE"): "reserved expansion field: its contents (reference) vs its bytes",
}

#: (category, item, value index) -> factor from libasterix's unit (the specification's) to the
#: reference's: the same bits, shown in another unit.
UNITS = {
    (48, "200", 0): 3600.0,  # ground speed NM/s -> kt
    (62, "136", 0): 100.0,  # measured flight level FL -> ft
    (62, "135", 1): 100.0,  # calculated barometric altitude FL -> ft
    (21, "074", 1): 1e9,  # fraction of a second s -> ns
}

pytestmark = pytest.mark.skipif(not available(), reason="asterix-decoder (the reference) is not installed")


def blocks_of(name: str) -> list[bytes]:
    out: list[bytes] = []
    for _, data in read_datagrams(DATA / name, Rejects(name)):
        out += split_blocks(data)
    return out


def compare(name: str) -> Counter[str]:
    blocks = [b for b in blocks_of(name) if b[0] in EDITIONS]
    theirs = reference_decode(blocks)
    tally: Counter[str] = Counter()
    for block, ref in zip(blocks, theirs, strict=True):
        cat = block[0]
        ours = EDITIONS[cat].cv_uap.parse(Bits.from_bytes(block[3:]))
        ref_ok = [r for r in ref if any(k.startswith("I") for k in r)]
        if isinstance(ours, ValueError):
            tally["blocks both refuse" if not ref_ok else "blocks only the reference reads"] += 1
            continue
        if len(ours) != len(ref_ok):
            tally["blocks read as different record counts"] += 1
            continue
        for mine, their in zip(ours, ref_ok, strict=True):
            a, b = flatten_ours(mine), flatten_reference(their)
            tally["records"] += 1
            for item in a.keys() | b.keys():
                if item not in a or item not in b:
                    tally[f"item in one only: {cat:03d}/{item}"] += 1
                elif (cat, item) in SHAPES:
                    tally[f"shape differs: {cat:03d}/{item}"] += 1
                else:
                    assert len(a[item]) == len(b[item]), f"{cat:03d}/{item}: {a[item]} vs {b[item]}"
                    for k, (x, y) in enumerate(zip(a[item], b[item], strict=True)):
                        x = x * UNITS[cat, item, k] if (cat, item, k) in UNITS else x
                        assert same(x, y), f"{name} {cat:03d}/{item}: {a[item]} vs {b[item]}"
                    tally["values equal"] += len(a[item])
    return tally


@pytest.mark.parametrize("name", RECORDINGS)
def test_every_field_agrees_with_asterix_decoder(name: str) -> None:
    tally = compare(name)
    print(name, dict(tally))
    assert tally["records"] > 0 or tally["blocks both refuse"] > 0
    assert not [k for k in tally if k.startswith("item in one only")]
    assert tally["blocks only the reference reads"] == 0
    assert tally["blocks read as different record counts"] == 0


def test_untrusted_recording_agrees_where_both_read_it() -> None:
    """asterix.pcap: CAT062 of another edition, or not real tracks. Where both decoders read the
    same records every value agrees; the blocks libasterix refuses, the reference reads into
    times past 86,400 s and latitudes past 90 deg; the stream passes no such value on."""
    tally = compare("asterix.pcap.gz")
    print(dict(tally))
    assert tally["values equal"] > 0
    stream = AsterixStream([])
    records = [r for _, d in read_datagrams(DATA / "asterix.pcap.gz", Rejects("x")) for r in stream.decode(d)]
    assert stream.rejects.total > 0  # here: every block (20 with times past 86,400 s)
    assert all(0 <= r.tod_s < 86400 and abs(r.lat) <= 90 and abs(r.lon) <= 180 for r in records)
