"""Command handlers: set targets, close a period, report a media mention (K5) or feedback times (K7).
Each checks §5 on the tree as it stands today, whatever day the fact is about: load -> decide -> append."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.kpi import ClosePeriod, MediaMentionReported, ReportFeedbackTimes, ReportMediaMention, SetTargets
from contracts.kpi import FeedbackTimesReported as TimesReported
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold
from mirrors.treemirror import Orgs, orgs_on

from .domain import mentions, periodbook
from .domain.periodbook import PeriodBook
from .domain.periods import Period, parse_period
from .queries.figures import compute
from .tables import TREE

BOOK = Fold(PeriodBook(), periodbook.evolve)


class KpiHandlers:
    """The kpi service's commands."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def _tree(self, day: date, ctx: Context, action: str, org_id: str, field: str = "org_id") -> Orgs:
        """The tree on the day; refuses unless the org exists then and the caller may do the action there today."""
        async with self.store.engine.connect() as conn:
            tree = await orgs_on(conn, TREE, day, ctx.today)
        tree.require(ctx.actor, action, org_id, field)
        return tree

    async def set_targets(self, c: SetTargets, ctx: Context) -> Committed:
        """Sets (replaces) the org's targets for the period (X)."""
        period = parse_period(c.period)
        await self._tree(period.last, ctx, "set_targets", c.org_id)
        stream = periodbook.stream_id(c.org_id, c.period)
        book, version = await self.store.load(stream, BOOK)
        events = periodbook.decide_targets(book, c)
        data = {"org_id": c.org_id, "period": c.period, "targets": {k: float(v) for k, v in c.targets.items()}}
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data=data)

    async def close_period(self, c: ClosePeriod, ctx: Context) -> Committed:
        """Closes the org's period once it is over: its figures, as they stand, are frozen in the event."""
        period = parse_period(c.period)
        tree = await self._tree(period.last, ctx, "set_targets", c.org_id)
        stream = periodbook.stream_id(c.org_id, c.period)
        book, version = await self.store.load(stream, BOOK)
        report = await self._report(tree, c.org_id, period)
        events = periodbook.decide_close(book, c.org_id, period, ctx.today, report["indicators"])
        # the reply is the closed period's answer: its members frozen with its indicators
        frozen = periodbook.members_shown(report["indicators"], report["members"])
        data = {**report, **frozen, "closed_on": ctx.today.isoformat()}
        return await self.store.append(stream, events, expected_version=version, meta=ctx.meta, data=data)

    async def _report(self, tree: Orgs, org_id: str, period: Period) -> dict[str, Any]:
        async with self.store.engine.connect() as conn:
            computed = await compute(conn, tree, org_id, period)
        return computed.report(org_id)

    async def report_media_mention(self, c: ReportMediaMention, ctx: Context) -> Committed:
        """Records a publication about the org (K5) on the day it appeared."""
        await self._tree(c.on, ctx, "report_facts", c.org_id)
        mention_id = new_id()
        events = mentions.decide_mention(MediaMentionReported(mention_id=mention_id, **c.model_dump()), ctx.today)
        data = {"id": mention_id, "org_id": c.org_id, "on": c.on.isoformat()}
        return await self.store.append(f"mention-{mention_id}", events, expected_version=0, meta=ctx.meta, data=data)

    async def report_feedback_times(self, c: ReportFeedbackTimes, ctx: Context) -> Committed:
        """Records how fast the org answered members' questions in a period (K7); a repeat restates it."""
        period = parse_period(c.period, months=True)
        await self._tree(period.last, ctx, "report_facts", c.org_id)
        report_id = f"{c.org_id}:{c.period}"
        event = TimesReported(report_id=report_id, **c.model_dump())
        data = {"org_id": c.org_id, "period": c.period, "answered": c.answered, "average_hours": str(c.average_hours)}
        return await self.store.append(f"feedback-{report_id}", [event], expected_version=None, meta=ctx.meta, data=data)
