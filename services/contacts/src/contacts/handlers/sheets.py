"""Commands and the query about printed sheets: the channel an org's sheets point to (D2, K6), and a sheet posted on
the org's notice board (P1), recorded as the board's refresh naming the material."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ChooseSheetChannel, GetSheetChannel, PostSheet
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold

from ..domain import sheets
from ..domain.sheets import Running
from ..queries.mirror import orgs_on
from ..tables import channels
from .channels import CHANNEL_FOLD, allowed, channel_stream

CHOICE_FOLD = Fold(None, sheets.evolve_choice)


def choice_stream(org_id: str) -> str:
    return f"sheet-channel-{org_id}"


async def running_on(conn: AsyncConnection, org_id: str, day: date) -> list[Running]:
    """The org's resources running on `day`."""
    ch = channels.c
    rows = await conn.execute(
        select(ch.channel_id, ch.org_id, ch.kind, ch.name, ch.url, ch.since, ch.audience).where(
            ch.org_id == org_id, ch.since <= day, or_(ch.closed_on.is_(None), ch.closed_on > day)
        )
    )
    return [Running(r.channel_id, r.org_id, r.kind, r.name, r.url, r.since, r.audience) for r in rows]


class SheetHandlers:
    """Choosing a sheet's channel, posting a sheet, and which channel a sheet points to."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def choose_sheet_channel(self, c: ChooseSheetChannel, ctx: Context) -> Committed:
        """Chooses the running electronic channel the org's sheets point to (null: back to the first one running)."""
        await allowed(self.store, c.org_id, ctx.today, ctx)
        async with self.store.engine.connect() as conn:
            running = await running_on(conn, c.org_id, ctx.today)
        events = sheets.decide_choice(c.org_id, c.channel_id, running)
        data = {"org_id": c.org_id, "channel_id": c.channel_id}
        return await self.store.append(choice_stream(c.org_id), events, expected_version=None, meta=ctx.meta, data=data)

    async def post_sheet(self, c: PostSheet, ctx: Context) -> Committed:
        """Records a material's sheet posted on the org's notice board on `at` (default today): the board's refresh (P1)."""
        day = c.at or ctx.today
        await allowed(self.store, c.org_id, min(day, ctx.today), ctx)
        async with self.store.engine.connect() as conn:
            board = sheets.board_for(await running_on(conn, c.org_id, day), c.channel_id, day)
        resource, _ = await self.store.load(channel_stream(board), CHANNEL_FOLD)
        events = sheets.decide_posting(resource, day, c.material_id, ctx.today)
        posting = f"{board}:{c.material_id}:{day.isoformat()}"  # a board, a material, a day: one posting (P1 counts days)
        data = {"id": posting, "channel_id": board, "org_id": c.org_id, "at": day.isoformat(), "material_id": c.material_id}
        return await self.store.append(channel_stream(board), events, expected_version=None, meta=ctx.meta, data=data)

    async def get_sheet_channel(self, q: GetSheetChannel, ctx: Context) -> dict[str, Any] | None:
        """The channel the org's sheets point to today, whether the org chose it, and whether the one it chose has closed
        since (`chosen_closed`: this one is the fallback); null when it runs none a sheet may point to."""
        async with self.store.engine.connect() as conn:
            (await orgs_on(conn, ctx.today, ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            running = await running_on(conn, q.org_id, ctx.today)
        chosen, _ = await self.store.load(choice_stream(q.org_id), CHOICE_FOLD)
        link = sheets.link_of(chosen, running)
        if link is None:
            return None
        return {
            "channel_id": link.channel_id,
            "kind": link.kind,
            "name": link.name,
            "url": link.url,
            "chosen": link.channel_id == chosen,
            "chosen_closed": sheets.chosen_closed(chosen, running),
        }
