"""The facts an org's indicators are computed from, as kpi learned them from the other contexts and its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from .feedback import AppealTimes
from .periods import Period, parse_period

INFORMATION_POSTS = frozenset({"info_worker", "info_activist", "press_secretary"})
"""Posts that make an information structure (RULES.md M2, vocabulary): a worker, an activist, a press secretary."""


@dataclass(frozen=True)
class Headcount:
    """A primary org's reported membership from `as_of` (a later-recorded figure for the same day wins)."""

    as_of: date
    members: int
    position: int = 0


@dataclass(frozen=True)
class Post:
    """A person in a post of the org from `since` until the day before `until`."""

    person_id: str
    role: str
    since: date
    until: date | None = None

    def held_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Training:
    """A course a person completed on a date (P9)."""

    person_id: str
    on: date


@dataclass(frozen=True)
class Budget:
    """A year's budget and its information spending (M1), roubles."""

    total: Decimal
    information: Decimal


@dataclass(frozen=True)
class Act:
    """The org sent a material up, cascaded it, or acknowledged its delivery, on a day (X5)."""

    material_id: str
    kind: str
    on: date


@dataclass(frozen=True)
class Participation:
    """Participants the org reported for a campaign; dated by its first report, figures from its latest (K8)."""

    material_id: str
    on: date
    on_site: int
    online: int


@dataclass(frozen=True)
class Channel:
    """An information resource of the org, running from `since` until the day before `closed_on`."""

    channel_id: str
    kind: str
    audience: str
    since: date
    closed_on: date | None = None

    def runs_on(self, day: date) -> bool:
        return self.since <= day and (self.closed_on is None or day < self.closed_on)


@dataclass(frozen=True)
class Stats:
    """Audience figures of a resource reported for a year, quarter or month (K4), the latest report for it."""

    channel_id: str
    period: str
    subscribers: int | None = None
    visits: int | None = None
    engagement: int | None = None


@dataclass(frozen=True)
class Mention:
    """A publication about the org (K5)."""

    on: date
    tone: str
    cites_leader: bool


@dataclass(frozen=True)
class FeedbackTimes:
    """How fast the org answered members' questions in a year, quarter or month (K7)."""

    period: str
    answered: int
    average_hours: Decimal


Addresses = frozenset[str]
"""The kinds of contact point (work_email, personal_email, mobile, messenger) a member can be reached at on a day:
live — neither erased nor merged away, nor their owner erased — and, if personal, with consent in force that day
(given on or before it, not withdrawn on or before it; T4, PD1)."""


@dataclass(frozen=True)
class OrgFacts:
    """Everything known about one org that the indicators read."""

    org_id: str
    level: str
    headcounts: Sequence[Headcount] = ()
    posts: Sequence[Post] = ()
    trainings: Sequence[Training] = ()
    budgets: dict[int, Budget] = field(default_factory=dict)
    acts: Sequence[Act] = ()
    participation: Sequence[Participation] = ()
    channels: Sequence[Channel] = ()
    stats: Sequence[Stats] = ()
    mentions: Sequence[Mention] = ()
    feedback: Sequence[FeedbackTimes] = ()
    appeals: Sequence[AppealTimes] = ()
    """The appeals filed to it (K7's measured speed)."""
    subtree_appeals: Sequence[AppealTimes] = ()
    """The appeals filed to it and to every org under it that day (set by the roll-up)."""
    addresses: Mapping[Addresses, int] = field(default_factory=dict)
    """Its own members on the day figures are of, by their personal membership records, counted by the kinds of
    address usable that day each has (`frozenset()`: none): how many could be reached, never who."""
    members: int | None = None
    """Its members on the day figures are of, by the counting conventions (set by the roll-up)."""
    members_addresses: Mapping[Addresses, int] = field(default_factory=dict)
    """`addresses` of its members: its own, a territorial org's and the CC's those of every org under them that day
    (set by the roll-up)."""

    def reported_members(self, day: date) -> int | None:
        """The primary org's latest headcount valid on the day (the later recorded wins a tie); None if none."""
        valid = [h for h in self.headcounts if h.as_of <= day]
        return max(valid, key=lambda h: (h.as_of, h.position)).members if valid else None


class Reported(Protocol):
    """A figure reported for a named year, quarter or month."""

    @property
    def period(self) -> str: ...


R = TypeVar("R", bound=Reported)


def covering(reports: Sequence[R], period: Period) -> list[R]:
    """The reports that make up the period without counting a span twice: those for exactly the period,
    else those for its quarters, else those for its months."""
    spans = [(r, parse_period(r.period, months=True)) for r in reports]
    exact = [r for r, span in spans if span.name == period.name]
    if exact:
        return exact
    inside = [(r, span) for r, span in spans if span.within(period) and span.name != period.name]
    quarters = [r for r, span in inside if span.is_quarter]
    return quarters or [r for r, span in inside if len(span.name) == 7 and not span.is_quarter]
