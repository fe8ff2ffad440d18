"""Time chunks of a long recording, each tracked on its own (`airpicture track --ray`).

A chunk owns the rows of its core [start_s, end_s) and is tracked from lead_s = start_s - overlap_s:
the lead-in starts and confirms the tracks already in the air at start_s, so that at start_s the
chunk's picture is what one long run would show, and the join (scale/join.py) can match its tracks
to the previous chunk's in the overlap [lead_s, start_s).

The overlap is derived from the tracker's settings, not guessed: a track alive at start_s in a
long run may live on a measurement up to `max_coast_s` old, and a new track needs `confirm_llr`
nats of evidence, at least one nat per detected look (a look that gives less is no evidence), a
look every revisit of the slowest sensor in use.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from airpicture.config import TrackSettings
from airpicture.errors import ConfigError, SourceError
from airpicture.sensors import SensorSheet

#: The measurement files a chunk folder gets its slice of (time-ordered CSV, time in the first field).
SLICED = ("plots.csv", "adsb.csv")
#: Files every chunk folder gets whole (a moving sensor's navigation data is small).
WHOLE = ("sensors.json", "platforms.csv")


@dataclass(frozen=True)
class Chunk:
    """One chunk: tracked over [lead_s, end_s), owns the rows of [start_s, end_s)."""

    index: int
    lead_s: float
    start_s: float
    end_s: float

    @property
    def name(self) -> str:
        return f"chunk-{self.index:05d}"


def overlap_s(track: TrackSettings, sensors: list[SensorSheet]) -> float:
    """Lead-in that confirms every track alive at a chunk's start (module docstring), s."""
    revisit = max((s.revisit_s for s in sensors), default=1.0)
    return track.max_coast_s + math.ceil(track.confirm_llr) * revisit


def plan_chunks(start_s: float, end_s: float, chunk_s: float, overlap: float) -> list[Chunk]:
    """Chunks of chunk_s s covering [start_s, end_s) (the last one takes the remainder); chunk
    edges fall on whole seconds from start_s, so chunks publish on the same grid as one run."""
    if not chunk_s > 0 or not overlap >= 0:
        raise ConfigError(f"chunk_s must be positive and overlap_s not negative (got {chunk_s}, {overlap})")
    n = max(1, math.ceil((end_s - start_s) / chunk_s - 1e-9))
    edges = [start_s + k * chunk_s for k in range(n)] + [end_s]
    return [
        Chunk(k, max(start_s, edges[k] - overlap) if k else start_s, edges[k], edges[k + 1]) for k in range(n)
    ]


def _lines(path: Path) -> Iterator[str]:
    """The lines of a CSV file, gzip or plain (by content, as the scenario reader does)."""
    with path.open("rb") as probe:
        packed = probe.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rt") if packed else path.open() as f:
        yield from f


def _source(folder: Path, name: str) -> Path | None:
    for p in (folder / name, folder / (name + ".gz")):
        if p.exists():
            return p
    return None


def split_inputs(scenario: Path, chunks: list[Chunk], dest: Path) -> list[Path]:
    """Write one scenario folder per chunk under dest (dest/<chunk name>/), holding the lines of
    plots.csv and adsb.csv timed in [lead_s, end_s) (the last chunk: every line from its lead_s
    on), meta.json with the chunk's span, and sensors.json / platforms.csv whole. One pass over
    each file. A line whose time does not parse goes to the chunk of the last good time, once,
    so the chunk's reader counts it as a reject like a single run would."""
    folders = [dest / c.name for c in chunks]
    try:
        meta = json.loads((scenario / "meta.json").read_text())
    except (OSError, ValueError) as e:
        raise SourceError(f"cannot read {scenario / 'meta.json'}: {e}") from None
    for c, folder in zip(chunks, folders, strict=True):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "meta.json").write_text(json.dumps({**meta, "start_s": c.lead_s, "end_s": c.end_s}))
        for name in WHOLE:
            if (src := _source(scenario, name)) is not None:
                shutil.copyfile(src, folder / src.name)
    for name in SLICED:
        if (src := _source(scenario, name)) is not None:
            _slice(src, chunks, [f / name for f in folders])
    return folders


def _slice(src: Path, chunks: list[Chunk], outs: list[Path]) -> None:
    files: list[IO[str]] = [p.open("w") for p in outs]
    try:
        lines = _lines(src)
        header = next(lines, "")
        for f in files:
            f.write(header)
        first = 0  # the chunks before this one end before the current time (the file is in time order)
        last_t = -math.inf
        for line in lines:
            try:
                t = float(line[: line.index(",")])
            except ValueError:
                t = math.nan
            if not math.isfinite(t):  # a bad time: once, to the chunk that owns the last good time
                files[_owner(chunks, last_t, first)].write(line)
                continue
            last_t = t
            while first < len(chunks) - 1 and t >= chunks[first].end_s:
                first += 1
            files[first].write(line)  # its owner (a line slightly out of order stays with it)
            k = first + 1
            while k < len(chunks) and t >= chunks[k].lead_s:  # and the lead-ins it falls in
                files[k].write(line)
                k += 1
    finally:
        for f in files:
            f.close()


def _owner(chunks: list[Chunk], t: float, first: int) -> int:
    k = first
    while k < len(chunks) - 1 and t >= chunks[k].end_s:
        k += 1
    return k


__all__ = ["SLICED", "WHOLE", "Chunk", "overlap_s", "plan_chunks", "split_inputs"]
