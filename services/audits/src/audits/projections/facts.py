"""The facts the rules read, kept from the registry's and contacts' events with their valid dates.

Every write is keyed by the source's id or ledger position, so a redelivered event changes nothing; the
two streams may arrive in any relative order, as the rows only name orgs and never require them.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import ChannelClosed, ChannelOpened, ChannelRefreshed, ContactBaseSubmitted, SubscriptionReported
from kit.factmirror import FACT_EVENTS, apply_facts
from kit.projection import Delivered, Projection
from kit.treemirror import TREE_EVENTS, apply_tree

from ..tables import FACTS, TREE, refreshes, resources, submissions, subscriptions


async def from_registry(conn: AsyncConnection, d: Delivered) -> None:
    """The tree, headcounts, posts and their training, budgets."""
    if not await apply_tree(conn, TREE, d):
        await apply_facts(conn, FACTS, d)


async def from_contacts(conn: AsyncConnection, d: Delivered) -> None:
    """Information resources and their refreshes, subscriptions, contact-base submissions."""
    at, row = {"position": d.position}, dict[str, object]()
    match d.event:
        case ChannelOpened() as e:
            row = {
                "channel_id": e.channel_id,
                "org_id": e.org_id,
                "kind": e.kind.value,
                "audience": e.audience.value,
                "since": e.since,
            }
            await conn.execute(insert(resources).values(row).on_conflict_do_nothing())
        case ChannelClosed() as e:
            await conn.execute(update(resources).where(resources.c.channel_id == e.channel_id).values(closed_on=e.effective_on))
        case ChannelRefreshed() as e:
            await conn.execute(
                insert(refreshes).values(channel_id=e.channel_id, org_id=e.org_id, at=e.at, **at).on_conflict_do_nothing()
            )
        case SubscriptionReported() as e:
            row = {"org_id": e.org_id, "year": e.year, "publication": e.publication.value, "copies": e.copies, **at}
            await conn.execute(insert(subscriptions).values(row).on_conflict_do_nothing())
        case ContactBaseSubmitted() as e:
            row = {"submission_id": e.submission_id, "org_id": e.org_id, "at": e.at}
            await conn.execute(insert(submissions).values(row).on_conflict_do_nothing())


CONTACTS_EVENTS = (ChannelOpened, ChannelClosed, ChannelRefreshed, SubscriptionReported, ContactBaseSubmitted)
"""What `from_contacts` takes."""

PROJECTIONS = (
    Projection("registry-facts", "registry", from_registry, (*TREE_EVENTS, *FACT_EVENTS)),
    Projection("contacts-facts", "contacts", from_contacts, CONTACTS_EVENTS),
)
