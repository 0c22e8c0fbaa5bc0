"""The one command of notifications: how a person wants to hear of what reaches their org."""

from __future__ import annotations

from sqlalchemy import or_, select

from contracts.notifications import PreferenceSet, SetPreference
from kit.errors import forbidden, not_found
from kit.rpc import Context
from kit.store import Committed, EventStore
from mirrors.treemirror import KeptTrees

from .tables import posts


class Preferences:
    """Sets preferences of the people notifications reaches: the post holders."""

    def __init__(self, store: EventStore, trees: KeptTrees) -> None:
        self.store, self.trees = store, trees

    async def set_preference(self, c: SetPreference, ctx: Context) -> Committed:
        """Instant or a daily digest; staff of an org where the person holds a post may set it."""
        async with self.store.engine.connect() as conn:
            held = await conn.execute(
                select(posts.c.org_id).where(
                    posts.c.person_id == c.person_id,
                    posts.c.since <= ctx.today,
                    or_(posts.c.until.is_(None), posts.c.until > ctx.today),
                )
            )
            orgs = [r.org_id for r in held]
            tree = await self.trees.today(ctx.today)
        if not orgs:
            raise not_found("post holder (only officers are notified)", field="person_id")
        if not tree.within(ctx.actor, "report_facts", orgs):
            raise forbidden("the person holds no post in your part of the union")
        event = PreferenceSet(person_id=c.person_id, mode=c.mode, digest_hour=c.digest_hour)
        data = {"person_id": c.person_id, "mode": c.mode.value, "digest_hour": c.digest_hour}
        return await self.store.append(f"preference-{c.person_id}", [event], expected_version=None, meta=ctx.meta, data=data)
