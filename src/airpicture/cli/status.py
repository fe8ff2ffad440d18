"""A status line for long commands: rewritten in place on a terminal, plain lines in a log.

A line redrawn with a carriage return becomes one endless line in a file or a pipe, so when the
stream is not a terminal each status is printed on its own line, at most once every `every_s`.
"""

from __future__ import annotations

import time
from typing import TextIO


class StatusLine:
    def __init__(self, out: TextIO, every_s: float = 30.0) -> None:
        self.out = out
        self.every_s = every_s
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self._last = -float("inf")
        self._shown = False

    def show(self, text: str, force: bool = False) -> None:
        """Show `text` as the current status (on a non-terminal: if every_s has passed, or force)."""
        try:
            if self.tty:
                self.out.write(f"\r{text}\x1b[K")
            elif force or time.monotonic() - self._last >= self.every_s:
                self.out.write(text + "\n")
                self._last = time.monotonic()
            else:
                return
            self.out.flush()
            self._shown = True
        except (OSError, ValueError):  # a closed or broken stream: the status is not worth a crash
            pass

    def end(self) -> None:
        """Close the rewritten line (a terminal), so what follows starts on a line of its own."""
        if self.tty and self._shown:
            try:
                self.out.write("\n")
                self.out.flush()
            except (OSError, ValueError):
                pass
        self._shown = False


__all__ = ["StatusLine"]
