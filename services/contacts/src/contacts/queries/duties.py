"""Queries about what an org did in a calendar year: its print runs (P2) and information meetings (P7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.contacts import ListMeetings, ListPrintRuns
from kit.clock import known_by
from kit.rpc import Context

from ..tables import meetings, print_runs
from .mirror import KeptTrees


class DutyQueries:
    """The query verbs about print runs and meetings; whoever may read the org today may read them (§5)."""

    def __init__(self, engine: AsyncEngine, trees: KeptTrees) -> None:
        self.engine, self.trees = engine, trees

    async def list_print_runs(self, q: ListPrintRuns, ctx: Context) -> list[dict[str, Any]]:
        """The org's print runs dated in the year (default this year), newest first."""
        rows = await self._year(print_runs, q.org_id, q.year or ctx.today.year, q.known_on, ctx)
        return [
            {
                "id": r.print_run_id,
                "org_id": r.org_id,
                "on": r.on.isoformat(),
                "kind": r.kind,
                "title": r.title,
                "copies": r.copies,
                "material_id": r.material_id,
            }
            for r in rows
        ]

    async def list_meetings(self, q: ListMeetings, ctx: Context) -> list[dict[str, Any]]:
        """The org's information meetings held in the year (default this year), newest first."""
        rows = await self._year(meetings, q.org_id, q.year or ctx.today.year, q.known_on, ctx)
        return [
            {
                "id": r.meeting_id,
                "org_id": r.org_id,
                "on": r.on.isoformat(),
                "topic": r.topic,
                "attendees": r.attendees,
                "chair_spoke": r.chair_spoke,
                "elected_body_spoke": r.elected_body_spoke,
            }
            for r in rows
        ]

    async def _year(self, table: Table, org_id: str, year: int, known_on: date | None, ctx: Context) -> list[Any]:
        known = known_by(known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await self.trees.on(ctx.today, ctx.today)).require(ctx.actor, "read_orgs", org_id)
            t = table.c
            in_year = (t.org_id == org_id, t.on >= date(year, 1, 1), t.on <= date(year, 12, 31), t.recorded_at < known)
            return list(await conn.execute(select(table).where(*in_year).order_by(t.on.desc(), t.recorded_at.desc())))
