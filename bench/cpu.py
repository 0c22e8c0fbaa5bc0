"""CPU seconds spent by each process of the stack, from /proc: where a scenario's work went."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
SERVERS = {"postgres": "postgres", "nats-server": "nats"}
"""Server processes, by the start of their command name, and the name their CPU is counted under."""


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _servers() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {name: [] for name in SERVERS.values()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        for prefix, name in SERVERS.items():
            if command.startswith(prefix):
                found[name].append(int(entry.name))
    return found


def meter(services: dict[str, int]) -> Callable[[], dict[str, float]]:
    """A reading of CPU seconds per service, per server (all of PostgreSQL's processes, NATS) and for the bench's
    own clients. Server processes are found again at each reading: PostgreSQL starts one per connection."""

    def read() -> dict[str, float]:
        groups = {name: [pid] for name, pid in services.items()} | _servers() | {"clients": [os.getpid()]}
        return {name: sum(cpu_seconds(p) for p in pids) for name, pids in groups.items()}

    return read
