"""The operator's commands that work on the registry's ledger directly: import a union, erase a person."""

from __future__ import annotations

import asyncio
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .stack import operator_environment

if TYPE_CHECKING:
    from registry.config import RegistrySettings


def _registry_settings() -> RegistrySettings:
    from registry.config import RegistrySettings

    env = operator_environment()
    if "DATABASE_URL" not in env or "REGISTRY_MASTER_KEY" not in env:
        print("set DATABASE_URL and REGISTRY_MASTER_KEY, or start the local stack (`make run`)", file=sys.stderr)
        raise SystemExit(2)
    return RegistrySettings(database_url=env["DATABASE_URL"], master_key=env["REGISTRY_MASTER_KEY"])


def import_union(folder: Path) -> int:
    """`profset import FOLDER`: the registry's files, then the contacts' (which learn the registry's people
    first); 0 when imported (or nothing new), 1 when any row is refused. Killed at any point, it is run again:
    what was committed is skipped, the rest written."""
    from contacts.config import ContactsSettings
    from contacts.importer import run as import_contacts

    from registry.importer.run import run as import_registry

    from .progress import Bars

    if not folder.is_dir():
        print(f"{folder} is not a folder", file=sys.stderr)
        return 2
    settings = _registry_settings()
    if not (master := operator_environment().get("CONTACTS_MASTER_KEY")):
        print("set CONTACTS_MASTER_KEY too: contacts seals the addresses with a key of its own", file=sys.stderr)
        return 2
    contacts = ContactsSettings(database_url=settings.database_url, master_key=master)
    bars = Bars()  # rows done of each kind, their rate and the time left, on stderr
    for name, step in (
        ("registry", partial(import_registry, folder, settings, bars)),
        ("contacts", partial(import_contacts, folder, contacts, bars)),
    ):
        try:
            outcome = asyncio.run(step())
        finally:
            bars.close()
        if outcome.problems:
            for problem in outcome.problems[:200]:
                print(problem, file=sys.stderr)
            more = len(outcome.problems) - 200
            shown = f", {more} not shown" if more > 0 else ""
            print(f"{len(outcome.problems)} problem(s){shown}; nothing more was imported (the {name} files)", file=sys.stderr)
            return 1
        for problem in outcome.changed:
            print(f"{problem} (warning)", file=sys.stderr)
        for kind, count in outcome.written.items():
            print(f"{kind:<14} imported {count}, already there {outcome.skipped.get(kind, 0)}")
    return 0


def rebuild_kpi() -> int:
    """`profset rebuild kpi`: applies kpi's ledger again and resets its idle consumers to replay the other
    contexts' streams, so every figure is computed again from history."""
    from kpi.config import KpiSettings
    from kpi.offline import rebuild

    env = operator_environment()
    if "DATABASE_URL" not in env or "NATS_URL" not in env:
        print("set DATABASE_URL and NATS_URL, or start the local stack (`make run`)", file=sys.stderr)
        return 2
    done = asyncio.run(rebuild(KpiSettings(database_url=env["DATABASE_URL"], nats_url=env["NATS_URL"])))
    print(f"rebuilt kpi's own read models from {done.own_events} events; consumers reset: {', '.join(done.reset) or 'none'}")
    if done.busy:
        print(f"running, left alone (stop the kpi service to replay them): {', '.join(done.busy)}", file=sys.stderr)
    return 0


def erase_person(person_id: str, basis: str) -> int:
    """`profset erase PERSON_ID --basis …`: PD1 erasure on the operator's authority."""
    import getpass

    from kit.errors import Refused
    from registry.offline import erase

    try:
        done = asyncio.run(erase(_registry_settings(), person_id, basis, getpass.getuser()))
    except Refused as e:
        print(f"refused: {e.message}", file=sys.stderr)
        return 1
    print(f"erased {done.get('id', person_id)} on {done.get('erased_on', '')}")
    return 0
