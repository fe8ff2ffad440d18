"""tracks.csv: the published air picture as rows (FORMAT.md "What a tracker writes").

Columns: time_s, track, lat, lon, alt_m, class, class_p, identity, integrity, integrity_reason,
integrity_log10_lr. alt_m is empty when the track's height was never measured (a 2-D radar's plot
without Mode C) or has gone stale (Picture.published_alt_m). Tracks the integrity stage does not
believe (`suspect`, `spoofed`) are written too, with that mark and its reason (an IntegrityReason
label: radar_silent, replay_twin, ...): the picture says what it does not believe rather than hiding
it (FORMAT.md); `published_only` keeps only the `ok` ones. integrity_log10_lr is the log10
likelihood ratio spoofed : real of all the evidence on a cooperative track (empty for the others,
and when the picture was not judged).

A row is written when a track's estimate is new: at its measurement updates (the filtered state at
the measurement's time), and, for a track with no newer measurement, predicted ("coasted") once
its last row is `coast_every_s` old.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TextIO

from airpicture.config import OutputSettings
from airpicture.errors import SinkError
from airpicture.types import Integrity, IntegrityReason, ObjectClass, Picture, ident_name

#: Labels by code, for a plain list lookup per row (the enums' labels).
CLASS_LABELS = [c.label for c in sorted(ObjectClass)]
INTEGRITY_LABELS = [g.label for g in sorted(Integrity)]
REASON_LABELS = [r.label if r else "" for r in sorted(IntegrityReason)]  # NONE: empty
#: A track with no row for this long is forgotten by the writer (a track coasts far less).
FORGET_S = OutputSettings().forget_s  # the default (airpicture.config); a writer may be given another
HEADER = "time_s,track,lat,lon,alt_m,class,class_p,identity,integrity,integrity_reason,integrity_log10_lr\n"


def _csv_field(text: str) -> str:
    """A name from the air (callsign, Remote ID serial) quoted as RFC 4180 asks when it holds a
    separator, a quote or a line break, so it can never shift columns or add rows."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


class TracksCsvWriter:
    """Writes pictures as they come, one block of rows per picture.

    A picture holds a few dozen tracks and a 3-hour run has ten thousand pictures, so the cost of a
    picture is the fixed cost of each step: the choice of rows is a plain loop over the picture's
    tracks (a dict holds each track's last row time), and only the chosen rows are formatted.
    """

    def __init__(
        self,
        path: str | Path,
        published_only: bool = False,
        coast_every_s: float = 4.0,
        forget_s: float = FORGET_S,
    ) -> None:
        self.forget_s = forget_s
        self.path = Path(path)
        self.coast_every_s = coast_every_s
        self.published_only = published_only
        self.rows = 0
        self._last: dict[int, float] = {}  # track id -> the time of its last written row
        # a row written at or before this time is forgotten: forget_s before the newest picture
        # that wrote rows (entries that old are dropped from the dict now and then)
        self._forget_until = -math.inf
        self._swept = 0  # the size of the dict after its last sweep
        try:
            self._f: TextIO = open(self.path, "w")  # noqa: SIM115 - closed in close()
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror or e}") from None
        self._f.write(HEADER)

    def _chosen(self, pic: Picture) -> list[int]:
        """Indices of the picture's rows to write: a measurement update newer than the track's last
        row, or a predicted row once its last row is coast_every_s old (or it has none)."""
        t = pic.time_s
        n = len(pic.track)
        row_time = pic.row_time.tolist() if pic.row_time is not None else [t] * n
        shown = pic.integrity.tolist() if self.published_only else [0] * n
        coast_s = self.coast_every_s - 1e-6
        last_of, forgotten = self._last, self._forget_until
        keep = []
        for i, (k, rt, g) in enumerate(zip(pic.track.tolist(), row_time, shown, strict=True)):
            if g != Integrity.OK:
                continue
            last = last_of.get(k, -math.inf)
            if last <= forgotten:
                last = -math.inf
            if (rt < t and rt > last) or (rt >= t and t - last >= coast_s):
                keep.append(i)
        return keep

    def write(self, pic: Picture) -> None:
        keep = self._chosen(pic)
        if not keep:
            return
        now = pic.time_s
        row_time = pic.row_time.tolist() if pic.row_time is not None else [now] * len(pic.track)
        track, ident = pic.track.tolist(), pic.ident.tolist()
        self._last.update((track[i], row_time[i]) for i in keep)
        # forget tracks gone for long, so a long live run does not grow this without bound
        self._forget_until = now - self.forget_s
        if len(self._last) > 2 * self._swept + 64:
            self._last = {k: v for k, v in self._last.items() if v > self._forget_until}
            self._swept = len(self._last)
        names = {i: _csv_field(ident_name(i, pic.names)) for i in {ident[j] for j in keep}}
        # a few rows per picture: Python's formatting beats numpy's string arrays here
        lat, lon = pic.lat.tolist(), pic.lon.tolist()
        alt = [f"{a:.1f}" if math.isfinite(a) else "" for a in pic.published_alt_m().tolist()]  # '': unknown
        cls, cls_p, integrity = pic.cls.tolist(), pic.cls_p.tolist(), pic.integrity.tolist()
        reason = pic.integrity_reason.tolist() if pic.integrity_reason is not None else [0] * len(track)
        l10 = pic.integrity_l10.tolist() if pic.integrity_l10 is not None else None
        lr = {j: f"{l10[j]:.1f}" if l10 is not None and ident[j] >= 0 else "" for j in keep}
        lines = [
            f"{row_time[j]:.2f},{track[j]},{lat[j]:.6f},{lon[j]:.6f},{alt[j]},{CLASS_LABELS[cls[j]]},"
            f"{cls_p[j]:.3f},{names[ident[j]]},{INTEGRITY_LABELS[integrity[j]]},{REASON_LABELS[reason[j]]},{lr[j]}"
            for j in keep
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
