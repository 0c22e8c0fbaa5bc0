"""The reminder planner: on each tick, looks at the facts it learnt and plans the reminders that are due.

Each reminder's trigger names its deadline, and its outbox row's id comes from that trigger, so a reminder
is planned once however often the planner looks, and survives a restart in the outbox. The clock is a
parameter, so tests choose the day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kit import clock, logs
from kit.locks import pause
from mirrors import treemirror

from .config import NotificationsSettings
from .domain import reminders
from .parked import park
from .projections.sources import holders, plan
from .tables import TREE, acknowledgements, audited, channels, moderation, quarter_plans, submissions

log = logs.get("reminders")


class Planner:
    """Plans due reminders into the outbox."""

    def __init__(self, engine: AsyncEngine, settings: NotificationsSettings, channels_in_use: tuple[str, ...]) -> None:
        self.engine, self.settings, self.channels = engine, settings, channels_in_use

    async def plan(self, now: datetime) -> int:
        """Every reminder due at `now` that was not planned before; returns how many rows it added."""
        today = now.astimezone(self.settings.tz).date()
        added = 0
        async with self.engine.begin() as conn:
            tree = await treemirror.orgs_on(conn, TREE, today, today)
            due = await self._due(conn, tree, now)
            for r in due:
                if not tree.exists(r.org_id):
                    continue
                try:
                    async with conn.begin_nested():  # one reminder that can't be planned undoes only itself
                        added += await self._plan_one(conn, r, now)
                except (OperationalError, InterfaceError):
                    raise
                except Exception as e:  # noqa: BLE001 - the reminders after it are still planned
                    await park(conn, r, now, e)
        return added

    async def _plan_one(self, conn: AsyncConnection, r: reminders.Reminder, now: datetime) -> int:
        """The outbox rows of one reminder: one for each post holder of its org and channel in use."""
        people = await holders(conn, r.org_id, now, self.settings.tz)
        rows = [(p, "person", channel) for p in people for channel in self.channels]
        # due at `now` on the planner's clock, sent as soon as the sender's clock allows
        send_from = min(now, clock.now())
        trigger, tz = f"reminder:{r.key}", self.settings.tz
        return await plan(conn, trigger, rows, r.org_id, now, tz, subject=r.subject, text=r.text, send_from=send_from)

    async def _due(self, conn: AsyncConnection, tree: treemirror.Orgs, now: datetime) -> list[reminders.Reminder]:
        today = tree.day
        c = channels.c
        boards = [
            reminders.Board(b.channel_id, b.org_id, b.name, b.since, b.last_refreshed)
            for b in await conn.execute(
                select(channels).where(
                    c.kind == "notice_board", c.since <= today, or_(c.closed_on.is_(None), c.closed_on > today)
                )
            )
        ]
        registered = {
            r.org_id: r.registered_on for r in await conn.execute(select(TREE.orgs.c.org_id, TREE.orgs.c.registered_on))
        }
        last = {r.org_id: r.last_at for r in await conn.execute(select(submissions))}
        below_cc = {o: (registered[o], last.get(o)) for o, level in tree.levels.items() if level != "central" and o in registered}
        pending = [
            (m.material_id, m.moderator_id, m.requested_at)
            for m in await conn.execute(select(moderation).where(~moderation.c.decided))
        ]
        a = acknowledgements.c
        window = now - timedelta(days=self.settings.acknowledge_within_days)
        unread = [
            (r.delivery_id, r.org_id, r.delivered_at)
            for r in await conn.execute(select(acknowledgements).where(and_(~a.acknowledged, a.delivered_at < window)))
        ]
        return [
            *reminders.stale_boards(boards, today),
            *reminders.submissions_due(below_cc, today),
            *await self._plans_due(conn, tree),
            *reminders.audits_due(await self._audited(conn, tree, registered), today),
            *reminders.waiting_moderation(pending, now, timedelta(days=self.settings.moderation_within_days)),
            *reminders.waiting_acknowledgement(unread, now, timedelta(days=self.settings.acknowledge_within_days)),
        ]

    async def _plans_due(self, conn: AsyncConnection, tree: treemirror.Orgs) -> list[reminders.Reminder]:
        """P8 for every primary org on the day."""
        plans: dict[str, dict[str, bool]] = {o: {} for o, level in tree.levels.items() if level == "primary"}
        for row in await conn.execute(select(quarter_plans).where(quarter_plans.c.org_id.in_(list(plans)))):
            plans[row.org_id][row.quarter] = row.reported
        return reminders.plans_due(plans, tree.day)

    async def _audited(
        self, conn: AsyncConnection, tree: treemirror.Orgs, registered: dict[str, date]
    ) -> list[reminders.Audited]:
        """T1: a territorial org's primary orgs; C1: the orgs directly under the CC."""
        last = {(r.by_org_id, r.org_id): r.last_on for r in await conn.execute(select(audited))}
        children = []
        for org_id, level in tree.levels.items():
            parent = tree.parents[org_id]
            if parent is None or org_id not in registered or (level != "primary" and tree.levels[parent] != "central"):
                continue
            children.append(reminders.Audited(parent, org_id, registered[org_id], last.get((parent, org_id))))
        named = await treemirror.names(conn, TREE, [c.org_id for c in children])
        return [replace(c, name=named.get(c.org_id)) for c in children]

    async def run(self, stop: asyncio.Event, now: Callable[[], datetime] = clock.now) -> None:
        """Plans on every tick until stopped."""
        while not stop.is_set():
            try:
                if added := await self.plan(now()):
                    log.info("reminders planned", count=added)
            except Exception:
                log.exception("planning reminders failed; it runs again later")
            await pause(stop, self.settings.remind_every_seconds)
