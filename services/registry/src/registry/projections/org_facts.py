"""Youth councils, budgets and agreement clauses read models, applied in the append's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.officers import YouthCouncilDisbanded, YouthCouncilFormed
from contracts.org_facts import AgreementClausesRecorded, BudgetAdopted
from kit.store import Inserts, Recorded

from ..tables import agreement_clauses, budgets, youth_councils


async def apply(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the registry's own events (others are ignored) with inserts and updates; reads nothing back."""
    rows = Inserts()
    for r in recorded:
        at = {"position": r.position, "recorded_at": r.recorded_at}
        match r.event:
            case YouthCouncilFormed() as e:
                rows.add(
                    youth_councils,
                    council_id=e.council_id,
                    org_id=e.org_id,
                    name=e.name,
                    formed_on=e.formed_on,
                    recorded_at=r.recorded_at,
                )
            case YouthCouncilDisbanded() as e:
                await rows.flush(conn)
                await conn.execute(
                    update(youth_councils)
                    .where(youth_councils.c.council_id == e.council_id)
                    .values(disbanded_on=e.effective_on, disbanding_reason=e.reason, disbanded_recorded_at=r.recorded_at)
                )
            case BudgetAdopted() as e:
                rows.add(budgets, org_id=e.org_id, year=e.year, total=e.total, information=e.information, **at)
            case AgreementClausesRecorded() as e:
                rows.add(
                    agreement_clauses,
                    org_id=e.org_id,
                    effective_on=e.effective_on,
                    clauses=[int(c) for c in e.clauses],
                    **at,
                )
    await rows.flush(conn)
