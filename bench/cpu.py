"""CPU seconds spent by each process of the stack, from /proc: where a scenario's work went."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .report import Figure

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


def _servers(roots: dict[str, int] | None) -> dict[str, list[int]]:
    """Server processes by the name their CPU is counted under: with `roots` (each server's main pid), those and their
    children (PostgreSQL's backends), so other servers on the machine are not counted; without, every one by name."""
    found: dict[str, list[int]] = {name: [] for name in SERVERS.values()}
    by_root = {pid: name for name, pid in (roots or {}).items()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        pid = int(entry.name)
        if roots is not None:
            if (name := by_root.get(pid) or by_root.get(parent)) is not None:
                found[name].append(pid)
            continue
        for prefix, name in SERVERS.items():
            if command.startswith(prefix):
                found[name].append(pid)
    return found


def meter(services: dict[str, int], servers: dict[str, int] | None = None) -> Callable[[], dict[str, float]]:
    """A reading of CPU seconds per service, per server (all of PostgreSQL's processes, NATS) and for the bench's
    own clients. Server processes are found again at each reading: PostgreSQL starts one per connection."""

    def read() -> dict[str, float]:
        groups = {name: [pid] for name, pid in services.items()} | _servers(servers) | {"clients": [os.getpid()]}
        return {name: sum(cpu_seconds(p) for p in pids) for name, pids in groups.items()}

    return read


def per_unit(prefix: str, before: dict[str, float], after: dict[str, float], units: int, unit: str) -> list[Figure]:
    """Each process's CPU between two readings, per unit of work (ms), and the stack's in all (the bench's own clients
    left out): what docs/capacity.md scales from."""
    spent = {name: seconds - before.get(name, 0.0) for name, seconds in after.items()}
    stack = sum(s for name, s in spent.items() if name != "clients")
    figures = [Figure(f"{prefix}.{name}", s * 1000 / units, f"ms CPU a {unit}") for name, s in spent.items()]
    return [*figures, Figure(f"{prefix}.stack", stack * 1000 / units, f"ms CPU a {unit}, every process of the stack")]
