"""Members' one-time sign-in codes for the portal: six digits mailed to the member's own usable address, stored as an
HMAC, valid for minutes, used once, a few wrong guesses each, and a few asked for per member and per client address."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.envelope import ErrorCode, ErrorDetail
from kit import clock
from kit.errors import Refused
from kit.ids import new_id

from .domain.throttle import address_key
from .tables import sign_in_codes as t


@dataclass(frozen=True)
class CodePolicy:
    """How long a code serves and how many may be asked for and guessed."""

    valid_minutes: int = 10
    tries: int = 5
    """Wrong guesses a code takes before it is void."""
    per_member: int = 3
    per_address: int = 10
    window_minutes: int = 15
    """The span the two limits above count codes over."""


class TooMany(Refused):
    """Too many codes asked for: 429, with the seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        message = "too many sign-in codes asked for; try again later"
        super().__init__(ErrorCode.RATE_LIMITED, message, [ErrorDetail(field="member_number", rule="rate", message=message)])
        self.retry_after = retry_after


def refused_code(rule: str, message: str) -> Refused:
    """A code that does not sign in, with why (never whether the member exists)."""
    return Refused(ErrorCode.UNAUTHENTICATED, message, [ErrorDetail(field="code", rule=rule, message=message)])


class MemberCodes:
    """Issues and redeems codes; the member number itself is never stored, only its HMAC."""

    def __init__(self, engine: AsyncEngine, secret: str, policy: CodePolicy | None = None) -> None:
        self.engine, self.policy = engine, policy or CodePolicy()
        self._key = hashlib.sha256(b"profset-member-codes\x1f" + secret.encode()).digest()

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def member_key(self, member_number: str) -> str:
        """What a member number is counted and found by."""
        return self._mac("member", member_number.strip())

    async def issue(self, member_number: str, host: str | None) -> str:
        """A new code for the member number, recorded hashed; raises TooMany past the limits."""
        now, p = clock.now(), self.policy
        member, address = self.member_key(member_number), self._mac("address", address_key(host))
        since = now - timedelta(minutes=p.window_minutes)
        async with self.engine.begin() as conn:
            for column, key, limit in ((t.c.member_key, member, p.per_member), (t.c.address_key, address, p.per_address)):
                asked = select(func.count(), func.min(t.c.created_at)).where(column == key, t.c.created_at > since)
                count, first = (await conn.execute(asked)).one()
                if count >= limit:
                    raise TooMany(max(1, int((first + timedelta(minutes=p.window_minutes) - now).total_seconds())))
            code = f"{secrets.randbelow(1_000_000):06d}"
            row = {
                "code_id": new_id(),
                "member_key": member,
                "address_key": address,
                "code_hash": self._mac("code", member, code),
                "created_at": now,
                "expires_at": now + timedelta(minutes=p.valid_minutes),
            }
            await conn.execute(insert(t).values(row))
        return code

    async def redeem(self, member_number: str, code: str) -> None:
        """Uses the code once; refuses (401 naming `code`) a wrong, expired, void or already used one."""
        now, member = clock.now(), self.member_key(member_number)
        digest = self._mac("code", member, code.strip())
        recent = now - timedelta(days=1)
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(t).where(t.c.member_key == member, t.c.created_at > recent).order_by(t.c.created_at.desc())
                )
            ).all()
            match = next((r for r in rows if hmac.compare_digest(r.code_hash, digest)), None)
            if match is None:
                live = next((r for r in rows if r.used_at is None and r.expires_at > now), None)
                if live is not None:  # counted, and committed before the refusal (raised inside, it would roll back)
                    await conn.execute(update(t).where(t.c.code_id == live.code_id).values(tries=t.c.tries + 1))
        if match is None:
            raise refused_code("code_wrong", "the code is not the one sent; ask for a new one if in doubt")
        if match.used_at is not None:
            raise refused_code("code_used", "this code was used already; each code signs in once, ask for a new one")
        if match.expires_at <= now:
            raise refused_code("code_expired", "the code has expired; ask for a new one")
        if match.tries >= self.policy.tries:
            raise refused_code("code_void", "too many wrong codes were tried; ask for a new one")
        free = (t.c.code_id == match.code_id, t.c.used_at.is_(None), t.c.tries < self.policy.tries)
        async with self.engine.begin() as conn:
            taken = (await conn.execute(update(t).where(*free).values(used_at=now))).rowcount
        if taken != 1:  # another request used it (or voided it with wrong guesses) a moment ago
            raise refused_code("code_used", "this code was used already; each code signs in once, ask for a new one")
