"""Staff accounts (DESIGN.md §5): one role bound to one org; creators hand out only what they may."""

from __future__ import annotations

from contracts.base import Event
from contracts.envelope import ErrorCode, ErrorDetail
from contracts.gateway import UserCreated
from contracts.services import SERVICES
from kit.access import GRANTABLE, article
from kit.errors import Refused, forbidden, invalid
from kit.tokens import Actor, Role

RESERVED = frozenset({*SERVICES, "gateway", "profset", "reader", "operator", "system", "service"})
"""Names a user may not take: the services' and the operator's identities (the attack's user called 'notifications')."""


def check_grant(actor: Actor, role: Role, org_id: str | None) -> None:
    """Refuses a creator who may not hand out this role, before anything is looked up: whether a name is taken is
    nobody's business but a creator's."""
    if role not in GRANTABLE.get(actor.role, set()):
        raise forbidden(f"{article(actor.role)} {actor.role} may not create {article(role)} {role} account")
    if role is not Role.ADMIN and org_id is None:
        raise invalid("org_id", "every account but an admin's is bound to an org", rule="required")


def taken(username: str) -> Refused:
    """The refusal of a name already in use (told only to those who may create it)."""
    message = f"the username {username!r} is taken"
    return Refused(ErrorCode.CONFLICT, message, [ErrorDetail(field="username", rule="taken", message=message)])


def decide_create(exists: bool, actor: Actor, username: str, role: Role, org_id: str | None, password_hash: str) -> list[Event]:
    """Creates an account if the creator may grant that role and the name is free (checked in that order)."""
    check_grant(actor, role, org_id)
    if username in RESERVED:
        raise invalid("username", "the name of one of the system's own identities", rule="reserved")
    if exists:
        raise taken(username)
    return [
        UserCreated(username=username, role=role.value, org_id=org_id, password_hash=password_hash, created_by=actor.username)
    ]


def check_new_password(password: str, current: str | None = None) -> None:
    """A password of 10 to 200 characters, and not the one it replaces."""
    if len(password) < 10:
        raise invalid("new_password", "at least 10 characters", rule="string_too_short")
    if len(password) > 200:
        raise invalid("new_password", "at most 200 characters", rule="string_too_long")
    if password == current:
        raise invalid("new_password", "the new password must differ from the current one", rule="unchanged")


def change_required() -> Refused:
    """A sign-in with a password someone else chose, where its owner must choose their own first."""
    message = "this password was chosen by someone else: choose your own (POST /api/v1/auth/password)"
    return Refused(ErrorCode.FORBIDDEN, message, [ErrorDetail(field="new_password", rule="change_required", message=message)])
