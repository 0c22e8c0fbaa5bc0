"""Contact points, resources and their access grants, subscriptions, submissions, print runs and meetings read models,
applied in the append's transaction.

A contact point's value stays sealed; beside it a keyed digest of the normalised value finds duplicates.
An erased address (or one whose key is gone when rebuilding) keeps its row with neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.contacts import (
    ChannelAccessGranted,
    ChannelAccessRevoked,
    ChannelClosed,
    ChannelOpened,
    ChannelRefreshed,
    ChannelStatsReported,
    ConsentGranted,
    ConsentWithdrawn,
    ContactAdded,
    ContactBaseSubmitted,
    ContactErased,
    ContactMerged,
    MeetingHeld,
    PrintRunRecorded,
    SubscriptionReported,
)
from kit.crypto import KeyRing, open_field
from kit.store import Inserts, Recorded

from ..tables import (
    channel_access,
    channel_stats,
    channels,
    contact_points,
    meetings,
    print_runs,
    refreshes,
    submission_entries,
    submissions,
    subscriptions,
)


class OwnProjection:
    """Applies the contacts service's own events."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    async def apply(self, conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
        added = [r.event.contact_id for r in recorded if isinstance(r.event, ContactAdded)]
        keys = await self.keyring.keys(conn, added) if added else {}
        rows = Inserts()
        for r in recorded:
            at = {"position": r.position, "recorded_at": r.recorded_at}
            match r.event:
                case ContactAdded() as e:
                    plain = open_field(keys.get(e.contact_id), e.contact_id, e.value)
                    rows.add(
                        contact_points,
                        contact_id=e.contact_id,
                        person_id=e.person_id,
                        org_id=e.org_id,
                        kind=e.kind.value,
                        value=e.value if plain is not None else None,
                        digest=self.keyring.blind_value(plain) if plain is not None else None,
                        recorded_at=r.recorded_at,
                    )
                case ChannelOpened() as e:
                    rows.add(
                        channels,
                        **e.model_dump(include={"channel_id", "org_id", "name", "url", "since"}),
                        kind=e.kind.value,
                        audience=e.audience.value,
                        recorded_at=r.recorded_at,
                    )
                case ChannelRefreshed() as e:
                    rows.add(refreshes, channel_id=e.channel_id, at=e.at, **at)
                case ChannelStatsReported() as e:
                    rows.add(
                        channel_stats,
                        **e.model_dump(include={"channel_id", "period", "subscribers", "visits", "engagement"}),
                        **at,
                    )
                case SubscriptionReported() as e:
                    rows.add(
                        subscriptions,
                        org_id=e.org_id,
                        year=e.year,
                        publication=e.publication.value,
                        copies=e.copies,
                        format=e.format.value,
                        **at,
                    )
                case ContactBaseSubmitted() as e:
                    rows.add(
                        submissions,
                        submission_id=e.submission_id,
                        org_id=e.org_id,
                        parent_id=e.parent_id,
                        at=e.at,
                        recorded_at=r.recorded_at,
                    )
                    for entry in e.entries:
                        # an entry without an org is the submitting org's own (every entry before T7 held its primaries)
                        line = entry.model_dump(mode="json") | {"org_id": entry.org_id or e.org_id}
                        rows.add(submission_entries, submission_id=e.submission_id, **line)
                case PrintRunRecorded() as e:
                    rows.add(print_runs, **e.model_dump(exclude={"kind"}), kind=e.kind.value, recorded_at=r.recorded_at)
                case MeetingHeld() as e:
                    rows.add(meetings, **e.model_dump(), recorded_at=r.recorded_at)
                case ChannelAccessGranted() as e:
                    rows.add(channel_access, **e.model_dump(), **at)
                case _:
                    await rows.flush(conn)
                    await self._update(conn, r)
        await rows.flush(conn)

    async def _update(self, conn: AsyncConnection, r: Recorded) -> None:
        cp = contact_points.c
        match r.event:
            case ConsentGranted() as e:
                values = {"consent_since": e.given_at, "consent_method": e.method.value, "withdrawn_on": None}
                await conn.execute(update(contact_points).where(cp.contact_id == e.contact_id).values(values))
            case ConsentWithdrawn() as e:
                values = {"consent_since": None, "consent_method": None, "withdrawn_on": e.at}
                await conn.execute(update(contact_points).where(cp.contact_id == e.contact_id).values(values))
            case ContactMerged() as e:
                await conn.execute(
                    update(contact_points).where(cp.contact_id == e.contact_id).values(merged_into=e.into_contact_id)
                )
            case ContactErased() as e:
                await self.keyring.destroy(conn, e.contact_id)
                values = {"value": None, "digest": None, "erased_at": r.recorded_at}
                await conn.execute(update(contact_points).where(cp.contact_id == e.contact_id).values(values))
            case ChannelClosed() as e:
                values = {"closed_on": e.effective_on, "closure_reason": e.reason, "closed_recorded_at": r.recorded_at}
                await conn.execute(update(channels).where(channels.c.channel_id == e.channel_id).values(values))
            case ChannelAccessRevoked() as e:
                a = channel_access.c
                held = and_(a.channel_id == e.channel_id, a.to_org_id == e.to_org_id, a.until.is_(None))
                values = {"until": e.effective_on, "revoked_recorded_at": r.recorded_at}
                await conn.execute(update(channel_access).where(held).values(values))
