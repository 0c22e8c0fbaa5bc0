"""The facts the rules read, kept from the registry's and contacts' events with their valid dates and their recording
times (`Delivered.recorded_at`, the source's), so compliance can be answered as known on a past day.

Every write is keyed by the source's id or ledger position, so a redelivered event changes nothing; the
two streams may arrive in any relative order, as the rows only name orgs and never require them.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import (
    ChannelAccessGranted,
    ChannelAccessRevoked,
    ChannelClosed,
    ChannelOpened,
    ChannelRefreshed,
    ContactBaseSubmitted,
    MeetingHeld,
    PrintRunRecorded,
    SubscriptionReported,
)
from contracts.officers import OfficerAssigned
from contracts.people import PersonErased
from kit.projection import Delivered, Projection
from mirrors.contactpoints import CONTACT_POINT_EVENTS, apply_contact_points
from mirrors.factmirror import FACT_EVENTS, apply_facts
from mirrors.treemirror import TREE_EVENTS, apply_tree

from ..tables import (
    FACTS,
    TREE,
    contact_points,
    erasures,
    grants,
    meetings,
    print_runs,
    refreshes,
    released,
    resources,
    submissions,
    subscriptions,
)


async def from_registry(conn: AsyncConnection, d: Delivered) -> None:
    """The tree, headcounts, posts and their training, budgets, and which posts released officials hold (T1)."""
    if not await apply_tree(conn, TREE, d):
        await apply_facts(conn, FACTS, d)
    if isinstance(d.event, OfficerAssigned) and d.event.released and d.event.council_id is None:
        row = {"officer_id": d.event.officer_id, "recorded_at": d.recorded_at}
        await conn.execute(insert(released).values(row).on_conflict_do_nothing())
    if isinstance(d.event, PersonErased):  # contacts destroys the person's addresses without an event of each
        row = {"person_id": d.event.person_id, "recorded_at": d.recorded_at}
        await conn.execute(insert(erasures).values(row).on_conflict_do_nothing())


async def from_contacts(conn: AsyncConnection, d: Delivered) -> None:
    """Information resources, their refreshes and access grants, subscriptions, submissions, print runs, meetings;
    and C2's contact points (kind and consent only; the sealed values are never kept)."""
    if not await apply_contact_points(conn, contact_points, d):
        await _information_work(conn, d)


async def _information_work(conn: AsyncConnection, d: Delivered) -> None:
    at, row = {"position": d.position, "recorded_at": d.recorded_at}, dict[str, object]()
    recorded = {"recorded_at": d.recorded_at}
    match d.event:
        case ChannelOpened() as e:
            row = {
                "channel_id": e.channel_id,
                "org_id": e.org_id,
                "kind": e.kind.value,
                "audience": e.audience.value,
                "since": e.since,
            }
            await conn.execute(insert(resources).values({**row, **recorded}).on_conflict_do_nothing())
        case ChannelClosed() as e:
            closed = {"closed_on": e.effective_on, "closed_recorded_at": d.recorded_at}
            await conn.execute(update(resources).where(resources.c.channel_id == e.channel_id).values(closed))
        case ChannelRefreshed() as e:
            await conn.execute(
                insert(refreshes).values(channel_id=e.channel_id, org_id=e.org_id, at=e.at, **at).on_conflict_do_nothing()
            )
        case SubscriptionReported() as e:
            row = {"org_id": e.org_id, "year": e.year, "publication": e.publication.value, "copies": e.copies, **at}
            await conn.execute(insert(subscriptions).values({**row, "format": e.format.value}).on_conflict_do_nothing())
        case ContactBaseSubmitted() as e:
            row = {"submission_id": e.submission_id, "org_id": e.org_id, "at": e.at, "parent_id": e.parent_id}
            await conn.execute(insert(submissions).values({**row, **recorded}).on_conflict_do_nothing())
        case PrintRunRecorded() as e:
            row = {"print_run_id": e.print_run_id, "org_id": e.org_id, "on": e.on, "copies": e.copies}
            await conn.execute(insert(print_runs).values({**row, **recorded}).on_conflict_do_nothing())
        case MeetingHeld() as e:
            row = {"meeting_id": e.meeting_id, "org_id": e.org_id, "on": e.on, "chair_spoke": e.chair_spoke}
            await conn.execute(insert(meetings).values({**row, **recorded}).on_conflict_do_nothing())
        case ChannelAccessGranted() as e:
            row = {"channel_id": e.channel_id, "to_org_id": e.to_org_id, "org_id": e.org_id, "since": e.since, **at}
            await conn.execute(insert(grants).values(row).on_conflict_do_nothing())
        case ChannelAccessRevoked() as e:
            g = grants.c
            held = (g.channel_id == e.channel_id) & (g.to_org_id == e.to_org_id) & (g.position < d.position) & g.until.is_(None)
            await conn.execute(update(grants).where(held).values(until=e.effective_on, until_recorded_at=d.recorded_at))


CONTACTS_EVENTS = (
    ChannelOpened,
    ChannelClosed,
    ChannelRefreshed,
    ChannelAccessGranted,
    ChannelAccessRevoked,
    SubscriptionReported,
    ContactBaseSubmitted,
    PrintRunRecorded,
    MeetingHeld,
    *CONTACT_POINT_EVENTS,
)
"""What `from_contacts` takes."""

PROJECTIONS = (
    Projection("registry-facts", "registry", from_registry, (*TREE_EVENTS, *FACT_EVENTS, PersonErased)),
    Projection("contacts-facts", "contacts", from_contacts, CONTACTS_EVENTS),
)
