"""Whose posts a submitted contact base holds, and its lines. A primary org sends its own post holders to its parent
(P10); a territorial org sends its own and its primary orgs' chairs and activists to the CC's department (T7) — the
primary orgs under it on the submission's date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from contracts.contacts import BaseEntry, ContactKind
from contracts.officers import OfficerRole

BASE_ROLES = frozenset(OfficerRole)
"""The posts a contact base holds: chairs, information workers, information activists and press secretaries (RULES.md:
the contact base is of chairs, information workers and activists; a press secretary is the org's information post)."""


def orgs_in_base(org_id: str, level: str, subtree: Sequence[str], levels: Mapping[str, str]) -> list[str]:
    """The orgs whose post holders the org's base holds: itself, and for a territorial org the primary orgs of its
    subtree (T7), in the order given."""
    if level != "territorial":
        return [org_id]
    return [org_id, *(o for o in subtree if o != org_id and levels.get(o) == "primary")]


@dataclass(frozen=True)
class Post:
    """A post held on the submission's date."""

    org_id: str
    person_id: str
    role: str


@dataclass(frozen=True)
class Point:
    """A live contact point of a post holder."""

    person_id: str
    contact_id: str
    kind: ContactKind


def base_entries(org_id: str, orgs: Sequence[str], posts: Iterable[Post], points: Iterable[Point]) -> list[BaseEntry]:
    """One line per org, post holder and contact point, the person's posts in that org joined (`chair,info_worker`);
    the org's own lines first, then each primary org's in the order of `orgs`. A line of another org names it."""
    roles: dict[tuple[str, str], list[str]] = {}
    for post in sorted(posts, key=lambda p: p.role):
        if post.role in BASE_ROLES:
            roles.setdefault((post.org_id, post.person_id), []).append(post.role)
    by_person: dict[str, list[Point]] = {}
    for point in sorted(points, key=lambda p: (p.person_id, p.kind.value, p.contact_id)):
        by_person.setdefault(point.person_id, []).append(point)
    rank = {o: i for i, o in enumerate(orgs)}
    held = sorted(roles, key=lambda key: (rank.get(key[0], len(rank)), key[1]))
    return [
        BaseEntry(
            person_id=person_id,
            role=",".join(roles[(org, person_id)]),
            contact_id=point.contact_id,
            kind=point.kind,
            org_id=None if org == org_id else org,
        )
        for org, person_id in held
        for point in by_person.get(person_id, [])
    ]
