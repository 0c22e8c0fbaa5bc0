"""A person's record over valid time: membership of primary orgs (D3), posts held, and erasure (PD1).

One stream per person holds all of it, so a decision about a person sees the whole record. Membership is
a timeline like an org's parent: the org on a day is the change with the latest effective date on or
before it (None once the person left). Identifying fields arrive sealed; this module never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from contracts.base import Event
from contracts.officers import OfficerAssigned, OfficerRelieved, OfficerRole, OfficerTrained
from contracts.people import MemberAdmitted, MemberLeft, MemberTransferred, PersonErased, PersonRegistered
from contracts.registry import Level
from kit.errors import RuleBroken, invalid

from .reach import home_today
from .tree import Change, Tree, value_on


@dataclass(frozen=True)
class Post:
    """One appointment: who holds which post where, from `since` until `until` (exclusive)."""

    officer_id: str
    org_id: str
    council_id: str | None
    role: OfficerRole
    since: date
    released: bool
    until: date | None = None

    def held_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Person:
    """Everything recorded about one person; `person_id` is empty until registered."""

    person_id: str = ""
    recorded_by: str = ""
    memberships: tuple[Change, ...] = ()
    posts: dict[str, Post] = field(default_factory=dict)
    erased: bool = False

    def member_of(self, day: date) -> str | None:
        """The org the person is a member of on a day, if any."""
        return value_on(self.memberships, day)

    def last_org(self) -> str:
        """The org the person belongs to last (or last belonged to, or was recorded by)."""
        latest = max(self.memberships, key=lambda c: (c.effective_on, c.seq), default=None)
        if latest is not None and latest.value:
            return latest.value
        named = [c.value for c in self.memberships if c.value]
        return named[-1] if named else self.recorded_by

    def home(self, today: date) -> str:
        """The org whose subtree the person is in today, for access (DESIGN.md §5); the recording org if never a member."""
        return home_today(self.memberships, today) or self.recorded_by


NOBODY = Person()
EARLIEST = date(1900, 1, 1)
"""No fact about a living person or a post held dates from before this day: an earlier one is a typing slip."""


def happened(day: date, today: date, field_name: str, what: str) -> None:
    """A fact that is recorded once it happened: never after today, never before 1900."""
    if day > today:
        raise invalid(
            field_name, f"{what} is recorded once it happened: {day.isoformat()} is after today", rule="not_after_today"
        )
    if day < EARLIEST:
        raise invalid(field_name, f"{what} cannot be dated before 1900: {day.isoformat()}", rule="not_before_1900")


def check_birth_date(birth_date: date | None, today: date) -> None:
    """A birth date that can have been: not after today, not before 1900."""
    if birth_date is not None:
        happened(birth_date, today, "birth_date", "a birth date")


def check_admission(birth_date: date | None, since: date) -> None:
    """A person is admitted once born: `since` never before the birth date, nor before 1900 (a future admission may be
    recorded ahead, DESIGN.md §3)."""
    if since < EARLIEST:
        raise invalid("since", f"an admission cannot be dated before 1900: {since.isoformat()}", rule="not_before_1900")
    if birth_date is not None and since < birth_date:
        message = f"a member is admitted after they were born: {since.isoformat()} is before the birth date"
        raise invalid("since", message, rule="not_before_birth")


def _primary(tree: Tree, org_id: str, day: date, field_name: str) -> None:
    """D3: personal membership records are kept by primary orgs."""
    org = tree.existing(org_id, day, field_name)
    if org.level is not Level.PRIMARY:
        raise RuleBroken("D3", "members are recorded in a primary org", field=field_name)


def _recorded(person: Person) -> None:
    if not person.person_id:
        raise invalid("person_id", "no such person", rule="exists")
    if person.erased:
        raise RuleBroken("PD1", "this person's data was erased; the record is closed", field="person_id")


def decide_admit(tree: Tree, person_id: str, org_id: str, sealed: dict[str, str | None], since: date) -> list[Event]:
    """Registers a new person as a member of a primary org from `since`."""
    _primary(tree, org_id, since, "org_id")
    return [
        PersonRegistered(person_id=person_id, org_id=org_id, **sealed),
        MemberAdmitted(person_id=person_id, org_id=org_id, since=since),
    ]


def decide_register(tree: Tree, person_id: str, org_id: str, sealed: dict[str, str | None], today: date) -> list[Event]:
    """Records a person outside the membership (an editor, a partner) in an org's books."""
    tree.existing(org_id, today, "org_id")
    return [PersonRegistered(person_id=person_id, org_id=org_id, **sealed)]


def decide_transfer(tree: Tree, person: Person, org_id: str, day: date) -> list[Event]:
    """Moves a member's record to another primary org from `day`."""
    _recorded(person)
    current = person.member_of(day)
    if current is None:
        raise RuleBroken("D3", f"the person is not a member on {day.isoformat()}", field="effective_on")
    if current == org_id:
        raise invalid("org_id", "the member already belongs to that org", rule="changed")
    _primary(tree, org_id, day, "org_id")
    return [MemberTransferred(person_id=person.person_id, org_id=org_id, previous_org_id=current, effective_on=day)]


def decide_leave(person: Person, day: date, reason: str) -> list[Event]:
    """Records that a member left; from `day` on they count in no org."""
    _recorded(person)
    current = person.member_of(day)
    if current is None:
        raise RuleBroken("D3", f"the person is not a member on {day.isoformat()}", field="effective_on")
    return [MemberLeft(person_id=person.person_id, org_id=current, effective_on=day, reason=reason)]


def decide_erase(person: Person, basis: str, requested_by: str, today: date) -> list[Event]:
    """Erases a person's data (PD1): the record of the request stays, the fields go with the key."""
    _recorded(person)
    return [
        PersonErased(
            person_id=person.person_id, org_id=person.home(today), basis=basis, requested_by=requested_by, requested_on=today
        )
    ]


def decide_assign(
    tree: Tree,
    person_id: str,
    person: Person,
    post: Post,
    sealed: dict[str, str | None] | None,
    trained: OfficerTrained | None,
    today: date,
) -> list[Event]:
    """Puts a person (a new one when `sealed` is given) in a post of an org or of its youth council, from a day that has
    come (an appointment is recorded once made) on which the org existed."""
    happened(post.since, today, "since", "an appointment")
    tree.existing(post.org_id, post.since, "org_id")
    events: list[Event] = []
    if sealed is not None:
        events.append(PersonRegistered(person_id=person_id, org_id=post.org_id, **sealed))
    else:
        _recorded(person)
    events.append(
        OfficerAssigned(
            officer_id=post.officer_id,
            person_id=person_id,
            org_id=post.org_id,
            council_id=post.council_id,
            role=post.role,
            since=post.since,
            released=post.released,
        )
    )
    return events + ([trained] if trained else [])


def decide_relieve(person: Person, officer_id: str, until: date, reason: str | None) -> list[Event]:
    """Ends a post from `until`."""
    post = _post(person, officer_id)
    if post.until is not None:
        raise invalid("officer_id", f"already relieved from {post.until.isoformat()}", rule="changed")
    if until <= post.since:
        raise invalid("until", f"must be after the post was taken ({post.since.isoformat()})", rule="after_since")
    return [OfficerRelieved(officer_id=officer_id, person_id=person.person_id, org_id=post.org_id, until=until, reason=reason)]


def decide_train(person: Person, training: OfficerTrained, today: date) -> list[Event]:
    """Records a course an officer completed (P9): once completed, so never dated after today, nor before 1900."""
    if training.on > today:
        raise invalid(
            "on", f"a course is recorded once completed: {training.on.isoformat()} is after today", rule="not_after_today"
        )
    if training.on < EARLIEST:
        raise invalid("on", f"a course cannot be dated before 1900: {training.on.isoformat()}", rule="not_before_1900")
    _post(person, training.officer_id)
    return [training]


def _post(person: Person, officer_id: str) -> Post:
    _recorded(person)
    post = person.posts.get(officer_id)
    if post is None:
        raise invalid("officer_id", "no such post", rule="exists")
    return post


def evolve(person: Person, event: Event) -> Person:
    """The record after one more of its events."""
    seq = len(person.memberships)
    match event:
        case PersonRegistered():
            return replace(person, person_id=event.person_id, recorded_by=event.org_id)
        case MemberAdmitted():
            return replace(person, memberships=(*person.memberships, Change(event.since, event.org_id, seq)))
        case MemberTransferred():
            return replace(person, memberships=(*person.memberships, Change(event.effective_on, event.org_id, seq)))
        case MemberLeft():
            return replace(person, memberships=(*person.memberships, Change(event.effective_on, None, seq)))
        case PersonErased():
            return replace(person, erased=True)
        case OfficerAssigned():
            post = Post(event.officer_id, event.org_id, event.council_id, event.role, event.since, event.released)
            return replace(person, posts={**person.posts, event.officer_id: post})
        case OfficerRelieved():
            post = replace(person.posts[event.officer_id], until=event.until)
            return replace(person, posts={**person.posts, event.officer_id: post})
    return person
