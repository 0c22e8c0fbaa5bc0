"""Keeps the local stack's processes running, as Kubernetes keeps a pod's: one that exits unexpectedly is started
again after a bounded backoff; one that keeps exiting right after it starts (a crash loop) stops the stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
"""Seconds before a restart, by how many quick exits came in a row before it; the last is the longest wait."""

QUICK = 30.0
"""A process that exits sooner than this after it started counts toward a crash loop; one that ran longer starts the
count again (it was healthy, then something killed it)."""

CRASH_LOOP = 5
"""Quick exits in a row after which the supervisor gives up on a process and the stack stops."""


class CrashLoop(RuntimeError):
    """A process keeps exiting right after it starts: restarting it again would only hide the cause."""


def _say(line: str) -> None:
    print(line, flush=True)


@dataclass
class Supervised:
    """One process the supervisor keeps: how to start it, how to tell it is gone and why, where it logs."""

    name: str
    start: Callable[[], object]
    gone: Callable[[], str | None]
    """Why it is not running ("exited with -9"), or None while it runs."""
    log: Path
    started_at: float = field(default_factory=time.monotonic)
    quick_exits: int = 0
    restarts: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Watches processes and restarts them; `tick` does one round and is called about once a second."""

    say: Callable[[str], None] = _say
    backoff: tuple[float, ...] = BACKOFF
    quick: float = QUICK
    crash_loop: int = CRASH_LOOP
    watched: dict[str, Supervised] = field(default_factory=dict)

    def watch(self, name: str, start: Callable[[], object], gone: Callable[[], str | None], log: Path) -> None:
        """Keeps a process that has just been started."""
        self.watched[name] = Supervised(name, start, gone, log)

    def tick(self) -> None:
        """Notices processes that exited and restarts those whose backoff is over; raises `CrashLoop` to give up."""
        now = time.monotonic()
        for process in self.watched.values():
            if process.restart_at is None:
                why = process.gone()
                if why is not None:
                    self._exited(process, why, now)
            elif now >= process.restart_at:
                self._restart(process)

    def _exited(self, process: Supervised, why: str, now: float) -> None:
        quick = now - process.started_at < self.quick
        process.quick_exits = process.quick_exits + 1 if quick else 0
        if process.quick_exits >= self.crash_loop:
            raise CrashLoop(
                f"{process.name} keeps exiting right after it starts ({process.quick_exits} times in a row, "
                f"last {why}); gave up on it and stopped the stack: see {process.log}:\n{_tail(process.log)}"
            )
        delay = self.backoff[min(process.quick_exits, len(self.backoff) - 1)]
        process.restart_at = now + delay
        self.say(f"{process.name} {why}; restarting it in {delay:g}s (see {process.log})")

    def _restart(self, process: Supervised) -> None:
        process.restart_at = None
        process.restarts += 1
        process.started_at = time.monotonic()
        try:
            process.start()
        except Exception as e:  # noqa: BLE001 - a start that fails is one more quick exit, backed off like the others
            self._exited(process, f"failed to start ({e})", time.monotonic())
            return
        self.say(f"{process.name} restarted (restart {process.restarts})")


def _tail(log: Path, lines: int = 20) -> str:
    """The last lines of a log, which usually say why a process would not stay up."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
