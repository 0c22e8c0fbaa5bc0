"""Reads the facts of a subtree's orgs from kpi's read models into the domain's shapes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.db import any_of
from kit.treemirror import Orgs

from ..domain.facts import (
    Act,
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
from ..domain.rollup import Scope
from ..tables import (
    acts,
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


async def load_scope(conn: AsyncConnection, tree: Orgs, root: str) -> Scope:
    """The facts of the root's subtree as the tree stood on its day."""
    org_ids = tree.subtree(root)
    rows = {t.name: await _rows(conn, t, org_ids) for t in _TABLES}
    by_org: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, found in rows.items():
        for r in found:
            shaped = _SHAPES[name](r)
            if shaped is not None:
                by_org[r.org_id][name].append(shaped)
    facts = {org: _facts(org, tree.levels[org], by_org[org]) for org in org_ids}
    return Scope(facts, {org: tree.parents[org] for org in org_ids})


_TABLES = (headcounts, posts, trainings, budgets, acts, participation, channels, channel_stats, media_mentions, feedback_times)
IDS = any_of("ids")
# built once (kit.db.any_of), as every view reads each table
_OF_ORGS = {t.name: select(t).where(t.c.org_id == IDS) for t in _TABLES}


async def _rows(conn: AsyncConnection, table: Table, org_ids: Sequence[str]) -> list[Any]:
    return list((await conn.execute(_OF_ORGS[table.name], {"ids": list(org_ids)})).all())


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
}


def _facts(org_id: str, level: str, found: dict[str, list[Any]]) -> OrgFacts:
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
    )
