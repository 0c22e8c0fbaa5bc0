"""Sign-in throttling: wrong passwords counted per username and per client address, with exponential backoff.

A username under attack is held back only for addresses that have themselves been failing, so nobody can lock
an account's owner out: a right password from a clean address always gets its check."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    """How many wrong passwords are free, the first wait after them, its cap, and when failures are forgotten."""

    free_failures: int = 5
    first_wait: float = 2.0
    longest_wait: float = 900.0
    forget_after: float = 3600.0


@dataclass(frozen=True)
class Failures:
    """Wrong passwords counted against one username or one address."""

    count: int = 0
    last_at: datetime | None = None
    held_until: datetime | None = None

    def recent(self, now: datetime, policy: Policy) -> Failures:
        """The same, or none at all once the last failure is older than the policy remembers."""
        if self.last_at is None or now - self.last_at > timedelta(seconds=policy.forget_after):
            return Failures()
        return self

    def held(self, now: datetime) -> float:
        """Seconds until it may try again (0: now)."""
        return 0.0 if self.held_until is None else max(0.0, (self.held_until - now).total_seconds())


def after_failure(before: Failures, now: datetime, policy: Policy) -> Failures:
    """One more wrong password: past the free ones, each doubles the wait, up to the cap."""
    count = before.recent(now, policy).count + 1
    over = count - policy.free_failures
    if over < 0:
        return Failures(count, now, None)
    wait = min(policy.longest_wait, policy.first_wait * 2 ** min(over, 30))
    return Failures(count, now, now + timedelta(seconds=wait))


def wait_before_check(user: Failures, address: Failures, now: datetime, policy: Policy) -> int:
    """Whole seconds this sign-in must wait before its password is checked; 0 lets it through.

    The address's own failures hold it back always; the username's only when the address has been failing too,
    so a guesser elsewhere never locks the owner out."""
    address = address.recent(now, policy)
    wait = address.held(now)
    if address.count > 0:
        wait = max(wait, user.recent(now, policy).held(now))
    return math.ceil(wait)


def address_key(host: str | None) -> str:
    """What an address is counted by: an IPv4 address itself, an IPv6 address by its /64 (one subscriber's)."""
    if not host:
        return "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def user_key(username: str) -> str:
    """A username as it is counted: case and surrounding spaces do not make another one."""
    return username.strip().lower()[:64]
