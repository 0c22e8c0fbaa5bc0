"""Gathers the rules' facts for many orgs on one date in a handful of queries (a subtree of thousands is one pass)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.treemirror import Orgs

from ..domain.facts import Budget, Child, Facts, Members, Plans, Post, Resource
from ..domain.periods import previous_quarter, quarter_of
from ..tables import audits, budgets, headcounts, plans, posts, refreshes, resources, submissions, subscriptions, trainings


async def gather(conn: AsyncConnection, tree: Orgs, org_ids: list[str]) -> dict[str, Facts]:
    """The facts of each org (existing in `tree`) on the tree's day."""
    day, ids = tree.day, [o for o in org_ids if tree.exists(o)]
    children, registered = {o: tree.children(o) for o in ids}, tree.registered
    members = await _members(conn, tree, ids)
    held = await _posts(conn, ids, day)
    running = await _resources(conn, ids, day)
    money = await _budgets(conn, ids, day.year)
    copies = await _latest_by_org(
        conn,
        subscriptions,
        ids,
        subscriptions.c.copies,
        (subscriptions.c.year == day.year) & (subscriptions.c.publication == "solidarnost"),
    )
    sent = dict(
        (
            await conn.execute(
                select(submissions.c.org_id, func.max(submissions.c.at))
                .where(submissions.c.org_id.in_(ids), submissions.c.at <= day)
                .group_by(submissions.c.org_id)
            )
        ).all()
    )
    planned = await _plans(conn, ids, day)
    audited = await _last_audits(conn, ids, day)
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
    h = headcounts.c
    rows = await conn.execute(
        select(h.org_id, h.members)
        .where(h.org_id.in_(primaries), h.as_of <= tree.day)
        .order_by(h.org_id, h.as_of.desc(), h.position.desc())
        .ext(distinct_on(h.org_id))
    )
    reported = dict(rows.all())
    result = {}
    for o, ps in under.items():
        known = sum(reported.get(p, 0) for p in ps)
        missing = sum(p not in reported for p in ps)
        if tree.levels[o] == "primary":
            result[o] = Members(known, reported=o in reported)
        else:
            result[o] = Members(known, missing=missing)
    return result


async def _posts(conn: AsyncConnection, ids: list[str], day: date) -> dict[str, list[Post]]:
    p, t = posts.c, trainings.c
    # a holder counts as trained by their latest course in that org by the day
    last = select(t.person_id, t.org_id, func.max(t.on).label("on")).where(t.on <= day).group_by(t.person_id, t.org_id).subquery()
    rows = await conn.execute(
        select(p.org_id, p.role, p.since, last.c.on)
        .outerjoin(last, (last.c.person_id == p.person_id) & (last.c.org_id == p.org_id))
        .where(p.org_id.in_(ids), p.since <= day, or_(p.until.is_(None), p.until > day))
    )
    held: dict[str, list[Post]] = defaultdict(list)
    for r in rows:
        held[r.org_id].append(Post(r.role, r.since, r.on))
    return held


async def _resources(conn: AsyncConnection, ids: list[str], day: date) -> dict[str, list[Resource]]:
    r, f = resources.c, refreshes.c
    last = (
        select(f.channel_id, func.max(f.at).label("at")).where(f.org_id.in_(ids), f.at <= day).group_by(f.channel_id).subquery()
    )
    rows = await conn.execute(
        select(r.org_id, r.kind, r.audience, r.since, last.c.at)
        .outerjoin(last, last.c.channel_id == r.channel_id)
        .where(r.org_id.in_(ids), r.since <= day, or_(r.closed_on.is_(None), r.closed_on > day))
    )
    running: dict[str, list[Resource]] = defaultdict(list)
    for row in rows:
        running[row.org_id].append(Resource(row.kind, row.audience, row.since, row.at))
    return running


async def _latest_by_org(conn: AsyncConnection, table: Any, ids: list[str], column: Any, where: Any) -> dict[str, Any]:
    """The value of `column` in the org's latest recorded row matching `where` (a later report restates)."""
    rows = await conn.execute(
        select(table.c.org_id, column)
        .where(table.c.org_id.in_(ids), where)
        .order_by(table.c.org_id, table.c.position.desc())
        .ext(distinct_on(table.c.org_id))
    )
    return dict(rows.all())


async def _budgets(conn: AsyncConnection, ids: list[str], year: int) -> dict[str, Budget]:
    b = budgets.c
    rows = await conn.execute(
        select(b.org_id, b.total, b.information)
        .where(b.org_id.in_(ids), b.year == year)
        .order_by(b.org_id, b.position.desc())
        .ext(distinct_on(b.org_id))
    )
    return {r.org_id: Budget(r.total, r.information) for r in rows}


async def _plans(conn: AsyncConnection, ids: list[str], day: date) -> dict[str, Plans]:
    """P8 on `day`: the quarter's plan adopted by then, and the previous quarter's plan and report."""
    current, previous = quarter_of(day), previous_quarter(quarter_of(day))
    p = plans.c
    rows = await conn.execute(
        select(p.org_id, p.quarter, p.submitted_on, p.reported_on).where(
            p.org_id.in_(ids), p.quarter.in_([current, previous]), p.submitted_on <= day
        )
    )
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in rows:
        found[r.org_id][r.quarter] = r
    return {
        o: Plans(
            current=current in q,
            previous_planned=previous in q,
            previous_reported=previous in q and q[previous].reported_on is not None and q[previous].reported_on <= day,
        )
        for o, q in found.items()
    }


async def _last_audits(conn: AsyncConnection, ids: list[str], day: date) -> dict[tuple[str, str], date]:
    """The last audit each org completed of each org it audited, by `day`."""
    a = audits.c
    rows = await conn.execute(
        select(a.by_org_id, a.org_id, func.max(a.completed_on))
        .where(a.by_org_id.in_(ids), a.completed_on <= day)
        .group_by(a.by_org_id, a.org_id)
    )
    return {(r[0], r[1]): r[2] for r in rows}
