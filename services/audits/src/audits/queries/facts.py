"""Gathers the rules' facts for many orgs on one date in a handful of queries (a subtree of thousands is one pass), as
they were known by the tree's `known_by`: a row counts if recorded before it, an in-place change (a closure, a relief,
a revocation, a completion) only if it was too, and of a thing's states or restatements the latest recorded before it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, bindparam, exists, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.clock import FAR_FUTURE
from kit.db import any_of
from mirrors.treemirror import Orgs

from ..domain.facts import Budget, Child, Facts, Members, Plans, Post, Reachable, Resource
from ..domain.periods import previous_quarter, quarter_of
from ..domain.rules import INFORMATION_ROLES
from ..tables import (
    TREE,
    audits,
    budgets,
    contact_points,
    erasures,
    grants,
    headcounts,
    meetings,
    plans,
    posts,
    print_runs,
    refreshes,
    resources,
    reviews,
    submissions,
    subscriptions,
    trainings,
)

# the statements are built once (kit.db.any_of), as a view runs each of them
IDS, DAY, YEAR = any_of("ids"), bindparam("day", type_=Date), bindparam("year", type_=Integer)
KNOWN = bindparam("known", type_=DateTime(timezone=True))
"""Rows (and changes) recorded before this instant count: the end of `known_on`, or FAR_FUTURE for all known now."""


def _until(column: Any, recorded_at: Any) -> Any:
    """An end date set in place (closed, relieved, revoked), as if not set when recorded at or after KNOWN."""
    return or_(column.is_(None), column > DAY, recorded_at >= KNOWN)


def _members_query() -> Any:
    h = headcounts.c
    return (
        select(h.org_id, h.members)
        .where(h.org_id == IDS, h.as_of <= DAY, h.recorded_at < KNOWN)
        .order_by(h.org_id, h.as_of.desc(), h.position.desc())
        .ext(distinct_on(h.org_id))
    )


def _posts_query() -> Any:
    p, t = posts.c, trainings.c
    # a holder counts as trained by their latest course in that org by the day
    trained = (t.on <= DAY) & (t.recorded_at < KNOWN)
    last = select(t.person_id, t.org_id, func.max(t.on).label("on")).where(trained).group_by(t.person_id, t.org_id).subquery()
    return (
        select(p.org_id, p.role, p.since, last.c.on, p.person_id)
        .outerjoin(last, (last.c.person_id == p.person_id) & (last.c.org_id == p.org_id))
        .where(p.org_id == IDS, p.since <= DAY, p.recorded_at < KNOWN, _until(p.until, p.until_recorded_at))
    )


def _resources_query() -> Any:
    r, f = resources.c, refreshes.c
    refreshed = (f.org_id == IDS) & (f.at <= DAY) & (f.recorded_at < KNOWN)
    last = select(f.channel_id, func.max(f.at).label("at")).where(refreshed).group_by(f.channel_id).subquery()
    return (
        select(r.org_id, r.kind, r.audience, r.since, last.c.at)
        .outerjoin(last, last.c.channel_id == r.channel_id)
        .where(r.org_id == IDS, r.since <= DAY, r.recorded_at < KNOWN, _until(r.closed_on, r.closed_recorded_at))
    )


def _latest_query(table: Any, columns: tuple[Any, ...], *where: Any) -> Any:
    """The columns of each org's latest recorded row matching `where` (a later report restates)."""
    return (
        select(table.c.org_id, *columns)
        .where(table.c.org_id == IDS, table.c.recorded_at < KNOWN, *where)
        .order_by(table.c.org_id, table.c.position.desc())
        .ext(distinct_on(table.c.org_id))
    )


def _copies_query() -> Any:
    """P11: the latest report of each format of the year's Solidarnost subscription (they are added up)."""
    s = subscriptions.c
    return (
        select(s.org_id, s.copies)
        .where(s.org_id == IDS, s.year == YEAR, s.publication == "solidarnost", s.recorded_at < KNOWN)
        .order_by(s.org_id, s.format, s.position.desc())
        .ext(distinct_on(s.org_id, s.format))
    )


def _last(table: Any, column: Any, *where: Any) -> Any:
    """Each org's latest `column` on or before the day, recorded by then."""
    known = (table.c.org_id == IDS) & (column <= DAY) & (table.c.recorded_at < KNOWN)
    return select(table.c.org_id, func.max(column)).where(known, *where).group_by(table.c.org_id)


def _access_query() -> Any:
    """P10, T7: who has access, in force on the day, to a running mailing list or chat of each org."""
    g, r = grants.c, resources.c
    return (
        select(g.org_id, g.to_org_id)
        .join(resources, r.channel_id == g.channel_id)
        .where(g.org_id == IDS, g.since <= DAY, g.recorded_at < KNOWN, _until(g.until, g.until_recorded_at))
        .where(r.kind.in_(["mailing_list", "chat"]), r.since <= DAY, r.recorded_at < KNOWN)
        .where(_until(r.closed_on, r.closed_recorded_at))
        .distinct()
    )


def _reachable_query() -> Any:
    """C2: the people with a usable e-mail address or mobile number on the day, as recorded by then: a work e-mail, or
    a personal one with consent in force that day (each consent given read as its latest state: given, then perhaps
    withdrawn); never an address erased or merged away, nor anyone erased."""
    c = contact_points.c
    known = (c.person_id == any_of("people")) & (c.recorded_at < KNOWN)
    point = (
        select(c.contact_id, c.person_id, c.kind, c.gone)
        .where(known)
        .order_by(c.contact_id, c.position.desc())
        .ext(distinct_on(c.contact_id))
        .subquery()
    )
    consents = (
        select(c.contact_id, c.consent_from, c.consent_until)
        .where(known, c.consent_from.is_not(None))
        .order_by(c.contact_id, c.consent_from, c.position.desc())
        .ext(distinct_on(c.contact_id, c.consent_from))
        .subquery()
    )
    k = consents.c
    in_force = (
        (k.contact_id == point.c.contact_id) & (k.consent_from <= DAY) & or_(k.consent_until.is_(None), k.consent_until > DAY)
    )
    erased = (erasures.c.person_id == point.c.person_id) & (erasures.c.recorded_at < KNOWN)
    usable = or_(point.c.kind == "work_email", point.c.kind.in_(["personal_email", "mobile"]) & exists().where(in_force))
    return select(point.c.person_id).where(point.c.gone.is_(False), usable, ~exists().where(erased)).distinct()


MEMBERS, POSTS, RESOURCES, COPIES = _members_query(), _posts_query(), _resources_query(), _copies_query()
BUDGETS = _latest_query(budgets, (budgets.c.total, budgets.c.information), budgets.c.year == YEAR)
SENT = (
    select(submissions.c.org_id, submissions.c.parent_id, func.max(submissions.c.at))
    .where(submissions.c.org_id == IDS, submissions.c.at <= DAY, submissions.c.recorded_at < KNOWN)
    .group_by(submissions.c.org_id, submissions.c.parent_id)
)
"""P10, T7: each org's latest base to each org it went to (it counts only if that was its parent on the day)."""
PLANS = (
    select(plans.c.org_id, plans.c.quarter, plans.c.submitted_on, plans.c.reported_on)
    .where(plans.c.org_id == IDS, plans.c.quarter.in_([bindparam("current"), bindparam("previous")]))
    .where(plans.c.recorded_at < KNOWN)
    .order_by(plans.c.org_id, plans.c.quarter, plans.c.position.desc())
    .ext(distinct_on(plans.c.org_id, plans.c.quarter))
)
PRINTED = _last(print_runs, print_runs.c.on)
MET = _last(meetings, meetings.c.on, meetings.c.chair_spoke.is_(True))
REVIEWED = _last(reviews, reviews.c.on)
ACCESS, REACHABLE = _access_query(), _reachable_query()
BASES_KEPT = (
    select(submissions.c.parent_id, submissions.c.org_id, func.max(submissions.c.at))
    .where(submissions.c.parent_id == IDS, submissions.c.at <= DAY, submissions.c.recorded_at < KNOWN)
    .group_by(submissions.c.parent_id, submissions.c.org_id)
)
NAMES = select(TREE.orgs.c.org_id, TREE.orgs.c.name).where(TREE.orgs.c.org_id == IDS, TREE.orgs.c.name.is_not(None))
AUDITED = (
    select(audits.c.by_org_id, audits.c.org_id, func.max(audits.c.completed_on))
    .where(audits.c.by_org_id == IDS, audits.c.completed_on <= DAY, audits.c.completed_recorded_at < KNOWN)
    .group_by(audits.c.by_org_id, audits.c.org_id)
)


async def gather(conn: AsyncConnection, tree: Orgs, org_ids: list[str]) -> dict[str, Facts]:
    """The facts of each org (existing in `tree`) on the tree's day, as known by the tree's `known_by`."""
    day, ids, known = tree.day, [o for o in org_ids if tree.exists(o)], tree.known_by or FAR_FUTURE
    children, registered = {o: tree.children(o) for o in ids}, tree.registered
    on = {"ids": ids, "day": day, "known": known}
    members = await _members(conn, tree, ids, known)
    central = [o for o in ids if tree.levels[o] == "central"]
    structural = {o: [c for c in tree.subtree(o) if c != o and tree.levels[c] != "central"] for o in central}
    # one pass over the posts: the orgs asked about, and every structural org whose leaders C2 looks for
    staffed = sorted(set(ids).union(*structural.values()))
    held: dict[str, list[Post]] = defaultdict(list)
    for r in await conn.execute(POSTS, {**on, "ids": staffed}):
        held[r.org_id].append(Post(r.role, r.since, r.on, r.person_id or ""))
    running: dict[str, list[Resource]] = defaultdict(list)
    for r in await conn.execute(RESOURCES, on):
        running[r.org_id].append(Resource(r.kind, r.audience, r.since, r.at))
    money = {r.org_id: Budget(r.total, r.information) for r in await conn.execute(BUDGETS, {**on, "year": day.year})}
    copies: dict[str, int] = defaultdict(int)
    for r in await conn.execute(COPIES, {**on, "year": day.year}):
        copies[r.org_id] += r.copies
    sent = {(r[0], r[1]): r[2] for r in await conn.execute(SENT, on)}
    planned = await _plans(conn, ids, day, known)
    audited = {(r[0], r[1]): r[2] for r in await conn.execute(AUDITED, on)}
    kept = {(r[0], r[1]): r[2] for r in await conn.execute(BASES_KEPT, on)}
    access: dict[str, set[str]] = defaultdict(set)
    for r in await conn.execute(ACCESS, on):
        access[r.org_id].add(r.to_org_id)
    printed: dict[str, date] = dict((await conn.execute(PRINTED, on)).all())
    met: dict[str, date] = dict((await conn.execute(MET, on)).all())
    reviewed: dict[str, date] = dict((await conn.execute(REVIEWED, on)).all())
    root = tree.central()
    bases = {o: await _contact_base(conn, day, known, orgs, held) for o, orgs in structural.items()}

    mentioned = sorted({c for o in ids for c in children[o]} | {c for orgs in structural.values() for c in orgs})
    names = dict((await conn.execute(NAMES, {"ids": mentioned})).all())

    def child(o: str, c: str) -> Child:
        return Child(c, tree.levels[c], registered[c], audited.get((o, c)), kept.get((o, c)))

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
            last_submission=sent.get((o, tree.parents.get(o))),
            plans=planned.get(o, Plans()),
            children=tuple(child(o, c) for c in children[o]),
            parent_id=next(iter(tree.lineage(o)[1:]), None),
            root_id=root,
            access=frozenset(access[o]),
            last_print_run=printed.get(o),
            last_meeting=met.get(o),
            last_review=reviewed.get(o),
            structural=tuple(child(o, c) for c in structural.get(o, ())),
            contact_base=bases.get(o, ()),
            names=names,
        )
        for o in ids
    }


async def _contact_base(
    conn: AsyncConnection, day: date, known: datetime, org_ids: list[str], posts: dict[str, list[Post]]
) -> tuple[Reachable, ...]:
    """C2: for each org, its chairs and information post holders on the day, and how many of them are reachable."""
    held = {o: [p for p in posts[o] if p.role == "chair" or p.role in INFORMATION_ROLES] for o in org_ids}
    people = sorted({p.person_id for ps in held.values() for p in ps})
    reachable = set((await conn.execute(REACHABLE, {"people": people, "day": day, "known": known})).scalars())
    return tuple(
        Reachable(
            o,
            chairs=sum(p.role == "chair" for p in held[o]),
            people=len({p.person_id for p in held[o]}),
            reached=len({p.person_id for p in held[o]} & reachable),
        )
        for o in org_ids
    )


async def _members(conn: AsyncConnection, tree: Orgs, ids: list[str], recorded_by: datetime) -> dict[str, Members]:
    """A primary org's reported headcount; above it, the sum over the primary orgs under it that day."""
    under = {o: [p for p in tree.subtree(o) if tree.levels[p] == "primary"] for o in ids}
    primaries = sorted({p for ps in under.values() for p in ps})
    reported = dict((await conn.execute(MEMBERS, {"ids": primaries, "day": tree.day, "known": recorded_by})).all())
    result = {}
    for o, ps in under.items():
        known = sum(reported.get(p, 0) for p in ps)
        missing = sum(p not in reported for p in ps)
        if tree.levels[o] == "primary":
            result[o] = Members(known, reported=o in reported)
        else:
            result[o] = Members(known, missing=missing)
    return result


async def _plans(conn: AsyncConnection, ids: list[str], day: date, known: datetime) -> dict[str, Plans]:
    """P8 on `day`: the quarter's plan adopted by then, and the previous quarter's plan and report, each plan as its
    latest state recorded by `known` left it."""
    current, previous = quarter_of(day), previous_quarter(quarter_of(day))
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in await conn.execute(PLANS, {"ids": ids, "current": current, "previous": previous, "known": known}):
        if r.submitted_on <= day:
            found[r.org_id][r.quarter] = r
    return {
        o: Plans(
            current=current in q,
            previous_planned=previous in q,
            previous_reported=previous in q and q[previous].reported_on is not None and q[previous].reported_on <= day,
        )
        for o, q in found.items()
    }
