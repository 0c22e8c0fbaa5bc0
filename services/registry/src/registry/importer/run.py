"""The import as the operator runs it: check everything, then write, reporting as it goes."""

from __future__ import annotations

from pathlib import Path

from kit.csvimport import Outcome, Progress

from ..config import RegistrySettings
from ..offline import opened
from .plan import plan
from .write import write


async def run(folder: Path, settings: RegistrySettings, progress: Progress | None = None) -> Outcome:
    """Imports the CSV files in `folder`; writes nothing unless every row passes."""
    async with opened(settings) as (store, keyring):
        planned = await plan(folder, store)
        if planned.problems:
            return Outcome(problems=sorted(planned.problems, key=lambda p: (p.file, p.line)))
        written = await write(planned, store, keyring, progress or Progress())
        return Outcome(written=written, skipped=planned.skipped, changed=planned.changed)
