"""The audits service: compliance of any org on any date, yearly audits, P8 plans and contests."""

from __future__ import annotations

from contracts import audits as a
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring

from .config import AuditsSettings
from .handlers.audits import AuditHandlers
from .handlers.deskreview import DeskReviewHandlers
from .handlers.plans import PlanHandlers
from .handlers.reviews import ReviewHandlers
from .projections import own
from .projections.facts import PROJECTIONS
from .queries.audits import AuditQueries
from .queries.compliance import ComplianceQueries
from .queries.contest import ContestQueries
from .queries.plans import PlanQueries
from .tables import READ_MODELS, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The audits service's verbs, read models and consumers of registry and contacts facts."""
    audit, plan, review = AuditHandlers(rt.store), PlanHandlers(rt.store), ReviewHandlers(rt.store, rt.engine)
    desk = DeskReviewHandlers(rt.store, rt.engine)
    compliance, audits, plans, contests = (
        ComplianceQueries(ReadCache(rt.store, "audits")),
        AuditQueries(rt.engine),
        PlanQueries(rt.engine),
        ContestQueries(rt.engine),
    )
    commands: VerbTable = {
        "schedule_audit": (a.ScheduleAudit, audit.schedule_audit),
        "start_audit": (a.StartAudit, audit.start_audit),
        "record_finding": (a.RecordFinding, audit.record_finding),
        "complete_audit": (a.CompleteAudit, audit.complete_audit),
        "assign_remediation": (a.AssignRemediation, audit.assign_remediation),
        "close_remediation": (a.CloseRemediation, audit.close_remediation),
        "submit_plan": (a.SubmitPlan, plan.submit_plan),
        "report_on_plan": (a.ReportOnPlan, plan.report_on_plan),
        "record_review": (a.RecordReview, review.record_review),
        "plan_desk_review": (a.PlanDeskReview, desk.plan_desk_review),
        "reschedule_desk_review": (a.RescheduleDeskReview, desk.reschedule_desk_review),
    }
    reads: VerbTable = {
        "get_compliance": (a.GetCompliance, compliance.get_compliance),
        "summarise_compliance": (a.SummariseCompliance, compliance.summarise_compliance),
        "get_audit": (a.GetAudit, audits.get_audit),
        "list_audits": (a.ListAudits, audits.list_audits),
        "get_audit_plan": (a.GetAuditPlan, audits.get_audit_plan),
        "list_remediation": (a.ListRemediation, audits.list_remediation),
        "list_plans": (a.ListPlans, plans.list_plans),
        "list_missing_plans": (a.ListMissingPlans, plans.list_missing_plans),
        "rank_contest": (a.RankContest, contests.rank_contest),
        "list_rules": (a.ListRules, compliance.list_rules),
        "list_reviews": (a.ListReviews, review.list_reviews),
        "get_desk_review": (a.GetDeskReview, desk.get_desk_review),
    }
    return Wiring(verbs=verbs(commands, reads), inline=[own.apply], projections=PROJECTIONS, read_models=READ_MODELS)


def create_service(settings: AuditsSettings | None = None) -> Service:
    """The audits service, ready to start."""
    return Service(settings or AuditsSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m audits`."""
    create_service().serve()
