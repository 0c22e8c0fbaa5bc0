"""The registry's tree as this service knows it, read back for a day, with every org's place today for access."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mirrors import treemirror
from mirrors.treemirror import KeptTrees, Orgs

from ..tables import TREE

__all__ = ["KeptTrees", "Orgs", "exists_in_year", "level_of", "orgs_on"]


async def orgs_on(conn: AsyncConnection, day: date, today: date) -> Orgs:
    """Every org existing on `day` with its parent and level; access is checked on where each stands `today`."""
    return await treemirror.orgs_on(conn, TREE, day, today)


async def exists_in_year(conn: AsyncConnection, org_id: str, year: int) -> bool:
    """Whether the org exists on at least one day of the year."""
    return await treemirror.exists_in_year(conn, TREE, org_id, year)


async def level_of(conn: AsyncConnection, org_id: str) -> str:
    """The org's level (it never changes), whatever day; "" for an org this service does not know."""
    level = (await conn.execute(select(TREE.orgs.c.level).where(TREE.orgs.c.org_id == org_id))).scalar()
    return level or ""
