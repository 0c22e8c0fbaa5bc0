"""The import as the operator runs it: check everything, then write, reporting as it goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import RegistrySettings
from ..offline import opened
from .plan import plan
from .rows import Problem
from .write import Progress, write


@dataclass
class Outcome:
    """What an import did: rows written and skipped per kind, or the problems that stopped it."""

    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


async def run(folder: Path, settings: RegistrySettings, progress: Progress | None = None) -> Outcome:
    """Imports the CSV files in `folder`; writes nothing unless every row passes."""
    async with opened(settings) as (store, keyring):
        planned = await plan(folder, store)
        if planned.problems:
            return Outcome(problems=sorted(planned.problems, key=lambda p: (p.file, p.line)))
        written = await write(planned, store, keyring, progress or Progress())
        return Outcome(written=written, skipped=planned.skipped)
