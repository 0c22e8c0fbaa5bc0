"""Commands recording what an org did: print runs of agitation material (P2) and information meetings (P7)."""

from __future__ import annotations

from contracts.contacts import RecordMeeting, RecordPrintRun
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore

from ..domain import duties
from .channels import allowed


class DutyHandlers:
    """Commands about print runs and meetings; staff of the org or of an org above it today may record them (§5)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def record_print_run(self, c: RecordPrintRun, ctx: Context) -> Committed:
        """Records a print run on `on` (default today, never after it)."""
        on, print_run_id = c.on or ctx.today, new_id()
        exists = await allowed(self.store, c.org_id, on, ctx)
        events = duties.decide_print_run(exists, print_run_id, c.org_id, on, ctx.today, c.kind, c.title, c.copies, c.material_id)
        data = {"id": print_run_id, "org_id": c.org_id, "on": on.isoformat(), "copies": c.copies}
        return await self.store.append(f"print-run-{print_run_id}", events, expected_version=0, meta=ctx.meta, data=data)

    async def record_meeting(self, c: RecordMeeting, ctx: Context) -> Committed:
        """Records an information meeting held on `on` (default today, never after it)."""
        on, meeting_id = c.on or ctx.today, new_id()
        exists = await allowed(self.store, c.org_id, on, ctx)
        events = duties.decide_meeting(
            exists, meeting_id, c.org_id, on, ctx.today, c.topic, c.attendees, c.chair_spoke, c.elected_body_spoke
        )
        data = {"id": meeting_id, "org_id": c.org_id, "on": on.isoformat()}
        return await self.store.append(f"meeting-{meeting_id}", events, expected_version=0, meta=ctx.meta, data=data)
