"""A progress bar on stderr for long operator work, and the exit codes a script can trust."""

from __future__ import annotations

import sys
import time
from typing import TextIO

OK = 0
REFUSED = 1
"""The work was refused (bad rows, a rule broken): nothing was changed."""
USAGE = 2
"""Wrong arguments or missing settings."""
UNAVAILABLE = 3
"""A server did not answer or another writer got in the way: safe to run again."""


class Progress:
    """`label [#####.....] done/total`, redrawn at most ten times a second; plain lines when not a terminal."""

    def __init__(self, label: str, total: int, out: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.out = out or sys.stderr
        self._drawn = 0.0

    def advance(self, count: int = 1) -> None:
        """Counts `count` more done."""
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done >= self.total:
            self._drawn = now
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width if not self.total else min(width, width * self.done // self.total)
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
        if self.out.isatty():
            self.out.write("\r" + line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        """Ends the bar's line."""
        self._draw()
        if self.out.isatty():
            self.out.write("\n")
        self.out.flush()
