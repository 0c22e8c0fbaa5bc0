"""The appeals service's copy of the registry: the org tree, people and their membership timeline (which decides a
member's org today, DESIGN.md §5), who holds which post of an org (an appeal is given only to a post somebody holds),
and erasure, which destroys the member's key so their appeals' texts and answers can no longer be read (PD1); the
appeals themselves, their times and counts, remain."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.people import PersonErased, PersonRegistered
from contracts.registry import OrgDissolved
from kit.crypto import KeyRing
from kit.projection import Delivered, Projection
from mirrors.factmirror import POST_EVENTS, apply_posts
from mirrors.membership import MEMBERSHIP_EVENTS, apply_membership
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..tables import TREE, answers, appeals, member_orgs, people, posts, questions, replies

REGISTRY_EVENTS = (*TREE_EVENTS, *MEMBERSHIP_EVENTS, *POST_EVENTS, PersonRegistered, PersonErased)
"""What `RegistryMirror` takes."""


class RegistryMirror:
    """Applies the registry's events the appeals service needs; every write is idempotent. `dissolved` is called when
    an org's dissolution arrives, so that its appeals go up at once (the escalator's `look_soon`)."""

    def __init__(self, keyring: KeyRing, dissolved: Callable[[], None] = lambda: None) -> None:
        self.keyring, self.dissolved = keyring, dissolved

    def projection(self) -> Projection:
        """The mirror's consumer."""
        return Projection("registry", "registry", self.apply, REGISTRY_EVENTS, reads=(PersonErased,))

    async def apply(self, conn: AsyncConnection, d: Delivered) -> None:
        if isinstance(d.event, OrgDissolved):
            self.dissolved()
        if await apply_tree(conn, TREE, d) or await apply_membership(conn, member_orgs, d) or await apply_posts(conn, posts, d):
            return
        match d.event:
            case PersonRegistered() as e:
                await conn.execute(insert(people).values(person_id=e.person_id, org_id=e.org_id).on_conflict_do_nothing())
            case PersonErased() as e:
                await self.keyring.destroy(conn, e.person_id)
                # the sealed copies go too: without the key they are noise, and nothing is kept that need not be
                await conn.execute(update(appeals).where(appeals.c.person_id == e.person_id).values(text=None))
                theirs = select(appeals.c.appeal_id).where(appeals.c.person_id == e.person_id)
                for said in (answers, questions, replies):
                    await conn.execute(update(said).where(said.c.appeal_id.in_(theirs)).values(text=None))
                stmt = insert(people).values(person_id=e.person_id, org_id=e.org_id or "", erased_at=d.recorded_at)
                await conn.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_={"erased_at": d.recorded_at}))
