"""Commands of the yearly audits (C1, T1): schedule, start with a pre-filled checklist, findings, completion,
remediation. Load → decide → append, one stream per audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.audits import (
    AssignRemediation,
    ChecklistItem,
    CloseRemediation,
    CompleteAudit,
    RecordFinding,
    ScheduleAudit,
    StartAudit,
)
from contracts.base import Event
from kit.access import require
from kit.errors import invalid, not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Committed, EventStore, Fold
from mirrors.treemirror import Orgs, orgs_on

from ..domain import audit
from ..domain.audit import Audit
from ..queries.compliance import verdicts_of
from ..tables import TREE

AUDIT_FOLD = Fold(audit.NONE, audit.evolve)


def audit_stream(audit_id: str) -> str:
    return f"audit-{audit_id}"


def may_audit(tree: Orgs, org_id: str, by_org_id: str) -> bool:
    """C1, T1: the org's parent, or the CC for any structural org under it."""
    above = tree.lineage(org_id)[1:]
    return by_org_id in above and (by_org_id == above[0] or tree.levels[by_org_id] == "central")


def may_act(tree: Orgs, ctx: Context, current: Audit, closes: bool = False) -> None:
    """§5 on today's tree: an auditor of the auditing org acts on an audit while the audited org is still in their
    subtree (an org that leaves takes its audits along); `closes`: staff over the audited org close its items."""
    if closes and tree.may(ctx.actor, "report_facts", current.org_id):
        return
    tree.require(ctx.actor, "audit", current.by_org_id)
    require(ctx.actor, "audit", tree.reach(current.org_id))


class AuditHandlers:
    """The audit commands."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def _tree(self, day: date, today: date) -> Orgs:
        async with self.store.engine.connect() as conn:
            return await orgs_on(conn, TREE, day, today)

    async def schedule_audit(self, c: ScheduleAudit, ctx: Context) -> Committed:
        """Puts an org's audit into the auditing org's plan for `planned_on`."""
        tree = await self._tree(c.planned_on, ctx.today)
        # the audited org where it stands today: a past `planned_on` never reaches one that has left the subtree
        require(ctx.actor, "audit", tree.reach(c.org_id))
        if not tree.exists(c.org_id):
            raise invalid("planned_on", f"the org does not exist on {c.planned_on}")
        by_org_id = c.by_org_id or tree.parents.get(c.org_id)
        if by_org_id is None or not tree.exists(by_org_id):
            raise invalid("by_org_id", "the CC has no auditing org above it", rule="C1")
        tree.require(ctx.actor, "audit", by_org_id, field="by_org_id")
        audit_id = new_id()
        events = audit.decide_schedule(audit_id, c.org_id, by_org_id, c.planned_on, may_audit(tree, c.org_id, by_org_id))
        data = {"id": audit_id, "org_id": c.org_id, "by_org_id": by_org_id}
        return await self.store.append(audit_stream(audit_id), events, expected_version=0, meta=ctx.meta, data=data)

    async def _change(
        self, audit_id: str, ctx: Context, decide: Callable[[Audit], list[Event]], closes: bool = False
    ) -> Committed:
        """Loads the audit, checks the actor may audit for its auditing org (or, `closes`, report for the audited
        one), decides and appends."""
        current, version = await self.store.load(audit_stream(audit_id), AUDIT_FOLD)
        if not current.audit_id:
            raise not_found("audit", field="audit_id")
        may_act(await self._tree(ctx.today, ctx.today), ctx, current, closes)
        events = decide(current)
        data = {"id": audit_id, "org_id": current.org_id}
        return await self.store.append(audit_stream(audit_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def start_audit(self, c: StartAudit, ctx: Context) -> Committed:
        """Starts the audit on `started_on` with every rule's verdict on that day as its checklist."""
        day = c.started_on or ctx.today
        current, _ = await self.store.load(audit_stream(c.audit_id), AUDIT_FOLD)
        checklist: list[ChecklistItem] = []
        if current.audit_id:
            may_act(await self._tree(ctx.today, ctx.today), ctx, current)  # before the checklist tells the org's facts
            async with self.store.engine.connect() as conn:
                tree = await orgs_on(conn, TREE, day, ctx.today)
                if not tree.exists(current.org_id):
                    raise invalid("started_on", f"the org does not exist on {day}")
                found = (await verdicts_of(conn, tree, [current.org_id]))[current.org_id]
            checklist = [ChecklistItem(rule=v.rule, status=v.status, detail=v.detail, detail_ru=v.detail_ru) for v in found]
        return await self._change(c.audit_id, ctx, lambda a: audit.decide_start(a, day, checklist, ctx.today))

    async def record_finding(self, c: RecordFinding, ctx: Context) -> Committed:
        """Records a finding against a rule in an audit under way."""
        finding_id = new_id()
        return await self._change(c.audit_id, ctx, lambda a: audit.decide_finding(a, finding_id, c.rule, c.severity, c.note))

    async def complete_audit(self, c: CompleteAudit, ctx: Context) -> Committed:
        """Completes an audit; the audited org counts as checked on that day."""
        day = c.completed_on or ctx.today
        current, _ = await self.store.load(audit_stream(c.audit_id), AUDIT_FOLD)
        exists = not current.audit_id or (await self._tree(day, ctx.today)).exists(current.org_id)
        return await self._change(c.audit_id, ctx, lambda a: audit.decide_complete(a, day, c.score, ctx.today, exists))

    async def assign_remediation(self, c: AssignRemediation, ctx: Context) -> Committed:
        """Assigns an item to put right, owned by a post, with a deadline."""
        item_id = new_id()
        return await self._change(
            c.audit_id, ctx, lambda a: audit.decide_remediation(a, item_id, c.action, c.owner_role, c.due_on, c.finding_id)
        )

    async def close_remediation(self, c: CloseRemediation, ctx: Context) -> Committed:
        """Closes a remediation item as put right."""
        day = c.closed_on or ctx.today
        return await self._change(
            c.audit_id, ctx, lambda a: audit.decide_close(a, c.item_id, day, c.note, ctx.today), closes=True
        )
