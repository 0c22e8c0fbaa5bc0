"""What the exchange's handlers share: the tree on a day, the material's stream, access to a material."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.errors import forbidden, not_found
from kit.store import EventStore, Fold
from kit.tokens import Actor
from mirrors import treemirror
from mirrors.treemirror import Orgs

from ..domain import material
from ..domain.material import Material
from ..domain.routing import Tree
from ..tables import TREE, deliveries, policies

MATERIAL_FOLD = Fold(material.NOTHING, material.evolve)


def material_stream(material_id: str) -> str:
    return f"material-{material_id}"


def delivery_id(material_id: str, recipient: str) -> str:
    return f"{material_id}:{recipient}"


async def orgs_on(conn: AsyncConnection, day: date) -> Orgs:
    """The tree on `day`, for routing alone, which checks no access (access reads today's tree: `KeptTrees`)."""
    return await treemirror.orgs_on(conn, TREE, day, day)


def routing_tree(orgs: Orgs) -> Tree:
    return Tree(orgs.parents, orgs.levels)


async def load(store: EventStore, material_id: str) -> tuple[Material, int]:
    """The material and its version; 404 if there is none."""
    m, version = await store.load(material_stream(material_id), MATERIAL_FOLD)
    if not m.material_id:
        raise not_found("material", field="material_id")
    return m, version


async def recipients(conn: AsyncConnection, material_id: str) -> set[str]:
    """The orgs a material was delivered to."""
    rows = await conn.execute(
        select(deliveries.c.org_id).where(deliveries.c.material_id == material_id, deliveries.c.recipient_kind == "org")
    )
    return {r.org_id for r in rows}


async def may_read(conn: AsyncConnection, actor: Actor, m: Material, orgs: Orgs) -> None:
    """§5: authored in the actor's subtree, or delivered to an org in it."""
    if orgs.may(actor, "read_material", m.org_id):
        return
    for org in await recipients(conn, m.material_id):
        if orgs.may(actor, "read_material", org):
            return
    raise forbidden("this material was neither written in nor sent to your part of the union")


async def holders(conn: AsyncConnection) -> set[str]:
    """Orgs that hold cascades for review."""
    return {r.org_id for r in await conn.execute(select(policies.c.org_id).where(policies.c.hold_for_review))}


async def moderates(conn: AsyncConnection, org_id: str | None) -> bool:
    """Whether an org approves its children's materials for publication (H2: yes unless it said otherwise)."""
    if org_id is None:
        return False
    row = (await conn.execute(select(policies.c.moderates_publications).where(policies.c.org_id == org_id))).first()
    return True if row is None else bool(row.moderates_publications)
