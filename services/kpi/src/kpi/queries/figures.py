"""An org's K1–K9 for a period as the read models stand, or as known on a past day (`known_on`): own value, target,
met and the subtree's roll-up — or, for a period closed by then, the frozen figures with any restatement beside them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.kpi import INDICATORS
from kit.clock import FAR_FUTURE
from mirrors.treemirror import Orgs, orgs_on

from ..domain import periodbook
from ..domain.indicators import Figure
from ..domain.periods import Period
from ..domain.rollup import Scope, own_figures, rollup
from ..tables import TREE, closed_periods, targets
from .facts import IDS, KNOWN, load_scope


@dataclass(frozen=True)
class Computed:
    """Every org's own figures in a scope for one period, with members and targets."""

    period: Period
    scope: Scope
    own: dict[str, dict[str, Figure]]
    members: dict[str, int | None]
    targets: dict[str, dict[str, Decimal]]
    closed: dict[str, dict[str, Any]]

    def lines(self, org_id: str) -> dict[str, dict[str, Any]]:
        """The org's K1–K9 as they stand now: own value, target, met and roll-up over its subtree."""
        under = self.scope.under(org_id)
        set_ = self.targets.get(org_id, {})
        return {k: periodbook.line(k, self.own[org_id][k], set_, rollup(k, under, self.own, self.members)) for k in INDICATORS}

    def report(self, org_id: str) -> dict[str, Any]:
        """The answer of `GET /orgs/{id}/kpi/{period}`: frozen with restatements if the period is closed."""
        current = self.lines(org_id)
        closed = self.closed.get(org_id)
        indicators: dict[str, Any] = current
        frozen = None if closed is None else closed["figures"]
        if frozen is not None:
            indicators = {k: periodbook.with_restatement(k, frozen.get(k, {}), current[k]) for k in INDICATORS}
        return {
            "org_id": org_id,
            "period": self.period.name,
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            **periodbook.members_shown(frozen, self.members.get(org_id)),
            "closed_on": None if closed is None else closed["closed_on"].isoformat(),
            "indicators": periodbook.figures_of(indicators),
        }


async def tree_for(conn: AsyncConnection, period: Period, today: date, known_by: datetime | None = None) -> Orgs:
    """The tree on the period's last day as recorded before `known_by` (None: as known now): the orgs its figures are
    of; who may see them is decided on `today`'s, as known now."""
    return await orgs_on(conn, TREE, period.last, today, known_by)


def _of_period(table: Table) -> Select[Any]:
    """The orgs' rows for the period recorded by KNOWN."""
    t = table.c
    return select(table).where(t.period == bindparam("period"), t.org_id == IDS, t.recorded_at < KNOWN)


_TARGETS = _of_period(targets).order_by(targets.c.org_id, targets.c.position.desc()).ext(distinct_on(targets.c.org_id))
"""Each org's targets for the period: the latest setting recorded by KNOWN."""
_CLOSED = _of_period(closed_periods)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector held off for a stretch of pure computation that makes many objects and no cycles: over
    a union of a hundred thousand orgs it scans the whole heap again and again, half the figures' time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


async def compute(conn: AsyncConnection, tree: Orgs, root: str, period: Period, unseen: frozenset[str] = frozenset()) -> Computed:
    """Every org's own figures in the root's subtree for the period, the `unseen` orgs left out of it."""
    scope = await load_scope(conn, tree, root, unseen)
    with _collector_paused():
        own, members = own_figures(scope, period)
    of = {"ids": list(scope.facts), "period": period.name, "known": tree.known_by or FAR_FUTURE}
    set_rows, closed_rows = await conn.execute(_TARGETS, of), await conn.execute(_CLOSED, of)
    set_ = {r.org_id: {k: Decimal(v) for k, v in r.targets.items()} for r in set_rows}
    closed = {r.org_id: {"closed_on": r.closed_on, "figures": r.figures} for r in closed_rows}
    return Computed(period, scope, own, members, set_, closed)
