"""Writes a checked import plan in chunks: each chunk's events, read models and import keys in one
transaction, so an interrupted import resumes where it stopped and a re-run of the same files adds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import Event
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerTrained
from contracts.people import MemberAdmitted, PersonRegistered
from contracts.registry import HeadcountReported, OrgRegistered
from kit.crypto import KeyRing
from kit.csvimport import Line, Progress
from kit.ids import new_id
from kit.store import Batch, EventStore, Meta

from ..handlers.people import person_stream
from ..handlers.tree import TREE
from ..tables import import_refs
from .plan import Plan
from .rows import digest

CHUNK = {"orgs": 500, "headcounts": 2000, "officers": 500, "members": 1000}
Planned = tuple[Line, dict[str, str]]


async def write(plan: Plan, store: EventStore, keyring: KeyRing, progress: Progress) -> dict[str, int]:
    """Appends every planned row; returns how many of each kind were written."""
    meta = Meta(correlation_id=new_id(), actor="import")
    version = plan.tree_version
    written = dict.fromkeys(plan.rows, 0)
    for kind, rows in plan.rows.items():
        for start in range(0, len(rows), CHUNK[kind]):
            chunk = rows[start : start + CHUNK[kind]]
            if kind == "orgs":
                events = [_registered(line, ids) for line, ids in chunk]
                batches = [Batch(TREE, events, expected_version=version)]
                version += len(events)
            elif kind == "headcounts":
                batches = [Batch(f"headcount-{ids['org_id']}", [_reported(line, ids)]) for line, ids in chunk]
            else:
                batches = await _people(kind, chunk, store, keyring)
            refs = [
                {"kind": kind, "ref": line.row.ref, "id": _id(kind, ids), "digest": digest(kind, line.row)} for line, ids in chunk
            ]
            await store.append_batch(batches, meta=meta, also=_remember(refs))
            written[kind] += len(chunk)
            progress.show(kind, written[kind], len(rows))
    return written


def _remember(refs: list[dict[str, str]]) -> Any:
    async def insert(conn: AsyncConnection) -> None:
        await conn.execute(pg_insert(import_refs).on_conflict_do_nothing(), refs)

    return insert


def _id(kind: str, ids: dict[str, str]) -> str:
    key = {"orgs": "org_id", "headcounts": "org_id", "officers": "officer_id"}.get(kind, "person_id")
    return ids[key]


def _registered(line: Line, ids: dict[str, str]) -> Event:
    r = line.row
    return OrgRegistered(
        org_id=ids["org_id"], name=r.name, level=r.level, parent_id=ids["parent_id"] or None, registered_on=r.registered_on
    )


def _reported(line: Line, ids: dict[str, str]) -> Event:
    return HeadcountReported(org_id=ids["org_id"], members=line.row.members, as_of=line.row.as_of)


async def _people(kind: str, chunk: Sequence[tuple[Line, dict[str, str]]], store: EventStore, keyring: KeyRing) -> list[Batch]:
    """One new person per row, sealed with their own key, and the post or membership the row records."""
    fields = {
        ids["person_id"]: {
            "full_name": line.row.full_name,
            "birth_date": getattr(line.row, "birth_date", None) and line.row.birth_date.isoformat(),
            "position": getattr(line.row, "position", None),
        }
        for line, ids in chunk
    }
    async with store.engine.begin() as conn:
        sealed = await keyring.seal_many(conn, fields)
    batches = []
    for line, ids in chunk:
        r, pid, org = line.row, ids["person_id"], ids["org_id"]
        events: list[Event] = [PersonRegistered(person_id=pid, org_id=org, **sealed[pid])]
        if kind == "members":
            events.append(MemberAdmitted(person_id=pid, org_id=org, since=r.since))
        else:
            events += _post(r, ids)
        batches.append(Batch(person_stream(pid), events, expected_version=0))
    return batches


def _post(r: Any, ids: dict[str, str]) -> list[Event]:
    oid, pid, org = ids["officer_id"], ids["person_id"], ids["org_id"]
    events: list[Event] = [
        OfficerAssigned(officer_id=oid, person_id=pid, org_id=org, role=r.role, since=r.since, released=r.released)
    ]
    if r.trained:
        events.append(OfficerTrained(training_id=new_id(), officer_id=oid, person_id=pid, org_id=org, on=r.since))
    if r.until is not None:
        events.append(OfficerRelieved(officer_id=oid, person_id=pid, org_id=org, until=r.until))
    return events
