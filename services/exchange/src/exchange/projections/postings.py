"""Which printed sheets orgs posted on their notice boards (P1), from contacts' postings: an inbox shows a material to
print until its sheet is posted."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import SheetPosted
from kit.projection import Delivered

from ..tables import postings

EVENTS = (SheetPosted,)


async def apply(conn: AsyncConnection, d: Delivered) -> None:
    """Keeps a posting; applied in any order, any number of times."""
    e = d.event
    if not isinstance(e, SheetPosted):  # the consumer is filtered to postings; nothing else reaches here
        return
    row = {"org_id": e.org_id, "material_id": e.material_id, "channel_id": e.channel_id, "posted_on": e.at}
    await conn.execute(insert(postings).values(**row, position=d.position).on_conflict_do_nothing())
