"""The registry's org facts as another service keeps them — headcounts, information posts, trainings and
budgets — fed from the REGISTRY stream, each row with the registry's recording time of the event that wrote it and
each change with its own, so the facts can be read as known on a past day (DESIGN.md §3, `known_on`). Integration
plumbing shared by the consumers: the ones that judge orgs (audits, kpi) keep all four, contacts its posts and
headcounts, notifications its posts; what the facts mean stays in those services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, MetaData, Numeric, Table, Text
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerTrained
from contracts.org_facts import BudgetAdopted
from contracts.registry import HeadcountReported
from kit.projection import Delivered

POSITION = "Source ledger position: the later one wins"
RECORDED = "When the source recorded it (`known_on` counts only what was recorded by then)"


@dataclass(frozen=True)
class FactTables:
    """The mirror's tables in a service's schema."""

    headcounts: Table
    posts: Table
    trainings: Table
    budgets: Table


def fact_tables(metadata: MetaData) -> FactTables:
    """Declares `headcounts`, `posts`, `trainings` and `budgets` in the service's schema."""
    return FactTables(headcount_table(metadata), post_table(metadata), training_table(metadata), budget_table(metadata))


def headcount_table(metadata: MetaData) -> Table:
    """Declares `headcounts` alone, for a service that needs no other org fact."""
    return Table(
        "headcounts",
        metadata,
        Column("org_id", Text, primary_key=True),
        Column("position", BigInteger, primary_key=True, comment=POSITION),
        Column("as_of", Date, nullable=False),
        Column("members", Integer, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, comment=RECORDED),
        comment="Every headcount report, by registry position: of those recorded by `known_on`, the latest valid wins",
    )


def post_table(metadata: MetaData) -> Table:
    """Declares `posts` alone, for a service that needs no other org fact."""
    return Table(
        "posts",
        metadata,
        Column("officer_id", Text, primary_key=True),
        Column("person_id", Text),
        Column("org_id", Text, index=True),
        Column("role", Text),
        Column("since", Date),
        Column("until", Date),
        Column("recorded_at", DateTime(timezone=True), comment="When the assignment was recorded"),
        Column("until_recorded_at", DateTime(timezone=True), comment="When the relief was recorded"),
        comment="One row per post (a relief comes once): its assignment and its relief, each with its recording time",
    )


def training_table(metadata: MetaData) -> Table:
    """Declares `trainings`."""
    return Table(
        "trainings",
        metadata,
        Column("training_id", Text, primary_key=True),
        Column("person_id", Text, nullable=False),
        Column("org_id", Text, nullable=False, index=True),
        Column("on", Date, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, comment=RECORDED),
        comment="Every course completed, with its recording time",
    )


def budget_table(metadata: MetaData) -> Table:
    """Declares `budgets`."""
    return Table(
        "budgets",
        metadata,
        Column("org_id", Text, primary_key=True),
        Column("year", Integer, primary_key=True),
        Column("position", BigInteger, primary_key=True, comment=POSITION),
        Column("total", Numeric(17, 2), nullable=False),
        Column("information", Numeric(17, 2), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, comment=RECORDED),
        comment="Every adoption of a year's budget (a restatement adds a row): the latest recorded by `known_on` stands",
    )


def upsert(table: Table, keys: list[str], row: dict[str, Any]) -> Insert:
    """An insert that updates the other columns on a repeat (a row a thing's events fill in, in any order)."""
    stmt = insert(table).values(row)
    changed = {k: stmt.excluded[k] for k in row if k not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)


HEADCOUNT_EVENTS = (HeadcountReported,)
"""What `apply_headcounts` takes."""
POST_EVENTS = (OfficerAssigned, OfficerRelieved)
"""What `apply_posts` takes."""
FACT_EVENTS = (*HEADCOUNT_EVENTS, *POST_EVENTS, OfficerTrained, BudgetAdopted)
"""What `apply_facts` takes."""


async def apply_facts(conn: AsyncConnection, tables: FactTables, d: Delivered) -> bool:
    """Applies an org-fact event (idempotently, in any order within an officer's events); False for others."""
    if await apply_headcounts(conn, tables.headcounts, d) or await apply_posts(conn, tables.posts, d):
        return True
    match d.event:
        case OfficerTrained() as e:
            row: dict[str, Any] = {"training_id": e.training_id, "person_id": e.person_id, "org_id": e.org_id, "on": e.on}
            await conn.execute(insert(tables.trainings).values({**row, "recorded_at": d.recorded_at}).on_conflict_do_nothing())
        case BudgetAdopted() as e:
            row = {"org_id": e.org_id, "year": e.year, "total": e.total, "information": e.information, "position": d.position}
            await conn.execute(insert(tables.budgets).values({**row, "recorded_at": d.recorded_at}).on_conflict_do_nothing())
        case _:
            return False
    return True


async def apply_headcounts(conn: AsyncConnection, headcounts: Table, d: Delivered) -> bool:
    """Applies a headcount report (idempotently); False for any other event."""
    if not isinstance(d.event, HeadcountReported):
        return False
    e = d.event
    row = {"org_id": e.org_id, "position": d.position, "as_of": e.as_of, "members": e.members, "recorded_at": d.recorded_at}
    await conn.execute(insert(headcounts).values(row).on_conflict_do_nothing())
    return True


async def apply_posts(conn: AsyncConnection, posts: Table, d: Delivered) -> bool:
    """Applies an assignment or a relief (idempotently, in either order); False for any other event.

    A youth council's posts are not the org's own, so they are left out.
    """
    match d.event:
        case OfficerAssigned() as e if e.council_id is None:
            row: dict[str, Any] = {
                "officer_id": e.officer_id,
                "person_id": e.person_id,
                "org_id": e.org_id,
                "role": e.role.value,
                "since": e.since,
                "recorded_at": d.recorded_at,
            }
            await conn.execute(upsert(posts, ["officer_id"], row))
        case OfficerRelieved() as e:
            row = {"officer_id": e.officer_id, "until": e.until, "until_recorded_at": d.recorded_at}
            await conn.execute(upsert(posts, ["officer_id"], row))
        case OfficerAssigned():
            pass
        case _:
            return False
    return True
