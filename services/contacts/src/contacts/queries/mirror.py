"""The registry's tree as this service knows it, read back for a day, with every org's place today for access."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from kit import treemirror
from kit.treemirror import Orgs

from ..tables import TREE

__all__ = ["Orgs", "exists_in_year", "orgs_on"]


async def orgs_on(conn: AsyncConnection, day: date, today: date) -> Orgs:
    """Every org existing on `day` with its parent and level; access is checked on where each stands `today`."""
    return await treemirror.orgs_on(conn, TREE, day, today)


async def exists_in_year(conn: AsyncConnection, org_id: str, year: int) -> bool:
    """Whether the org exists on at least one day of the year."""
    return await treemirror.exists_in_year(conn, TREE, org_id, year)
