"""tracks.csv: the published air picture as rows (FORMAT.md "What a tracker writes").

Columns: time_s, track, lat, lon, alt_m, class, class_p, identity, integrity. Spoofed tracks and
cooperative tracks still awaiting radar corroboration (`suspect`) are left out of the published
rows: the file is what an operator's picture shows as flying.
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

    def __init__(self, path: str | Path, published_only: bool = True) -> None:
        self.path = Path(path)
        self.published_only = published_only
        self.rows = 0
        try:
            self._f: TextIO = open(self.path, "w")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror or e}") from None
        self._f.write(HEADER)

    def write(self, pic: Picture) -> None:
        keep = pic.integrity == 0 if self.published_only else np.ones(len(pic), bool)
        if not keep.any():
            return
        uniq, inv = np.unique(pic.ident[keep], return_inverse=True)
        names = np.array([ident_name(int(i), pic.names) for i in uniq], dtype=object)[inv]
        cls = np.array(CLASSES)[pic.cls[keep]]
        cols = [
            np.full(int(keep.sum()), f"{pic.time_s:.2f}"),
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
