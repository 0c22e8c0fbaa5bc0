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

LOG_EVERY = 5.0
"""Seconds between the lines written when stderr is not a terminal (a log keeps every line, so not ten a second)."""


class Progress:
    """`label [#####.....] done/total rate/s, time left`, redrawn at most ten times a second on a terminal; a plain
    line every few seconds otherwise."""

    def __init__(self, label: str, total: int, out: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.out = out or sys.stderr
        self._tty = self.out.isatty()
        self._every = 0.1 if self._tty else LOG_EVERY
        self._started = time.monotonic()
        self._drawn = 0.0 if self._tty else self._started  # a log's first line waits as long as the others

    def advance(self, count: int = 1) -> None:
        """Counts `count` more done."""
        self.update(self.done + count)

    def update(self, done: int) -> None:
        """Sets how many are done."""
        self.done = done
        now = time.monotonic()
        if now - self._drawn >= self._every or self.done >= self.total:
            self._drawn = now
            self._draw(now)

    def line(self, now: float) -> str:
        """The bar as text: the share done, the rate since the start and the time left at that rate."""
        width = 30
        filled = width if not self.total else min(width, width * self.done // self.total)
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = _duration((self.total - self.done) / rate) if rate > 0 and self.done < self.total else "--:--"
        if self.done >= self.total:
            left = f"done in {_duration(elapsed)}"
        else:
            left += " left"
        bar = f"[{'#' * filled}{'.' * (width - filled)}]"
        return f"{self.label} {bar} {self.done}/{self.total} {rate:,.0f}/s, {left}"

    def _draw(self, now: float) -> None:
        text = self.line(now)
        if self._tty:
            self.out.write("\r" + text + "\x1b[K")  # clears what a longer line before left
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        """Ends the bar's line."""
        self._draw(time.monotonic())
        if self._tty:
            self.out.write("\n")
        self.out.flush()


class Bars:
    """A bar per kind of row, as an import reports them (`show(kind, done, total)`), each closed when its kind is done
    or the next kind begins."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out
        self._bar: Progress | None = None
        self._kind = ""

    def show(self, kind: str, done: int, total: int) -> None:
        """Moves the bar of `kind` to `done` of `total`."""
        if self._bar is None or kind != self._kind:
            self.close()
            self._bar, self._kind = Progress(f"{kind:<14}", total, self.out), kind
        if done < total:
            self._bar.update(done)
        else:
            self._bar.done = done
            self.close()

    def close(self) -> None:
        """Ends an unfinished bar's line."""
        if self._bar is not None:
            self._bar.close()
            self._bar, self._kind = None, ""


def _duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` past an hour."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
