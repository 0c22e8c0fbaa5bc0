"""K5: a publication about the org is recorded once it has appeared, never ahead of it."""

from __future__ import annotations

from datetime import date

from contracts.base import Event
from contracts.kpi import MediaMentionReported
from kit.errors import invalid


def decide_mention(mention: MediaMentionReported, today: date) -> list[Event]:
    """Records a publication dated today or earlier."""
    if mention.on > today:
        message = f"a publication is recorded once it appeared: {mention.on.isoformat()} is after today"
        raise invalid("on", message, rule="not_after_today")
    return [mention]
