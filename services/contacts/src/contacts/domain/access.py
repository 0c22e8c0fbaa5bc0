"""The access an org gives to its electronic channels: a primary org to its parent (P10), a territorial org to the
CC's department (T7); either may also open them to the CC, which keeps every structural org's chairs and activists
within reach (C2). Whom an org may open a channel to is read off the tree as it stands today, like every decision
about who may see what (DESIGN.md §5); the dates only say from when and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.base import Event
from contracts.contacts import ELECTRONIC, ChannelAccessGranted, ChannelAccessRevoked
from kit.errors import RuleBroken, invalid

from .channels import Resource, require_opened


@dataclass(frozen=True)
class Place:
    """Where the channel's org stands today: its level, its parent and the union's CC."""

    level: str
    parent_id: str | None
    central_id: str | None


def rule_of(level: str) -> str:
    """The rule a grant of an org of that level answers to: P10 for a primary org, T7 above it."""
    return "P10" if level == "primary" else "T7"


def decide_grant(resource: Resource, place: Place, to_org_id: str, since: date) -> list[Event]:
    """Gives the parent today, or the CC, access to one of the org's electronic channels running on `since`. A second
    grant to the same org while one is in force (or due) is refused: the first one already says it."""
    require_opened(resource)
    rule = rule_of(place.level)
    if resource.kind not in ELECTRONIC:
        kind = resource.kind.value if resource.kind else "resource"
        raise RuleBroken(rule, f"access is given to an electronic channel (a mailing list or a chat), not a {kind}", "channel_id")
    if not resource.runs_on(since):
        raise RuleBroken(rule, f"the channel does not run on {since.isoformat()}", field="channel_id")
    if to_org_id == resource.org_id or to_org_id not in (place.parent_id, place.central_id):
        raise RuleBroken(rule, "access is given to the org's parent today or to the CC", field="to_org_id")
    if (held := resource.access_from(to_org_id, since)) is not None:
        raise invalid("to_org_id", f"this org has access from {held.since.isoformat()} already", rule="changed")
    return [ChannelAccessGranted(channel_id=resource.channel_id, org_id=resource.org_id, to_org_id=to_org_id, since=since)]


def decide_revoke(resource: Resource, to_org_id: str, effective_on: date) -> list[Event]:
    """Ends an org's access from `effective_on`, a day after it began."""
    require_opened(resource)
    grant = resource.open_grant(to_org_id)
    if grant is None:
        raise invalid("to_org_id", "this org has no access to end", rule="exists")
    if effective_on <= grant.since:
        raise invalid("effective_on", "must be after the access began", rule="after_since")
    ended = ChannelAccessRevoked(
        channel_id=resource.channel_id, org_id=resource.org_id, to_org_id=to_org_id, effective_on=effective_on
    )
    return [ended]
