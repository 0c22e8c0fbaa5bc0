"""K6's members on a day counted by the kinds of address they can be reached at, in PostgreSQL, as known by `known`:
each person's org by their membership timeline, each contact point by the states its events left it in. Only counts
leave the database, never who."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import CTE, Date, DateTime, Select, bindparam, exists, false, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import PERSONAL_KINDS, ContactKind
from kit.db import any_of

from ..domain.facts import Addresses
from ..tables import contact_points, erasures, memberships

IDS, DAY, KNOWN = any_of("ids"), bindparam("day", type_=Date), bindparam("known", type_=DateTime(timezone=True))


def _members() -> CTE:
    """Each member of one of the orgs on DAY: the person's latest step valid then (of two the same day, the later
    recorded) puts them there, of the steps recorded by KNOWN."""
    m = memberships.c
    ever = select(m.person_id).where(m.org_id == IDS, m.recorded_at < KNOWN)
    steps = (
        select(m.person_id, m.org_id)
        .where(m.person_id.in_(ever), m.effective_on <= DAY, m.recorded_at < KNOWN)
        .order_by(m.person_id, m.effective_on.desc(), m.position.desc())
        .ext(distinct_on(m.person_id))
        .subquery("steps")
    )
    return select(steps.c.person_id, steps.c.org_id).where(steps.c.org_id == IDS).cte("members")


def _usable(members: CTE) -> Any:
    """Each member with a contact point usable on DAY, with the kinds usable, as recorded by KNOWN: a point not erased
    or merged away (by its latest state), its owner not erased, and a personal one (T4, PD1) with consent in force —
    the standing consent given by DAY, or one that ended, given by DAY and withdrawn after it."""
    c = contact_points.c
    then = (c.consent_from <= DAY) & (c.consent_until > DAY)
    latest = (
        select(c.person_id, c.kind, c.consent_from, c.consent_until, c.gone)
        .add_columns(func.bool_or(then).over(partition_by=c.contact_id).label("ended_after"))
        .where(c.person_id.in_(select(members.c.person_id)), c.recorded_at < KNOWN)
        .order_by(c.contact_id, c.position.desc())
        .ext(distinct_on(c.contact_id))
        .subquery("latest")
    )
    k = latest.c
    standing = (k.consent_from <= DAY) & k.consent_until.is_(None)
    consented = or_(k.kind.not_in([kind.value for kind in PERSONAL_KINDS]), standing, k.ended_after.is_(True))
    erased = exists().where(erasures.c.person_id == k.person_id, erasures.c.recorded_at < KNOWN)
    held = [func.bool_or(k.kind == kind.value).label(kind.value) for kind in ContactKind]
    return select(k.person_id, *held).where(k.gone.is_(False), ~erased, consented).group_by(k.person_id).subquery("usable")


def _by_org() -> Select[Any]:
    """Per org, its members counted by which kinds of usable address each has (one row per combination found)."""
    members = _members()
    usable = _usable(members)
    joined = members.outerjoin(usable, usable.c.person_id == members.c.person_id)
    kinds = [func.coalesce(usable.c[kind.value], false()).label(kind.value) for kind in ContactKind]
    return select(members.c.org_id, *kinds, func.count().label("members")).select_from(joined).group_by(members.c.org_id, *kinds)


BY_ORG = _by_org()


async def addresses_by_org(
    conn: AsyncConnection, org_ids: Sequence[str], day: date, known: datetime
) -> dict[str, dict[Addresses, int]]:
    """Each org's own members on the day, by the kinds of usable address each has (orgs without members left out)."""
    found: dict[str, dict[Addresses, int]] = defaultdict(dict)
    for r in await conn.execute(BY_ORG, {"ids": list(org_ids), "day": day, "known": known}):
        held = frozenset(kind.value for kind in ContactKind if r._mapping[kind.value])
        found[r.org_id][held] = r.members
    return dict(found)
