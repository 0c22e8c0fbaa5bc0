"""Accounts: create (an event, with the read model inline), authenticate, look up."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.envelope import ErrorCode, ErrorDetail
from contracts.gateway import PasswordChanged, UserCreated
from kit.errors import Refused, conflict, forbidden, not_found, unavailable
from kit.ids import new_id
from kit.store import Committed, EventStore, Fold, Meta, Recorded, VersionConflict, fingerprint
from kit.tokens import Actor, Role

from .domain.users import change_required, check_grant, check_new_password, decide_create, taken
from .tables import users
from .throttle import SignInThrottle

HASHER = PasswordHasher()  # argon2id, RFC 9106's low-memory profile: 64 MiB held while each hash runs
SYSTEM = Actor("system", Role.ADMIN, None)
T = TypeVar("T")
CHANGES_KEPT_SECONDS = 1.0
"""How long a gateway trusts what it looked up of a password change: another replica's change reaches it after."""
WRONG = ErrorDetail(field="password", rule="credentials", message="wrong username or password")


class Busy(Refused):
    """Too many passwords waiting to be hashed: 503, try again in a second."""

    retry_after = 1

    def __init__(self) -> None:
        message = "too many sign-ins at once; try again in a moment"
        super().__init__(ErrorCode.UNAVAILABLE, message, [ErrorDetail(rule="busy", message=message)])


@dataclass(frozen=True)
class Account:
    """An account as the gateway keeps it."""

    username: str
    role: Role
    org_id: str | None
    chosen_by: str = ""
    """Who chose the password it has now: its owner, or someone else (a creator, a resetting administrator)."""

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.org_id)


async def project(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Keeps the accounts table in the append's transaction."""
    for r in recorded:
        if isinstance(r.event, PasswordChanged):
            changed = {
                "password_hash": r.event.password_hash,
                "password_set_by": r.event.changed_by,
                "password_changed_at": r.recorded_at,
            }
            await conn.execute(update(users).where(users.c.username == r.event.username).values(changed))
        if isinstance(r.event, UserCreated):
            e = r.event
            await conn.execute(
                pg_insert(users)
                .values(
                    username=e.username,
                    role=e.role,
                    org_id=e.org_id,
                    password_hash=e.password_hash,
                    created_by=e.created_by,
                    created_at=r.recorded_at,
                )
                .on_conflict_do_nothing()
            )


class Accounts:
    """The gateway's accounts."""

    def __init__(
        self,
        store: EventStore,
        engine: AsyncEngine,
        throttle: SignInThrottle,
        hashes_at_once: int = 2,
        queued: int = 16,
        owner_chooses: bool = False,
    ) -> None:
        self.store, self.engine, self.throttle = store, engine, throttle
        self.owner_chooses = owner_chooses  # GATEWAY_PASSWORD_CHANGE_REQUIRED
        # a few threads of its own, so a burst of sign-ins queues rather than holding 64 MiB each at once (the
        # default pool would run six, a third of a gigabyte, enough for the orchestrator to kill the gateway)
        self._hashing = ThreadPoolExecutor(hashes_at_once, thread_name_prefix="password-hash")
        self._queued, self._most_queued = 0, max(queued, hashes_at_once)
        self._changed: dict[str, tuple[float, float | None]] = {}  # username: (looked up at, password changed at)

    async def _hashed(self, work: Callable[..., T], *args: str) -> T:
        """Runs a password hash (or check) off the event loop, in the bounded pool; a full queue answers 503 at once,
        so a flood of sign-ins cannot pile up waiters (each a request held open) behind the two threads."""
        if self._queued >= self._most_queued:
            raise Busy()
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._hashing, work, *args)
        finally:
            self._queued -= 1

    async def sign_in(self, username: str, password: str, host: str | None, new_password: str | None = None) -> Account:
        """The account, if the throttle lets this address try and the password matches; else a refusal. With a new
        password, its owner changes it; without, a password someone else chose is refused where the owner must choose."""
        await self.throttle.check(username, host)
        account = await self.authenticate(username, password)
        if account is None:
            await self.throttle.failed(username, host)
            raise Refused(ErrorCode.UNAUTHENTICATED, "wrong username or password", [WRONG])
        await self.throttle.succeeded(username)
        if new_password is not None:
            check_new_password(new_password, password)
            await self._set_password(account.username, new_password, account.username)
        elif self.owner_chooses and account.chosen_by != account.username:
            raise change_required()
        return account

    async def reset_password(self, actor: Actor, username: str, password: str, meta: Meta) -> None:
        """An administrator sets another's password (the owner then chooses their own, where that is required)."""
        if actor.role is not Role.ADMIN:  # asked first: a refused caller learns nothing of which accounts exist
            raise forbidden("only an administrator resets a password")
        check_new_password(password)
        if await self.get(username) is None:
            raise not_found("account", field="username")
        await self._set_password(username, password, actor.username, meta)

    async def _set_password(self, username: str, password: str, chosen_by: str, meta: Meta | None = None) -> None:
        hashed = await self._hashed(HASHER.hash, password)
        stream = f"user-{username}"
        _, version = await self.store.load(stream, _EXISTS)
        event = PasswordChanged(username=username, password_hash=hashed, changed_by=chosen_by)
        meta = meta or Meta(command_id=new_id(), fingerprint=fingerprint("password", username), actor=chosen_by)
        try:
            await self.store.append(stream, [event], expected_version=version, meta=meta)
        except VersionConflict:
            raise conflict("the password was changed meanwhile; try again") from None
        self._changed.pop(username, None)  # this replica signs the earlier sessions out at once

    async def create(self, actor: Actor, username: str, password: str, role: Role, org_id: str | None, meta: Meta) -> Committed:
        """Creates an account; the password is kept only as an argon2id hash."""
        check_grant(actor, role, org_id)  # before the hash and the look-up: a refusal costs nothing and tells nothing
        hashed = await self._hashed(HASHER.hash, password)
        stream = f"user-{username}"
        _, version = await self.store.load(stream, _EXISTS)
        events = decide_create(version > 0, actor, username, role, org_id, hashed)
        data = {"username": username, "role": role.value, "org_id": org_id}
        try:
            return await self.store.append(stream, events, expected_version=0, meta=meta, data=data)
        except VersionConflict:
            raise taken(username) from None

    async def revoked(self, actor: Actor, issued: int) -> bool:
        """Whether a user's token was issued before their password last changed (a change or reset signs every other
        session out). Looked up at most once a second per user; a service's or a member's token has no password behind it."""
        if actor.role in (Role.SERVICE, Role.MEMBER):  # a member signs in by a one-time code, not a password
            return False
        now = asyncio.get_running_loop().time()
        looked, changed = self._changed.get(actor.username, (float("-inf"), None))
        if now - looked > CHANGES_KEPT_SECONDS:
            try:
                async with self.engine.connect() as conn:
                    at = await conn.scalar(select(users.c.password_changed_at).where(users.c.username == actor.username))
            except (DBAPIError, OSError) as e:  # the database is down: 503 as for any command, never an error page
                raise unavailable("a server the gateway needs is not answering; retry") from e
            changed = None if at is None else at.timestamp()
            if len(self._changed) > 10_000:
                self._changed.clear()
            self._changed[actor.username] = (now, changed)
        # whole seconds, as tokens carry them: the token signed just after the change, in the same second, serves
        return changed is not None and issued < int(changed)

    async def get(self, username: str) -> Account | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(users.c.username, users.c.role, users.c.org_id).where(users.c.username == username))
            ).first()
        return None if row is None else Account(row.username, Role(row.role), row.org_id)

    async def list_accounts(self) -> list[Account]:
        """Every account, by name (the UI narrows them to the caller's subtree)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(users.c.username, users.c.role, users.c.org_id).order_by(users.c.username))
            return [Account(r.username, Role(r.role), r.org_id) for r in rows]

    async def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password matches; the same slow check runs for unknown names too."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.username == username))).first()
        hashed = row.password_hash if row is not None else await self._hashed(_decoy)
        try:
            await self._hashed(HASHER.verify, hashed, password)
        except (VerificationError, InvalidHashError):
            return None
        return None if row is None else Account(row.username, Role(row.role), row.org_id, row.password_set_by or row.created_by)

    async def ensure_admin(self, password: str) -> bool:
        """Creates `admin` on first start; an existing admin keeps the password it has."""
        if not password or await self.get("admin") is not None:
            return False
        await self.create(
            SYSTEM, "admin", password, Role.ADMIN, None, Meta(command_id="bootstrap-admin", fingerprint="admin", actor="system")
        )
        return True


@functools.cache
def _decoy() -> str:
    return HASHER.hash("a decoy, so an unknown name takes as long as a wrong password")


_EXISTS = Fold(0, lambda n, _e: n + 1)
