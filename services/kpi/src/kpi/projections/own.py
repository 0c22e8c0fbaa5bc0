"""The kpi service's own read models, applied in the append's transaction: targets, closed periods, media
mentions and feedback times, each row with its recording time (`known_on`). A rebuild applies the whole ledger
again in position order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.kpi import FeedbackTimesReported, MediaMentionReported, PeriodClosed, TargetSet
from kit.store import Recorded

from ..tables import closed_periods, feedback_times, media_mentions, targets


async def apply_own(conn: AsyncConnection, recorded: Sequence[Recorded]) -> None:
    """Applies the kpi service's own events with their recording times; a later one for the same org and period is a
    row of its own that replaces the earlier from the time it was recorded."""
    for r in recorded:
        at: dict[str, Any] = {"recorded_at": r.recorded_at}
        match r.event:
            case TargetSet() as e:
                set_ = {k: str(v) for k, v in e.targets.items()}
                row: dict[str, Any] = {"org_id": e.org_id, "period": e.period, "position": r.position, "targets": set_}
                await conn.execute(insert(targets).values({**row, **at}).on_conflict_do_nothing())
            case PeriodClosed() as e:
                row = {"org_id": e.org_id, "period": e.period, "closed_on": e.closed_on, "figures": e.figures}
                await conn.execute(insert(closed_periods).values({**row, **at}).on_conflict_do_nothing())
            case MediaMentionReported() as e:
                fields = e.model_dump(mode="python")
                fields.update(medium=e.medium.value, tone=e.tone.value)
                await conn.execute(insert(media_mentions).values({**fields, **at}).on_conflict_do_nothing())
            case FeedbackTimesReported() as e:
                row = {"org_id": e.org_id, "period": e.period, "position": r.position, "answered": e.answered}
                row["average_hours"] = e.average_hours
                await conn.execute(insert(feedback_times).values({**row, **at}).on_conflict_do_nothing())
