"""How the event store writes one group of appends on its writer's connection: in one round trip when it can
foresee what the checks will find, else checked first and written second; one append at a time after a failure; and,
when the connection is lost with a COMMIT in flight, whether that group landed."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg
from sqlalchemy import Table, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db import driver, wrapped
from .connections import broken, connect, discard, roll_back
from .forecast import Checked, Forecast
from .inline import InlineProjection, deferrable, project_all
from .inserts import Rows, insert_many
from .plans import Also, Pending, Plan, Repeated, plan_group
from .records import Committed, VersionConflict
from .statements import Sql, insert_params


class _GuessLost(Exception):
    """The connection was lost while a guessed group, COMMIT and all, was in flight."""

    def __init__(self, plan: Plan, cause: Exception) -> None:
        super().__init__(str(cause))
        self.plan, self.cause = plan, cause


_Statement = tuple[str, Any] | str


class GroupWriter:
    """Writes a group of appends in one transaction under the schema's append lock (which the caller commits)."""

    def __init__(self, engine: AsyncEngine, sql: Sql, lock_key: int, context: str, inline: Sequence[InlineProjection]) -> None:
        self.engine, self.sql, self.lock_key, self.context = engine, sql, lock_key, context
        self.inline = list(inline)
        self.forecast = Forecast()

    async def write(
        self, held: list[AsyncConnection | None], group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group written on the kept connection (`held`), or on a new one, put in `held`, if the kept one died
        since its last group: nothing was written on it yet, as with a ping; or, if it died on a guess (whose
        pipeline ends in COMMIT), the ledger tells whether the guess committed."""
        landed: Plan | None = None
        if held[0] is not None:
            try:
                return await self._write_group(held[0], group, learnt)
            except _GuessLost as e:
                held[0] = await discard(held[0], keep=False)
                landed = e.plan if await self._landed(e.plan) else None
            except (OperationalError, InterfaceError):
                held[0] = await discard(held[0], keep=False)
        held[0] = fresh = await connect(self.engine)
        if landed is not None:
            learnt.update(landed.versions)
            return landed.outcomes
        try:
            return await self._write_group(fresh, group, learnt)
        except _GuessLost as e:
            raise e.cause from None  # a new connection that fails at once is the server's failure, not a rest's

    async def _write_group(
        self, conn: AsyncConnection, group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group in one round trip when the writer can foresee the checks (see `_guessed`); else checked in one
        round trip and written, with the COMMIT, in a second. Should that write fail, the group is written again one
        append at a time, each in a savepoint, so that only the failing append fails."""
        first: list[_Statement] = ["BEGIN", (self.sql.lock, (self.lock_key,))]
        foreseen = self._foresee(group)
        if foreseen is not None:
            try:
                return await self._guessed(conn, foreseen, first, learnt)
            except _GuessLost:
                raise
            except Exception:  # noqa: BLE001 - a wrong guess, or an append that fails: the checks below tell which
                first = ["ROLLBACK", *first]
        checked = await self._check(conn, group, first=first)
        if foreseen is not None and foreseen.guess is not None:
            self.forecast.missed(foreseen.guess, checked)
        try:
            plan = plan_group(group, checked, self.context)
            await self._send(conn, plan, then="COMMIT")
        except (OperationalError, InterfaceError):
            raise  # the connection is gone, and the whole group with it
        except Exception:
            if len(group) == 1:
                raise
            await roll_back(conn)
            return await self._one_by_one(conn, group, learnt)
        learnt.update(plan.versions)
        return plan.outcomes

    def _foresee(self, group: list[Pending]) -> Plan | None:
        """The group's plan on the writer's forecast, if it has one and every append stands on it, with events and
        nothing in the transaction but writes (read models and `also`s alike)."""
        if any(p.also is not None and not getattr(p.also, "writes_only", False) for p in group):
            return None
        guess = self.forecast.guess(b for p in group for b in p.batches)
        if guess is None:
            return None
        try:
            plan = plan_group(group, guess.checked, self.context, strict=True)
        except (Repeated, VersionConflict):
            return None
        if not plan.everything or not all(deferrable(project, plan.everything) for project in self.inline):
            return None
        plan.guess = guess
        return plan

    async def _guessed(
        self, conn: AsyncConnection, plan: Plan, first: list[_Statement], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """Writes a foreseen group in one round trip: BEGIN, the lock, a guard that fails unless the server finds what
        the writer foresaw (the streams' versions, the next positions), the read models, events, replies and COMMIT.
        A stale version the guard misses, or a command id already used, fails the insert; either way nothing stays."""
        guess = plan.guess
        assert guess is not None
        params = {
            "n": len(guess.checked.positions),
            "positions": guess.checked.positions,
            "streams": guess.streams,
            "versions": json.dumps(guess.versions),
        }
        try:
            await self._send(conn, plan, then="COMMIT", first=[*first, (self.sql.guard, params)])
        except BaseException as e:
            self.forecast.forget()
            # psycopg reports statements skipped after a failed one as an OperationalError too: only a broken
            # connection means the COMMIT's fate is unknown
            if isinstance(e, OperationalError | InterfaceError) and await broken(conn):
                raise _GuessLost(plan, e) from e
            raise
        self.forecast.drew(guess.checked)
        learnt.update(plan.versions)
        return plan.outcomes

    async def _landed(self, plan: Plan) -> bool:
        """Whether a group whose connection was lost with its COMMIT in flight committed anyway (if the ledger cannot
        be asked, the group fails: writing it again might write it twice). The append lock is taken first, so a
        transaction of the lost connection still finishing is waited for."""
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key})
            found = await conn.execute(text(self.sql.landed), {"event_id": plan.everything[0].event_id})
            return found.first() is not None

    async def _one_by_one(
        self, conn: AsyncConnection, group: list[Pending], learnt: dict[str, int]
    ) -> list[Committed | Exception]:
        """The group again, each append in a savepoint, so a failure undoes only its own writes."""
        await conn.begin()  # so that the caller's commit commits (SQLAlchemy ignores a commit outside its transaction)
        await self._raw(conn, ["BEGIN", (self.sql.lock, (self.lock_key,))])
        outcomes: list[Committed | Exception] = []
        for p in group:
            try:
                checked = await self._check(conn, [p], first=["SAVEPOINT append"])
                plan = plan_group([p], checked, self.context)
                await self._send(conn, plan, then="RELEASE SAVEPOINT append")
                outcomes += plan.outcomes
                learnt.update(plan.versions)
            except (OperationalError, InterfaceError):
                raise
            except Exception as e:  # noqa: BLE001 - the append's own failure is its caller's to see, not the group's
                await self._raw(conn, ["ROLLBACK TO SAVEPOINT append"])
                outcomes.append(e)
        return outcomes

    async def _check(self, conn: AsyncConnection, group: Sequence[Pending], *, first: Sequence[_Statement]) -> Checked:
        """Which command ids were done, where the streams stand and positions for every event, in one round trip
        with what must come `first` (BEGIN and the append lock, or a savepoint). Under the lock nobody else claims
        a command id or moves a stream until the group commits, and positions drawn under it ascend in commit order."""
        params = {
            "cids": sorted({p.meta.command_id for p in group if p.meta.command_id is not None}),
            "streams": sorted({b.stream_id for p in group for b in p.batches}),
            "n": sum(len(b.events) for p in group for b in p.batches),
        }
        row = await self._raw(conn, [*first, (self.sql.check, params)])
        assert row is not None
        checked = Checked(set(row[0]), dict(row[1]), sorted(row[2] or ()), row[3])
        self.forecast.drew(checked)
        return checked

    async def _send(self, conn: AsyncConnection, plan: Plan, then: str, first: Sequence[_Statement] = ()) -> None:
        """Runs each append's `also`, updates the read models in one pass, then writes the events and replies with
        `then`. Read models that only write go out in the pipeline with the events; the others run before. No read
        model reads the ledger, so the events may follow them inside the transaction."""
        everything = plan.everything
        deferred = [project for project in self.inline if deferrable(project, everything)]
        readers = [project for project in self.inline if project not in deferred]
        # `also`s first, so that a read model may read what they wrote (a new person's key); those that only write
        # go in one pipeline, a round trip for the group rather than one each: the events' own, if nothing reads
        alsos = [p.also for p, _, _ in plan.written if p.also is not None]
        piped = [also for also in alsos if getattr(also, "writes_only", False)]
        for also in alsos:
            if also not in piped:
                await also(conn)
        if piped and readers:
            await self._raw(conn, (), between=lambda: _run_all(piped, conn))
            piped = []
        for project in readers:
            await project(conn, everything)

        async def between() -> None:
            await _run_all(piped, conn)
            await project_all(deferred, conn, everything)

        def tail() -> list[_Statement]:
            # built once the checks are on their way: the server works through them while the client dumps the rows
            insert: list[_Statement] = [(self.sql.insert, insert_params(plan.written))] if plan.written else []
            return [*insert, (then, None)]

        await self._raw(conn, first, between=between, tail=tail)

    async def _raw(
        self,
        conn: AsyncConnection,
        statements: Sequence[_Statement],
        between: Callable[[], Awaitable[None]] | None = None,
        tail: Callable[[], Sequence[_Statement]] = tuple,
    ) -> Any:
        """Runs statements on the transaction's psycopg connection in one pipeline, with whatever `between` sends
        through the same connection, then the statements `tail` builds; the last statement's first row."""
        raw = await driver(conn)
        cur, sql = raw.cursor(), ""  # one cursor for every statement: it keeps the last one's result
        try:
            async with raw.pipeline():
                for statement in statements:
                    sql, params = (statement, None) if isinstance(statement, str) else statement
                    await cur.execute(sql, params, prepare=self.sql.prepared(sql, params))
                if between is not None:
                    await between()
                for statement in tail():
                    sql, params = (statement, None) if isinstance(statement, str) else statement
                    await cur.execute(sql, params, prepare=self.sql.prepared(sql, params))
            return await cur.fetchone() if cur.description else None
        except psycopg.Error as e:
            raise wrapped(sql, (), e) from e


async def _run_all(alsos: Sequence[Also], conn: AsyncConnection) -> None:
    """Runs the `also`s that only write; those that insert rows (`Rows`) go last, in one statement per table."""
    rows: dict[Table, list[dict[str, Any]]] = {}
    for also in alsos:
        if isinstance(also, Rows):
            rows.setdefault(also.table, []).extend(also.rows)
        else:
            await also(conn)
    for table, some in rows.items():
        await insert_many(conn, table, some)
