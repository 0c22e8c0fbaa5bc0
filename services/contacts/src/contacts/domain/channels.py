"""An org's information resources over valid time (P1, P3–P5, K4) with the access it gives to them (P10, T7:
domain/access.py), its subscriptions (P11), and the frozen contact base it submits to its parent (P10, T7)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.base import Event
from contracts.contacts import (
    Audience,
    BaseEntry,
    ChannelAccessGranted,
    ChannelAccessRevoked,
    ChannelClosed,
    ChannelKind,
    ChannelOpened,
    ChannelRefreshed,
    ChannelStatsReported,
    ContactBaseSubmitted,
    Format,
    Publication,
    SubscriptionReported,
)
from contracts.periods import Period
from kit.errors import RuleBroken, invalid


@dataclass(frozen=True)
class Grant:
    """Another org's access to the resource from `since` until the day before `until` (None: still so)."""

    to_org_id: str
    since: date
    until: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Resource:
    """One information resource; `channel_id` is empty until opened."""

    channel_id: str = ""
    org_id: str = ""
    since: date | None = None
    closed_on: date | None = None
    kind: ChannelKind | None = None
    grants: tuple[Grant, ...] = ()

    def runs_on(self, day: date) -> bool:
        return self.since is not None and self.since <= day and (self.closed_on is None or day < self.closed_on)

    def access_from(self, to_org_id: str, day: date) -> Grant | None:
        """A grant to that org in force on `day` or any day after (the one a new grant from `day` would overlap)."""
        return next((g for g in self.grants if g.to_org_id == to_org_id and (g.until is None or g.until > day)), None)

    def open_grant(self, to_org_id: str) -> Grant | None:
        """The grant to that org that no revocation has ended yet."""
        return next((g for g in self.grants if g.to_org_id == to_org_id and g.until is None), None)


NONE = Resource()


def decide_open(
    org_exists: bool, channel_id: str, org_id: str, kind: ChannelKind, name: str, url: str | None, audience: Audience, since: date
) -> list[Event]:
    """Opens a resource of an org that exists that day."""
    if not org_exists:
        raise RuleBroken("H1", f"no such org on {since.isoformat()}", field="org_id")
    return [ChannelOpened(channel_id=channel_id, org_id=org_id, kind=kind, name=name, url=url, audience=audience, since=since)]


def require_opened(resource: Resource) -> None:
    """Refuses a resource that was never opened."""
    if not resource.channel_id:
        raise invalid("channel_id", "no such information resource", rule="exists")


def decide_close(resource: Resource, effective_on: date, reason: str | None) -> list[Event]:
    """Closes a resource from a day after it opened."""
    require_opened(resource)
    if resource.closed_on is not None:
        raise invalid("channel_id", f"already closed on {resource.closed_on.isoformat()}", rule="changed")
    if resource.since is not None and effective_on <= resource.since:
        raise invalid("effective_on", "must be after the resource opened", rule="after_since")
    return [ChannelClosed(channel_id=resource.channel_id, org_id=resource.org_id, effective_on=effective_on, reason=reason)]


def decide_refresh(resource: Resource, at: date, today: date) -> list[Event]:
    """P1: a refresh on a day the resource runs, once that day has come (a refresh is recorded, not planned)."""
    require_opened(resource)
    if at > today:
        raise invalid("at", f"a refresh is recorded once made: {at.isoformat()} is after today", rule="not_after_today")
    if not resource.runs_on(at):
        raise invalid("at", "the resource was not running that day", rule="runs")
    return [ChannelRefreshed(channel_id=resource.channel_id, org_id=resource.org_id, at=at)]


def decide_stats(
    resource: Resource, period: str, subscribers: int | None, visits: int | None, engagement: int | None, today: date
) -> list[Event]:
    """K4: audience figures for a period that has begun (a figure is counted, not foreseen), at least one of them."""
    require_opened(resource)
    try:
        span = Period.of(period, months=True)
    except ValueError as e:  # a year the calendar of periods does not hold
        raise invalid("period", str(e), rule="period") from None
    if span.first > today:
        message = f"audience figures are reported once counted: {period} has not begun"
        raise invalid("period", message, rule="not_after_today")
    if subscribers is None and visits is None and engagement is None:
        raise invalid("subscribers", "give at least one of subscribers, visits, engagement", rule="required")
    return [
        ChannelStatsReported(
            channel_id=resource.channel_id,
            org_id=resource.org_id,
            period=period,
            subscribers=subscribers,
            visits=visits,
            engagement=engagement,
        )
    ]


def decide_subscription(
    org_exists_in_year: bool, org_id: str, year: int, publication: Publication, copies: int, fmt: Format
) -> list[Event]:
    """P11: a year's subscription of an org that exists that year."""
    if not org_exists_in_year:
        raise RuleBroken("H1", f"the org does not exist in {year}", field="year")
    return [SubscriptionReported(org_id=org_id, year=year, publication=publication, copies=copies, format=fmt)]


def decide_submit(
    org_exists: bool,
    submission_id: str,
    org_id: str,
    parent_id: str | None,
    at: date,
    entries: list[BaseEntry],
    today: date,
) -> list[Event]:
    """P10, T7: freezes the base as of `at` for the parent; a copy is of a day already come, never of one ahead."""
    if at > today:
        raise invalid("at", f"a base is copied as it stands, not ahead: {at.isoformat()} is after today", rule="not_after_today")
    if not org_exists:
        raise RuleBroken("H1", f"no such org on {at.isoformat()}", field="org_id")
    return [ContactBaseSubmitted(submission_id=submission_id, org_id=org_id, parent_id=parent_id, at=at, entries=entries)]


def evolve(resource: Resource, event: Event) -> Resource:
    """The resource after one more of its events."""
    match event:
        case ChannelOpened():
            return Resource(event.channel_id, event.org_id, event.since, kind=event.kind)
        case ChannelClosed():
            return replace(resource, closed_on=event.effective_on)
        case ChannelAccessGranted():
            return replace(resource, grants=(*resource.grants, Grant(event.to_org_id, event.since)))
        case ChannelAccessRevoked():
            ended = resource.open_grant(event.to_org_id)
            grants = tuple(replace(g, until=event.effective_on) if g is ended else g for g in resource.grants)
            return replace(resource, grants=grants)
    return resource
