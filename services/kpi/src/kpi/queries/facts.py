"""Reads the facts of a subtree's orgs from kpi's read models into the domain's shapes, as known by the tree's
`known_by`: a row counts if recorded before it, an in-place change (a closure, a relief) only if it was too, and of
restatements the latest recorded before it. The members' addresses (K6) come counted, of the tree's day (reach.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, Table, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.clock import FAR_FUTURE
from kit.db import any_of
from mirrors.treemirror import Orgs

from ..domain.facts import (
    Act,
    Addresses,
    Budget,
    Channel,
    FeedbackTimes,
    Headcount,
    Mention,
    OrgFacts,
    Participation,
    Post,
    Stats,
    Training,
)
from ..domain.feedback import AppealTimes
from ..domain.rollup import Scope
from ..tables import (
    acts,
    appeal_times,
    budgets,
    channel_stats,
    channels,
    feedback_times,
    headcounts,
    media_mentions,
    participation,
    posts,
    trainings,
)
from .reach import addresses_by_org


async def load_scope(conn: AsyncConnection, tree: Orgs, root: str, unseen: frozenset[str] = frozenset()) -> Scope:
    """The facts of the root's subtree as the tree stood on its day, less the `unseen` orgs."""
    org_ids, known = [o for o in tree.subtree(root) if o not in unseen], tree.known_by or FAR_FUTURE
    rows = {t.name: await _rows(conn, t, org_ids, known) for t in _TABLES}
    by_org: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, found in rows.items():
        for r in found:
            shaped = _SHAPES[name](r)
            if shaped is not None:
                by_org[r.org_id][name].append(shaped)
    addresses = await addresses_by_org(conn, org_ids, tree.day, known)
    facts = {org: _facts(org, tree.levels[org], by_org[org], addresses.get(org, {})) for org in org_ids}
    return Scope(facts, {org: tree.parents[org] for org in org_ids})


_TABLES = (
    headcounts,
    posts,
    trainings,
    budgets,
    acts,
    participation,
    channels,
    channel_stats,
    media_mentions,
    feedback_times,
    appeal_times,
)
IDS = any_of("ids")
KNOWN = bindparam("known", type_=DateTime(timezone=True))
"""Rows (and changes) recorded before this instant count: the end of `known_on`, or FAR_FUTURE for all known now."""


def _known(table: Table, *columns: Any) -> Select[Any]:
    """The org's rows (`columns`, else all) recorded by KNOWN."""
    return select(*(columns or (table,))).where(table.c.org_id == IDS, table.c.recorded_at < KNOWN)


def _latest(table: Table, *keys: str, columns: tuple[Any, ...] = ()) -> Select[Any]:
    """Of the rows recorded by KNOWN, the latest (by source position) for each of `keys`: a restatement replaces."""
    c = table.c
    ordered = _known(table, *columns).order_by(*(c[k] for k in keys), c.position.desc())
    return ordered.ext(distinct_on(*(c[k] for k in keys)))


def _changed(column: Any, recorded_at: Any) -> Any:
    """An end date set in place (closed, relieved), as if not set when recorded at or after KNOWN."""
    return case((recorded_at < KNOWN, column), else_=None).label(column.name)


def _posts() -> Select[Any]:
    p = posts.c
    return _known(posts, p.person_id, p.org_id, p.role, p.since, _changed(p.until, p.until_recorded_at))


def _channels() -> Select[Any]:
    c = channels.c
    return _known(channels, c.channel_id, c.org_id, c.kind, c.audience, c.since, _changed(c.closed_on, c.closed_recorded_at))


def _participation() -> Select[Any]:
    """Each campaign's figures from its latest report known, dated by the first known (the period it counts in)."""
    w = participation.c
    first = func.min(w.on).over(partition_by=(w.org_id, w.material_id)).label("first_on")
    return _latest(participation, "org_id", "material_id", columns=(w.org_id, w.material_id, w.on_site, w.online, first))


def _appeal_times() -> Select[Any]:
    """Each appeal filed (recorded by KNOWN) with its first answer and escalation as if not yet made when recorded later."""
    a = appeal_times.c
    answered = (_changed(a.answered_at, a.answer_recorded_at), _changed(a.on_time, a.answer_recorded_at))
    escalated = _changed(a.escalated_at, a.escalation_recorded_at)
    return _known(appeal_times, a.org_id, a.filed_on, a.filed_at, *answered, escalated).where(a.filed_on.is_not(None))


# built once (kit.db.any_of), as every view reads each table
_OF_ORGS = {t.name: _known(t) for t in (headcounts, trainings, acts, media_mentions)} | {
    "posts": _posts(),
    "channels": _channels(),
    "budgets": _latest(budgets, "org_id", "year"),
    "channel_stats": _latest(channel_stats, "channel_id", "period"),
    "feedback_times": _latest(feedback_times, "org_id", "period"),
    "participation": _participation(),
    "appeal_times": _appeal_times(),
}


async def _rows(conn: AsyncConnection, table: Table, org_ids: Sequence[str], known: datetime) -> list[Any]:
    return list((await conn.execute(_OF_ORGS[table.name], {"ids": list(org_ids), "known": known})).all())


def _post(r: Any) -> Post | None:
    # a relief that arrived before its appointment leaves a row without a post until the appointment comes
    return None if r.role is None or r.since is None else Post(r.person_id, r.role, r.since, r.until)


def _channel(r: Any) -> Channel | None:
    return None if r.kind is None or r.since is None else Channel(r.channel_id, r.kind, r.audience, r.since, r.closed_on)


_SHAPES: dict[str, Any] = {
    "headcounts": lambda r: Headcount(r.as_of, r.members, r.position),
    "posts": _post,
    "trainings": lambda r: Training(r.person_id, r.on),
    "budgets": lambda r: (r.year, Budget(r.total, r.information)),
    "acts": lambda r: Act(r.material_id, r.kind, r.on),
    "participation": lambda r: Participation(r.material_id, r.first_on, r.on_site, r.online),
    "channels": _channel,
    "channel_stats": lambda r: Stats(r.channel_id, r.period, r.subscribers, r.visits, r.engagement),
    "media_mentions": lambda r: Mention(r.on, r.tone, r.cites_leader),
    "feedback_times": lambda r: FeedbackTimes(r.period, r.answered, r.average_hours),
    "appeal_times": lambda r: AppealTimes(r.filed_on, r.filed_at, r.answered_at, r.on_time, r.escalated_at is not None),
}


def _facts(org_id: str, level: str, found: dict[str, list[Any]], addresses: dict[Addresses, int]) -> OrgFacts:
    return OrgFacts(
        org_id=org_id,
        level=level,
        headcounts=found["headcounts"],
        posts=found["posts"],
        trainings=found["trainings"],
        budgets=dict(found["budgets"]),
        acts=found["acts"],
        participation=found["participation"],
        channels=found["channels"],
        stats=found["channel_stats"],
        mentions=found["media_mentions"],
        feedback=found["feedback_times"],
        appeals=found["appeal_times"],
        addresses=addresses,
    )
