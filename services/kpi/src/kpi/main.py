"""The kpi service: indicators K1–K9 per org per period from every context's facts, targets, roll-ups,
rankings, series, and closed periods with their restatements."""

from __future__ import annotations

from contracts import kpi as k
from kit.projection import Projection
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring

from .config import KpiSettings
from .handlers import KpiHandlers
from .projections import sources
from .projections.own import apply_own
from .queries.kpi import KpiQueries
from .tables import READ_MODELS, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The kpi service's verbs, own read models and consumers of the registry, contacts, exchange and appeals."""
    handlers, queries = KpiHandlers(rt.store), KpiQueries(rt.engine, ReadCache(rt.store, "kpi"))
    commands: VerbTable = {
        "set_targets": (k.SetTargets, handlers.set_targets),
        "close_period": (k.ClosePeriod, handlers.close_period),
        "report_media_mention": (k.ReportMediaMention, handlers.report_media_mention),
        "report_feedback_times": (k.ReportFeedbackTimes, handlers.report_feedback_times),
    }
    reads: VerbTable = {
        "get_kpi": (k.GetKpi, queries.get_kpi),
        "get_targets": (k.GetTargets, queries.get_targets),
        "list_ranking": (k.ListRanking, queries.list_ranking),
        "get_series": (k.GetSeries, queries.get_series),
        "list_media_mentions": (k.ListMediaMentions, queries.list_media_mentions),
    }
    return Wiring(
        verbs=verbs(commands, reads),
        inline=[apply_own],
        projections=[
            Projection("registry", "registry", sources.from_registry, sources.REGISTRY_EVENTS),
            Projection("contacts", "contacts", sources.from_contacts, sources.CONTACTS_EVENTS),
            sources.ExchangeSource(rt.settings.tz).projection(),
            sources.AppealsSource(rt.settings.tz).projection(),
        ],
        read_models=READ_MODELS,
    )


def create_service(settings: KpiSettings | None = None) -> Service:
    """The kpi service, ready to start."""
    return Service(settings or KpiSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m kpi`."""
    create_service().serve()
