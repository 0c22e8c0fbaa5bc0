"""Checks every row of an import against the union as it stands and as the files would make it, before
anything is written: references, H1, D3 and dates, with each problem named by file, line and column.

The orgs are held (the tree is checked as a whole); the other files are read a chunk at a time and only counted,
so that the check of a million members keeps no member in memory: the writing reads them again (write.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ARRAY, Text, any_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.registry import Level
from kit.errors import Refused, invalid
from kit.ids import new_id
from kit.store import EventStore

from ..domain import headcount, people, tree
from ..domain.tree import Tree
from ..handlers.tree import TREE, TREE_FOLD
from ..tables import import_refs
from .rows import FILES, Line, Problem, chunks, digest, read

LEVELS = {Level.CENTRAL: 0, Level.TERRITORIAL: 1, Level.PRIMARY: 2}
COLUMNS = {"org_id": "org_ref", "parent_id": "parent_ref", "as_of": "as_of", "since": "since"}
CHUNK = 5000
"""Rows of a file checked at a time: what one look-up of their keys among the imported ones covers."""
PEOPLE = ("headcounts", "officers", "members")
"""The kinds read a chunk at a time (headcounts too: they may be many more than the orgs)."""


@dataclass
class Plan:
    """What an import will write: the new orgs with the ids they get, how many rows of the other kinds are new and
    how many known rows it skips."""

    tree: Tree
    tree_version: int
    folder: Path
    orgs: dict[str, str] = field(default_factory=dict)
    """Every org's id by its key in the files or an earlier import."""
    rows: dict[str, list[tuple[Line, dict[str, str]]]] = field(default_factory=lambda: {"orgs": []})
    """The new orgs, parents first, with the ids they get."""
    new: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILES, 0))
    problems: list[Problem] = field(default_factory=list)
    changed: list[Problem] = field(default_factory=list)
    """Known rows whose content differs from what was imported: left as they are, and reported."""

    def total(self) -> int:
        return sum(self.new.values())

    def resolve(self, ref: str) -> str | None:
        """An org by its key in the files or an earlier import, or by its id here."""
        return self.orgs.get(ref) or (ref if self.tree.get(ref) is not None else None)


class Shows(Protocol):
    """Where the import reports its progress (a bar on the operator's terminal)."""

    def show(self, kind: str, done: int, total: int) -> None: ...


async def plan(folder: Path, store: EventStore, progress: Shows | None = None) -> Plan:
    """Reads and checks every file; the plan's `problems` list everything wrong, all at once."""
    problems: list[Problem] = []
    org_lines = read(folder, "orgs", problems)
    t, version = await store.load(TREE, TREE_FOLD)
    # the planner's own copy of the tree, grown in place (`tree.grow`) as each row is checked against it
    result = Plan(Tree(dict(t.orgs), t.seq), version, folder, problems=problems)
    async with store.engine.connect() as conn:
        known = await known_refs(conn, "orgs")
        result.orgs = {ref: id_ for ref, (id_, _) in known.items()}
        _plan_orgs(result, org_lines, known)
        for kind in PEOPLE:
            seen: set[int] = set()
            total = _lines(folder / f"{kind}.csv")
            for chunk in chunks(folder, kind, problems, CHUNK, seen):
                _plan_chunk(result, kind, chunk, await known_refs(conn, kind, [line.row.ref for line in chunk]))
                # the check's bar shows only while there is more to check: a file of one chunk draws none, and the
                # writing's bar, or the report of the problems, follows the last
                if progress is not None and total > CHUNK and (done := chunk[-1].line - 1) < total:
                    progress.show(f"checking {kind}", done, total)
    return result


def _lines(path: Path) -> int:
    """The file's rows, counted by its line breaks (a quoted cell may hold more: a bar's total, not a count)."""
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1)


def _check(problems: list[Problem], kind: str, line: Line, decide: Callable[[], Any]) -> Any:
    """What `decide` returns, or None after noting its refusal as a problem of this row."""
    try:
        return decide() or True
    except Refused as e:
        detail = e.details[0] if e.details else None
        column = COLUMNS.get(detail.field or "", detail.field) if detail else None
        problems.append(Problem(f"{kind}.csv", line.line, column or "row", e.message))
        return None


def _plan_orgs(result: Plan, lines: list[Line], known: dict[str, tuple[str, str | None]]) -> None:
    for line in sorted(lines, key=lambda x: (LEVELS[x.row.level], x.line)):
        r = line.row
        if r.ref in known:
            result.skipped["orgs"] += 1
            _compare(result, "orgs", line, known[r.ref][1])
            continue
        parent = result.resolve(r.parent_ref) if r.parent_ref else None
        if r.parent_ref and parent is None:
            message = f"no org {r.parent_ref!r} in the files or the union"
            result.problems.append(Problem("orgs.csv", line.line, "parent_ref", message))
            continue
        org_id = new_id()
        decide = partial(tree.decide_register, result.tree, org_id, r.name, r.level, parent, r.registered_on)
        if events := _check(result.problems, "orgs", line, decide):
            result.tree = Tree(result.tree.orgs, tree.grow(result.tree.orgs, result.tree.seq, events))
            result.orgs[r.ref] = org_id
            result.rows["orgs"].append((line, {"org_id": org_id, "parent_id": parent or ""}))
            result.new["orgs"] += 1


def _plan_chunk(result: Plan, kind: str, chunk: list[Line], known: dict[str, tuple[str, str | None]]) -> None:
    for line in chunk:
        r = line.row
        if r.ref in known:
            result.skipped[kind] += 1
            _compare(result, kind, line, known[r.ref][1])
        elif (org := result.resolve(r.org_ref)) is None:
            message = f"no org {r.org_ref!r} in the files or the union"
            result.problems.append(Problem(f"{kind}.csv", line.line, "org_ref", message))
        elif _check(result.problems, kind, line, partial(_check_row, result.tree, kind, r, org)):
            result.new[kind] += 1


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


async def known_refs(conn: AsyncConnection, kind: str, refs: Sequence[str] | None = None) -> dict[str, tuple[str, str | None]]:
    """The id and digest of each row of `kind` an import already brought in: all of them, or those among `refs`."""
    c = import_refs.c
    query = select(c.ref, c.id, c.digest).where(c.kind == kind)
    if refs is not None:
        # one array parameter, not a parameter per key: five thousand keys make one short statement
        query = query.where(c.ref == any_(bindparam("refs", list(refs), type_=ARRAY(Text))))
    return {row.ref: (row.id, row.digest) for row in await conn.execute(query)}


def _compare(result: Plan, kind: str, line: Line, before: str | None) -> None:
    """A known row that changed since it was imported is reported, not applied: changes go through the API."""
    if before is not None and before != digest(kind, line.row):
        message = "changed since it was imported; left as it is (a rename, a move or a new figure goes through the API)"
        result.changed.append(Problem(f"{kind}.csv", line.line, "row", message))
