"""Queries about people and officers: records as of a date, as known on a date, decrypted only for those
allowed to read personal data (DESIGN.md §5) and shown as erased once their key is gone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.officers import GetOfficer, ListOfficers
from contracts.people import GetMember, ListMembers
from kit.access import permits, require
from kit.clock import FAR_FUTURE, known_by
from kit.crypto import KeyRing, open_field
from kit.errors import not_found
from kit.rpc import Context
from kit.store import EventStore

from ..domain.tree import Tree
from ..handlers.tree import TREE, TREE_FOLD, reach_today
from ..tables import memberships, officers, people, person_search, trainings
from .homes import homes_today, readable_people
from .timelines import membership_on
from .tree import tree_on

PERSONAL = ("full_name", "birth_date", "position")


class PeopleQueries:
    """The registry's query verbs about people and officers."""

    def __init__(self, store: EventStore, keyring: KeyRing) -> None:
        self.store, self.keyring = store, keyring

    async def _opened(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Decrypts the personal fields of rows that carry a person id; erased people come back as nulls."""
        keys = await self.keyring.keys(conn, [r["person_id"] for r in rows])
        for r in rows:
            for name in PERSONAL:
                if name in r:
                    r[name] = open_field(keys.get(r["person_id"]), r["person_id"], r[name]) if r[name] else None
        return rows

    async def _tree(self) -> Tree:
        t, _ = await self.store.load(TREE, TREE_FOLD)
        return t

    async def _reach(self, org_id: str, ctx: Context) -> list[str]:
        """The org and its ancestors today, whatever day the question is about (DESIGN.md §5)."""
        return reach_today(await self._tree(), org_id, ctx.today)

    async def get_member(self, q: GetMember, ctx: Context) -> dict[str, Any]:
        """One person's record as of a date: identity, membership then, and its history."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        async with self.store.engine.connect() as conn:
            row = (
                await conn.execute(select(people).where(people.c.person_id == q.person_id, people.c.recorded_at < known))
            ).first()
            if row is None:
                raise not_found("person", field="person_id")
            home = (await homes_today(conn, [q.person_id], ctx.today))[q.person_id]
            require(ctx.actor, "read_personal_data", await self._reach(home, ctx))
            history = (
                await conn.execute(
                    select(memberships.c.effective_on, memberships.c.org_id)
                    .where(memberships.c.person_id == q.person_id, memberships.c.recorded_at < known)
                    .order_by(memberships.c.effective_on, memberships.c.position)
                )
            ).all()
            on = membership_on(day, known)
            org_on = (await conn.execute(select(on.c.org_id).where(on.c.person_id == q.person_id))).scalar()
            version = await self._version(conn, q.person_id)
            record = dict(row._mapping)
            [opened] = await self._opened(conn, [record])
        erased = record["erased_at"] is not None and record["erased_at"] < known
        return {
            "id": q.person_id,
            **{name: opened[name] for name in PERSONAL},
            "as_of": day.isoformat(),
            "org_id": org_on,
            "member": org_on is not None,
            "history": [{"effective_on": h.effective_on.isoformat(), "org_id": h.org_id} for h in history],
            "erased": erased,
            "erased_at": record["erased_at"].isoformat() if erased else None,
            "erasure_basis": record["erasure_basis"] if erased else None,
            "version": version,
        }

    async def _version(self, conn: AsyncConnection, person_id: str) -> int:
        events = self.store.ledger.events
        found = await conn.execute(select(func.max(events.c.version)).where(events.c.stream_id == f"person-{person_id}"))
        return int(found.scalar() or 0)

    async def list_members(self, q: ListMembers, ctx: Context) -> list[dict[str, Any]]:
        """Members of an org (or its subtree) on a date, by name, optionally searched by name."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        org_id = q.org_id or ctx.actor.org_id
        async with self.store.engine.connect() as conn:
            tree = await tree_on(conn, day, None if q.known_on is None else known)
            if org_id is None:  # the whole union: only for those §5 lets read personal data everywhere (never a member)
                require(ctx.actor, "read_personal_data", ())
                chosen = list(tree.orgs)
            else:
                require(ctx.actor, "read_personal_data", await self._reach(org_id, ctx))
                chosen = tree.subtree(org_id) if q.subtree and org_id in tree.orgs else [org_id]
            on = membership_on(day, known, chosen)
            stmt = (
                select(people.c.person_id, on.c.org_id, *(people.c[n] for n in PERSONAL), people.c.erased_at)
                .join(on, on.c.person_id == people.c.person_id)
                .where(on.c.org_id.in_(chosen))
            )
            if q.q:
                tokens = self.keyring.blind_query(q.q)
                found = select(person_search.c.person_id).where(person_search.c.token.in_(tokens))
                found = found.group_by(person_search.c.person_id).having(func.count() == len(tokens))
                stmt = stmt.where(people.c.person_id.in_(found))
            listed = [dict(r._mapping) for r in await conn.execute(stmt)]
            if day != ctx.today or q.known_on is not None:  # members then may belong to another subtree today
                readable = await readable_people(conn, await self._tree(), [r["person_id"] for r in listed], ctx)
                listed = [r for r in listed if r["person_id"] in readable]
            rows = await self._opened(conn, listed)
        rows.sort(key=lambda r: ((r["full_name"] or "\uffff").casefold(), r["person_id"]))
        if q.cursor is not None:
            ids = [r["person_id"] for r in rows]
            rows = rows[ids.index(q.cursor) + 1 :] if q.cursor in ids else rows
        return [_member_row(r) for r in rows[: q.limit]]

    async def list_officers(self, q: ListOfficers, ctx: Context) -> list[dict[str, Any]]:
        """The posts of an org (and of its youth councils) held on a date, with their trainings."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        chain = await self._reach(q.org_id, ctx)
        require(ctx.actor, "read_orgs", chain)
        o = officers.c
        relieved = and_(o.until <= day, o.relieved_recorded_at < known)
        stmt = select(officers).where(
            o.org_id == q.org_id, o.since <= day, o.recorded_at < known, or_(o.until.is_(None), ~relieved)
        )
        return await self._officers(stmt, day, known, permits(ctx.actor, "read_personal_data", chain), ctx)

    async def get_officer(self, q: GetOfficer, ctx: Context) -> dict[str, Any]:
        """One post with its trainings."""
        async with self.store.engine.connect() as conn:
            org_id = (await conn.execute(select(officers.c.org_id).where(officers.c.officer_id == q.officer_id))).scalar()
        if org_id is None:
            raise not_found("officer", field="officer_id")
        chain = await self._reach(org_id, ctx)
        require(ctx.actor, "read_orgs", chain)
        stmt = select(officers).where(officers.c.officer_id == q.officer_id)
        [found] = await self._officers(stmt, ctx.today, FAR_FUTURE, permits(ctx.actor, "read_personal_data", chain), ctx)
        return found

    async def _officers(self, stmt: Any, day: date, known: datetime, personal: bool, ctx: Context) -> list[dict[str, Any]]:
        """The posts with their trainings, and with `personal` the names the actor may read."""
        async with self.store.engine.connect() as conn:
            posts = [dict(r._mapping) for r in await conn.execute(stmt.order_by(officers.c.role, officers.c.since))]
            ids = [p["officer_id"] for p in posts]
            courses: dict[str, list[dict[str, Any]]] = {}
            t = trainings.c
            for tr in await conn.execute(
                select(trainings).where(t.officer_id.in_(ids), t.on <= day, t.recorded_at < known).order_by(t.on)
            ):
                courses.setdefault(tr.officer_id, []).append(
                    {
                        "id": tr.training_id,
                        "course": tr.course,
                        "provider": tr.provider,
                        "on": tr.on.isoformat(),
                        "hours": tr.hours,
                    }
                )
            names = await self._names(conn, posts, ctx) if personal and posts else {}
        return [_post_row(p, courses.get(p["officer_id"], []), names.get(p["person_id"]), day, known) for p in posts]

    async def _names(self, conn: AsyncConnection, posts: list[dict[str, Any]], ctx: Context) -> dict[str, dict[str, Any]]:
        """The names of those holding the posts today or belonging to the actor's subtree today (one who moved on
        takes their name along, history included)."""
        shown = {p["person_id"] for p in posts if _held_on(p, ctx.today)}
        if others := {p["person_id"] for p in posts} - shown:
            shown |= await readable_people(conn, await self._tree(), others, ctx)
        found = await conn.execute(
            select(people.c.person_id, people.c.full_name, people.c.position).where(people.c.person_id.in_(sorted(shown)))
        )
        return {r["person_id"]: r for r in await self._opened(conn, [dict(r._mapping) for r in found])}


def _held_on(post: dict[str, Any], day: date) -> bool:
    """Whether the post is held that day, by everything recorded."""
    return bool(post["since"] <= day and (post["until"] is None or day < post["until"]))


def _member_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["person_id"],
        "org_id": r["org_id"],
        **{name: r[name] for name in PERSONAL},
        "erased": r["erased_at"] is not None,
    }


def _post_row(
    p: dict[str, Any], courses: list[dict[str, Any]], person: dict[str, Any] | None, day: date, known: datetime
) -> dict[str, Any]:
    relieved = p["until"] is not None and p["relieved_recorded_at"] is not None and p["relieved_recorded_at"] < known
    return {
        "id": p["officer_id"],
        "person_id": p["person_id"],
        "full_name": person["full_name"] if person else None,
        "org_id": p["org_id"],
        "council_id": p["council_id"],
        "role": p["role"],
        "since": p["since"].isoformat(),
        "until": p["until"].isoformat() if relieved else None,
        "in_post": p["since"] <= day and not (relieved and p["until"] <= day),
        "released": p["released"],
        "trained": bool(courses),
        "trainings": courses,
    }
