"""The exchange service: materials up and down the chain, moderation, deliveries; entry point and wiring."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncConnection

from contracts import exchange as x
from kit.projection import Delivered, Projection
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring
from mirrors.treemirror import TREE_EVENTS, KeptTrees, apply_tree

from .config import ExchangeSettings
from .handlers.cascades import CascadeRunner
from .handlers.control import ControlHandlers
from .handlers.deliveries import DeliveryHandlers
from .handlers.materials import MaterialHandlers
from .handlers.reminders import ReminderHandlers
from .projections import own, postings
from .queries.control import ControlQueries
from .queries.materials import MaterialQueries
from .queries.members import MemberQueries
from .queries.sheets import SheetQueries
from .tables import READ_MODELS, TREE, ledger, metadata


async def mirror(conn: AsyncConnection, d: Delivered) -> None:
    """The registry's tree, which routing reads."""
    await apply_tree(conn, TREE, d)


def wire(rt: Runtime) -> Wiring:
    """The exchange's verbs, read models, tree consumer and cascade runner."""
    settings = rt.settings
    assert isinstance(settings, ExchangeSettings)
    tree = Projection("tree", "registry", mirror, TREE_EVENTS)
    trees = KeptTrees(ReadCache(rt.store, "exchange-tree", written_by=tree), TREE)
    materials, deliveries = MaterialHandlers(rt.store, settings, trees), DeliveryHandlers(rt.store, trees)
    control, queue = ControlHandlers(rt.store, trees), ControlQueries(rt.engine, trees)
    queries = MaterialQueries(rt.store, rt.engine, settings.acknowledge_within_days, trees)
    sheets, members = SheetQueries(rt.store, rt.engine, trees), MemberQueries(rt.engine)
    runner = CascadeRunner(rt.store, settings.cascade_chunk)
    commands: VerbTable = {
        "draft_material": (x.DraftMaterial, materials.draft_material),
        "edit_material": (x.EditMaterial, materials.edit_material),
        "receive_material": (x.ReceiveMaterial, materials.receive_material),
        "add_attachment": (x.AddAttachment, materials.add_attachment),
        "remove_attachment": (x.RemoveAttachment, materials.remove_attachment),
        "send_up": (x.SendUp, materials.send_up),
        "cascade": (x.CascadeMaterial, materials.cascade),
        "release_cascade": (x.ReleaseCascade, materials.release_cascade),
        "remind_unread": (x.RemindUnread, ReminderHandlers(rt.store, trees).remind_unread),
        "request_publication": (x.RequestPublication, control.request_publication),
        "moderate": (x.Moderate, control.moderate),
        "confirm_publication": (x.ConfirmPublication, control.confirm_publication),
        "take_down_publication": (x.TakeDownPublication, control.take_down_publication),
        "acknowledge": (x.AcknowledgeDelivery, deliveries.acknowledge),
        "set_policy": (x.SetPolicy, control.set_policy),
        "register_party": (x.RegisterParty, deliveries.register_party),
        "report_participation": (x.ReportParticipation, deliveries.report_participation),
    }
    reads: VerbTable = {
        "get_material": (x.GetMaterial, queries.get_material),
        "get_sheet": (x.GetSheet, sheets.get_sheet),
        "list_deliveries": (x.ListDeliveries, queries.list_deliveries),
        "inbox": (x.Inbox, queries.inbox),
        "list_materials": (x.ListMaterials, queries.list_materials),
        "list_moderation_queue": (x.ListModerationQueue, queue.list_moderation_queue),
        "list_parties": (x.ListParties, queries.list_parties),
        "get_attachment": (x.GetAttachment, queries.get_attachment),
        "list_participation": (x.ListParticipation, queries.list_participation),
        "list_member_materials": (x.ListMemberMaterials, members.list_member_materials),
        "get_member_material": (x.GetMemberMaterial, members.get_member_material),
    }

    async def deliver(stop: asyncio.Event) -> None:
        await runner.run(stop)

    return Wiring(
        verbs=verbs(commands, reads),
        inline=[own.apply],
        projections=[
            tree,
            Projection("postings", "contacts", postings.apply, postings.EVENTS, reads=False),
        ],
        read_models=READ_MODELS,
        tasks=[deliver],
        roles={"cascades": lambda: runner.leading},
    )


def create_service(settings: ExchangeSettings | None = None) -> Service:
    """The exchange, ready to start."""
    return Service(settings or ExchangeSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m exchange`."""
    create_service().serve()
