"""The sign-in throttle's state in PostgreSQL, so every gateway replica holds back the same guesser."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.envelope import ErrorCode, ErrorDetail
from kit import clock
from kit.errors import Refused

from .domain.throttle import Failures, Policy, address_key, after_failure, user_key, wait_before_check
from .tables import sign_in_failures as t


class Throttled(Refused):
    """A sign-in held back for a while: 429, with the seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        message = "too many failed sign-ins; try again later"
        super().__init__(ErrorCode.RATE_LIMITED, message, [ErrorDetail(field="username", rule="rate", message=message)])
        self.retry_after = retry_after


class SignInThrottle:
    """Counts wrong passwords per username and per address (domain.throttle decides what they hold back)."""

    PURGE_EVERY = 50
    """Failures counted between two purges of rows older than the policy remembers (made-up usernames pile up)."""

    def __init__(self, engine: AsyncEngine, policy: Policy) -> None:
        self.engine, self.policy = engine, policy
        self._counted = 0

    async def check(self, username: str, host: str | None, door: str = "staff") -> None:
        """Raises Throttled if this sign-in must wait before its password is checked."""
        keys = _keys(username, host, door)
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(t).where(tuple_(t.c.kind, t.c.key).in_(list(keys.values()))))
            found = {(r.kind, r.key): Failures(r.failures, r.last_at, r.held_until) for r in rows}
        user, address = (found.get(keys[k], Failures()) for k in ("user", "address"))
        wait = wait_before_check(user, address, clock.now(), self.policy)
        if wait > 0:
            raise Throttled(wait)

    async def failed(self, username: str, host: str | None, door: str = "staff") -> None:
        """Counts a wrong password against both the username and the address, atomically across replicas."""
        now = clock.now()
        keys = sorted(_keys(username, host, door).values())  # one order, so two replicas never deadlock
        async with self.engine.begin() as conn:
            seed = [{"kind": k, "key": v, "failures": 0, "last_at": now} for k, v in keys]
            await conn.execute(pg_insert(t).values(seed).on_conflict_do_nothing())
            where = tuple_(t.c.kind, t.c.key).in_(keys)
            rows = await conn.execute(select(t).where(where).order_by(t.c.kind, t.c.key).with_for_update())
            for r in rows.all():
                after = after_failure(Failures(r.failures, r.last_at, r.held_until), now, self.policy)
                values = {"failures": after.count, "last_at": after.last_at or now, "held_until": after.held_until}
                await conn.execute(update(t).where(t.c.kind == r.kind, t.c.key == r.key).values(values))
            self._counted += 1
            if self._counted % self.PURGE_EVERY == 0:
                await conn.execute(delete(t).where(*_forgotten(now, self.policy)))

    async def succeeded(self, username: str) -> None:
        """The owner got in: the username's failures are forgotten (an address's stay its own)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.kind == "user", t.c.key == user_key(username)))


def _forgotten(now: datetime, policy: Policy) -> tuple[ColumnElement[bool], ...]:
    """Rows whose failures are forgotten and whose wait is over."""
    horizon = now - timedelta(seconds=policy.forget_after)
    return t.c.last_at < horizon, or_(t.c.held_until.is_(None), t.c.held_until < now)


def _keys(username: str, host: str | None, door: str) -> dict[str, tuple[str, str]]:
    """The rows a sign-in counts against. An address counts apart at each door, so wrong member codes from a shared
    address never hold back the staff's sign-in there (nor wrong passwords a member's)."""
    address = "address" if door == "staff" else f"{door}_address"
    return {"user": ("user", user_key(username)), "address": (address, address_key(host))}
