"""The operator's commands that work on a service's ledger directly: import a union, rebuild read models."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .stack import operator_environment

if TYPE_CHECKING:
    from registry.config import RegistrySettings


def _registry_settings() -> RegistrySettings:
    from registry.config import RegistrySettings

    env = operator_environment()
    if "DATABASE_URL" not in env or "MASTER_KEY" not in env:
        print("set DATABASE_URL and MASTER_KEY, or start the local stack (`make run`)", file=sys.stderr)
        raise SystemExit(2)
    return RegistrySettings(database_url=env["DATABASE_URL"], master_key=env["MASTER_KEY"])


def import_union(folder: Path) -> int:
    """`profset import FOLDER`: 0 when imported (or nothing new), 1 when any row is refused."""
    from registry.importer.run import run

    if not folder.is_dir():
        print(f"{folder} is not a folder", file=sys.stderr)
        return 2
    outcome = asyncio.run(run(folder, _registry_settings()))
    if outcome.problems:
        for problem in outcome.problems[:200]:
            print(problem, file=sys.stderr)
        more = len(outcome.problems) - 200
        print(
            f"{len(outcome.problems)} problem(s){f', {more} not shown' if more > 0 else ''}; nothing was imported",
            file=sys.stderr,
        )
        return 1
    for kind, count in outcome.written.items():
        print(f"{kind:<11} imported {count}, already there {outcome.skipped.get(kind, 0)}")
    return 0


def rebuild_registry() -> int:
    """`profset rebuild registry`: empties its read models and applies the ledger again."""
    from registry.offline import rebuild

    print(f"rebuilt the registry's read models from {asyncio.run(rebuild(_registry_settings()))} events")
    return 0
