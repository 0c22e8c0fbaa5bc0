"""Commands: keep the catalogue, file an appeal (sealed with the member's key), assign it to a post, answer it and ask
the member for more (sealed), take the member's replies (sealed), close it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.appeals import (
    AnswerAppeal,
    AppealFiled,
    AskMember,
    AssignAppeal,
    CloseAppeal,
    DefineSituation,
    FileAppeal,
    ReceivedBy,
    RetireSituation,
    Situation,
    SituationDefined,
    SituationRetired,
    SupplementAppeal,
)
from contracts.base import Event
from kit import clock
from kit.crypto import KeyRing
from kit.errors import RuleBroken, forbidden, not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore
from kit.tokens import Role
from mirrors.treemirror import KeptTrees

from .common import CATALOGUE, appeal_stream, load, member_org_today, member_today
from .domain import appeal
from .domain.appeal import Appeal
from .domain.routing import addressee
from .tables import people, posts, situations


class AppealHandlers:
    """The appeals service's commands. A command on an appeal takes its time from `now` after the appeal is loaded, in
    each run of the retried handler, so no event is earlier than the state it was decided on: an answer that lost the
    race to a closure is decided again on the closed appeal and refused, and a closure decided after an answer is
    timed after it."""

    def __init__(self, store: EventStore, keyring: KeyRing, trees: KeptTrees, now: Callable[[], datetime] = clock.now) -> None:
        self.store, self.keyring, self.trees, self.now = store, keyring, trees, now

    async def _keeps_catalogue(self, ctx: Context) -> None:
        """The CC keeps the catalogue: an admin, or staff of the CC itself."""
        orgs = await self.trees.today(ctx.today)
        central = orgs.central()
        if central is None or (ctx.actor.org_id != central and ctx.actor.role is not Role.ADMIN):
            raise forbidden("only the CC keeps the catalogue of life situations")
        orgs.require(ctx.actor, "report_facts", central)

    async def define_situation(self, c: DefineSituation, ctx: Context) -> Committed:
        """Adds a life situation to the catalogue or changes one."""
        await self._keeps_catalogue(ctx)
        situation = Situation.model_validate(c.model_dump(exclude={"situation_id"}))
        events = [SituationDefined(situation_id=c.situation_id, situation=situation)]
        data = {"id": c.situation_id}
        return await self.store.append(CATALOGUE, events, expected_version=None, meta=ctx.meta, data=data)

    async def retire_situation(self, c: RetireSituation, ctx: Context) -> Committed:
        """Takes a situation out of the catalogue; its appeals stay."""
        await self._keeps_catalogue(ctx)
        async with self.store.engine.connect() as conn:
            known = select(situations.c.situation_id).where(situations.c.situation_id == c.situation_id)
            if (await conn.execute(known)).first() is None:
                raise not_found("life situation", field="situation_id")
        events = [SituationRetired(situation_id=c.situation_id)]
        return await self.store.append(CATALOGUE, events, expected_version=None, meta=ctx.meta, data={"id": c.situation_id})

    async def file_appeal(self, c: FileAppeal, ctx: Context) -> Committed:
        """Files a member's appeal to their org or one above it, its text sealed with the member's key (PD1)."""
        async with self.store.engine.begin() as conn:
            row = (await conn.execute(select(situations).where(situations.c.situation_id == c.situation_id))).first()
            if row is None or row.retired:
                raise not_found("life situation", field="situation_id")
            member_org = await member_org_today(conn, c.person_id, ctx.today)
            if member_org is None:
                raise not_found("person", field="person_id")
            erased = (await conn.execute(select(people.c.erased_at).where(people.c.person_id == c.person_id))).scalar()
            if erased is not None:
                raise RuleBroken("PD1", "this person's data was erased; nothing new may be kept", field="person_id")
            if await member_today(conn, c.person_id, ctx.today) is None:
                raise RuleBroken("D1", "appeals are members': this person is not a member of the union today", field="person_id")
            orgs = await self.trees.today(ctx.today)
            by_member = ctx.actor.role is Role.MEMBER
            if by_member:  # a member files their own appeal, through the portal only
                if c.person_id != ctx.actor.username or c.received_by not in (None, ReceivedBy.PORTAL):
                    raise forbidden("a member files their own appeals, through the portal")
            else:  # staff record an appeal for a member of their subtree (D2); a date never widens it (§5)
                orgs.require(ctx.actor, "report_facts", member_org, field="person_id")
            received_by = appeal.received(c.received_by, by_member)
            # the member's org and those above it that exist today: a dissolved org takes no new appeal
            to_org = addressee([o for o in orgs.reach(member_org) if orgs.exists(o)], c.to_org_id)
            sealed = await self.keyring.encrypt(conn, c.person_id, c.text)
        appeal_id = new_id()
        event = AppealFiled(
            appeal_id=appeal_id,
            person_id=c.person_id,
            org_id=to_org,
            member_org_id=member_org,
            situation_id=c.situation_id,
            text=sealed,
            received_by=received_by,
            filed_at=ctx.now,
            due_at=appeal.due(ctx.now, row.answer_within_hours),
        )
        data = {"id": appeal_id, "org_id": to_org, "due_at": event.due_at.isoformat()}
        return await self.store.append(appeal_stream(appeal_id), [event], expected_version=0, meta=ctx.meta, data=data)

    async def _held(self, appeal_id: str, ctx: Context, seal: str | None = None) -> tuple[Appeal, int, str | None]:
        """The appeal, its version and `seal` sealed with the member's key, for staff of the holding org's subtree today
        with a staff role (§5); refused naming `appeal_id` once the member is erased (PD1)."""
        found, version = await load(self.store, appeal_id)
        async with self.store.engine.begin() as conn:
            (await self.trees.today(ctx.today)).require(ctx.actor, "report_facts", found.org_id, field="appeal_id")
            return found, version, await self._seal(conn, found, seal)

    async def _seal(self, conn: AsyncConnection, found: Appeal, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            return await self.keyring.encrypt(conn, found.person_id, text)
        except ValueError:
            raise RuleBroken("PD1", "the member's data was erased; nothing new may be kept", field="appeal_id") from None

    async def _append(self, appeal_id: str, events: list[Event], version: int, ctx: Context, **data: str) -> Committed:
        stream = appeal_stream(appeal_id)
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data={"id": appeal_id, **data})

    async def answer_appeal(self, c: AnswerAppeal, ctx: Context) -> Committed:
        """Answers an appeal held by an org of the actor's subtree; the answer sealed with the member's key."""
        found, version, sealed = await self._held(c.appeal_id, ctx, c.text)
        events = appeal.decide_answer(found, sealed, ctx.actor.username, self.now())
        return await self._append(c.appeal_id, events, version, ctx)

    async def assign_appeal(self, c: AssignAppeal, ctx: Context) -> Committed:
        """Gives an appeal held by an org of the actor's subtree to one of that org's posts that somebody holds today."""
        found, version, _ = await self._held(c.appeal_id, ctx)
        async with self.store.engine.connect() as conn:
            held = await posts_held(conn, found.org_id, ctx.today)
        events = appeal.decide_assign(found, c.post, held, ctx.actor.username, self.now())
        return await self._append(c.appeal_id, events, version, ctx, post=c.post.value)

    async def ask_member(self, c: AskMember, ctx: Context) -> Committed:
        """Asks the member for more on an appeal held by an org of the actor's subtree; the question sealed with their key."""
        found, version, sealed = await self._held(c.appeal_id, ctx, c.text)
        events = appeal.decide_ask(found, sealed, ctx.actor.username, self.now())
        return await self._append(c.appeal_id, events, version, ctx)

    async def supplement_appeal(self, c: SupplementAppeal, ctx: Context) -> Committed:
        """The signed-in member adds to their own appeal (sealed with their key); nobody else's is even said to exist."""
        if ctx.actor.role is not Role.MEMBER:
            raise forbidden("only the member adds to their appeal, through the portal")
        found, version = await load(self.store, c.appeal_id)
        if found.person_id != ctx.actor.username:
            raise not_found("appeal", field="appeal_id")
        async with self.store.engine.begin() as conn:
            sealed = await self._seal(conn, found, c.text)
        return await self._append(c.appeal_id, appeal.decide_supplement(found, sealed, self.now()), version, ctx)

    async def close_appeal(self, c: CloseAppeal, ctx: Context) -> Committed:
        """Closes an appeal held by an org of the actor's subtree with an outcome."""
        found, version, _ = await self._held(c.appeal_id, ctx)
        events = appeal.decide_close(found, c.outcome, ctx.actor.username, self.now())
        return await self._append(c.appeal_id, events, version, ctx, state="closed")


async def posts_held(conn: AsyncConnection, org_id: str, day: date) -> set[str]:
    """The posts of the org somebody holds on the day (assigned from it or before, not relieved by it)."""
    p = posts.c
    held = [p.org_id == org_id, p.person_id.is_not(None), p.since <= day, or_(p.until.is_(None), p.until > day)]
    return {r.role for r in await conn.execute(select(p.role).where(*held).distinct())}
