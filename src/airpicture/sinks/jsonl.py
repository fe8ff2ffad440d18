"""JSON lines: one object per alert step (and optionally per track per picture) to a file or stdout.

Each line has `"type": "alert"` or `"type": "track"`. A local file or a pipe is fast enough to be
written in the tracker's thread; a write error becomes a SinkError.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from airpicture.errors import SinkError
from airpicture.sinks.base import picture_to_dicts
from airpicture.types import Alert, Picture


class JsonLinesSink:
    """Writes JSON lines to `target`: a path, "-" for stdout, or an open text stream."""

    def __init__(self, target: str | Path | IO[str] = "-", *, tracks: bool = False) -> None:
        self.tracks = tracks
        self._own = False
        if isinstance(target, (str, Path)):
            if str(target) == "-":
                self._fh: IO[str] = sys.stdout
            else:
                try:
                    self._fh = open(target, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
                except OSError as e:
                    raise SinkError(f"cannot open {target}: {e}") from e
                self._own = True
        else:
            self._fh = target
        self.lines = 0

    def _write(self, obj: dict[str, object]) -> None:
        try:
            self._fh.write(json.dumps(obj, separators=(",", ":")) + "\n")
        except (OSError, ValueError) as e:
            raise SinkError(f"JSON lines write failed: {e}") from e
        self.lines += 1

    def send_alerts(self, alerts: list[Alert]) -> None:
        for a in alerts:
            self._write({"type": "alert", **a.to_record(json_safe=True)})
        self._flush()

    def send_picture(self, picture: Picture) -> None:
        if self.tracks:
            for row in picture_to_dicts(picture):
                self._write({"type": "track", **row})
            self._flush()

    def _flush(self) -> None:
        try:
            self._fh.flush()
        except (OSError, ValueError) as e:
            raise SinkError(f"JSON lines flush failed: {e}") from e

    def close(self) -> None:
        if self._own:
            self._fh.close()


__all__ = ["JsonLinesSink"]
