"""The catalogue, one appeal with its answers and escalations, and the appeals an org holds (DESIGN.md §7)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Text, any_, literal, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.appeals import GetAppeal, ListAppeals, ListMyAppeals, ListMyOrgs, ListSituations, State
from kit.crypto import KeyRing, open_field
from kit.errors import forbidden, invalid, not_found
from kit.rpc import Context
from kit.tokens import Role
from mirrors import treemirror
from mirrors.treemirror import KeptTrees, Orgs

from ..common import member_org_today, portal_org_today
from ..tables import TREE, answers, appeals, assignments, escalations, questions, replies, situations


class AppealQueries:
    """Reads of the appeals service."""

    def __init__(self, engine: AsyncEngine, keyring: KeyRing, trees: KeptTrees) -> None:
        self.engine, self.keyring, self.trees = engine, keyring, trees

    async def list_situations(self, _q: ListSituations, _ctx: Context) -> list[dict[str, Any]]:
        """The catalogue in force, in title order."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(situations).where(~situations.c.retired).order_by(situations.c.title))
            return [
                {
                    "id": r.situation_id,
                    "title": r.title,
                    "topics": r.topics,
                    "steps": r.steps,
                    "level": r.level,
                    "answer_within_hours": r.answer_within_hours,
                }
                for r in rows
            ]

    async def get_appeal(self, q: GetAppeal, ctx: Context) -> dict[str, Any]:
        """An appeal to those who may see the org holding it or the member's org today; texts only to those who may read
        members' personal data there (§5)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(appeals).where(appeals.c.appeal_id == q.appeal_id))).first()
            if row is None:
                raise not_found("appeal", field="appeal_id")
            if ctx.actor.role is Role.MEMBER:  # §5: a member reaches their own appeals only, and reads them whole
                if row.person_id != ctx.actor.username:
                    raise not_found("appeal", field="appeal_id")  # another's appeal is not even said to exist
                return await self._appeal(conn, row, True)
            orgs = await self.trees.today(ctx.today)
            member_org = await member_org_today(conn, row.person_id, ctx.today) or row.member_org_id
            where = [o for o in (row.org_id, member_org) if orgs.exists(o) or o in orgs.places]
            if not any(orgs.may(ctx.actor, "read_orgs", o) for o in where):
                raise forbidden("this appeal is held neither by nor for an org of your part of the union")
            readable = any(orgs.may(ctx.actor, "read_personal_data", o) for o in where)
            return await self._appeal(conn, row, readable)

    async def _appeal(self, conn: AsyncConnection, row: Row[Any], readable: bool) -> dict[str, Any]:
        keys = await self.keyring.keys(conn, [row.person_id]) if readable else {}
        key = keys.get(row.person_id)

        def opened(token: str | None) -> str | None:
            return open_field(key, row.person_id, token) if readable and token else None

        def thread(table: Any) -> Any:
            return select(table).where(table.c.appeal_id == row.appeal_id).order_by(table.c.position)

        said, went = await conn.execute(thread(answers)), await conn.execute(thread(escalations))
        given, asked = await conn.execute(thread(assignments)), (await conn.execute(thread(questions))).all()
        added = (await conn.execute(thread(replies))).all()
        found = _summary(row)
        found["text"] = opened(row.text)
        found["erased"] = readable and key is None
        found["answers"] = [
            {"org_id": a.org_id, "answered_by": a.answered_by, "answered_at": a.answered_at.isoformat(), "text": opened(a.text)}
            for a in said
        ]
        found["escalations"] = [{"from_org_id": e.from_org_id, "to_org_id": e.to_org_id, "at": e.at.isoformat()} for e in went]
        found["assignments"] = [
            {"org_id": g.org_id, "post": g.post, "assigned_by": g.assigned_by, "at": g.at.isoformat()} for g in given
        ]
        found["questions"] = [
            {"org_id": q.org_id, "asked_by": q.asked_by, "at": q.at.isoformat(), "text": opened(q.text)} for q in asked
        ]
        found["replies"] = [{"org_id": r.org_id, "at": r.at.isoformat(), "text": opened(r.text)} for r in added]
        # the member owes a reply while the last question came after their last reply, until the appeal is closed
        last_asked, last_added = max((q.position for q in asked), default=0), max((r.position for r in added), default=0)
        found["awaiting_reply"] = row.state != "closed" and last_asked > last_added
        return found

    async def list_my_appeals(self, q: ListMyAppeals, ctx: Context) -> list[dict[str, Any]]:
        """The signed-in member's own appeals, newest first, without texts (open one to read it)."""
        person_id = _member(ctx)
        a = appeals.c
        stmt = select(appeals).where(a.person_id == person_id).order_by(a.filed_at.desc(), a.appeal_id).limit(q.limit)
        async with self.engine.connect() as conn:
            return [_summary(r) | {"overdue": _overdue(r, ctx)} for r in await conn.execute(stmt)]

    async def list_my_orgs(self, _q: ListMyOrgs, ctx: Context) -> list[dict[str, Any]]:
        """The member's org today and every org above it up to the CC, with names: where an appeal may go (D1); none for a
        person who is not a member today, so the portal gives them no org's material or agreement."""
        person_id = _member(ctx)
        async with self.engine.connect() as conn:
            org = await portal_org_today(conn, person_id, ctx.today)
            lineage = (await self.trees.today(ctx.today)).reach(org) if org else []
            named = await treemirror.names(conn, TREE, lineage)
        return [{"id": o, "name": named.get(o), "rank": i} for i, o in enumerate(lineage)]

    async def list_appeals(self, q: ListAppeals, ctx: Context) -> list[dict[str, Any]]:
        """A page of `open`/`all`: the appeals the org holds now; `overdue`: those unanswered past due anywhere in its
        subtree today (the CC's: every overdue appeal of the union). Newest first, ties by id. No texts: open one to
        read it."""
        a = appeals.c
        async with self.engine.connect() as conn:
            orgs = await self.trees.today(ctx.today)
            orgs.require(ctx.actor, "read_orgs", q.org_id)
            held = a.org_id == q.org_id
            if q.state is State.OVERDUE:
                held = a.org_id == any_(literal(_subtree(orgs, q.org_id), ARRAY(Text)))
            stmt = select(appeals).where(held).order_by(a.filed_at.desc(), a.appeal_id.desc()).limit(q.limit)
            if q.cursor is not None:
                # the cursor's appeal is looked for among those the org holds, whatever its state: one answered or
                # closed since the page before was read still marks where the next page starts
                after = (await conn.execute(select(a.filed_at, a.appeal_id).where(held, a.appeal_id == q.cursor))).first()
                if after is None:
                    raise invalid("cursor", "the cursor is not an appeal of this list: start from the first page", "in_list")
                stmt = stmt.where(tuple_(a.filed_at, a.appeal_id) < tuple_(*after))
            if q.state is State.OVERDUE:
                stmt = stmt.where(a.state == "open", a.first_answer_at.is_(None), a.due_at <= ctx.now)
            elif q.state is State.OPEN:
                stmt = stmt.where(a.state != "closed")
            return [_summary(r) | {"overdue": _overdue(r, ctx)} for r in await conn.execute(stmt)]


def _member(ctx: Context) -> str:
    """The person a member's token names; anyone else is refused (these reads are the portal's)."""
    if ctx.actor.role is not Role.MEMBER:
        raise forbidden("only a member signed in to the portal has appeals of their own here")
    return ctx.actor.username


def _subtree(orgs: Orgs, org_id: str) -> list[str]:
    """The org and every org under it on today's tree."""
    return [o for o in orgs.places if org_id in orgs.reach(o)]


def _overdue(r: Row[Any], ctx: Context) -> bool:
    return bool(r.state == "open" and r.first_answer_at is None and r.due_at <= ctx.now)


def _summary(r: Row[Any]) -> dict[str, Any]:
    return {
        "id": r.appeal_id,
        "person_id": r.person_id,
        "situation_id": r.situation_id,
        "org_id": r.org_id,
        "filed_org_id": r.filed_org_id,
        "state": r.state,
        "received_by": r.received_by,
        "filed_at": r.filed_at.isoformat(),
        "due_at": r.due_at.isoformat(),
        "first_answer_at": r.first_answer_at.isoformat() if r.first_answer_at else None,
        "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        "outcome": r.outcome,
        "post": r.post,
    }
