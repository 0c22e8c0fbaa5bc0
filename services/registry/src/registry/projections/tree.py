"""The tree and headcount read models: timelines of names, parents and figures with valid and recording time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.registry import HeadcountReported, OrgDissolved, OrgMoved, OrgRegistered, OrgRenamed
from kit.store import Recorded, insert_many

from ..tables import headcounts, org_names, org_parents, orgs


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the registry's own events in the append's transaction, one multi-row insert per table; reads nothing back."""
    # rows wait per table and go in one executemany each: a round trip per table, not per event
    rows: dict[str, list[dict[str, Any]]] = {"orgs": [], "names": [], "parents": [], "headcounts": []}
    for r in recorded:
        at = {"position": r.position, "recorded_at": r.recorded_at}
        match r.event:
            case OrgRegistered() as e:
                rows["orgs"].append(
                    {"org_id": e.org_id, "level": e.level.value, "registered_on": e.registered_on, "recorded_at": r.recorded_at}
                )
                rows["names"].append({"org_id": e.org_id, "effective_on": e.registered_on, "name": e.name, **at})
                rows["parents"].append({"org_id": e.org_id, "effective_on": e.registered_on, "parent_id": e.parent_id, **at})
            case OrgRenamed() as e:
                rows["names"].append({"org_id": e.org_id, "effective_on": e.effective_on, "name": e.name, **at})
            case OrgMoved() as e:
                rows["parents"].append({"org_id": e.org_id, "effective_on": e.effective_on, "parent_id": e.parent_id, **at})
            case OrgDissolved() as e:
                await _flush(conn, rows)  # the org it dissolves may be one registered earlier in this batch
                await conn.execute(
                    update(orgs)
                    .where(orgs.c.org_id == e.org_id)
                    .values(dissolved_on=e.effective_on, dissolution_reason=e.reason, dissolution_recorded_at=r.recorded_at)
                )
            case HeadcountReported() as e:
                rows["headcounts"].append({"org_id": e.org_id, "as_of": e.as_of, "members": e.members, **at})
    await _flush(conn, rows)


async def _flush(conn: AsyncConnection, rows: dict[str, list[dict[str, Any]]]) -> None:
    # orgs first: the timelines refer to them
    if rows["orgs"]:
        await conn.execute(pg_insert(orgs).on_conflict_do_nothing(), rows["orgs"])
    for key, table in (("names", org_names), ("parents", org_parents), ("headcounts", headcounts)):
        await insert_many(conn, table, rows[key])
    for pending in rows.values():
        pending.clear()
