"""The contacts service: contact points with consent, information resources and access to them, print runs,
meetings, contact-base submissions."""

from __future__ import annotations

import asyncio

from contracts import contacts as c
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring

from .config import ContactsSettings
from .handlers.channels import ChannelHandlers
from .handlers.contacts import ContactHandlers
from .handlers.duties import DutyHandlers
from .handlers.sheets import SheetHandlers
from .projections.own import OwnProjection
from .projections.registry import RegistryMirror
from .queries.access import AccessQueries
from .queries.channels import ChannelQueries
from .queries.contacts import ContactQueries
from .queries.duties import DutyQueries
from .queries.mirror import KeptTrees
from .tables import READ_MODELS, TREE, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The contacts service's verbs, read models, registry consumer and erasure sweep."""
    if rt.keyring is None:
        raise RuntimeError("contacts keeps personal data: set CONTACTS_MASTER_KEY")
    settings = rt.settings
    assert isinstance(settings, ContactsSettings)
    people = ContactHandlers(rt.store, rt.keyring, settings.erase_withdrawn_after_days)
    resources, done, sheets = ChannelHandlers(rt.store), DutyHandlers(rt.store), SheetHandlers(rt.store)
    mirror = RegistryMirror(rt.keyring).projection()
    trees = KeptTrees(ReadCache(rt.store, "contacts-tree", written_by=mirror), TREE)
    about_people, about_resources = (
        ContactQueries(rt.engine, rt.keyring, rt.store.direct, trees),
        ChannelQueries(rt.engine, trees),
    )
    about_access, about_done = AccessQueries(rt.engine, trees), DutyQueries(rt.engine, trees)
    commands: VerbTable = {
        "add_contact_point": (c.AddContactPoint, people.add_contact_point),
        "grant_consent": (c.GrantConsent, people.grant_consent),
        "withdraw_consent": (c.WithdrawConsent, people.withdraw_consent),
        "merge_contacts": (c.MergeContacts, people.merge_contacts),
        "erase_withdrawn": (c.EraseWithdrawn, people.erase_withdrawn),
        "open_channel": (c.OpenChannel, resources.open_channel),
        "close_channel": (c.CloseChannel, resources.close_channel),
        "refresh_channel": (c.RefreshChannel, resources.refresh_channel),
        "report_channel_stats": (c.ReportChannelStats, resources.report_channel_stats),
        "report_subscription": (c.ReportSubscription, resources.report_subscription),
        "submit_contact_base": (c.SubmitContactBase, resources.submit_contact_base),
        "grant_channel_access": (c.GrantChannelAccess, resources.grant_channel_access),
        "revoke_channel_access": (c.RevokeChannelAccess, resources.revoke_channel_access),
        "record_print_run": (c.RecordPrintRun, done.record_print_run),
        "record_meeting": (c.RecordMeeting, done.record_meeting),
        "choose_sheet_channel": (c.ChooseSheetChannel, sheets.choose_sheet_channel),
        "post_sheet": (c.PostSheet, sheets.post_sheet),
    }
    reads: VerbTable = {
        "list_contact_points": (c.ListContactPoints, about_people.list_contact_points),
        "usable_addresses": (c.UsableAddresses, about_people.usable_addresses),
        "usable_addresses_of": (c.UsableAddressesOf, about_people.usable_addresses_of),
        "find_duplicates": (c.FindDuplicates, about_people.find_duplicates),
        "get_contact_base": (c.GetContactBase, about_people.get_contact_base),
        "list_submissions": (c.ListSubmissions, about_people.list_submissions),
        "get_submission": (c.GetSubmission, about_people.get_submission),
        "list_channels": (c.ListChannels, about_resources.list_channels),
        "list_subscriptions": (c.ListSubscriptions, about_resources.list_subscriptions),
        "get_reach": (c.GetReach, about_resources.get_reach),
        "list_channel_access": (c.ListChannelAccess, about_access.list_channel_access),
        "list_org_access": (c.ListOrgAccess, about_access.list_org_access),
        "list_grantees": (c.ListGrantees, about_access.list_grantees),
        "list_print_runs": (c.ListPrintRuns, about_done.list_print_runs),
        "list_meetings": (c.ListMeetings, about_done.list_meetings),
        "get_sheet_channel": (c.GetSheetChannel, sheets.get_sheet_channel),
    }

    async def sweep(stop: asyncio.Event) -> None:
        await people.sweep_now_and_then(stop, settings.sweep_every_seconds, settings.tz)

    return Wiring(
        # notifications asks, on its own account, where to send; nothing else
        verbs=verbs(commands, reads, services={"usable_addresses": {"notifications"}, "usable_addresses_of": {"notifications"}}),
        inline=[OwnProjection(rt.keyring).apply],
        projections=[mirror],
        read_models=READ_MODELS,
        tasks=[sweep],
    )


def create_service(settings: ContactsSettings | None = None) -> Service:
    """The contacts service, ready to start."""
    return Service(settings or ContactsSettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m contacts`."""
    create_service().serve()
