"""Queries about information resources (P1, K4), subscriptions (P11) and reach (K6), as of a date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.contacts import ELECTRONIC, PERSONAL_KINDS, Audience, GetReach, ListChannels, ListSubscriptions
from kit.clock import FAR_FUTURE, known_by
from kit.rpc import Context

from ..tables import channel_stats, channels, contact_points, headcounts, member_orgs, orgs, refreshes, submissions, subscriptions
from .mirror import KeptTrees

WEEK = timedelta(days=7)
"""P1, "once a week": the last refresh is at most 7 days before the date asked about."""


class ChannelQueries:
    """The query verbs about resources, subscriptions and reach."""

    def __init__(self, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.engine, self.trees = engine, trees

    async def list_channels(self, q: ListChannels, ctx: Context) -> list[dict[str, Any]]:
        """The org's resources running on `as_of`, each with its last refresh and latest figures by then."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await self.trees.on(day, ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            ch = channels.c
            closed = (ch.closed_on <= day) & (ch.closed_recorded_at < known)
            rows = (
                await conn.execute(
                    select(channels)
                    .where(ch.org_id == q.org_id, ch.since <= day, ch.recorded_at < known, or_(ch.closed_on.is_(None), ~closed))
                    .order_by(ch.kind, ch.name)
                )
            ).all()
            ids = [r.channel_id for r in rows]
            last = dict(
                (
                    await conn.execute(
                        select(refreshes.c.channel_id, func.max(refreshes.c.at))
                        .where(refreshes.c.channel_id.in_(ids), refreshes.c.at <= day, refreshes.c.recorded_at < known)
                        .group_by(refreshes.c.channel_id)
                    )
                ).all()
            )
            figures = await _latest_stats(conn, ids, day, known)
            granted = (
                await conn.execute(
                    select(func.min(submissions.c.at)).where(
                        submissions.c.org_id == q.org_id, submissions.c.at <= day, submissions.c.recorded_at < known
                    )
                )
            ).scalar()
        return [_channel(r, last.get(r.channel_id), figures.get(r.channel_id), granted, day) for r in rows]

    async def list_subscriptions(self, q: ListSubscriptions, ctx: Context) -> list[dict[str, Any]]:
        """The org's subscriptions for the year of `as_of`: the latest report per edition and format (print and
        electronic copies of one edition add up, P11), with each edition's total."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await self.trees.on(ctx.today, ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            s = subscriptions.c
            rows = await conn.execute(
                select(subscriptions)
                .where(s.org_id == q.org_id, s.year == day.year, s.recorded_at < known)
                .order_by(s.publication, s.format, s.position)
            )
            latest = {(r.publication, r.format): r for r in rows}
        totals: dict[str, int] = {}
        for r in latest.values():
            totals[r.publication] = totals.get(r.publication, 0) + r.copies
        return [
            {
                "org_id": q.org_id,
                "year": r.year,
                "publication": r.publication,
                "copies": r.copies,
                "format": r.format,
                "edition_copies": totals[r.publication],
            }
            for r in latest.values()
        ]

    async def get_reach(self, q: GetReach, ctx: Context) -> dict[str, Any]:
        """K6: members covered by the org's electronic channels and by usable addresses, as of a date.
        A territorial org's and the CC's members are the sum over the primary orgs under them that day."""
        day = q.as_of or ctx.today
        async with self.engine.connect() as conn:
            tree = await self.trees.on(day, ctx.today)
            tree.require(ctx.actor, "read_orgs", q.org_id)
            # the subtree of that day, less the orgs that have since left the caller's (§5: the subtree is today's)
            under = [o for o in tree.subtree(q.org_id) if tree.may(ctx.actor, "read_orgs", o)]
            members = await _members(conn, under, day)
            records, reached = await _records_reached(conn, under, day)
            subscribers = await _subscribers(conn, q.org_id, day)
        share = None if not members else min(1.0, subscribers / members)
        return {
            "org_id": q.org_id,
            "as_of": day.isoformat(),
            "members": members,
            "channel_subscribers": subscribers,
            "share": share,
            "member_records": records,
            "records_reachable": reached,
        }


async def _members(conn: Any, org_ids: list[str], day: date) -> int | None:
    """The reported headcounts on `day` summed over the primary orgs among `org_ids`; None if none reported."""
    h = headcounts.c
    latest = (
        select(h.org_id, h.members)
        .join(orgs, orgs.c.org_id == h.org_id)
        .where(h.org_id.in_(org_ids), h.as_of <= day, orgs.c.level == "primary")
        .order_by(h.org_id, h.as_of.desc(), h.position.desc())
        .ext(distinct_on(h.org_id))
        .subquery()
    )
    total, reporting = (await conn.execute(select(func.sum(latest.c.members), func.count()))).one()
    return int(total) if reporting else None


async def _latest_stats(conn: Any, ids: list[str], day: date, known: datetime) -> dict[str, Any]:
    s = channel_stats.c
    rows = await conn.execute(
        select(channel_stats)
        .where(s.channel_id.in_(ids), s.recorded_at < known, s.period <= day.isoformat()[:4] + "-Z")
        .order_by(s.channel_id, s.period, s.position)
    )
    latest: dict[str, Any] = {}
    for r in rows:
        latest[r.channel_id] = r
    return latest


async def _records_reached(conn: Any, org_ids: list[str], day: date) -> tuple[int, int]:
    """Personal membership records held by the orgs on `day`, and how many of them have a usable address."""
    m = member_orgs.c
    on = (
        select(m.person_id, m.org_id)
        .where(m.effective_on <= day)
        .order_by(m.person_id, m.effective_on.desc(), m.position.desc())
        .ext(distinct_on(m.person_id))
        .subquery()
    )
    held = select(on.c.person_id).where(on.c.org_id.in_(org_ids))
    records = (await conn.execute(select(func.count()).select_from(held.subquery()))).scalar_one()
    cp = contact_points.c
    personal = [k.value for k in PERSONAL_KINDS]
    live = (cp.erased_at.is_(None), cp.merged_into.is_(None), or_(cp.kind.not_in(personal), cp.consent_since.is_not(None)))
    reached = (
        await conn.execute(select(func.count(func.distinct(cp.person_id))).where(cp.person_id.in_(held), *live))
    ).scalar_one()
    return int(records), int(reached)


async def _subscribers(conn: Any, org_id: str, day: date) -> int:
    """Subscribers of the org's running electronic channels for members, by their latest figures."""
    ch = channels.c
    running = (
        await conn.execute(
            select(ch.channel_id).where(
                ch.org_id == org_id,
                ch.kind.in_([k.value for k in ELECTRONIC]),
                ch.audience == Audience.MEMBERS.value,
                ch.since <= day,
                or_(ch.closed_on.is_(None), ch.closed_on > day),
            )
        )
    ).all()
    figures = await _latest_stats(conn, [r.channel_id for r in running], day, FAR_FUTURE)
    return sum(f.subscribers or 0 for f in figures.values())


def _channel(r: Any, last: date | None, figures: Any, granted: date | None, day: date) -> dict[str, Any]:
    return {
        "id": r.channel_id,
        "org_id": r.org_id,
        "kind": r.kind,
        "name": r.name,
        "url": r.url,
        "audience": r.audience,
        "since": r.since.isoformat(),
        "closed_on": r.closed_on.isoformat() if r.closed_on and r.closed_on <= day else None,
        "last_refreshed": last.isoformat() if last else None,
        "refreshed_this_week": last is not None and day - last <= WEEK,
        "stats": None if figures is None else {k: getattr(figures, k) for k in ("period", "subscribers", "visits", "engagement")},
        "parent_access_since": granted.isoformat() if granted and r.audience != Audience.PUBLIC.value else None,
    }
