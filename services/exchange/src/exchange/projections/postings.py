"""Which printed sheets orgs posted on their notice boards (P1), from contacts' refreshes that name a material: an inbox
shows a material to print until its sheet is posted."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ChannelRefreshed
from kit.projection import Delivered

from ..tables import postings

EVENTS = (ChannelRefreshed,)


async def apply(conn: AsyncConnection, d: Delivered) -> None:
    """Keeps a refresh that posted a material's sheet; others are no posting. Applied in any order, any number of times."""
    e = d.event
    if not isinstance(e, ChannelRefreshed) or e.material_id is None:
        return
    row = {"org_id": e.org_id, "material_id": e.material_id, "channel_id": e.channel_id, "posted_on": e.at}
    await conn.execute(insert(postings).values(**row, position=d.position).on_conflict_do_nothing())
