"""The escalator: on each tick of the kit's clock, every appeal not closed whose holding org was dissolved goes at once
to the nearest org above it that exists today, and every appeal nobody answered by its due time goes one level up (D1),
each as an event on the appeal's own stream. Deciding on the appeal's stream, with its version, makes it idempotent:
a tick after a crash, a second instance or a repeat finds the appeal escalated already (a new due time) and decides
nothing. An appeal that cannot be escalated is parked with the reason, and the others go on. The clock is a
parameter, so tests choose the instant."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from kit import clock, logs
from kit.store import EventStore, Meta, VersionConflict
from mirrors.treemirror import Orgs

from .common import appeal_stream, load, tree_today
from .config import AppealsSettings
from .domain import appeal
from .tables import appeals, parked, situations

log = logs.get("escalator")

LOOK_AGAIN_AFTER = (1.0, 5.0)
"""Seconds after an org's dissolution reaches the mirror that the escalator looks, out of turn: once the mirror's
transaction has committed, and again should that commit have taken longer (the regular tick catches any later one)."""


class Escalator:
    """Escalates overdue appeals and moves those of dissolved orgs. `wall` is the clock read after each appeal is
    loaded, so that no escalation is timed before the appeal it was decided on."""

    def __init__(self, store: EventStore, settings: AppealsSettings, wall: Callable[[], datetime] = clock.now) -> None:
        self.store, self.settings, self.wall = store, settings, wall
        self._asked = asyncio.Event()

    def look_soon(self) -> None:
        """Asks for a look out of turn (an org was dissolved: its appeals go up at once, not at the next tick)."""
        loop = asyncio.get_running_loop()
        for delay in LOOK_AGAIN_AFTER:
            loop.call_later(delay, self._asked.set)

    async def tick(self, now: datetime) -> int:
        """Moves every appeal held by an org dissolved by today, then escalates every appeal overdue at `now` (each up
        to the tick's share); returns how many went up."""
        today = now.astimezone(self.settings.tz).date()
        async with self.store.engine.connect() as conn:
            orgs = await tree_today(conn, today)
            orphaned = await self._held_by_dissolved(conn, orgs)
            due = await self._overdue(conn, now)
        went = 0
        for appeal_id, hours in [*orphaned, *[d for d in due if d not in orphaned]]:
            try:
                went += await self._escalate(appeal_id, orgs, hours, now)
            except (OperationalError, InterfaceError):
                raise
            except Exception as e:  # noqa: BLE001 - one appeal that cannot go up must not hold the others
                await self._park(appeal_id, e, now)
        return went

    def _waiting(self) -> Select[tuple[str, int]]:
        a = appeals.c
        return (
            select(a.appeal_id, situations.c.answer_within_hours)
            .join(situations, situations.c.situation_id == a.situation_id)
            .where(a.appeal_id.not_in(select(parked.c.appeal_id)))
            .limit(self.settings.escalations_per_tick)
        )

    async def _held_by_dissolved(self, conn: AsyncConnection, orgs: Orgs) -> list[tuple[str, int]]:
        """The appeals not closed whose holding org does not exist today (dissolved): they go up at once, late or not."""
        a = appeals.c
        holders = await conn.execute(select(a.org_id).where(a.state != "closed").distinct())
        gone = [r.org_id for r in holders if not orgs.exists(r.org_id)]
        if not gone:
            return []
        stmt = self._waiting().where(a.state != "closed", a.org_id.in_(gone)).order_by(a.filed_at, a.appeal_id)
        return [(r.appeal_id, r.answer_within_hours) for r in await conn.execute(stmt)]

    async def _overdue(self, conn: AsyncConnection, now: datetime) -> list[tuple[str, int]]:
        """The appeals nobody answered by their due time, oldest due first."""
        a = appeals.c
        stmt = (
            self._waiting().where(a.state == "open", a.first_answer_at.is_(None), a.due_at <= now).order_by(a.due_at, a.appeal_id)
        )
        return [(r.appeal_id, r.answer_within_hours) for r in await conn.execute(stmt)]

    async def _escalate(self, appeal_id: str, orgs: Orgs, hours: int, now: datetime) -> int:
        found, version = await load(self.store, appeal_id)
        # decided and timed no earlier than the appeal as loaded: the tick's instant may predate a reply appended since
        now = max(now, self.wall())
        if found.org_id not in orgs.places:
            raise LookupError("the org holding the appeal is not in today's tree")
        dissolved = not orgs.exists(found.org_id)
        if dissolved:  # the nearest org above it that exists today takes it
            events = appeal.decide_rehouse(found, orgs.reach(found.org_id), orgs.parents, hours, now)
        else:
            events = appeal.decide_escalate(found, orgs.parents[found.org_id], hours, now)
        if not events:
            return 0
        # one command per (appeal, level), whatever the reason: a repeat after a crash answers the first append's reply
        meta = Meta(command_id=f"escalate:{appeal_id}:{found.escalations}", actor="appeals")
        try:
            done = await self.store.append(appeal_stream(appeal_id), events, expected_version=version, meta=meta)
        except VersionConflict:
            return 0  # another instance, or an answer, came first: the next tick decides on what it left
        if done.repeated:
            return 0  # escalated already by another escalator, or by this one before a restart
        log.info("appeal escalated", appeal_id=appeal_id, level=found.escalations + 1, dissolved=dissolved)
        return 1

    async def _park(self, appeal_id: str, error: Exception, now: datetime) -> None:
        log.warning("appeal parked", appeal_id=appeal_id, error=type(error).__name__)
        row = {"appeal_id": appeal_id, "error": f"{type(error).__name__}: {error}"[:500], "parked_at": now}
        async with self.store.engine.begin() as conn:
            await conn.execute(insert(parked).values(row).on_conflict_do_nothing())

    async def run(self, stop: asyncio.Event, now: Callable[[], datetime] = clock.now) -> None:
        """Escalates on every tick, and whenever asked to look out of turn, until stopped."""
        while not stop.is_set():
            self._asked.clear()
            try:
                if went := await self.tick(now()):
                    log.info("appeals escalated", count=went)
            except Exception:
                log.exception("escalating failed; it runs again later")
            await _until(stop, self._asked, self.settings.escalate_every_seconds)


async def _until(stop: asyncio.Event, asked: asyncio.Event, seconds: float) -> None:
    """Waits `seconds`, or less if stopped or asked to look."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(asked.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
