"""What the rules read about one org on one date: plain values gathered from the history, no IO."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Resource:
    """An information resource running on the date (channel kind, audience, last refresh by then)."""

    kind: str
    audience: str
    since: date
    last_refresh: date | None = None

    @property
    def fresh_on(self) -> date:
        """The last day it was put up or refreshed."""
        return max(self.since, self.last_refresh or self.since)


@dataclass(frozen=True)
class Post:
    """A post held on the date, and the last training of its holder in it by then."""

    role: str
    since: date
    trained_on: date | None = None
    person_id: str = ""


@dataclass(frozen=True)
class Members:
    """The org's members on the date: reported (primary) or summed over the primary orgs under it.

    `missing` counts primary orgs that never reported a headcount by then; `known` sums the rest.
    """

    known: int
    missing: int = 0
    reported: bool = True

    def above(self, threshold: int) -> bool | None:
        """Strictly more than the threshold; None when missing headcounts could decide it."""
        if self.known > threshold:
            return True
        return None if (self.missing or not self.reported) else False

    def below(self, threshold: int) -> bool | None:
        """Strictly fewer than the threshold; None when missing headcounts could decide it."""
        above = self.above(threshold - 1)
        return None if above is None else not above


@dataclass(frozen=True)
class Budget:
    """The calendar year's budget and its information spending."""

    total: Decimal
    information: Decimal


@dataclass(frozen=True)
class Child:
    """An org under this one on the date, the last audit this org completed of it by then, and the last contact base
    it submitted to this org by then (T3)."""

    org_id: str
    level: str
    registered_on: date
    last_audit: date | None = None
    last_base: date | None = None


@dataclass(frozen=True)
class Reachable:
    """C2: how many of an org's chairs and information post holders the contact base reaches on the date."""

    org_id: str
    chairs: int
    people: int
    reached: int

    @property
    def covered(self) -> bool:
        """Its chair and every information post holder have a usable e-mail address or mobile number."""
        return self.chairs > 0 and self.reached == self.people


@dataclass(frozen=True)
class Plans:
    """P8: whether the date's quarter has a plan, and whether the previous quarter's plan was reported on."""

    current: bool = False
    previous_planned: bool = False
    previous_reported: bool = False


@dataclass(frozen=True)
class Facts:
    """Everything the catalogue reads about one org on one date."""

    org_id: str
    level: str
    day: date
    registered_on: date
    members: Members
    resources: tuple[Resource, ...] = ()
    posts: tuple[Post, ...] = ()
    budget: Budget | None = None
    solidarnost_copies: int = 0
    last_submission: date | None = None
    plans: Plans = field(default_factory=Plans)
    children: tuple[Child, ...] = ()
    parent_id: str | None = None
    root_id: str | None = None
    access: frozenset[str] = frozenset()
    """Orgs given access, in force on the date, to one of this org's running electronic channels (P10, T7)."""
    last_print_run: date | None = None
    last_meeting: date | None = None
    """The last information meeting by then at which the chair spoke (P7)."""
    last_review: date | None = None
    """The last review of information work by this org's elected body (C1)."""
    structural: tuple[Child, ...] = ()
    """The CC only: every territorial and primary org under it at any depth (C1)."""
    contact_base: tuple[Reachable, ...] = ()
    """The CC only: each structural org's chairs and information post holders reached (C2)."""
    names: Mapping[str, str] = field(default_factory=dict)
    """The names of the orgs it holds, so a detail names the orgs it speaks of."""

    def name_of(self, org_id: str) -> str:
        return self.names.get(org_id) or org_id

    def days_registered(self) -> int:
        return (self.day - self.registered_on).days

    def running(self, kind: str, *audiences: str) -> list[Resource]:
        """Resources of a kind running on the date, for one of the audiences if any are named."""
        return [r for r in self.resources if r.kind == kind and (not audiences or r.audience in audiences)]
