"""Contests (T2, C4): a level's orgs of a subtree ranked for a period, by information work or by notice boards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.audits import Category, RankContest
from kit.rpc import Context

from ..domain import contest
from ..domain.contest import Entry
from ..domain.periods import bounds
from ..tables import audits, refreshes, resources
from .compliance import tree_for, verdicts_of


class ContestQueries:
    """`rank_contest`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def rank_contest(self, q: RankContest, ctx: Context) -> dict[str, Any]:
        """The ranking, best first, with each org's figures; a running period counts up to today."""
        first, period_last = bounds(q.period)
        last = contest.last_day(period_last, ctx.today)
        async with self.engine.connect() as conn:
            tree = await tree_for(conn, ctx.actor, q.org_id, last, ctx.today)
            entrants = [o for o in tree.within(ctx.actor, "read_orgs", tree.subtree(q.org_id)) if tree.levels[o] == q.level.value]
            if q.category is Category.NOTICE_BOARDS:
                r, f = resources.c, refreshes.c
                rows = await conn.execute(
                    select(f.org_id, f.at)
                    .join(resources, r.channel_id == f.channel_id)
                    .where(f.org_id.in_(entrants), r.kind == "notice_board", f.at.between(first, last))
                )
                days: dict[str, list[Any]] = {}
                for row in rows:
                    days.setdefault(row.org_id, []).append(row.at)
                entries = [
                    Entry(o, weeks_refreshed=hit, weeks=weeks)
                    for o in entrants
                    for hit, weeks in [contest.weeks_refreshed(days.get(o, []), first, last)]
                ]
                ranked = contest.rank_notice_boards(entries)
            else:
                a = audits.c
                scores = dict(
                    (
                        await conn.execute(
                            select(a.org_id, func.max(a.score))
                            .where(a.org_id.in_(entrants), a.completed_on.between(first, last))
                            .group_by(a.org_id)
                        )
                    ).all()
                )
                verdicts = await verdicts_of(conn, tree, entrants)
                entries = [Entry(o, scores.get(o), contest.compliance_share(verdicts[o])) for o in entrants]
                ranked = contest.rank_information_work(entries)
        return {
            "org_id": q.org_id,
            "period": q.period,
            "level": q.level.value,
            "category": q.category.value,
            "as_of": last.isoformat(),
            "ranking": [_row(i, e) for i, e in enumerate(ranked, start=1)],
        }


def _row(rank: int, e: Entry) -> dict[str, Any]:
    row: dict[str, Any] = {"rank": rank, "org_id": e.org_id}
    if e.weeks:
        return {**row, "weeks_refreshed": e.weeks_refreshed, "weeks": e.weeks}
    share = None if e.compliance is None else round(float(e.compliance), 4)
    return {**row, "audit_score": e.audit_score, "compliance": share}
