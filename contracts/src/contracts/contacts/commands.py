"""Commands and queries of the contacts service (`svc.contacts.<verb>`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt

from ..base import NOT_A_BOOL, Count, Lines, OneLine, Payload
from ..people import PERSON_ID
from ..registry import NAME, ORG_ID, AsOf
from .access import (
    GrantChannelAccess,
    ListChannelAccess,
    ListGrantees,
    ListOrgAccess,
    RevokeChannelAccess,
)
from .events import (
    CHANNEL_ID,
    CONTACT_ID,
    PERIOD,
    Audience,
    ChannelKind,
    ConsentMethod,
    ContactKind,
    Format,
    PrintKind,
    Publication,
)

YEAR = Field(None, ge=1800, le=2199, description="Calendar year; defaults to this year", examples=[2026])


class Consent(Payload):
    """When and how the owner consented."""

    given_at: date = Field(description="When consent was given")
    method: ConsentMethod = Field(description="How it was given")


class ContactPoint(Payload):
    """A contact point (the body of `POST /people/{id}/contact-points`)."""

    kind: ContactKind = Field(description="What kind of address", examples=["work_email"])
    value: OneLine = Field(
        min_length=3, max_length=200, description="E-mail, phone or messenger handle", examples=["ivanov@verf.ru"]
    )
    consent: Consent | None = Field(None, description="Required before a personal address is used (T4)")


class AddContactPoint(ContactPoint):
    """Record a contact point of a person."""

    person_id: str = PERSON_ID


class GrantConsent(Consent):
    """Record the owner's consent to use a personal address."""

    contact_id: str = CONTACT_ID


class Withdrawal(Payload):
    """When consent was withdrawn (the body of `POST /contact-points/{id}/consent-withdrawal`)."""

    at: date | None = Field(None, description="Defaults to today")


class WithdrawConsent(Withdrawal):
    """Record that the owner withdrew consent."""

    contact_id: str = CONTACT_ID


class Merge(Payload):
    """Which contact point a duplicate merges into (the body of `POST /contact-points/{id}/merge`)."""

    into_contact_id: str = Field(description="The contact point that stays")


class MergeContacts(Merge):
    """Merge a duplicate contact point into another with the same normalised address."""

    contact_id: str = CONTACT_ID


class EraseWithdrawn(Payload):
    """Erase every address whose consent was withdrawn more than the grace period ago (PD1: within 30 days)."""

    today: date | None = Field(None, description="The day to count from; defaults to today")


class ListContactPoints(Payload):
    """A person's contact points."""

    person_id: str = PERSON_ID


class UsableAddresses(Payload):
    """A person's addresses usable right now (consent honoured): the one way plaintext leaves contacts."""

    person_id: str = PERSON_ID
    kinds: list[ContactKind] | None = Field(None, description="Only these kinds")


class UsableAddressesOf(Payload):
    """Several people's addresses usable right now (consent honoured), in one request: for a sender going through
    a batch of letters. Each address names its person; a person with none usable is simply absent."""

    person_ids: list[str] = Field(min_length=1, max_length=100, description="Opaque ids of the people (at most 100)")
    kinds: list[ContactKind] | None = Field(None, description="Only these kinds")


class FindDuplicates(Payload):
    """Contact points with the same normalised address within an org's subtree."""

    org_id: str = ORG_ID


class Channel(Payload):
    """An information resource to open (the body of `POST /orgs/{id}/channels`)."""

    kind: ChannelKind = Field(description="What kind of resource")
    name: OneLine = NAME
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$", description="Where it lives, if online")
    audience: Audience = Field(Audience.MEMBERS, description="Whom it is for")
    since: date | None = Field(None, description="Defaults to today")


class OpenChannel(Channel):
    """Open an information resource of an org."""

    org_id: str = ORG_ID


class Closure(Payload):
    """When a resource closes (the body of `POST /channels/{id}/closure`)."""

    effective_on: date | None = Field(None, description="First day it no longer runs; defaults to today")
    reason: Lines | None = Field(None, max_length=500, description="Why")


class CloseChannel(Closure):
    """Close an information resource."""

    channel_id: str = CHANNEL_ID


class Update(Payload):
    """When a resource was refreshed (the body of `POST /channels/{id}/updates`)."""

    at: date | None = Field(None, description="Defaults to today")


class RefreshChannel(Update):
    """Record a refresh of a resource (P1)."""

    channel_id: str = CHANNEL_ID


class Stats(Payload):
    """Audience figures for a period (the body of `POST /channels/{id}/stats`)."""

    period: str = PERIOD
    subscribers: Annotated[int, Field(ge=0, le=100_000_000), NOT_A_BOOL] | None = Field(
        None, description="Subscribers at the period's end"
    )
    visits: Annotated[int, Field(ge=0, le=10_000_000_000), NOT_A_BOOL] | None = Field(
        None, description="Visits or views in the period"
    )
    engagement: Annotated[int, Field(ge=0, le=10_000_000_000), NOT_A_BOOL] | None = Field(
        None, description="Reactions, comments, shares"
    )


class ReportChannelStats(Stats):
    """Report a resource's audience figures (K4)."""

    channel_id: str = CHANNEL_ID


class SheetChannel(Payload):
    """The channel an org's sheets point to (the body of `PUT /orgs/{id}/sheet-channel`); null: none chosen."""

    channel_id: str | None = Field(None, max_length=100, description="One of the org's running electronic channels with a URL")


class ChooseSheetChannel(SheetChannel):
    """Choose the electronic channel an org's printed sheets point to with a QR code (D2, K6)."""

    org_id: str = ORG_ID


class GetSheetChannel(Payload):
    """The electronic channel an org's printed sheets point to today: the chosen one while it runs, else the first
    running chat, social page, website or mailing list with a URL; null: none."""

    org_id: str = ORG_ID


class Posting(Payload):
    """A printed sheet posted on an org's notice board (the body of `POST /materials/{id}/sheet/postings`, P1)."""

    org_id: str = ORG_ID
    at: date | None = Field(None, description="The day it was posted; defaults to today, never after it")
    channel_id: str | None = Field(None, max_length=100, description="Which notice board, if the org runs several")


class PostSheet(Posting):
    """Record a material's sheet posted on the org's notice board: a refresh of the board (P1) naming the material."""

    material_id: str = Field(max_length=100, description="The exchange material the sheet was printed from")


class ListChannels(AsOf):
    """An org's information resources running on `as_of`, with their last refresh and figures."""

    org_id: str = ORG_ID


class Subscription(Payload):
    """A year's subscription (the body of `POST /orgs/{id}/subscriptions`)."""

    publication: Publication = Field(description="The edition", examples=["solidarnost"])
    copies: Count = Field(ge=1, le=1_000_000, description="Copies", examples=[6])
    year: int = Field(ge=1900, le=2200, description="Calendar year", examples=[2026])
    format: Format = Field(Format.PRINT, description="Print or electronic")


class ReportSubscription(Subscription):
    """Report an org's subscription for a year (P11)."""

    org_id: str = ORG_ID


class ListSubscriptions(AsOf):
    """An org's subscriptions for the year of `as_of`."""

    org_id: str = ORG_ID


class Submission(Payload):
    """The date of the copy (the body of `POST /orgs/{id}/contact-base/submissions`)."""

    at: date | None = Field(None, description="Defaults to today")


class SubmitContactBase(Submission):
    """Freeze an org's contact base for its parent (P10, T7)."""

    org_id: str = ORG_ID


class ListSubmissions(Payload):
    """An org's submissions, newest first."""

    org_id: str = ORG_ID


class GetSubmission(Payload):
    """A frozen contact base with its entries; values only for readers of personal data, consent honoured."""

    submission_id: str = Field(description="Opaque id of the submission")


class GetContactBase(AsOf):
    """An org's contact base as it stands on `as_of` (live, not frozen)."""

    org_id: str = ORG_ID


class GetReach(AsOf):
    """How many of an org's members its electronic channels cover (K6), as of a date."""

    org_id: str = ORG_ID


class PrintRun(Payload):
    """Agitation material printed (the body of `POST /orgs/{id}/print-runs`, P2)."""

    on: date | None = Field(None, description="The day it was printed; defaults to today, never after it")
    kind: PrintKind = Field(description="Newspaper, leaflet, information sheet or poster", examples=["leaflet"])
    title: OneLine = Field(
        min_length=1, max_length=300, description="What was printed", examples=["Итоги колдоговорной кампании"]
    )
    copies: StrictInt = Field(ge=1, le=10_000_000, description="Copies printed (at least one)", examples=[50])
    material_id: str | None = Field(None, max_length=100, description="The exchange material it was printed from, if any")


class RecordPrintRun(PrintRun):
    """Record a print run of an org's agitation material (P2)."""

    org_id: str = ORG_ID


class ListPrintRuns(Payload):
    """An org's print runs dated in a calendar year, newest first."""

    org_id: str = ORG_ID
    year: int | None = YEAR
    known_on: date | None = Field(None, description="Only facts recorded by the end of this day count")


class Meeting(Payload):
    """An information meeting of members (the body of `POST /orgs/{id}/meetings`, P7)."""

    on: date | None = Field(None, description="The day it was held; defaults to today, never after it")
    topic: OneLine = Field(min_length=1, max_length=300, description="What it was about", examples=["Индексация зарплаты"])
    attendees: StrictInt = Field(ge=0, le=1_000_000, description="Members present", examples=[120])
    chair_spoke: StrictBool = Field(description="The chair spoke (P7)")
    elected_body_spoke: StrictBool = Field(False, description="Members of the elected body spoke (P7)")


class RecordMeeting(Meeting):
    """Record an information meeting an org held (P7)."""

    org_id: str = ORG_ID


class ListMeetings(Payload):
    """An org's information meetings held in a calendar year, newest first."""

    org_id: str = ORG_ID
    year: int | None = YEAR
    known_on: date | None = Field(None, description="Only facts recorded by the end of this day count")


VERBS: dict[str, type[Payload]] = {
    "add_contact_point": AddContactPoint,
    "grant_consent": GrantConsent,
    "withdraw_consent": WithdrawConsent,
    "merge_contacts": MergeContacts,
    "erase_withdrawn": EraseWithdrawn,
    "list_contact_points": ListContactPoints,
    "usable_addresses": UsableAddresses,
    "usable_addresses_of": UsableAddressesOf,
    "find_duplicates": FindDuplicates,
    "open_channel": OpenChannel,
    "close_channel": CloseChannel,
    "refresh_channel": RefreshChannel,
    "report_channel_stats": ReportChannelStats,
    "list_channels": ListChannels,
    "choose_sheet_channel": ChooseSheetChannel,
    "get_sheet_channel": GetSheetChannel,
    "post_sheet": PostSheet,
    "report_subscription": ReportSubscription,
    "list_subscriptions": ListSubscriptions,
    "submit_contact_base": SubmitContactBase,
    "list_submissions": ListSubmissions,
    "get_submission": GetSubmission,
    "get_contact_base": GetContactBase,
    "get_reach": GetReach,
    "record_print_run": RecordPrintRun,
    "list_print_runs": ListPrintRuns,
    "record_meeting": RecordMeeting,
    "list_meetings": ListMeetings,
    "grant_channel_access": GrantChannelAccess,
    "revoke_channel_access": RevokeChannelAccess,
    "list_channel_access": ListChannelAccess,
    "list_org_access": ListOrgAccess,
    "list_grantees": ListGrantees,
}
"""What `svc.contacts.<verb>` accepts."""
