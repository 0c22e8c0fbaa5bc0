"""Where people stand today, read from the registry's read models: whose subtree may see their personal data.

A person belongs to the org of their membership today (DESIGN.md §5), whatever date a question is about, and as
everything recorded so far tells — a `known_on` chooses facts, not who may see them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.access import permits
from kit.db import any_of
from kit.rpc import Context

from ..domain.reach import home_today, reach
from ..domain.tree import Change, Tree
from ..tables import memberships, people

_TIMELINES = select(memberships.c.person_id, memberships.c.effective_on, memberships.c.org_id, memberships.c.position).where(
    memberships.c.person_id == any_of("ids")
)
_RECORDED_BY = select(people.c.person_id, people.c.recorded_by).where(people.c.person_id == any_of("ids"))


async def homes_today(conn: AsyncConnection, person_ids: Collection[str], today: date) -> dict[str, str]:
    """Per person, the org they belong to today (`reach.home_today`), else the org that recorded them."""
    ids = {"ids": list(person_ids)}
    timelines: dict[str, list[Change]] = {}
    for r in await conn.execute(_TIMELINES, ids):
        timelines.setdefault(r.person_id, []).append(Change(r.effective_on, r.org_id, r.position))
    return {
        r.person_id: home_today(timelines.get(r.person_id, ()), today) or r.recorded_by
        for r in await conn.execute(_RECORDED_BY, ids)
    }


async def member_of_today(conn: AsyncConnection, person_id: str, today: date) -> str | None:
    """The org the person is a member of today; None if they are not (left, admitted from a later day, never one)."""
    changes = [Change(r.effective_on, r.org_id, r.position) for r in await conn.execute(_TIMELINES, {"ids": [person_id]})]
    current = sorted((c for c in changes if c.effective_on <= today), key=lambda c: (c.effective_on, c.seq))
    return current[-1].value if current else None


async def readable_people(conn: AsyncConnection, tree: Tree, person_ids: Collection[str], ctx: Context) -> set[str]:
    """Of these people, those whose personal data the actor may read: their org today is in the actor's subtree today."""
    homes = await homes_today(conn, person_ids, ctx.today)
    allowed: dict[str, bool] = {}
    for home in set(homes.values()):
        allowed[home] = permits(ctx.actor, "read_personal_data", reach(tree, home, ctx.today))
    return {person for person, home in homes.items() if allowed[home]}
