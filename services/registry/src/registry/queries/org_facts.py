"""Queries about youth councils, budgets, agreement clauses and headcount history, as of and as known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from contracts.officers import ListYouthCouncils
from contracts.org_facts import Clause, GetBudget, GetClauses, ListBudgets, ListHeadcounts
from kit.access import require
from kit.clock import known_by
from kit.errors import forbidden, not_found
from kit.rpc import Context
from kit.store import EventStore
from kit.tokens import Role

from ..handlers.tree import TREE, TREE_FOLD, reach_today
from ..tables import agreement_clauses, budgets, headcounts, youth_councils
from .homes import member_of_today


class FactQueries:
    """The registry's query verbs about facts an org records."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def _readable(self, org_id: str, ctx: Context) -> None:
        """403 unless the actor may read the org as the tree stands today, whatever day the facts are of."""
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "read_orgs", reach_today(t, org_id, ctx.today))

    async def _members_own(self, org_id: str, ctx: Context) -> None:
        """403 unless the member is a member of that org today (the portal shows a member their agreement); one who left,
        or an officer who never was a member, reads none."""
        async with self.store.engine.connect() as conn:
            home = await member_of_today(conn, ctx.actor.username, ctx.today)
        if home is None or home != org_id:
            raise forbidden("a member reads the agreement of their own org only")

    async def _rows(self, stmt: Any) -> list[dict[str, Any]]:
        async with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(stmt)]

    async def list_youth_councils(self, q: ListYouthCouncils, ctx: Context) -> list[dict[str, Any]]:
        """An org's youth councils existing on a date."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        await self._readable(q.org_id, ctx)
        y = youth_councils.c
        gone = and_(y.disbanded_on <= day, y.disbanded_recorded_at < known)
        rows = await self._rows(
            select(y.council_id, y.name, y.formed_on)
            .where(y.org_id == q.org_id, y.formed_on <= day, y.recorded_at < known, or_(y.disbanded_on.is_(None), ~gone))
            .order_by(y.name)
        )
        return [
            {"id": r["council_id"], "org_id": q.org_id, "name": r["name"], "formed_on": r["formed_on"].isoformat()} for r in rows
        ]

    async def get_budget(self, q: GetBudget, ctx: Context) -> dict[str, Any]:
        """An org's budget for a year, the latest adoption known on `known_on`."""
        await self._readable(q.org_id, ctx)
        found = [b for b in await self._budgets(q.org_id, q.year, q.year, known_by(q.known_on, ctx.tz))]
        if not found:
            raise not_found(f"budget for {q.year}", field="year")
        return found[0]

    async def list_budgets(self, q: ListBudgets, ctx: Context) -> list[dict[str, Any]]:
        """An org's budgets for every year up to `as_of`'s, oldest first."""
        day = q.as_of or ctx.today
        await self._readable(q.org_id, ctx)
        return await self._budgets(q.org_id, 1900, day.year, known_by(q.known_on, ctx.tz))

    async def _budgets(self, org_id: str, first: int, last: int, known: datetime) -> list[dict[str, Any]]:
        b = budgets.c
        rows = await self._rows(
            select(b.year, b.total, b.information)
            .where(b.org_id == org_id, b.year.between(first, last), b.recorded_at < known)
            .order_by(b.year, b.position.desc())
        )
        latest: dict[int, dict[str, Any]] = {}
        for r in rows:
            latest.setdefault(r["year"], r)
        return [
            {
                "org_id": org_id,
                "year": y,
                "total": str(r["total"]),
                "information": str(r["information"]),
                "information_share": str(r["information"] / r["total"]) if r["total"] else None,
            }
            for y, r in sorted(latest.items())
        ]

    async def get_clauses(self, q: GetClauses, ctx: Context) -> dict[str, Any]:
        """Which of the eight clauses (S1) the org's agreement holds on a date (a member: of their own org today)."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        await (self._members_own if ctx.actor.role is Role.MEMBER else self._readable)(q.org_id, ctx)
        a = agreement_clauses.c
        rows = await self._rows(
            select(a.clauses, a.effective_on)
            .where(a.org_id == q.org_id, a.effective_on <= day, a.recorded_at < known)
            .order_by(a.effective_on.desc(), a.position.desc())
            .limit(1)
        )
        held = rows[0]["clauses"] if rows else []
        return {
            "org_id": q.org_id,
            "as_of": day.isoformat(),
            "recorded": bool(rows),
            "effective_on": rows[0]["effective_on"].isoformat() if rows else None,
            "clauses": [{"number": c.value, "name": c.name.lower(), "held": c.value in held} for c in Clause],
        }

    async def list_headcounts(self, q: ListHeadcounts, ctx: Context) -> list[dict[str, Any]]:
        """A primary org's reported figures up to `as_of`, oldest first; of two for one date, the later recorded."""
        day, known = q.as_of or ctx.today, known_by(q.known_on, ctx.tz)
        await self._readable(q.org_id, ctx)
        h = headcounts.c
        rows = await self._rows(
            select(h.as_of, h.members, h.recorded_at)
            .where(h.org_id == q.org_id, h.as_of <= day, h.recorded_at < known)
            .order_by(h.as_of, h.position)
        )
        latest = {r["as_of"]: r for r in rows}
        return [
            {"as_of": d.isoformat(), "members": r["members"], "recorded_at": r["recorded_at"].isoformat()}
            for d, r in sorted(latest.items())
        ]
