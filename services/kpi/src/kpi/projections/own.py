"""The kpi service's own read models, applied in the append's transaction: targets, closed periods, media
mentions and feedback times. A rebuild applies the whole ledger again in position order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.kpi import FeedbackTimesReported, MediaMentionReported, PeriodClosed, TargetSet
from kit.store import Recorded

from ..tables import closed_periods, feedback_times, media_mentions, targets


async def apply_own(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the kpi service's own events; a later one for the same org and period replaces the earlier."""
    for r in recorded:
        match r.event:
            case TargetSet() as e:
                row: dict[str, Any] = {
                    "org_id": e.org_id,
                    "period": e.period,
                    "targets": {k: str(v) for k, v in e.targets.items()},
                }
                stmt = insert(targets).values(row)
                await conn.execute(
                    stmt.on_conflict_do_update(index_elements=["org_id", "period"], set_={"targets": row["targets"]})
                )
            case PeriodClosed() as e:
                row = {"org_id": e.org_id, "period": e.period, "closed_on": e.closed_on, "figures": e.figures}
                await conn.execute(insert(closed_periods).values(row).on_conflict_do_nothing())
            case MediaMentionReported() as e:
                fields = e.model_dump(mode="python")
                fields.update(medium=e.medium.value, tone=e.tone.value)
                await conn.execute(insert(media_mentions).values(fields).on_conflict_do_nothing())
            case FeedbackTimesReported() as e:
                row = {"org_id": e.org_id, "period": e.period, "answered": e.answered, "average_hours": e.average_hours}
                stmt = insert(feedback_times).values(row)
                keep = {"answered": stmt.excluded.answered, "average_hours": stmt.excluded.average_hours}
                await conn.execute(stmt.on_conflict_do_update(index_elements=["org_id", "period"], set_=keep))
