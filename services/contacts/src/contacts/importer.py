"""`profset import` for contacts: information resources and contact points from CSV, every row checked first.

channels.csv        ref, org_ref, kind, name, url, audience, since
contact_points.csv  person_ref, kind, value, consent_given_at, consent_method

An `org_ref`/`person_ref` is a key of an earlier registry import (orgs; members or officers) or an id.
People and orgs are learnt from the registry's stream, so the import first waits until this service has
caught up with the registry's ledger (the running stack does that within seconds).
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import Field
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.base import OneLine
from contracts.contacts import Audience, ChannelKind, ConsentMethod, ContactKind
from kit.crypto import KeyRing
from kit.csvimport import Line, Outcome, Problem, Progress, Row, read_rows
from kit.db import make_engine
from kit.errors import Refused
from kit.ids import new_id
from kit.store import Batch, EventStore, Meta, insert_many

from .config import ContactsSettings
from .domain import channels, contacts
from .domain.addresses import normalise
from .handlers.channels import channel_stream
from .handlers.contacts import contact_stream
from .projections.own import OwnProjection
from .queries.mirror import Orgs, orgs_on
from .tables import import_refs, ledger, people, posts

REF = Field(min_length=1, max_length=100)
CHUNK = 1000


class Shows(Protocol):
    """Where the import reports its progress (a bar on the operator's terminal)."""

    def show(self, kind: str, done: int, total: int) -> None: ...


class ChannelRow(Row):
    ref: str = REF
    org_ref: str = REF
    kind: ChannelKind
    name: OneLine = Field(min_length=1, max_length=300)
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    audience: Audience = Audience.MEMBERS
    since: date


class ContactRow(Row):
    person_ref: str = REF
    kind: ContactKind
    value: OneLine = Field(min_length=3, max_length=200)
    consent_given_at: date | None = None
    consent_method: ConsentMethod | None = None


async def run(folder: Path, settings: ContactsSettings, progress: Shows | None = None, wait: float = 120) -> Outcome:
    """Imports `channels.csv` and `contact_points.csv` from `folder`; writes nothing unless every row passes."""
    problems: list[Problem] = []
    rows = {
        "channels": read_rows(folder / "channels.csv", ChannelRow, problems),
        "contact_points": read_rows(folder / "contact_points.csv", ContactRow, problems),
    }
    if not any(rows.values()) and not problems:
        return Outcome()
    engine = make_engine(settings.database_url)
    keyring = KeyRing(ledger, settings.master_key)
    store = EventStore(engine, ledger, "contacts", inline=[OwnProjection(keyring).apply])
    try:
        if not await _caught_up(store, wait):
            gone = Problem("-", 0, "contacts", "the contacts service has not caught up with the registry; is the stack running?")
            return Outcome(problems=[gone])
        async with engine.connect() as conn:
            planned, skipped = await _plan(conn, rows, problems)
        if problems:
            return Outcome(problems=sorted(problems, key=lambda p: (p.file, p.line)))
        written = await _write(store, keyring, planned, progress or Progress())
        return Outcome(written=written, skipped=skipped)
    finally:
        await engine.dispose()


async def _caught_up(store: EventStore, wait: float) -> bool:
    """Waits until the registry mirror has applied every event the registry's ledger holds now, for as long as it
    moves: false only once it has not moved for `wait` seconds (a big union's registry import takes a while to
    mirror; a mirror that does not move means the contacts service is not running)."""
    async with store.engine.connect() as conn:
        if (await conn.execute(text("SELECT to_regclass('registry.events')"))).scalar() is None:
            return True
        target = (await conn.execute(text("SELECT coalesce(max(position), 0) FROM registry.events"))).scalar_one()
    checkpoints = ledger.checkpoints.c
    clock, last = asyncio.get_running_loop().time, -1
    deadline = clock() + wait
    while True:
        async with store.engine.connect() as conn:
            applied = (
                await conn.execute(
                    select(func.coalesce(func.max(checkpoints.position), 0)).where(checkpoints.source == "registry")
                )
            ).scalar_one()
        if applied >= target:
            return True
        if applied > last:
            last, deadline = applied, clock() + wait
        elif clock() > deadline:
            return False
        await asyncio.sleep(0.5)


async def _refs(conn: AsyncConnection) -> dict[str, dict[str, str]]:
    """The orgs of the registry's imports and the channels of ours: as many as the union has orgs, so kept whole."""
    found: dict[str, dict[str, str]] = {"orgs": {}, "channels": {}}
    if await _registry_imported(conn):
        for ref, id_ in await conn.execute(text("SELECT ref, id FROM registry.import_refs WHERE kind = 'orgs'")):
            found["orgs"][ref] = id_
    for row in await conn.execute(select(import_refs).where(import_refs.c.kind == "channels")):
        found["channels"][row.ref] = row.id
    return found


async def _registry_imported(conn: AsyncConnection) -> bool:
    return (await conn.execute(text("SELECT to_regclass('registry.import_refs')"))).scalar() is not None


async def _people_of(conn: AsyncConnection, lines: list[Line], keys: list[str]) -> tuple[dict[str, Any], set[str]]:
    """The people a chunk of contact points names, by `person_ref` (a member's or an officer's key of a registry
    import, or an id), and which of its keys an earlier import brought in: looked up a chunk at a time, so a million
    members' keys never sit in memory."""
    refs = sorted({line.row.person_ref for line in lines})
    ids = {ref: ref for ref in refs}
    if await _registry_imported(conn):
        found = await conn.execute(
            text("SELECT kind, ref, id FROM registry.import_refs WHERE kind IN ('members', 'officers') AND ref = ANY(:refs)"),
            {"refs": refs},
        )
        imported = {(kind, ref): id_ for kind, ref, id_ in found}
        officers = [id_ for (kind, _), id_ in imported.items() if kind == "officers"]
        held = dict(
            (await conn.execute(select(posts.c.officer_id, posts.c.person_id).where(posts.c.officer_id.in_(officers)))).all()
        )
        for ref in refs:
            ids[ref] = imported.get(("members", ref)) or held.get(imported.get(("officers", ref), "")) or ref
    known = {p.person_id: p for p in await conn.execute(select(people).where(people.c.person_id.in_(set(ids.values()))))}
    c = import_refs.c
    done = {r.ref for r in await conn.execute(select(c.ref).where(c.kind == "contact_points", c.ref.in_(keys)))}
    return {ref: known.get(person_id) for ref, person_id in ids.items()}, done


async def _plan(
    conn: AsyncConnection, rows: dict[str, list[Line]], problems: list[Problem]
) -> tuple[dict[str, list[tuple[str, Line, dict[str, Any]]]], dict[str, int]]:
    refs = await _refs(conn)
    planned: dict[str, list[tuple[str, Line, dict[str, Any]]]] = {"channels": [], "contact_points": []}
    skipped = {"channels": 0, "contact_points": 0}
    trees: dict[date, Orgs] = {}  # each read is the whole mirror, which stands still while the import plans
    for line in rows["channels"]:
        r = line.row
        if r.ref in refs["channels"]:
            skipped["channels"] += 1
            continue
        org_id = refs["orgs"].get(r.org_ref, r.org_ref)
        if r.since not in trees:
            trees[r.since] = await orgs_on(conn, r.since, r.since)
        try:
            channels.decide_open(trees[r.since].exists(org_id), "-", org_id, r.kind, r.name, r.url, r.audience, r.since)
        except Refused as e:
            problems.append(Problem("channels.csv", line.line, "org_ref", e.message))
            continue
        planned["channels"].append((r.ref, line, {"id": new_id(), "org_id": org_id}))
    seen: set[str] = set()
    for start in range(0, len(rows["contact_points"]), CHUNK):
        await _plan_contacts(conn, rows["contact_points"][start : start + CHUNK], seen, planned, skipped, problems)
    return planned, skipped


async def _plan_contacts(
    conn: AsyncConnection,
    lines: list[Line],
    seen: set[str],
    planned: dict[str, list[tuple[str, Line, dict[str, Any]]]],
    skipped: dict[str, int],
    problems: list[Problem],
) -> None:
    """Checks a chunk of contact points against the people they name."""
    values: list[tuple[Line, str, str]] = []
    for line in lines:
        r = line.row
        try:
            value = normalise(r.kind, r.value)
        except Refused as e:
            problems.append(Problem("contact_points.csv", line.line, "value", e.message))
            continue
        values.append((line, value, f"{r.person_ref}|{r.kind.value}|{value}"))
    persons, done = await _people_of(conn, [line for line, _, _ in values], [key for _, _, key in values])
    for line, value, key in values:
        r = line.row
        if key in done or key in seen:
            skipped["contact_points"] += 1
            continue
        seen.add(key)
        person = persons.get(r.person_ref)
        if person is None or person.erased_at is not None:
            problems.append(Problem("contact_points.csv", line.line, "person_ref", f"no person {r.person_ref!r} (or erased)"))
        elif (r.consent_given_at is None) != (r.consent_method is None):
            problems.append(
                Problem("contact_points.csv", line.line, "consent_method", "give both consent_given_at and consent_method")
            )
        else:
            planned["contact_points"].append(
                (key, line, {"id": new_id(), "person_id": person.person_id, "org_id": person.org_id, "value": value})
            )


async def _write(
    store: EventStore, keyring: KeyRing, planned: dict[str, list[tuple[str, Line, dict[str, Any]]]], progress: Shows
) -> dict[str, int]:
    meta = Meta(correlation_id=new_id(), actor="import")
    written = {}
    for kind, items in planned.items():
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            batches, keys = _contact_batches(keyring, chunk) if kind == "contact_points" else (_channel_batches(chunk), [])
            refs = [{"kind": kind, "ref": ref, "id": ids["id"]} for ref, _, ids in chunk]

            # the sealing keys and the import keys in the events' own transaction: a kill leaves neither a key of a
            # contact point never recorded nor a recorded one without its key; a plain insert of the import keys
            # fails a chunk that an import running at the same time wrote first, rather than doubling it
            async def remember(conn: AsyncConnection, refs: list[dict[str, str]] = refs, keys: list[Any] = keys) -> None:
                if keys:
                    await insert_many(conn, keyring.table, keys)
                await insert_many(conn, import_refs, refs)

            await store.append_batch(batches, meta=meta, also=remember)
            progress.show(kind, start + len(chunk), len(items))
        written[kind] = len(items)
    return written


def _channel_batches(chunk: list[tuple[str, Line, dict[str, Any]]]) -> list[Batch]:
    batches = []
    for _, line, ids in chunk:
        r = line.row
        events = channels.decide_open(True, ids["id"], ids["org_id"], r.kind, r.name, r.url, r.audience, r.since)
        batches.append(Batch(channel_stream(ids["id"]), events, expected_version=0))
    return batches


def _contact_batches(keyring: KeyRing, chunk: list[tuple[str, Line, dict[str, Any]]]) -> tuple[list[Batch], list[Any]]:
    """Each contact point sealed with a key made now, and the keys' rows for the append's transaction."""
    batches, keys = [], []
    for _, line, ids in chunk:
        r = line.row
        consent = (r.consent_given_at, r.consent_method) if r.consent_given_at else None
        sealed, keep = keyring.sealed_anew(ids["id"], {"value": ids["value"]})
        keys += cast(Any, keep).rows  # `Rows` of the key table
        value = sealed["value"]
        assert value is not None
        events = contacts.decide_add(ids["id"], ids["person_id"], ids["org_id"], r.kind, value, consent, "import")
        batches.append(Batch(contact_stream(ids["id"]), events, expected_version=0))
    return batches, keys
