"""Role contract of the integrity stage: after the tracker and beside assessment, it reads each
picture and marks the tracks whose broadcasts it does not believe (`Picture.integrity`: ok,
suspect, spoofed). It judges; it never removes a track or changes its state.

    tracker ──► Picture ──► IntegrityCheck.judge ──► Assessor.update ──► sinks
"""

from __future__ import annotations

from typing import Protocol

from airpicture.types import Integrity, Picture


class IntegrityCheck(Protocol):
    """Marks picture.integrity in place (and returns the picture)."""

    def judge(self, picture: Picture) -> Picture: ...


#: Integrity codes as plain ints, as compiled code stores them into the int8 column.
OK, SUSPECT, SPOOFED = int(Integrity.OK), int(Integrity.SUSPECT), int(Integrity.SPOOFED)

__all__ = ["OK", "SPOOFED", "SUSPECT", "IntegrityCheck"]
