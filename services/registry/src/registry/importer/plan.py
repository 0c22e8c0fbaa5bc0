"""Checks every row of an import against the union as it stands and as the files would make it, before
anything is written: references, H1, D3 and dates, with each problem named by file, line and column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from contracts.registry import Level
from kit.errors import Refused, invalid
from kit.ids import new_id
from kit.store import EventStore

from ..domain import headcount, people, tree
from ..domain.tree import Tree
from ..handlers.tree import TREE, TREE_FOLD
from ..tables import import_refs
from .rows import FILES, Line, Problem, digest, read

LEVELS = {Level.CENTRAL: 0, Level.TERRITORIAL: 1, Level.PRIMARY: 2}
COLUMNS = {"org_id": "org_ref", "parent_id": "parent_ref", "as_of": "as_of", "since": "since"}


@dataclass
class Plan:
    """What an import will write: new rows with the ids they get, and how many known rows it skips."""

    tree: Tree
    tree_version: int
    rows: dict[str, list[tuple[Line, dict[str, str]]]] = field(default_factory=lambda: {k: [] for k in FILES})
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    problems: list[Problem] = field(default_factory=list)
    changed: list[Problem] = field(default_factory=list)
    """Known rows whose content differs from what was imported: left as they are, and reported."""

    def total(self) -> int:
        return sum(len(v) for v in self.rows.values())


async def plan(folder: Path, store: EventStore) -> Plan:
    """Reads and checks every file; the plan's `problems` list everything wrong, all at once."""
    problems: list[Problem] = []
    lines = {kind: read(folder, kind, problems) for kind in FILES}
    t, version = await store.load(TREE, TREE_FOLD)
    known, known_digests = await _known(store)
    result = Plan(t, version, problems=problems)
    orgs = dict(known["orgs"])

    def resolve(ref: str) -> str | None:
        """An org by its key in the files or an earlier import, or by its id here."""
        return orgs.get(ref) or (ref if result.tree.get(ref) is not None else None)

    def check(kind: str, line: Line, decide: Callable[[], Any]) -> Any:
        """What `decide` returns, or None after noting its refusal as a problem of this row."""
        try:
            return decide() or True
        except Refused as e:
            detail = e.details[0] if e.details else None
            column = COLUMNS.get(detail.field or "", detail.field) if detail else None
            problems.append(Problem(f"{kind}.csv", line.line, column or "row", e.message))
            return None

    for line in sorted(lines["orgs"], key=lambda x: (LEVELS[x.row.level], x.line)):
        r = line.row
        if r.ref in known["orgs"]:
            result.skipped["orgs"] += 1
            _compare(result, "orgs", line, known_digests)
            continue
        parent = resolve(r.parent_ref) if r.parent_ref else None
        if r.parent_ref and parent is None:
            problems.append(Problem("orgs.csv", line.line, "parent_ref", f"no org {r.parent_ref!r} in the files or the union"))
            continue
        org_id = new_id()
        decide = partial(tree.decide_register, result.tree, org_id, r.name, r.level, parent, r.registered_on)
        if events := check("orgs", line, decide):
            result.tree = _evolve(result.tree, events)
            orgs[r.ref] = org_id
            result.rows["orgs"].append((line, {"org_id": org_id, "parent_id": parent or ""}))
    for kind in ("headcounts", "officers", "members"):
        for line in lines[kind]:
            r = line.row
            if r.ref in known[kind]:
                result.skipped[kind] += 1
                _compare(result, kind, line, known_digests)
            elif (org := resolve(r.org_ref)) is None:
                problems.append(Problem(f"{kind}.csv", line.line, "org_ref", f"no org {r.org_ref!r} in the files or the union"))
            elif check(kind, line, partial(_check_row, result.tree, kind, r, org)):
                result.rows[kind].append((line, {"org_id": org, "person_id": new_id(), "officer_id": new_id()}))
    return result


def _check_row(t: Tree, kind: str, r: Any, org_id: str) -> None:
    """The rules a headcount, a post or a membership row must keep on its date."""
    if kind == "headcounts":
        headcount.decide_report(t, org_id, r.members, r.as_of)
    elif kind == "officers":
        t.existing(org_id, r.since, "org_id")
        if r.until is not None and r.until <= r.since:
            raise invalid("until", "must be after `since`", rule="after_since")
    else:
        people.decide_admit(t, "-", org_id, {"full_name": "-"}, r.since)


def _evolve(t: Tree, events: list[Any]) -> Tree:
    for e in events:
        t = tree.evolve(t, e)
    return t


async def _known(store: EventStore) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], str]]:
    known: dict[str, dict[str, str]] = {k: {} for k in FILES}
    digests: dict[tuple[str, str], str] = {}
    async with store.engine.connect() as conn:
        for row in await conn.execute(select(import_refs.c.kind, import_refs.c.ref, import_refs.c.id, import_refs.c.digest)):
            known[row.kind][row.ref] = row.id
            if row.digest:
                digests[(row.kind, row.ref)] = row.digest
    return known, digests


def _compare(result: Plan, kind: str, line: Line, digests: dict[tuple[str, str], str]) -> None:
    """A known row that changed since it was imported is reported, not applied: changes go through the API."""
    before = digests.get((kind, line.row.ref))
    if before is not None and before != digest(kind, line.row):
        message = "changed since it was imported; left as it is (a rename, a move or a new figure goes through the API)"
        result.changed.append(Problem(f"{kind}.csv", line.line, "row", message))
