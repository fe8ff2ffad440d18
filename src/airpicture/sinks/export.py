"""tracks.csv: the published air picture as rows (FORMAT.md "What a tracker writes").

Columns: time_s, track, lat, lon, alt_m, class, class_p, identity, integrity. Spoofed tracks and
cooperative tracks still awaiting radar corroboration (`suspect`) are left out of the published
rows: the file is what an operator's picture shows as flying.

A row is written when a track's estimate is new: at its measurement updates (the filtered state at
the measurement's time), and, for a track with no newer measurement, predicted ("coasted") once
its last row is `coast_every_s` old.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import numpy as np

from airpicture.config import OutputSettings
from airpicture.errors import SinkError
from airpicture.types import Integrity, ObjectClass, Picture, ident_name

#: A track with no row for this long is forgotten by the writer (a track coasts far less).
FORGET_S = OutputSettings().forget_s  # the default (airpicture.config); a writer may be given another
HEADER = "time_s,track,lat,lon,alt_m,class,class_p,identity,integrity\n"


def _csv_field(text: str) -> str:
    """A name from the air (callsign, Remote ID serial) quoted as RFC 4180 asks when it holds a
    separator, a quote or a line break, so it can never shift columns or add rows."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


class TracksCsvWriter:
    """Writes pictures as they come, one block of rows per picture."""

    def __init__(
        self,
        path: str | Path,
        published_only: bool = True,
        coast_every_s: float = 4.0,
        forget_s: float = FORGET_S,
    ) -> None:
        self.forget_s = forget_s
        self.path = Path(path)
        self.coast_every_s = coast_every_s
        self.published_only = published_only
        self.rows = 0
        self._ids = np.zeros(0, np.int64)  # sorted track ids written so far
        self._last = np.zeros(0)  # the time of each one's last written row
        try:
            self._f: TextIO = open(self.path, "w")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror or e}") from None
        self._f.write(HEADER)

    def _last_written(self, track: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(self._ids, track), 0, max(len(self._ids) - 1, 0))
        known = (
            (len(self._ids) > 0) & (self._ids[pos] == track) if len(self._ids) else np.zeros(len(track), bool)
        )
        return np.where(known, self._last[pos] if len(self._ids) else 0.0, -np.inf)

    def write(self, pic: Picture) -> None:
        keep = pic.integrity == Integrity.OK if self.published_only else np.ones(len(pic), bool)
        row_time = pic.row_time if pic.row_time is not None else np.full(len(pic), pic.time_s)
        last = self._last_written(pic.track)
        update = (row_time < pic.time_s) & (row_time > last)  # a measurement update not yet written
        coast = (row_time >= pic.time_s) & (pic.time_s - last >= self.coast_every_s - 1e-6)
        keep &= update | coast
        if not keep.any():
            return
        ids = np.concatenate([pic.track[keep], self._ids])
        times = np.concatenate([row_time[keep], self._last])
        self._ids, first = np.unique(ids, return_index=True)  # the new time wins: it comes first
        self._last = times[first]
        # forget tracks gone for long, so a long live run does not grow this without bound
        live = self._last > pic.time_s - self.forget_s
        self._ids, self._last = self._ids[live], self._last[live]
        names: dict[int, str] = {}
        for i in set(pic.ident[keep].tolist()):
            names[i] = _csv_field(ident_name(i, pic.names))
        # a few rows per picture: Python's formatting beats numpy's string arrays here
        lines = [
            f"{t:.2f},{k},{la:.6f},{lo:.6f},{a:.1f},{c},{p:.3f},{names[i]},{g}"
            for t, k, la, lo, a, c, p, i, g in zip(
                row_time[keep].tolist(),
                pic.track[keep].tolist(),
                pic.lat[keep].tolist(),
                pic.lon[keep].tolist(),
                pic.alt_m[keep].tolist(),
                ObjectClass.labels(pic.cls[keep]).tolist(),
                pic.cls_p[keep].tolist(),
                pic.ident[keep].tolist(),
                Integrity.labels(pic.integrity[keep]).tolist(),
                strict=True,
            )
        ]
        self._f.write("\n".join(lines) + "\n")
        self.rows += len(lines)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> TracksCsvWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["TracksCsvWriter"]
