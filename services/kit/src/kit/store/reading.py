"""Reading a ledger's streams: a state folded from the cache or a snapshot and the events after it, a stream's
events, a command's stored reply."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.base import decode_event

from ..db import Direct
from ..errors import conflict
from .records import Fold, Meta, Recorded
from .statements import Sql
from .tables import Ledger

S = TypeVar("S")
T = TypeVar("T")
CACHE_SIZE = 1024
"""States of cached folds kept, the least recently loaded let go first."""
REPLIES = "replies"
"""The `Rounds` key of the stored-reply lookups (the others are a stream and a fold)."""


class Rounds:
    """One read shared by the concurrent callers of a key, and never one that began before a caller asked: a caller
    joins the round waiting to start, or starts one, which waits until the round in flight has ended."""

    def __init__(self) -> None:
        self._waiting: dict[Any, asyncio.Future[Any]] = {}
        self._flying: dict[Any, asyncio.Future[Any]] = {}

    async def run(self, key: Any, read: Callable[[], Awaitable[T]]) -> T:
        """The result of a `read` that begins after this call."""
        next_round = self._waiting.get(key)
        if next_round is None:
            next_round = self._waiting[key] = asyncio.ensure_future(self._when_free(key, read))
        result: T = await asyncio.shield(next_round)
        return result

    async def _when_free(self, key: Any, read: Callable[[], Awaitable[T]]) -> T:
        flying = self._flying.get(key)
        if flying is not None:
            await asyncio.wait([flying])  # its outcome is its own callers'
        self._flying[key] = self._waiting.pop(key)  # from here, a new caller waits for the round after this one
        try:
            return await read()
        finally:
            if self._flying.get(key) is asyncio.current_task():
                del self._flying[key]


class Streams:
    """The reading side of one schema's event store; states of cached folds are kept, a bounded number."""

    def __init__(self, engine: AsyncEngine, ledger: Ledger) -> None:
        self.engine, self.ledger = engine, ledger
        self.direct = Direct(engine)
        self._sql = Sql(str(ledger.metadata.schema))
        self._cache: OrderedDict[tuple[str, int], tuple[Any, int]] = OrderedDict()
        self._snapshotted: dict[str, int] = {}
        self._loading: dict[tuple[str, int], asyncio.Future[tuple[Any, int]]] = {}
        self._rounds = Rounds()
        self._asked: list[str] = []

    async def load(self, stream_id: str, fold: Fold[S]) -> tuple[S, int]:
        """The stream's state and version, from the cache or a snapshot and then the events after it."""
        key = (stream_id, id(fold))
        start = self._cache.get(key) if fold.cached else None
        if start is None and fold.cached:
            state, version = await self._cold(key, stream_id, fold)
        elif start is not None:
            # concurrent loads of a kept state share their catch-up read (a registry's commands all load the tree)
            state, version = await self._rounds.run(key, lambda: self._fold_on(stream_id, fold, *self._cache.get(key, start)))
        else:
            state, version = await self._fold_on(stream_id, fold, *(start or await self._from_snapshot(stream_id, fold)))
        if fold.cached:
            self._remember(key, state, version)
        return state, version

    def kept(self, stream_id: str, fold: Fold[S]) -> tuple[S, int] | None:
        """A cached stream's state and version as last loaded, reading nothing (None if not kept): for a decision
        whose append confirms that version, with a `Batch` of no events at it, and is decided again if it moved."""
        return self._cache.get((stream_id, id(fold))) if fold.cached else None

    async def _cold(self, key: tuple[str, int], stream_id: str, fold: Fold[S]) -> tuple[S, int]:
        """A cached stream's state as it stood when the first of concurrent cold loads asked: the others wait for
        it rather than each decode a copy (a registry's tree, many times over, in memory at once). Each
        caller that joined folds the events after it on its own, so none misses what was written before it asked."""
        loading = self._loading.get(key)
        if loading is None:

            async def first() -> tuple[S, int]:
                return await self._fold_on(stream_id, fold, *await self._from_snapshot(stream_id, fold))

            loading = self._loading[key] = asyncio.ensure_future(first())
            loading.add_done_callback(lambda _: self._loading.pop(key, None))
            return await asyncio.shield(loading)  # asked when this caller did: current already
        return await self._fold_on(stream_id, fold, *await asyncio.shield(loading))

    async def _from_snapshot(self, stream_id: str, fold: Fold[S]) -> tuple[S, int]:
        start = await self._snapshot(stream_id, fold) or (fold.initial, 0)
        self._snapshotted.setdefault(stream_id, start[1])
        return start

    async def _fold_on(self, stream_id: str, fold: Fold[S], state: S, version: int) -> tuple[S, int]:
        """The state after the events that follow `version`, snapshotted when enough have passed since the last."""
        rows = await self.direct.fetch(self._sql.fold, (stream_id, version))
        if rows:
            state, version = fold.after(state, [decode_event(type_, data) for _, type_, data in rows]), rows[-1][0]
        if fold.encode is not None and version - self._snapshotted.get(stream_id, 0) >= fold.snapshot_every:
            # claimed before the write, so concurrent loads do not each encode and save the same state
            before, self._snapshotted[stream_id] = self._snapshotted.get(stream_id, 0), version
            try:
                await self.save_snapshot(stream_id, version, fold.encode(state))
            except BaseException:
                self._snapshotted[stream_id] = before
                raise
        return state, version

    async def ledger_end(self) -> int:
        """The last position committed to the ledger (0 when empty): no read model can be asked to wait beyond it."""
        rows = await self.direct.fetch(self._sql.end, ())
        return int(rows[0][0])

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[Recorded]:
        """Every event of a stream after a version, decoded."""
        rows = await self.direct.fetch(self._sql.read, (stream_id, after_version))
        return [Recorded(p, str(e), s, v, decode_event(t, d), at, c, k) for p, e, s, v, t, d, at, c, k in rows]

    async def stored_reply(self, command_id: str) -> tuple[str, dict[str, Any]] | None:
        """The fingerprint and reply of a command already done, if it was (asked of a repeat, found by its append or
        refused by its handler); the ids asked at once share one read, begun after they asked (`Rounds`)."""
        self._asked.append(command_id)
        replies = await self._rounds.run(REPLIES, self._read_replies)
        return replies.get(command_id)

    async def first_reply(self, meta: Meta) -> dict[str, Any] | None:
        """The reply of the command's first run, if it was done; a `conflict` if it was done for another request."""
        stored = await self.stored_reply(meta.command_id) if meta.command_id is not None else None
        if stored is not None and stored[0] != meta.fingerprint:
            raise conflict("this Idempotency-Key was already used for a different request")
        return None if stored is None else stored[1]

    async def _read_replies(self) -> dict[str, tuple[str, dict[str, Any]]]:
        asked, self._asked = self._asked, []  # the round starts here: whoever asks from now on waits for the next
        rows = await self.direct.fetch(self._sql.replies, (asked,))
        return {command_id: (fp, reply) for command_id, fp, reply in rows if reply is not None}

    async def _snapshot(self, stream_id: str, fold: Fold[S]) -> tuple[S, int] | None:
        if fold.decode is None:
            return None
        rows = await self.direct.fetch(self._sql.snapshot, (stream_id,))
        return None if not rows else (fold.decode(rows[0][0]), rows[0][1])

    async def save_snapshot(self, stream_id: str, version: int, state: Any) -> None:
        """Keeps a stream's encoded state at a version as its snapshot, unless a later one is kept already."""
        snapshots = self.ledger.snapshots
        stmt = pg_insert(snapshots).values(stream_id=stream_id, version=version, state=state)
        stmt = stmt.on_conflict_do_update(
            index_elements=[snapshots.c.stream_id],
            set_={"version": stmt.excluded.version, "state": stmt.excluded.state, "taken_at": func.now()},
            where=snapshots.c.version < stmt.excluded.version,
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    def _remember(self, key: tuple[str, int], state: Any, version: int) -> None:
        self._cache[key] = (state, version)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
