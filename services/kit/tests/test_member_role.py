"""A member signed in to the portal reaches no org by the access table, can be granted by nobody, and keeps their role
through a signed token (DESIGN.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime

from kit.access import GRANTABLE, RULES, permits
from kit.tokens import Actor, Role, Signer, Verifier, generate_keypair


def test_a_member_reaches_no_org_and_is_granted_by_nobody() -> None:
    member = Actor("person-1", Role.MEMBER, None)
    for action in RULES:
        assert not permits(member, action, ["p1", "t1", "cc"]), action
    assert all(Role.MEMBER not in grantable for grantable in GRANTABLE.values())


def test_a_member_token_names_the_person() -> None:
    private, public = generate_keypair()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    token = Signer(private).sign(Actor("person-1", Role.MEMBER, None), now, 600)
    assert Verifier(public).verify(token, now) == Actor("person-1", Role.MEMBER, None)
