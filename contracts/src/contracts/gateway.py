"""The gateway's own events: staff accounts. Kept in its ledger, never published (no stream)."""

from __future__ import annotations

from pydantic import Field

from .base import Event, Payload


class UserCreated(Event, context="gateway", aggregate="user", name="created", subject_field="username"):
    """A staff account was created with a role bound to an org (DESIGN.md §5)."""

    username: str = Field(description="The login", examples=["staff.spb"])
    role: str = Field(description="admin, staff, auditor or viewer")
    org_id: str | None = Field(description="Root of the user's subtree; null for an admin of the whole union")
    password_hash: str = Field(description="argon2id hash; the password itself is never kept")
    created_by: str = Field(description="Username of the account's creator")


class NewUser(Payload):
    """The body of `POST /api/v1/users`."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$", description="Login: lower-case letters, digits, . _ -")
    password: str = Field(min_length=10, max_length=200, description="At least 10 characters")
    role: str = Field(pattern="^(admin|staff|auditor|viewer)$")
    org_id: str | None = Field(None, description="Required for every role but admin")


class PasswordChanged(
    Event, context="gateway", aggregate="user", name="password_changed", subject_field="username", org_field=None
):
    """An account's password was changed by its owner or reset by an administrator."""

    username: str = Field(description="The login")
    password_hash: str = Field(description="argon2id hash of the new password; the password itself is never kept")
    changed_by: str = Field(description="Who chose it: the owner, or the administrator who reset it")
