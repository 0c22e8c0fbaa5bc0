"""Writes a checked import plan in chunks: each chunk's events, read models, people's keys and import keys in one
transaction, so an import killed at any point resumes where it stopped and a re-run of the same files adds nothing.

The files are read again a chunk at a time (the plan kept only the orgs), and a chunk's rows are looked up among
the imported ones just before it is written: a row an interrupted run committed is skipped, not doubled. A few
chunks are in flight at once, so the next one is made while the server writes the last."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerTrained
from contracts.people import MemberAdmitted, PersonRegistered
from contracts.registry import HeadcountReported, OrgRegistered
from kit.crypto import KeyRing
from kit.csvimport import Line
from kit.ids import new_id
from kit.store import Batch, EventStore, Meta, insert_many

from ..domain import tree
from ..handlers.people import person_stream
from ..handlers.tree import TREE
from ..tables import import_refs
from .plan import PEOPLE, Plan, Shows, known_refs
from .rows import Problem, chunks, digest

CHUNK = {"orgs": 1000, "headcounts": 2000, "officers": 500, "members": 500}
"""Rows per transaction: a person is some 25 rows (events, keys, read models, the search index), so 500 people
make a transaction of some 12,000 rows, and a kill loses at most the few chunks in flight."""
IN_FLIGHT = 3
"""Chunks appended at once: the event store commits what is queued together, and the next chunk is made meanwhile."""


async def write(plan: Plan, store: EventStore, keyring: KeyRing, progress: Shows) -> dict[str, int]:
    """Appends every new row of the plan; returns how many of each kind were written."""
    meta = Meta(correlation_id=new_id(), actor="import")
    written = dict.fromkeys(plan.new, 0)
    flying: list[asyncio.Task[None]] = []

    async def send(kind: str, batches: list[Batch], refs: list[dict[str, Any]], also: list[tuple[Any, list[Any]]]) -> None:
        await store.append_batch(batches, meta=meta, also=_inserting([*also, (import_refs, refs)]))
        written[kind] += len(refs)
        progress.show(kind, written[kind], plan.new[kind])

    async def launch(kind: str, batches: list[Batch], refs: list[dict[str, Any]], also: list[tuple[Any, list[Any]]]) -> None:
        flying.append(asyncio.ensure_future(send(kind, batches, refs, also)))
        if len(flying) >= IN_FLIGHT:
            await flying.pop(0)

    try:
        version = plan.tree_version
        orgs = plan.rows["orgs"]
        for start in range(0, len(orgs), CHUNK["orgs"]):
            chunk = orgs[start : start + CHUNK["orgs"]]
            events = [_registered(line, ids) for line, ids in chunk]
            refs = [_ref("orgs", line, ids["org_id"]) for line, ids in chunk]
            await launch("orgs", [Batch(TREE, events, expected_version=version)], refs, [])
            version += len(events)
        if version:  # a re-run after a kill among the orgs saves the snapshot the killed run could not
            while flying:  # committed before a snapshot claims them
                await flying.pop(0)
            await _keep_tree(store, plan, version)
        for kind in PEOPLE:
            ignored: list[Problem] = []  # the plan found them all, and found none
            async with store.engine.connect() as conn:
                for lines in chunks(plan.folder, kind, ignored, CHUNK[kind]):
                    known = await known_refs(conn, kind, [line.row.ref for line in lines])
                    await conn.rollback()  # no transaction left open between chunks
                    new = [line for line in lines if line.row.ref not in known]
                    if new:
                        await launch(kind, *_chunk(plan, kind, new, keyring))
        while flying:
            await flying.pop(0)
    finally:
        for task in flying:
            task.cancel()
    return written


async def _keep_tree(store: EventStore, plan: Plan, version: int) -> None:
    """Saves the tree the plan grew as the tree stream's snapshot: folding a hundred thousand org events anew (the
    service's first command, a re-run's check) copies every org per event, minutes at that size."""
    if plan.tree.seq != version:
        return  # not the state after exactly these events: the service folds it itself
    await store.save_snapshot(TREE, version, tree.encode(plan.tree))


def _chunk(plan: Plan, kind: str, lines: list[Line], keyring: KeyRing) -> tuple[list[Batch], list[dict[str, Any]], list[Any]]:
    """A chunk's streams, its import keys and the people's new keys, for one append."""
    batches, refs, keys = [], [], []
    for line in lines:
        r = line.row
        org = plan.resolve(r.org_ref)
        assert org is not None, "the plan resolved every org"
        if kind == "headcounts":
            event = HeadcountReported(org_id=org, members=r.members, as_of=r.as_of)
            batches.append(Batch(f"headcount-{org}", [event]))
            refs.append(_ref(kind, line, org))
            continue
        pid = new_id()
        fields = {
            "full_name": r.full_name,
            "birth_date": getattr(r, "birth_date", None) and r.birth_date.isoformat(),
            "position": getattr(r, "position", None),
        }
        # the key is written in the append's own transaction: a kill leaves no key of a person never recorded
        sealed, keep = keyring.sealed_anew(pid, fields)
        keys += cast(Any, keep).rows  # `Rows` of the key table: written here with the chunk's other rows
        events: list[Event] = [PersonRegistered(person_id=pid, org_id=org, **sealed)]
        if kind == "members":
            events.append(MemberAdmitted(person_id=pid, org_id=org, since=r.since))
            refs.append(_ref(kind, line, pid))
        else:
            officer = new_id()
            events += _post(r, officer, pid, org)
            refs.append(_ref(kind, line, officer))
        batches.append(Batch(person_stream(pid), events, expected_version=0))
    return batches, refs, [(keyring.table, keys)] if keys else []


def _inserting(tables: Sequence[tuple[Any, list[dict[str, Any]]]]) -> Any:
    """An append's `also`: plain inserts, so a key imported twice at once (two imports of the same files running
    together) fails the second append whole rather than doubling the row."""

    async def insert(conn: AsyncConnection) -> None:
        for table, rows in tables:
            if rows:
                await insert_many(conn, table, rows)

    return insert


def _ref(kind: str, line: Line, id_: str) -> dict[str, Any]:
    return {"kind": kind, "ref": line.row.ref, "id": id_, "digest": digest(kind, line.row)}


def _registered(line: Line, ids: dict[str, str]) -> Event:
    r = line.row
    return OrgRegistered(
        org_id=ids["org_id"], name=r.name, level=r.level, parent_id=ids["parent_id"] or None, registered_on=r.registered_on
    )


def _post(r: Any, oid: str, pid: str, org: str) -> list[Event]:
    events: list[Event] = [
        OfficerAssigned(officer_id=oid, person_id=pid, org_id=org, role=r.role, since=r.since, released=r.released)
    ]
    if r.trained:
        events.append(OfficerTrained(training_id=new_id(), officer_id=oid, person_id=pid, org_id=org, on=r.since))
    if r.until is not None:
        events.append(OfficerRelieved(officer_id=oid, person_id=pid, org_id=org, until=r.until))
    return events
