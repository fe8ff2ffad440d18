"""tracks.csv: the published air picture as rows (FORMAT.md "What a tracker writes").

Columns: time_s, track, lat, lon, alt_m, class, class_p, identity, integrity. Spoofed tracks and
cooperative tracks still awaiting radar corroboration (`suspect`) are left out of the published
rows: the file is what an operator's picture shows as flying.

A row is written when a track's estimate is new: at its measurement updates (the filtered state at
the measurement's time), and for a track with no measurement, predicted ("coasted") every
`coast_every_s` seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import numpy as np

from airpicture.errors import SinkError
from airpicture.types import CLASSES, Picture, ident_name

INTEGRITY = np.array(["ok", "suspect", "spoofed"])
HEADER = "time_s,track,lat,lon,alt_m,class,class_p,identity,integrity\n"


class TracksCsvWriter:
    """Writes pictures as they come, one block of rows per picture."""

    def __init__(self, path: str | Path, published_only: bool = True, coast_every_s: float = 4.0) -> None:
        self.path = Path(path)
        self.coast_every_s = coast_every_s
        self._last_t = -np.inf
        self.published_only = published_only
        self.rows = 0
        try:
            self._f: TextIO = open(self.path, "w")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror or e}") from None
        self._f.write(HEADER)

    def write(self, pic: Picture) -> None:
        keep = pic.integrity == 0 if self.published_only else np.ones(len(pic), bool)
        if pic.row_time is not None:
            coast_turn = np.floor(pic.time_s / self.coast_every_s) > np.floor(
                self._last_t / self.coast_every_s
            )
            new = (pic.row_time >= self._last_t) & ((pic.row_time < pic.time_s) | coast_turn)
            keep &= new
        self._last_t = pic.time_s
        if not keep.any():
            return
        uniq, inv = np.unique(pic.ident[keep], return_inverse=True)
        names = np.array([ident_name(int(i), pic.names) for i in uniq], dtype=object)[inv]
        cls = np.array(CLASSES)[pic.cls[keep]]
        cols = [
            np.char.mod(
                "%.2f",
                pic.row_time[keep] if pic.row_time is not None else np.full(len(pic), pic.time_s)[keep],
            ),
            pic.track[keep].astype(str),
            np.char.mod("%.6f", pic.lat[keep]),
            np.char.mod("%.6f", pic.lon[keep]),
            np.char.mod("%.1f", pic.alt_m[keep]),
            cls,
            np.char.mod("%.3f", pic.cls_p[keep]),
            names.astype(str),
            INTEGRITY[pic.integrity[keep]],
        ]
        lines = cols[0].astype(object)
        for c in cols[1:]:
            lines = lines + "," + c.astype(object)
        self._f.write("\n".join(lines) + "\n")
        self.rows += len(lines)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> TracksCsvWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["TracksCsvWriter"]
