"""Role contract of the integrity stage: after the tracker and beside assessment, it reads each
picture and marks the tracks whose broadcasts it does not believe (`Picture.integrity`: ok,
suspect, spoofed). It judges; it never removes a track or changes its state.

    window ──► tracker ──► Picture ──► IntegrityCheck.judge ──► Assessor.update ──► sinks
      └──────────► IntegrityCheck.observe (the measurements the picture was made from)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from airpicture.track.base import Measurements, Tracker
from airpicture.types import Integrity, Picture


class IntegrityCheck(Protocol):
    """Marks picture.integrity (and its reason) in place (and returns the picture)."""

    def observe(self, window: Measurements) -> None: ...

    def judge(self, picture: Picture) -> Picture: ...


def judged(tracker: Tracker, check: IntegrityCheck, windows: Iterable[Measurements]) -> Iterator[Picture]:
    """Track each window and judge its picture (the check sees the window first)."""
    for window in windows:
        check.observe(window)
        yield check.judge(tracker.step(window))


#: Integrity codes as plain ints, as compiled code stores them into the int8 column.
OK, SUSPECT, SPOOFED = int(Integrity.OK), int(Integrity.SUSPECT), int(Integrity.SPOOFED)

__all__ = ["OK", "SPOOFED", "SUSPECT", "IntegrityCheck", "judged"]
