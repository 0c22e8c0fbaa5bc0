"""Audits, yearly audit plans with the overdue children (C1, T1), and remediation items."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Text, and_, any_, bindparam, extract, func, literal, or_, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.audits import GetAudit, GetAuditPlan, ListAudits, ListRemediation
from kit.access import RULES, Reach
from kit.db import any_of
from kit.errors import forbidden, invalid, not_found
from kit.rpc import Context
from mirrors.treemirror import Orgs, orgs_on

from ..domain.verdicts import YEAR_DAYS
from ..tables import TREE, audits, findings, posts, released, remediation
from .compliance import tree_for


def _released_query() -> Any:
    """The orgs where a released (full-time) official holds a post on the day (T1: help goes to the others)."""
    p = posts.c
    held = (p.since <= bindparam("day", type_=Date)) & or_(p.until.is_(None), p.until > bindparam("day", type_=Date))
    return (
        select(p.org_id).join(released, released.c.officer_id == p.officer_id).where(p.org_id == any_of("ids"), held).distinct()
    )


RELEASED = _released_query()

READ = "read_orgs"
"""DESIGN.md §5: every role reads the audits, findings and remediation of the orgs of its subtree; only auditors act."""


def _status(row: Any) -> str:
    return "completed" if row.completed_on else "started" if row.started_on else "scheduled"


def _audit(row: Any) -> dict[str, Any]:
    dates = {k: (getattr(row, k).isoformat() if getattr(row, k) else None) for k in ("planned_on", "started_on", "completed_on")}
    return {
        "id": row.audit_id,
        "org_id": row.org_id,
        "by_org_id": row.by_org_id,
        **dates,
        "score": row.score,
        "status": _status(row),
    }


def _item(row: Any, day: date) -> dict[str, Any]:
    return {
        "id": row.item_id,
        "audit_id": row.audit_id,
        "org_id": row.org_id,
        "finding_id": row.finding_id,
        "action": row.action,
        "owner_role": row.owner_role,
        "due_on": row.due_on.isoformat(),
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        "note": row.note,
        "overdue": row.closed_on is None and row.due_on < day,
    }


class AuditQueries:
    """The read side of audits."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get_audit(self, q: GetAudit, ctx: Context) -> dict[str, Any]:
        """One audit with its checklist, findings and remediation items."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(audits).where(audits.c.audit_id == q.audit_id))).first()
            if row is None:
                raise not_found("audit", field="audit_id")
            tree = await orgs_on(conn, TREE, ctx.today, ctx.today)
            # the audit is of its org and goes with it: an org that has left the subtree takes its audits along
            if not tree.may(ctx.actor, READ, row.org_id):
                raise forbidden("the audited org is not in your part of the union today")
            found = await conn.execute(select(findings).where(findings.c.audit_id == q.audit_id).order_by(findings.c.rule))
            items = await conn.execute(
                select(remediation).where(remediation.c.audit_id == q.audit_id).order_by(remediation.c.due_on)
            )
            return {
                **_audit(row),
                "checklist": row.checklist or [],
                "findings": [{"id": f.finding_id, "rule": f.rule, "severity": f.severity, "note": f.note} for f in found],
                "remediation": [_item(i, ctx.today) for i in items],
            }

    async def list_audits(self, q: ListAudits, ctx: Context) -> list[dict[str, Any]]:
        """A page of the audits in which an org of the subtree audits or is audited, newest plan first (ties: by id)."""
        day = q.as_of or ctx.today
        async with self.engine.connect() as conn:
            tree = await tree_for(conn, ctx.actor, q.org_id, day, ctx.today, READ)
            a = audits.c
            listed = _audits_of(tree.within(ctx.actor, READ, tree.subtree(q.org_id)), _readable(tree, ctx))
            query = select(audits).where(listed).order_by(a.planned_on.desc(), a.audit_id.desc()).limit(q.limit)
            if q.cursor is not None:
                after = await _cursor_row(conn, select(a.planned_on, a.audit_id).where(listed, a.audit_id == q.cursor))
                query = query.where(tuple_(a.planned_on, a.audit_id) < tuple_(*after))
            if q.year is not None:
                query = query.where(extract("year", func.coalesce(a.completed_on, a.planned_on)) == q.year)
            return [_audit(r) for r in await conn.execute(query)]

    async def get_audit_plan(self, q: GetAuditPlan, ctx: Context) -> dict[str, Any]:
        """The org's audits planned for the year, the orgs it checks (the CC: every structural org; others: their
        children) not audited in the 365 days before `as_of`, and its primary orgs with no released official (T1)."""
        day = q.as_of or ctx.today
        year = q.year or day.year
        async with self.engine.connect() as conn:
            tree = await tree_for(conn, ctx.actor, q.org_id, day, ctx.today, READ)
            # C1: the CC checks every structural org at any depth; T1: a territorial org its own primary orgs
            under = tree.subtree(q.org_id)[1:] if tree.levels[q.org_id] == "central" else tree.children(q.org_id)
            children = tree.within(ctx.actor, READ, under)
            a = audits.c
            planned = await conn.execute(
                select(audits).where(a.by_org_id == q.org_id, extract("year", a.planned_on) == year).order_by(a.planned_on)
            )
            last = dict(
                (
                    await conn.execute(
                        select(a.org_id, func.max(a.completed_on))
                        .where(a.by_org_id == q.org_id, a.completed_on <= day)
                        .group_by(a.org_id)
                    )
                ).all()
            )
            o = TREE.orgs.c
            registered = dict((await conn.execute(select(o.org_id, o.registered_on).where(o.org_id.in_(children)))).all())
            primaries = [c for c in children if tree.levels[c] == "primary"]
            with_released = set((await conn.execute(RELEASED, {"ids": primaries, "day": day})).scalars())
        overdue = [
            {"org_id": c, "level": tree.levels[c], "last_audit": last[c].isoformat() if c in last else None}
            for c in children
            if (day - registered[c]).days >= YEAR_DAYS and (c not in last or (day - last[c]).days > YEAR_DAYS)
        ]
        return {
            "org_id": q.org_id,
            "year": year,
            "as_of": day.isoformat(),
            "planned": [_audit(r) for r in planned if tree.may(ctx.actor, READ, r.org_id)],
            "overdue": overdue,
            "without_released": [c for c in primaries if c not in with_released],
        }

    async def list_remediation(self, q: ListRemediation, ctx: Context) -> list[dict[str, Any]]:
        """A page of the remediation items of the subtree's orgs, by deadline (ties: by id); `overdue`: open ones past
        their deadline on `as_of`."""
        day = q.as_of or ctx.today
        async with self.engine.connect() as conn:
            tree = await tree_for(conn, ctx.actor, q.org_id, day, ctx.today, READ)
            r = remediation.c
            listed = r.org_id == _any(tree.within(ctx.actor, READ, tree.subtree(q.org_id)))
            query = select(remediation).where(listed).order_by(r.due_on, r.item_id).limit(q.limit)
            if q.cursor is not None:
                after = await _cursor_row(conn, select(r.due_on, r.item_id).where(listed, r.item_id == q.cursor))
                query = query.where(tuple_(r.due_on, r.item_id) > tuple_(*after))
            if q.overdue:
                query = query.where(r.closed_on.is_(None), r.due_on < day)
            return [_item(i, day) for i in await conn.execute(query)]


def _readable(tree: Orgs, ctx: Context) -> list[str] | None:
    """The orgs whose audits the actor may read on today's tree; None when that is every org (DESIGN.md §5)."""
    if RULES[READ].get(ctx.actor.role, Reach.NONE) is Reach.ALL:
        return None
    return tree.within(ctx.actor, READ, tree.places)


def _audits_of(subtree: list[str], readable: list[str] | None) -> Any:
    """Audits in which an org of the subtree audits or is audited, of an org the actor may read today: an audit goes
    with the audited org, so one that has left the actor's part of the union is no longer theirs to see."""
    a = audits.c
    among = or_(a.org_id == _any(subtree), a.by_org_id == _any(subtree))
    return among if readable is None else and_(among, a.org_id == _any(readable))


def _any(ids: list[str]) -> Any:
    """`= ANY(...)` of the ids bound as one text array: a subtree of 100,000 orgs is one parameter, not 100,000."""
    return any_(literal(ids, ARRAY(Text)))


async def _cursor_row(conn: AsyncConnection, query: Any) -> tuple[Any, ...]:
    """The sort key of the row a page starts after, found in the same list; a cursor that is none of its rows is
    refused naming `cursor` (another org's list, or no row at all)."""
    row = (await conn.execute(query)).first()
    if row is None:
        raise invalid("cursor", "the cursor is not a row of this list: start again from the first page", "in_list")
    return tuple(row)
