"""Who hears about a delivery, what a notification is called, and when a failed one is tried again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

NOTIFIED_POSTS = ("chair", "info_worker", "info_activist", "press_secretary")
"""H3, P8: the chair and the information people of an org hear what reaches it."""


def notification_id(trigger: str, recipient: str) -> str:
    """One notification per (trigger, recipient): the same pair always gets the same id and Message-ID."""
    return hashlib.sha256(f"{trigger}\x1f{recipient}".encode()).hexdigest()[:32]


def message_id(notification: str, domain: str = "profset") -> str:
    """The Message-ID a notification carries on every attempt, so a resend is recognisably the same."""
    return f"<{notification}@{domain}>"


def post_holders(posts: Iterable[tuple[str, str]]) -> list[str]:
    """The people to notify among (person, post) pairs, each once, in a stable order."""
    return sorted({person for person, post in posts if post in NOTIFIED_POSTS})


def pick_address(addresses: list[dict[str, str]]) -> str | None:
    """A work address first, else a personal one, else a messenger handle (contacts gives only usable ones)."""
    for kind in ("work_email", "personal_email", "messenger"):
        for a in addresses:
            if a["kind"] == kind:
                return a["value"]
    return None


def permanent(code: int | None) -> bool:
    """SMTP 5xx is a permanent refusal; 4xx and lost connections are worth another try."""
    return code is not None and 500 <= code < 600


def next_attempt(failed_at: datetime, attempt: int, base_seconds: float) -> datetime:
    """Exponential backoff: base, 2·base, 4·base … after the `attempt`-th failure."""
    return failed_at + timedelta(seconds=base_seconds * 2 ** (attempt - 1))


def next_digest(at: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """When a daily digest next goes out after `at`: the coming `hour`:00 in the union's time zone."""
    local = at.astimezone(tz)
    due = datetime.combine(local.date(), time(hour), tz)
    return due if due > local else due + timedelta(days=1)
