"""The access model every service enforces on its own (DESIGN.md §5), as data and two small functions.

A service supplies the target org's lineage — the org, its parent, and so on up to the CC — as its own
copy of the tree stands TODAY, whatever date the request names (§5: the subtree is today's); the kit knows no tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from .errors import forbidden
from .tokens import Actor, Role


class Reach(StrEnum):
    """How far a role's permission reaches from the root of the user's subtree."""

    ALL = "all"
    SUBTREE = "subtree"
    BELOW = "below"
    """Strictly below the root: never the root itself."""
    NONE = "none"


A, S, B, N = Reach.ALL, Reach.SUBTREE, Reach.BELOW, Reach.NONE

RULES: dict[str, dict[Role, Reach]] = {
    #                       admin       staff       auditor      viewer     service
    "read_orgs": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: S, Role.VIEWER: S, Role.SERVICE: A},
    "read_personal_data": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: A},
    "report_facts": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "shape_tree": {Role.ADMIN: A, Role.STAFF: B, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "write_materials": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "read_material": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: S, Role.VIEWER: S, Role.SERVICE: A},
    "acknowledge": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "moderate": {Role.ADMIN: A, Role.STAFF: B, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "set_targets": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
    "audit": {Role.ADMIN: A, Role.STAFF: N, Role.AUDITOR: S, Role.VIEWER: N, Role.SERVICE: N},
    "create_users": {Role.ADMIN: A, Role.STAFF: S, Role.AUDITOR: N, Role.VIEWER: N, Role.SERVICE: N},
}
"""Rows of DESIGN.md §5 (a `member` has no row: it reaches no org, only its own records where a service says so).
`shape_tree` is moving or dissolving an org, or registering one under a parent
(staff: never their own root's parent or level); `report_facts` covers renames and reported figures."""

GRANTABLE = {Role.ADMIN: set(Role) - {Role.SERVICE, Role.MEMBER}, Role.STAFF: {Role.STAFF, Role.AUDITOR, Role.VIEWER}}
"""Which roles a creator of users may hand out."""


def permits(actor: Actor, action: str, lineage: Sequence[str]) -> bool:
    """Whether the actor may do `action` on the org whose lineage (itself first, then up) is given."""
    reach = RULES[action].get(actor.role, Reach.NONE)
    if reach is Reach.ALL:
        return True
    if reach is Reach.NONE or actor.org_id is None:
        return False
    if reach is Reach.BELOW:
        return actor.org_id in lineage[1:]
    return actor.org_id in lineage


def require(actor: Actor, action: str, lineage: Sequence[str]) -> None:
    """Refuses with `forbidden` unless `permits`."""
    if not permits(actor, action, lineage):
        raise forbidden(f"{article(actor.role)} {actor.role} of this org may not {action.replace('_', ' ')} there")


def article(word: str) -> str:
    """The article before a word, by its first letter: an admin, an auditor, a viewer."""
    return "an" if word[:1].lower() in "aeiou" else "a"
