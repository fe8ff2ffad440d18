"""Make tests/data/remoteid/odid_c_location_vectors.txt.gz: Location inputs at the encoder's
rounding edges (ties, float32 ties, direction 359.5-360, speed multiplier split) and random ones,
each with the 25 bytes the reference C encoder (opendroneid-core-c) makes of it.

    python tools/odid_vectors.py /path/to/opendroneid-core-c

needs gcc; the test (tests/sources/test_remoteid_peers.py) only reads the file it writes."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "remoteid" / "odid_c_location_vectors.txt.gz"


def inputs(n_random: int = 200) -> list[tuple[float, ...]]:
    rng = random.Random(14)
    base = (90.0, 10.0, 1.0, 48.1, 2.2, 100.0, 100.0)
    edges = {
        0: [
            0.0,
            0.4999,
            0.5,
            1.5,
            2.5,
            179.4999,
            179.49999999,
            179.5,
            180.5,
            359.4,
            359.49,
            359.49999999,
            359.5,
            359.9,
            360.0,
        ],
        1: [
            0.0,
            0.125,
            0.375,
            1.1,
            1.2,
            10.0625,
            63.625,
            63.7,
            63.74,
            63.75,
            63.76,
            64.125,
            64.5,
            64.875,
            100.0,
            254.0,
            254.25,
        ],
        2: [-62.0, -0.9, -0.5, -0.25, -0.0, 0.25, 0.5, 0.75, 0.9, 61.75, 62.0],
        3: [45.00000005, -45.00000005, 0.00000015, 89.99999995, -90.0, 90.0],
        4: [179.99999995, -179.99999995, 2.00000025, -2.00000025, 180.0, -180.0],
        5: [-1000.0, -999.75, -1e-5, 0.25, 100.3, 1234.56, 31767.5],
        6: [0.0, 0.05, 0.15, 0.25, 360.52, 1799.95, 3599.95, 3600.0],
    }
    rows = []
    for k, values in edges.items():
        for v in values:
            row = list(base)
            row[k] = v
            rows.append(tuple(row))
    for _ in range(n_random):
        rows.append(
            (
                rng.uniform(0, 360),
                rng.uniform(0, 254.25),
                rng.uniform(-62, 62),
                rng.uniform(-90, 90),
                rng.uniform(-180, 180),
                rng.uniform(-1000, 31767.5),
                rng.uniform(0, 3600),
            )
        )
    return rows


def main(core: str) -> int:
    lib = Path(core) / "libopendroneid"
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "odid_vectors"
        src = Path(__file__).with_name("odid_vectors.c")
        cmd = ["gcc", "-O0", f"-I{lib}", str(src), str(lib / "opendroneid.c"), "-lm", "-o", str(exe)]
        subprocess.run(cmd, check=True)
        rows = inputs()
        text = "".join(" ".join(repr(v) for v in r) + "\n" for r in rows)
        out = subprocess.run(
            [str(exe)], input=text, capture_output=True, text=True, check=True
        ).stdout.split()
    lines = [f"{' '.join(repr(v) for v in r)} {enc}\n" for r, enc in zip(rows, out, strict=True)]
    head = "# direction speed vspeed lat lon alt_geo timestamp -> opendroneid-core-c encodeLocationMessage\n"
    with gzip.open(OUT, "wt") as f:
        f.write(head + "".join(lines))
    print(f"{len(lines)} vectors -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
