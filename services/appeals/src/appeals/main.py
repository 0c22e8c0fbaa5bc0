"""The appeals service: life situations and members' appeals, answered, escalated when late (D1, K7); wiring."""

from __future__ import annotations

import asyncio

from contracts import appeals as ap
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring
from mirrors.treemirror import KeptTrees

from .config import AppealsSettings
from .escalator import Escalator
from .handlers import AppealHandlers
from .projections import own
from .projections.registry import RegistryMirror
from .queries.appeals import AppealQueries
from .tables import READ_MODELS, TREE, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The appeals service's verbs, read models, registry consumer and escalator."""
    if rt.keyring is None:
        raise RuntimeError("appeals keeps personal data: set APPEALS_MASTER_KEY")
    settings = rt.settings
    assert isinstance(settings, AppealsSettings)
    escalator = Escalator(rt.store, settings)
    mirror = RegistryMirror(rt.keyring, escalator.look_soon).projection()
    trees = KeptTrees(ReadCache(rt.store, "appeals-tree", written_by=mirror), TREE)
    handlers, queries = AppealHandlers(rt.store, rt.keyring, trees), AppealQueries(rt.engine, rt.keyring, trees)
    commands: VerbTable = {
        "define_situation": (ap.DefineSituation, handlers.define_situation),
        "retire_situation": (ap.RetireSituation, handlers.retire_situation),
        "file_appeal": (ap.FileAppeal, handlers.file_appeal),
        "answer_appeal": (ap.AnswerAppeal, handlers.answer_appeal),
        "assign_appeal": (ap.AssignAppeal, handlers.assign_appeal),
        "ask_member": (ap.AskMember, handlers.ask_member),
        "supplement_appeal": (ap.SupplementAppeal, handlers.supplement_appeal),
        "close_appeal": (ap.CloseAppeal, handlers.close_appeal),
    }
    reads: VerbTable = {
        "list_situations": (ap.ListSituations, queries.list_situations),
        "get_appeal": (ap.GetAppeal, queries.get_appeal),
        "list_appeals": (ap.ListAppeals, queries.list_appeals),
        "list_my_appeals": (ap.ListMyAppeals, queries.list_my_appeals),
        "list_my_orgs": (ap.ListMyOrgs, queries.list_my_orgs),
    }

    async def escalate(stop: asyncio.Event) -> None:
        await escalator.run(stop)

    return Wiring(
        verbs=verbs(commands, reads),
        inline=[own.apply],
        projections=[mirror],
        read_models=READ_MODELS,
        tasks=[escalate],
    )


def create_service(settings: AppealsSettings | None = None) -> Service:
    """The appeals service, ready to start."""
    return Service(settings or AppealsSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m appeals`."""
    create_service().serve()
