"""A consumer's checkpoint and backlog: the source position it has reached, and the events below it that
are not applied yet — failing (JetStream retries them), dead (dead-lettered) or parked behind one of those."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .store.tables import Ledger


class Backlog:
    """The checkpoint and pending rows of one consumer of one source context."""

    def __init__(self, ledger: Ledger, consumer: str, source: str) -> None:
        self.checkpoints, self.pending = ledger.checkpoints, ledger.pending
        self.consumer, self.source = consumer, source

    def _mine(self) -> tuple[Any, ...]:
        return (self.pending.c.consumer == self.consumer, self.pending.c.source == self.source)

    async def checkpoint(self, conn: AsyncConnection) -> int:
        """The highest source position accounted for; the row is locked for the transaction."""
        c = self.checkpoints.c
        row = (
            await conn.execute(select(c.position).where(c.consumer == self.consumer, c.source == self.source).with_for_update())
        ).first()
        return 0 if row is None else int(row.position)

    async def advance(self, conn: AsyncConnection, position: int) -> None:
        stmt = pg_insert(self.checkpoints).values(consumer=self.consumer, source=self.source, position=position)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[self.checkpoints.c.consumer, self.checkpoints.c.source],
                set_={"position": stmt.excluded.position, "updated_at": text("now()")},
            )
        )

    async def open_rows(self, conn: AsyncConnection) -> Sequence[Any]:
        """(position, aggregate_id, status) of everything not applied yet."""
        p = self.pending.c
        return (await conn.execute(select(p.position, p.aggregate_id, p.status).where(*self._mine()))).all()

    async def keep(
        self,
        conn: AsyncConnection,
        position: int,
        aggregate: str,
        status: str,
        attempts: int,
        error: str | None,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        """Records (or updates) an event not applied, with what it takes to apply it later."""
        values = {
            "consumer": self.consumer,
            "source": self.source,
            "position": position,
            "aggregate_id": aggregate,
            "status": status,
            "attempts": attempts,
            "error": error,
            "headers": headers,
            "body": body,
        }
        stmt = pg_insert(self.pending).values(**values)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[self.pending.c.consumer, self.pending.c.source, self.pending.c.position],
                set_={"status": status, "attempts": attempts, "error": error},
            )
        )

    async def forget(self, conn: AsyncConnection, position: int) -> None:
        """An event now applied."""
        await conn.execute(delete(self.pending).where(*self._mine(), self.pending.c.position == position))

    async def bury(self, conn: AsyncConnection, position: int, error: str) -> None:
        """An event given up on until an operator replays it."""
        await conn.execute(
            update(self.pending).where(*self._mine(), self.pending.c.position == position).values(status="dead", error=error)
        )

    async def parked(self, conn: AsyncConnection, aggregate: str) -> Sequence[Any]:
        """What waits behind a failing event of an aggregate, in order."""
        p = self.pending.c
        query = select(self.pending).where(*self._mine(), p.aggregate_id == aggregate, p.status == "parked").order_by(p.position)
        return (await conn.execute(query)).all()

    async def replayable(self, conn: AsyncConnection) -> Sequence[Any]:
        """Dead and parked events, in order per aggregate."""
        p = self.pending.c
        query = select(self.pending).where(*self._mine(), p.status.in_(("dead", "parked"))).order_by(p.aggregate_id, p.position)
        return (await conn.execute(query)).all()
