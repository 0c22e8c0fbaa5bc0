"""Gathers the rules' facts for many orgs on one date in a handful of queries (a subtree of thousands is one pass)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.db import any_of
from kit.treemirror import Orgs

from ..domain.facts import Budget, Child, Facts, Members, Plans, Post, Resource
from ..domain.periods import previous_quarter, quarter_of
from ..tables import audits, budgets, headcounts, plans, posts, refreshes, resources, submissions, subscriptions, trainings

# the statements are built once (kit.db.any_of), as a view runs each of them
IDS, DAY, YEAR = any_of("ids"), bindparam("day", type_=Date), bindparam("year", type_=Integer)


def _members_query() -> Any:
    h = headcounts.c
    return (
        select(h.org_id, h.members)
        .where(h.org_id == IDS, h.as_of <= DAY)
        .order_by(h.org_id, h.as_of.desc(), h.position.desc())
        .ext(distinct_on(h.org_id))
    )


def _posts_query() -> Any:
    p, t = posts.c, trainings.c
    # a holder counts as trained by their latest course in that org by the day
    last = select(t.person_id, t.org_id, func.max(t.on).label("on")).where(t.on <= DAY).group_by(t.person_id, t.org_id).subquery()
    return (
        select(p.org_id, p.role, p.since, last.c.on)
        .outerjoin(last, (last.c.person_id == p.person_id) & (last.c.org_id == p.org_id))
        .where(p.org_id == IDS, p.since <= DAY, or_(p.until.is_(None), p.until > DAY))
    )


def _resources_query() -> Any:
    r, f = resources.c, refreshes.c
    last = select(f.channel_id, func.max(f.at).label("at")).where(f.org_id == IDS, f.at <= DAY).group_by(f.channel_id).subquery()
    return (
        select(r.org_id, r.kind, r.audience, r.since, last.c.at)
        .outerjoin(last, last.c.channel_id == r.channel_id)
        .where(r.org_id == IDS, r.since <= DAY, or_(r.closed_on.is_(None), r.closed_on > DAY))
    )


def _latest_query(table: Any, columns: tuple[Any, ...], *where: Any) -> Any:
    """The columns of each org's latest recorded row matching `where` (a later report restates)."""
    return (
        select(table.c.org_id, *columns)
        .where(table.c.org_id == IDS, *where)
        .order_by(table.c.org_id, table.c.position.desc())
        .ext(distinct_on(table.c.org_id))
    )


MEMBERS, POSTS, RESOURCES = _members_query(), _posts_query(), _resources_query()
COPIES = _latest_query(
    subscriptions, (subscriptions.c.copies,), subscriptions.c.year == YEAR, subscriptions.c.publication == "solidarnost"
)
BUDGETS = _latest_query(budgets, (budgets.c.total, budgets.c.information), budgets.c.year == YEAR)
SENT = (
    select(submissions.c.org_id, func.max(submissions.c.at))
    .where(submissions.c.org_id == IDS, submissions.c.at <= DAY)
    .group_by(submissions.c.org_id)
)
PLANS = select(plans.c.org_id, plans.c.quarter, plans.c.submitted_on, plans.c.reported_on).where(
    plans.c.org_id == IDS, plans.c.quarter.in_([bindparam("current"), bindparam("previous")]), plans.c.submitted_on <= DAY
)
AUDITED = (
    select(audits.c.by_org_id, audits.c.org_id, func.max(audits.c.completed_on))
    .where(audits.c.by_org_id == IDS, audits.c.completed_on <= DAY)
    .group_by(audits.c.by_org_id, audits.c.org_id)
)


async def gather(conn: AsyncConnection, tree: Orgs, org_ids: list[str]) -> dict[str, Facts]:
    """The facts of each org (existing in `tree`) on the tree's day."""
    day, ids = tree.day, [o for o in org_ids if tree.exists(o)]
    children, registered = {o: tree.children(o) for o in ids}, tree.registered
    on = {"ids": ids, "day": day}
    members = await _members(conn, tree, ids)
    held: dict[str, list[Post]] = defaultdict(list)
    for r in await conn.execute(POSTS, on):
        held[r.org_id].append(Post(r.role, r.since, r.on))
    running: dict[str, list[Resource]] = defaultdict(list)
    for r in await conn.execute(RESOURCES, on):
        running[r.org_id].append(Resource(r.kind, r.audience, r.since, r.at))
    money = {r.org_id: Budget(r.total, r.information) for r in await conn.execute(BUDGETS, {"ids": ids, "year": day.year})}
    copies = dict((await conn.execute(COPIES, {"ids": ids, "year": day.year})).all())
    sent = dict((await conn.execute(SENT, on)).all())
    planned = await _plans(conn, ids, day)
    audited = {(r[0], r[1]): r[2] for r in await conn.execute(AUDITED, on)}
    return {
        o: Facts(
            org_id=o,
            level=tree.levels[o],
            day=day,
            registered_on=registered[o],
            members=members[o],
            resources=tuple(running[o]),
            posts=tuple(held[o]),
            budget=money.get(o),
            solidarnost_copies=copies.get(o, 0),
            last_submission=sent.get(o),
            plans=planned.get(o, Plans()),
            children=tuple(Child(c, tree.levels[c], registered[c], audited.get((o, c))) for c in children[o]),
        )
        for o in ids
    }


async def _members(conn: AsyncConnection, tree: Orgs, ids: list[str]) -> dict[str, Members]:
    """A primary org's reported headcount; above it, the sum over the primary orgs under it that day."""
    under = {o: [p for p in tree.subtree(o) if tree.levels[p] == "primary"] for o in ids}
    primaries = sorted({p for ps in under.values() for p in ps})
    reported = dict((await conn.execute(MEMBERS, {"ids": primaries, "day": tree.day})).all())
    result = {}
    for o, ps in under.items():
        known = sum(reported.get(p, 0) for p in ps)
        missing = sum(p not in reported for p in ps)
        if tree.levels[o] == "primary":
            result[o] = Members(known, reported=o in reported)
        else:
            result[o] = Members(known, missing=missing)
    return result


async def _plans(conn: AsyncConnection, ids: list[str], day: date) -> dict[str, Plans]:
    """P8 on `day`: the quarter's plan adopted by then, and the previous quarter's plan and report."""
    current, previous = quarter_of(day), previous_quarter(quarter_of(day))
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in await conn.execute(PLANS, {"ids": ids, "day": day, "current": current, "previous": previous}):
        found[r.org_id][r.quarter] = r
    return {
        o: Plans(
            current=current in q,
            previous_planned=previous in q,
            previous_reported=previous in q and q[previous].reported_on is not None and q[previous].reported_on <= day,
        )
        for o, q in found.items()
    }
