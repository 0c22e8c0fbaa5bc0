"""A consumer's checkpoint and backlog: the source position it has reached, and the events below it that
are not applied yet — failing (JetStream retries them), dead (dead-lettered) or parked behind one of those."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Compiled
from .store.tables import Ledger


class Backlog:
    """The checkpoint and pending rows of one consumer of one source context."""

    def __init__(self, ledger: Ledger, consumer: str, source: str) -> None:
        self.checkpoints, self.pending = ledger.checkpoints, ledger.pending
        self.consumer, self.source = consumer, source
        # built once: a statement rebuilt per batch costs more CPU to construct and key than to run
        self._me = {"of_consumer": consumer, "of_source": source}
        c, p = self.checkpoints.c, self.pending.c
        ours = (c.consumer == bindparam("of_consumer"), c.source == bindparam("of_source"))
        self._checkpoint = select(c.position).where(*ours).with_for_update()
        on_ours = (p.consumer == c.consumer) & (p.source == c.source)
        joined = self.checkpoints.outerjoin(self.pending, on_ours)
        # the two statements of every batch run straight on psycopg: SQLAlchemy's path costs more than the query
        self._state = Compiled(
            select(c.position.label("checkpoint"), p.position, p.aggregate_id, p.status)
            .select_from(joined)
            .where(*ours)
            .with_for_update(of=self.checkpoints)
        )
        self._open = select(p.position, p.aggregate_id, p.status).where(*self._mine())
        upsert = pg_insert(self.checkpoints).values(
            consumer=bindparam("consumer"), source=bindparam("source"), position=bindparam("position")
        )
        self._advance = Compiled(
            upsert.on_conflict_do_update(
                index_elements=[c.consumer, c.source], set_={"position": upsert.excluded.position, "updated_at": text("now()")}
            )
        )
        self._forget = delete(self.pending).where(*self._mine(), p.position == bindparam("at"))

    def _mine(self) -> tuple[Any, ...]:
        return (self.pending.c.consumer == bindparam("of_consumer"), self.pending.c.source == bindparam("of_source"))

    async def checkpoint(self, conn: AsyncConnection) -> int:
        """The highest source position accounted for; the row is locked for the transaction."""
        row = (await conn.execute(self._checkpoint, self._me)).first()
        return 0 if row is None else int(row.position)

    async def state(self, conn: AsyncConnection) -> tuple[int, Sequence[Any]]:
        """The checkpoint (its row locked for the transaction) and the open rows, in one round trip."""
        found = await self._state.rows(conn, self._me)
        if not found:  # no checkpoint yet (and so nothing kept either, as both are written together)
            return 0, await self.open_rows(conn)
        return int(found[0].checkpoint), [r for r in found if r.position is not None]

    async def advance(self, conn: AsyncConnection, position: int) -> None:
        await self._advance.run(conn, {"consumer": self.consumer, "source": self.source, "position": position})

    async def open_rows(self, conn: AsyncConnection) -> Sequence[Any]:
        """(position, aggregate_id, status) of everything not applied yet."""
        return (await conn.execute(self._open, self._me)).all()

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
        await conn.execute(self._forget, {**self._me, "at": position})

    async def bury(self, conn: AsyncConnection, position: int, error: str) -> None:
        """An event given up on until an operator replays it."""
        await conn.execute(
            update(self.pending).where(*self._mine(), self.pending.c.position == position).values(status="dead", error=error),
            self._me,
        )

    async def parked(self, conn: AsyncConnection, aggregate: str) -> Sequence[Any]:
        """What waits behind a failing event of an aggregate, in order."""
        p = self.pending.c
        query = select(self.pending).where(*self._mine(), p.aggregate_id == aggregate, p.status == "parked").order_by(p.position)
        return (await conn.execute(query, self._me)).all()

    async def replayable(self, conn: AsyncConnection) -> Sequence[Any]:
        """Dead and parked events, in order per aggregate."""
        p = self.pending.c
        query = select(self.pending).where(*self._mine(), p.status.in_(("dead", "parked"))).order_by(p.aggregate_id, p.position)
        return (await conn.execute(query, self._me)).all()
