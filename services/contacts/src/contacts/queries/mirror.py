"""The registry's tree as this service knows it, read back for a day, with every org's place today for access."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.readcache import WHOLE_TREE, ReadCache
from mirrors import treemirror
from mirrors.treemirror import Orgs

from ..tables import TREE

__all__ = ["Orgs", "Trees", "exists_in_year", "level_of", "orgs_on"]


async def orgs_on(conn: AsyncConnection, day: date, today: date) -> Orgs:
    """Every org existing on `day` with its parent and level; access is checked on where each stands `today`."""
    return await treemirror.orgs_on(conn, TREE, day, today)


class Trees:
    """The queries' trees, kept while the read models stand still (kit.readcache): each query reads the whole mirror,
    most of its time in a union of a hundred thousand orgs. Handlers read theirs afresh, inside their transaction."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache

    async def on(self, day: date, today: date) -> Orgs:
        """The tree on `day`, with every org's place `today`."""
        return await self.cache.get(("orgs", day, today), lambda conn: orgs_on(conn, day, today), WHOLE_TREE)


async def exists_in_year(conn: AsyncConnection, org_id: str, year: int) -> bool:
    """Whether the org exists on at least one day of the year."""
    return await treemirror.exists_in_year(conn, TREE, org_id, year)


async def level_of(conn: AsyncConnection, org_id: str) -> str:
    """The org's level (it never changes), whatever day; "" for an org this service does not know."""
    level = (await conn.execute(select(TREE.orgs.c.level).where(TREE.orgs.c.org_id == org_id))).scalar()
    return level or ""
