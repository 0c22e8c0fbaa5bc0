"""The tree and headcount read models: timelines of names, parents and figures with valid and recording time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.registry import HeadcountReported, OrgDissolved, OrgMoved, OrgRegistered, OrgRenamed
from kit.store import Recorded

from ..tables import headcounts, org_names, org_parents, orgs


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the registry's own events in the append's transaction."""
    for r in recorded:
        at = {"position": r.position, "recorded_at": r.recorded_at}
        match r.event:
            case OrgRegistered() as e:
                await conn.execute(
                    pg_insert(orgs)
                    .values(org_id=e.org_id, level=e.level.value, registered_on=e.registered_on, recorded_at=r.recorded_at)
                    .on_conflict_do_nothing()
                )
                await conn.execute(insert(org_names).values(org_id=e.org_id, effective_on=e.registered_on, name=e.name, **at))
                await conn.execute(
                    insert(org_parents).values(org_id=e.org_id, effective_on=e.registered_on, parent_id=e.parent_id, **at)
                )
            case OrgRenamed() as e:
                await conn.execute(insert(org_names).values(org_id=e.org_id, effective_on=e.effective_on, name=e.name, **at))
            case OrgMoved() as e:
                await conn.execute(
                    insert(org_parents).values(org_id=e.org_id, effective_on=e.effective_on, parent_id=e.parent_id, **at)
                )
            case OrgDissolved() as e:
                await conn.execute(
                    update(orgs)
                    .where(orgs.c.org_id == e.org_id)
                    .values(dissolved_on=e.effective_on, dissolution_reason=e.reason, dissolution_recorded_at=r.recorded_at)
                )
            case HeadcountReported() as e:
                await conn.execute(insert(headcounts).values(org_id=e.org_id, as_of=e.as_of, members=e.members, **at))
