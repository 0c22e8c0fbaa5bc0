"""Staff accounts (DESIGN.md §5): one role bound to one org; creators hand out only what they may."""

from __future__ import annotations

from contracts.base import Event
from contracts.gateway import UserCreated
from kit.access import GRANTABLE
from kit.errors import conflict, forbidden, invalid
from kit.tokens import Actor, Role


def decide_create(exists: bool, actor: Actor, username: str, role: Role, org_id: str | None, password_hash: str) -> list[Event]:
    """Creates an account unless the name is taken or the creator may not grant that role."""
    if exists:
        raise conflict(f"the username {username!r} is taken")
    if role not in GRANTABLE.get(actor.role, set()):
        raise forbidden(f"a {actor.role} may not create a {role} account")
    if role is not Role.ADMIN and org_id is None:
        raise invalid("org_id", "every account but an admin's is bound to an org", rule="required")
    return [
        UserCreated(username=username, role=role.value, org_id=org_id, password_hash=password_hash, created_by=actor.username)
    ]
