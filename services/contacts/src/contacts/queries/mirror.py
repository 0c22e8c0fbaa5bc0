"""Reading the registry as this service knows it: which orgs exist on a day and who sits under whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.access import require
from kit.errors import not_found
from kit.tokens import Actor

from ..tables import org_parents, orgs


@dataclass(frozen=True)
class Orgs:
    """Every org that exists on one day, with its parent that day."""

    day: date
    parents: dict[str, str | None]

    def exists(self, org_id: str) -> bool:
        return org_id in self.parents

    def lineage(self, org_id: str) -> list[str]:
        """The org and its ancestors that day, nearest first."""
        chain: list[str] = []
        current: str | None = org_id
        while current is not None and current in self.parents and current not in chain:
            chain.append(current)
            current = self.parents[current]
        return chain

    def subtree(self, org_id: str) -> list[str]:
        """The org and every org under it that day."""
        below: dict[str, list[str]] = {}
        for child, parent in self.parents.items():
            if parent is not None:
                below.setdefault(parent, []).append(child)
        found, queue = [], [org_id]
        while queue:
            current = queue.pop()
            found.append(current)
            queue.extend(below.get(current, []))
        return found

    def require(self, actor: Actor, action: str, org_id: str, field: str = "org_id") -> None:
        """404 unless the org exists that day; 403 unless §5 allows the action there."""
        if not self.exists(org_id):
            raise not_found(f"org on {self.day.isoformat()}", field=field)
        require(actor, action, self.lineage(org_id))


async def orgs_on(conn: AsyncConnection, day: date) -> Orgs:
    """The tree on a day (an org dissolved on D is gone on D)."""
    p = org_parents.c
    latest = (
        select(p.org_id, p.parent_id)
        .where(p.effective_on <= day)
        .order_by(p.org_id, p.effective_on.desc(), p.position.desc())
        .ext(distinct_on(p.org_id))
        .subquery()
    )
    rows = await conn.execute(
        select(latest.c.org_id, latest.c.parent_id)
        .join(orgs, orgs.c.org_id == latest.c.org_id)
        .where(orgs.c.registered_on <= day, or_(orgs.c.dissolved_on.is_(None), and_(orgs.c.dissolved_on > day)))
    )
    return Orgs(day, {r.org_id: r.parent_id for r in rows})


async def exists_in_year(conn: AsyncConnection, org_id: str, year: int) -> bool:
    """Whether the org exists on at least one day of the year."""
    row = (await conn.execute(select(orgs.c.registered_on, orgs.c.dissolved_on).where(orgs.c.org_id == org_id))).first()
    if row is None:
        return False
    return row.registered_on <= date(year, 12, 31) and (row.dissolved_on is None or row.dissolved_on > date(year, 1, 1))
