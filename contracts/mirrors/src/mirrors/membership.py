"""The registry's membership records as another service keeps them: each person's dated timeline of admissions,
transfers and leavings, fed from the REGISTRY stream in any order of recording, and where it puts a person today —
which decides who may see them (DESIGN.md §5: a person belongs to the org of their membership today). Integration
plumbing shared by the consumers that need it (contacts, appeals, kpi); membership itself stays in the registry."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, MetaData, Table, Text, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred
from kit.projection import Delivered

from .factmirror import RECORDED

MEMBER_ORG = "The org from effective_on; null: no longer a member from that day"
TIMELINE = "Each person's dated membership timeline: admitted, transferred, left, in any order of recording"


@dataclass(frozen=True)
class Membership:
    """One dated step of a person's membership: in `org_id` from `effective_on`, or out of the union (None)."""

    effective_on: date
    position: int
    """The registry's ledger position: of two steps valid the same day, the later recorded wins."""
    org_id: str | None


def org_today(timeline: Iterable[Membership], today: date) -> str | None:
    """The org of the membership in force today; not a member today, the last one before; none yet, the first to come."""
    joined = [m for m in timeline if m.org_id is not None]
    past = [m for m in joined if m.effective_on <= today]
    if past:
        return max(past, key=lambda m: (m.effective_on, m.position)).org_id
    coming = min(joined, key=lambda m: (m.effective_on, -m.position), default=None)
    return coming.org_id if coming else None


def member_today(timeline: Iterable[Membership], today: date) -> str | None:
    """The org a person is a member of today; None if they are not: left, admitted only from a later day, never."""
    past = [m for m in timeline if m.effective_on <= today]
    return max(past, key=lambda m: (m.effective_on, m.position)).org_id if past else None


def membership_table(metadata: MetaData, name: str = "member_orgs", *, recorded: bool = False) -> Table:
    """Declares the timeline in the service's schema; `recorded` adds each step's recording time (for `known_on`)."""
    when = [Column("recorded_at", DateTime(timezone=True), nullable=False, comment=RECORDED)] if recorded else []
    return Table(
        name,
        metadata,
        Column("person_id", Text, primary_key=True),
        Column("position", BigInteger, primary_key=True),
        Column("effective_on", Date, nullable=False),
        Column("org_id", Text, comment=MEMBER_ORG),
        *when,
        Index(f"{name}_by_org", "org_id"),
        comment=TIMELINE,
    )


MEMBERSHIP_EVENTS = (MemberAdmitted, MemberTransferred, MemberLeft)
"""What `apply_membership` takes."""


async def apply_membership(conn: AsyncConnection, timeline: Table, d: Delivered) -> bool:
    """Adds a step (idempotently), never changes one: the timeline, not the last step applied, says where a person
    belongs. False for any other event."""
    org_id: str | None
    match d.event:
        case MemberAdmitted() as e:
            person_id, on, org_id = e.person_id, e.since, e.org_id
        case MemberTransferred() as e:
            person_id, on, org_id = e.person_id, e.effective_on, e.org_id
        case MemberLeft() as e:
            person_id, on, org_id = e.person_id, e.effective_on, None
        case _:
            return False
    row: dict[str, Any] = {"person_id": person_id, "position": d.position, "effective_on": on, "org_id": org_id}
    if "recorded_at" in timeline.c:
        row["recorded_at"] = d.recorded_at
    await conn.execute(insert(timeline).values(row).on_conflict_do_nothing())
    return True


async def orgs_today(
    conn: AsyncConnection, timeline: Table, person_ids: Collection[str], today: date, people: Table | None = None
) -> dict[str, str]:
    """Each person's org today by their timeline; a person never a member, the org that recorded them in `people`
    (a table with `person_id` and `org_id`), if given. People known to neither are left out."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    m = timeline.c
    steps = await conn.execute(select(m.person_id, m.effective_on, m.position, m.org_id).where(m.person_id.in_(ids)))
    timelines: dict[str, list[Membership]] = {}
    for s in steps:
        timelines.setdefault(s.person_id, []).append(Membership(s.effective_on, s.position, s.org_id))
    found: dict[str, str] = {}
    if people is not None:
        recorded = await conn.execute(select(people.c.person_id, people.c.org_id).where(people.c.person_id.in_(ids)))
        found = {r.person_id: r.org_id for r in recorded if r.org_id}
    for person_id, steps_of in timelines.items():
        if (org := org_today(steps_of, today)) is not None:
            found[person_id] = org
    return found
