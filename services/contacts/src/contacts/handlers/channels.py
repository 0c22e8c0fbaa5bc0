"""Commands about an org's information resources and the access it gives to them, its subscriptions and its
contact-base submissions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import (
    BaseEntry,
    CloseChannel,
    ContactKind,
    GrantChannelAccess,
    OpenChannel,
    RefreshChannel,
    ReportChannelStats,
    ReportSubscription,
    RevokeChannelAccess,
    SubmitContactBase,
)
from kit.access import require
from kit.clock import end_of_day
from kit.errors import not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold

from ..domain import access, channels
from ..domain.channels import Resource
from ..domain.contact_base import BASE_ROLES, Point, Post, base_entries, orgs_in_base
from ..queries.mirror import Orgs, exists_in_year, level_of, orgs_on
from ..tables import contact_points, posts

CHANNEL_FOLD = Fold(channels.NONE, channels.evolve)


def channel_stream(channel_id: str) -> str:
    return f"channel-{channel_id}"


class ChannelHandlers:
    """Commands about resources, subscriptions and submissions."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def _allowed(self, org_id: str, day: date, ctx: Context) -> bool:
        return await allowed(self.store, org_id, day, ctx)

    async def open_channel(self, c: OpenChannel, ctx: Context) -> Committed:
        """Opens an information resource of an org from `since` (default today)."""
        since, channel_id = c.since or ctx.today, new_id()
        exists = await self._allowed(c.org_id, since, ctx)
        events = channels.decide_open(exists, channel_id, c.org_id, c.kind, c.name, c.url, c.audience, since)
        data = {"id": channel_id, "org_id": c.org_id, "since": since.isoformat()}
        return await self.store.append(channel_stream(channel_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def _resource(self, channel_id: str, ctx: Context) -> tuple[Resource, int]:
        resource, version = await self.store.load(channel_stream(channel_id), CHANNEL_FOLD)
        if not resource.channel_id:
            raise not_found("information resource", field="channel_id")
        await self._allowed(resource.org_id, ctx.today, ctx)
        return resource, version

    async def close_channel(self, c: CloseChannel, ctx: Context) -> Committed:
        """Closes a resource from `effective_on` (default today)."""
        day = c.effective_on or ctx.today
        resource, version = await self._resource(c.channel_id, ctx)
        events = channels.decide_close(resource, day, c.reason)
        data = {"id": c.channel_id, "closed_on": day.isoformat()}
        return await self.store.append(channel_stream(c.channel_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def refresh_channel(self, c: RefreshChannel, ctx: Context) -> Committed:
        """Records that a resource was refreshed on `at` (default today), e.g. a notice board (P1)."""
        resource, _ = await self._resource(c.channel_id, ctx)
        at = c.at or ctx.today
        events = channels.decide_refresh(resource, at, ctx.today)
        data = {"id": c.channel_id, "at": at.isoformat()}
        return await self.store.append(channel_stream(c.channel_id), events, expected_version=None, meta=ctx.meta, data=data)

    async def report_channel_stats(self, c: ReportChannelStats, ctx: Context) -> Committed:
        """Records a resource's audience figures for a period (K4)."""
        resource, _ = await self._resource(c.channel_id, ctx)
        events = channels.decide_stats(resource, c.period, c.subscribers, c.visits, c.engagement, ctx.today)
        data = {"id": c.channel_id, "period": c.period}
        return await self.store.append(channel_stream(c.channel_id), events, expected_version=None, meta=ctx.meta, data=data)

    async def report_subscription(self, c: ReportSubscription, ctx: Context) -> Committed:
        """Records an org's subscription to an edition for a year (P11)."""
        await self._allowed(c.org_id, ctx.today, ctx)
        async with self.store.engine.connect() as conn:
            exists = await exists_in_year(conn, c.org_id, c.year)
        events = channels.decide_subscription(exists, c.org_id, c.year, c.publication, c.copies, c.format)
        data = {"org_id": c.org_id, "year": c.year, "publication": c.publication.value, "copies": c.copies}
        return await self.store.append(f"subscriptions-{c.org_id}", events, expected_version=None, meta=ctx.meta, data=data)

    async def submit_contact_base(self, c: SubmitContactBase, ctx: Context) -> Committed:
        """Freezes the org's contact base as of `at` (default today) for its parent (P10); a territorial org's holds its
        primary orgs' chairs and activists of that day too (T7)."""
        at, submission_id = c.at or ctx.today, new_id()
        exists = await self._allowed(c.org_id, at, ctx)
        async with self.store.engine.connect() as conn:
            tree = await orgs_on(conn, at, ctx.today)
            parent = tree.parents.get(c.org_id) if exists else None
            entries = await _base(conn, tree, c.org_id, at, ctx) if exists else []
        events = channels.decide_submit(exists, submission_id, c.org_id, parent, at, entries, ctx.today)
        data = {"id": submission_id, "org_id": c.org_id, "parent_id": parent, "at": at.isoformat(), "entries": len(entries)}
        return await self.store.append(f"contact-base-{c.org_id}", events, expected_version=None, meta=ctx.meta, data=data)

    async def grant_channel_access(self, c: GrantChannelAccess, ctx: Context) -> Committed:
        """Gives the parent today (P10) or the CC (T7) access to a running electronic channel from `since` (default today)."""
        since = c.since or ctx.today
        resource, version = await self._resource(c.channel_id, ctx)
        async with self.store.engine.connect() as conn:
            today = await orgs_on(conn, ctx.today, ctx.today)
            lineage = today.reach(resource.org_id)
            level = await level_of(conn, resource.org_id)
        place = access.Place(level, lineage[1] if len(lineage) > 1 else None, today.central())
        events = access.decide_grant(resource, place, c.to_org_id, since)
        data = {"channel_id": c.channel_id, "org_id": resource.org_id, "to_org_id": c.to_org_id, "since": since.isoformat()}
        return await self.store.append(channel_stream(c.channel_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def revoke_channel_access(self, c: RevokeChannelAccess, ctx: Context) -> Committed:
        """Ends an org's access to a channel from `effective_on` (default today)."""
        day = c.effective_on or ctx.today
        resource, version = await self._resource(c.channel_id, ctx)
        events = access.decide_revoke(resource, c.to_org_id, day)
        data = {"channel_id": c.channel_id, "to_org_id": c.to_org_id, "until": day.isoformat()}
        return await self.store.append(channel_stream(c.channel_id), events, expected_version=version, meta=ctx.meta, data=data)


async def allowed(store: EventStore, org_id: str, day: date, ctx: Context) -> bool:
    """Whether the org exists that day; refuses unless the caller may report its facts where it stands today."""
    async with store.engine.connect() as conn:
        tree = await orgs_on(conn, day, ctx.today)
        if tree.exists(org_id):
            require(ctx.actor, "report_facts", tree.reach(org_id))
            return True
        (await orgs_on(conn, ctx.today, ctx.today)).require(ctx.actor, "report_facts", org_id)
        return False


async def _base(conn: AsyncConnection, tree: Orgs, org_id: str, at: date, ctx: Context) -> list[BaseEntry]:
    """The post holders on `at` of the org (and, T7, of the primary orgs under it that day, less those the caller may
    no longer report for today: §5) with their live contact points recorded by the end of that day."""
    under = orgs_in_base(org_id, tree.levels[org_id], tree.subtree(org_id), tree.levels)
    orgs = [org_id, *tree.within(ctx.actor, "report_facts", under[1:])]
    p = posts.c
    held = [
        Post(r.org_id, r.person_id, r.role)
        for r in await conn.execute(
            select(p.org_id, p.person_id, p.role).where(
                p.org_id.in_(orgs), p.role.in_(sorted(BASE_ROLES)), p.since <= at, (p.until.is_(None)) | (p.until > at)
            )
        )
    ]
    cp = contact_points.c
    points = await conn.execute(
        select(cp.contact_id, cp.person_id, cp.kind).where(
            cp.person_id.in_(sorted({post.person_id for post in held})),
            cp.recorded_at < end_of_day(at, ctx.tz),
            cp.erased_at.is_(None),
            cp.merged_into.is_(None),
        )
    )
    return base_entries(org_id, orgs, held, [Point(r.person_id, r.contact_id, ContactKind(r.kind)) for r in points])
