"""The query verbs: an org's KPI for a period, its targets, rankings of a level's orgs, series over periods,
and the media mentions behind K5, each as known now or on a past day (`known_on`: only facts recorded by its end
count). Each checks §5's `read_orgs` on the tree as it stands today, as known now, whatever the period or `known_on`."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.kpi import GetKpi, GetSeries, GetTargets, ListMediaMentions, ListRanking
from kit.clock import FAR_FUTURE
from kit.errors import not_found
from kit.readcache import WHOLE_TREE, ReadCache
from kit.rpc import Context
from kit.tokens import Role
from mirrors.treemirror import Orgs, known_by_end_of

from ..domain.periods import parse_period, series
from ..domain.shown import read_exact
from ..tables import media_mentions, targets
from .figures import compute, tree_for


class KpiQueries:
    """Answers the kpi service's queries from its read models."""

    def __init__(self, engine: AsyncEngine, cache: ReadCache) -> None:
        self.engine, self.cache = engine, cache

    async def get_kpi(self, q: GetKpi, ctx: Context) -> dict[str, Any]:
        """K1–K9 of the org for the period (DESIGN.md §7)."""
        period, known = parse_period(q.period), known_by_end_of(q.known_on, ctx.tz)
        reading = await self.cache.reading()
        kept = ("tree", period.last, ctx.today, q.known_on)
        tree = await reading.get(kept, lambda conn: tree_for(conn, period, ctx.today, known), WHOLE_TREE)
        tree.require(ctx.actor, "read_orgs", q.org_id)

        unseen = _unseen(tree, ctx, q.org_id)

        async def report(conn: AsyncConnection) -> dict[str, Any]:
            return (await compute(conn, tree, q.org_id, period, unseen)).report(q.org_id)

        return await reading.get(("kpi", q.org_id, period.name, q.known_on, unseen), report)

    async def get_targets(self, q: GetTargets, ctx: Context) -> dict[str, Any]:
        """The targets set for the org's period (the latest setting recorded by `known_on`)."""
        period, known = parse_period(q.period), known_by_end_of(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await tree_for(conn, period, ctx.today, known)).require(ctx.actor, "read_orgs", q.org_id)
            t = targets.c
            of = (t.org_id == q.org_id, t.period == q.period, t.recorded_at < (known or FAR_FUTURE))
            latest = select(t.targets).where(*of).order_by(t.position.desc()).limit(1)
            row = (await conn.execute(latest)).first()
        set_ = row.targets if row else {}
        return {"org_id": q.org_id, "period": q.period, "targets": {k: float(v) for k, v in set_.items()}}

    async def list_ranking(self, q: ListRanking, ctx: Context) -> list[dict[str, Any]]:
        """A level's orgs under a root ranked by the indicator's roll-up (frozen for closed periods), best first; kept
        while the read models stand still, as a ranking computes the root's whole subtree."""
        period, known = parse_period(q.period), known_by_end_of(q.known_on, ctx.tz)
        reading = await self.cache.reading()
        kept = ("tree", period.last, ctx.today, q.known_on)
        tree = await reading.get(kept, lambda conn: tree_for(conn, period, ctx.today, known), WHOLE_TREE)
        root = q.org_id or ctx.actor.org_id or tree.central()
        if root is None:
            raise not_found(f"org on {period.last.isoformat()}", field="org_id")
        tree.require(ctx.actor, "read_orgs", root)
        unseen = _unseen(tree, ctx, root)

        async def ranking(conn: AsyncConnection) -> list[dict[str, Any]]:
            computed = await compute(conn, tree, root, period, unseen)
            rows = []
            # the root's subtree that period, less the orgs that have left the actor's since
            for org_id in tree.within(ctx.actor, "read_orgs", computed.scope.under(root)):
                if computed.scope.facts[org_id].level != q.level.value:
                    continue
                line = computed.report(org_id)["indicators"][q.indicator]
                # a period closed before exact figures were kept has no rollup_exact
                row = {"org_id": org_id, "value": line["rollup"], "value_exact": line.get("rollup_exact"), "own": line["value"]}
                rows.append({**row, "met": line["met"]})
            return _ranked(rows)

        # who asks is part of the question: `within` reads the actor's place today, as `unseen` does
        asked = ("ranking", root, period.name, q.known_on, q.level.value, q.indicator, ctx.actor.role, ctx.actor.org_id)
        return await reading.get((*asked, unseen), ranking, WHOLE_TREE)

    async def get_series(self, q: GetSeries, ctx: Context) -> list[dict[str, Any]]:
        """One indicator of the org over consecutive periods, each as the kpi query answers it."""
        periods = series(parse_period(q.start, "start"), parse_period(q.end, "end"))
        found, known = [], known_by_end_of(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await tree_for(conn, periods[-1], ctx.today, known)).require(ctx.actor, "read_orgs", q.org_id)
            for period in periods:
                tree = await tree_for(conn, period, ctx.today, known)
                if not tree.exists(q.org_id):
                    found.append({"period": period.name, "value": None, "target": None, "met": None, "rollup": None})
                    continue
                report = (await compute(conn, tree, q.org_id, period, _unseen(tree, ctx, q.org_id))).report(q.org_id)
                line = report["indicators"][q.indicator]
                found.append({"period": period.name, "closed_on": report["closed_on"], **line})
        return found

    async def list_media_mentions(self, q: ListMediaMentions, ctx: Context) -> list[dict[str, Any]]:
        """The publications reported for the org in the period (K5) by `known_on`, oldest first."""
        period, known = parse_period(q.period), known_by_end_of(q.known_on, ctx.tz)
        async with self.engine.connect() as conn:
            (await tree_for(conn, period, ctx.today, known)).require(ctx.actor, "read_orgs", q.org_id)
            m = media_mentions.c
            rows = await conn.execute(
                select(*(c for c in media_mentions.c if c.name != "recorded_at"))
                .where(m.org_id == q.org_id, m.on >= period.first, m.on <= period.last, m.recorded_at < (known or FAR_FUTURE))
                .order_by(m.on, m.mention_id)
            )
            return [{**r._asdict(), "id": r.mention_id, "on": r.on.isoformat()} for r in rows]


def _unseen(tree: Orgs, ctx: Context, root: str) -> frozenset[str]:
    """The orgs under the root in the period's tree that the actor may not read today: they count in no figure it is
    shown, so a past or future period never tells a figure of an org outside its subtree (DESIGN.md §5). On today's
    tree a readable root's subtree is readable whole. A closed period's frozen figures stay as closed."""
    if ctx.actor.role in (Role.ADMIN, Role.SERVICE) or (tree.day == ctx.today and tree.known_by is None):
        return frozenset()
    central = tree.central()
    if central is not None and tree.may(ctx.actor, "read_orgs", central):
        return frozenset()  # the CC's staff read the whole union
    return frozenset(o for o in tree.subtree(root) if not tree.may(ctx.actor, "read_orgs", o))


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best first by the exact roll-up, orgs without a value last; equal values share a rank (1, 2, 2, 4)."""
    exact = {r["org_id"]: _exact(r) for r in rows}
    rows.sort(key=lambda r: (exact[r["org_id"]] is None, -(exact[r["org_id"]] or 0), r["org_id"]))
    rank, previous = 0, object()
    for i, row in enumerate(rows, start=1):
        if exact[row["org_id"]] != previous:
            rank, previous = i, exact[row["org_id"]]
        row["rank"] = None if row["value"] is None else rank
    return rows


def _exact(row: dict[str, Any]) -> Fraction | None:
    """The row's exact roll-up; from the shown one for a period frozen before exact figures were kept."""
    text = row["value_exact"] if row["value_exact"] is not None else row["value"]
    return None if text is None else read_exact(str(text))
