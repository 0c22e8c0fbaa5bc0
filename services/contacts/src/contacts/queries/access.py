"""Queries about the access orgs give to their channels (P10, T7): every grant with its dates, in force on `as_of` or not."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.contacts import ListChannelAccess, ListGrantees, ListOrgAccess
from kit.access import require
from kit.clock import known_by
from kit.errors import not_found
from kit.rpc import Context

from ..tables import channel_access, channels
from .mirror import KeptTrees, Orgs


class AccessQueries:
    """The query verbs about channel access; whoever may read the channel's org today may read its grants (§5)."""

    def __init__(self, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.engine, self.trees = engine, trees

    async def list_channel_access(self, q: ListChannelAccess, ctx: Context) -> list[dict[str, Any]]:
        """Every grant of the channel known by `known_on`, oldest first."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            owner = (await conn.execute(select(channels.c.org_id).where(channels.c.channel_id == q.channel_id))).scalar()
            if owner is None:
                raise not_found("information resource", field="channel_id")
            require(ctx.actor, "read_orgs", (await self.trees.on(ctx.today, ctx.today)).reach(owner))
            then = await self.trees.on(day, ctx.today)
            return await _grants(conn, channel_access.c.channel_id == q.channel_id, day, known, then)

    async def list_org_access(self, q: ListOrgAccess, ctx: Context) -> list[dict[str, Any]]:
        """The grants on the org's channels and those it holds on other orgs' channels, known by `known_on`; a grant on
        the channel of an org the caller may not read today is left out."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            # the org as it was on the day (404 before it existed or after it was dissolved), reached on today's tree
            then = await self.trees.on(day, ctx.today)
            then.require(ctx.actor, "read_orgs", q.org_id)
            a = channel_access.c
            rows = await _grants(conn, or_(a.org_id == q.org_id, a.to_org_id == q.org_id), day, known, then)
        return [r for r in rows if then.may(ctx.actor, "read_orgs", r["org_id"])]

    async def list_grantees(self, q: ListGrantees, ctx: Context) -> list[str]:
        """The ids of the orgs the org may open its channels to today, as `grant_channel_access` checks them: a primary
        org's staff can't read the CC, yet must be able to name it (ids and names of orgs are not secret)."""
        today = await self.trees.on(ctx.today, ctx.today)
        today.require(ctx.actor, "read_orgs", q.org_id)
        lineage = today.reach(q.org_id)
        found = [lineage[1] if len(lineage) > 1 else None, today.central()]
        return [o for o in dict.fromkeys(found) if o and o != q.org_id]


async def _grants(
    conn: AsyncConnection, which: ColumnElement[bool], day: date, known: datetime, then: Orgs
) -> list[dict[str, Any]]:
    a, ch = channel_access.c, channels.c
    rows = await conn.execute(
        select(channel_access, ch.kind, ch.name, ch.since.label("opened_on"), ch.closed_on, ch.closed_recorded_at)
        .join(channels, ch.channel_id == a.channel_id)
        .where(which, a.recorded_at < known)
        .order_by(a.since, a.position)
    )
    cc = then.central()
    return [_grant(r, day, known, holder(then, cc, r.org_id, r.to_org_id)) for r in rows]


def holder(then: Orgs, cc: str | None, org_id: str, to_org_id: str) -> str:
    """Who the grantee is to the channel's org on the day: its parent (P10), the CC (T7), or neither — a former parent
    after a move, whose grant no longer counts."""
    if to_org_id == then.parents.get(org_id):
        return "parent"
    return "cc" if to_org_id == cc else "neither"


def _grant(r: Any, day: date, known: datetime, to_is: str) -> dict[str, Any]:
    until = r.until if r.until is not None and r.revoked_recorded_at < known else None
    closed = r.closed_on if r.closed_on is not None and r.closed_recorded_at < known else None
    running = r.opened_on <= day and (closed is None or day < closed)
    return {
        "channel_id": r.channel_id,
        "channel_kind": r.kind,
        "channel_name": r.name,
        "org_id": r.org_id,
        "to_org_id": r.to_org_id,
        "since": r.since.isoformat(),
        "until": until.isoformat() if until else None,
        "to_is": to_is,
        "in_force": running and r.since <= day and (until is None or day < until) and to_is != "neither",
    }
