"""The contacts service's public events, commands and queries: people's contact points with consent (T4,
PD1), the orgs' information resources (P1, P3–P5, K4) and the access they give to them (P10, T7), subscriptions
(P11), print runs (P2), information meetings (P7) and contact-base submissions (P10, T7). Contact values travel
sealed, each with its own key, so one address can be erased alone."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from ..base import Event, Payload
from ..people import PERSON_ID
from ..registry import NAME, ORG_ID

CONTACT_ID = Field(description="Opaque id of the contact point", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a40"])
CHANNEL_ID = Field(description="Opaque id of the information resource", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a50"])
SEALED = "Encrypted with the contact point's own key (`pd1:` + base64 of AES-GCM); unreadable once erased"
PERIOD = Field(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", description="A year, quarter or month", examples=["2026-Q3"])


class ContactKind(StrEnum):
    """A way to reach a person (DESIGN.md §7)."""

    WORK_EMAIL = "work_email"
    PERSONAL_EMAIL = "personal_email"
    MOBILE = "mobile"
    MESSENGER = "messenger"


PERSONAL_KINDS = frozenset({ContactKind.PERSONAL_EMAIL, ContactKind.MOBILE, ContactKind.MESSENGER})
"""Personal addresses: usable only with the owner's recorded consent (T4, PD1)."""


class ConsentMethod(StrEnum):
    """How consent was given."""

    WRITTEN = "written"
    ELECTRONIC = "electronic"
    ORAL_RECORDED = "oral_recorded"


class ChannelKind(StrEnum):
    """An information resource of an org (RULES.md vocabulary)."""

    MAILING_LIST = "mailing_list"
    CHAT = "chat"
    SOCIAL_PAGE = "social_page"
    WEBSITE = "website"
    NOTICE_BOARD = "notice_board"
    PRINT = "print"
    FEEDBACK_FORM = "feedback_form"
    HOTLINE = "hotline"


ELECTRONIC = frozenset({ChannelKind.MAILING_LIST, ChannelKind.CHAT})
"""Electronic channels with members at minimum (P3, T4): what reach (K6) counts."""

SHEET_LINKS = (ChannelKind.CHAT, ChannelKind.SOCIAL_PAGE, ChannelKind.WEBSITE, ChannelKind.MAILING_LIST)
"""Electronic channels a printed sheet may point to with a QR code (D2, K6), in the order one is taken when the org
chose none: a chat first, as a reader at the board joins it in one step."""


class Audience(StrEnum):
    """Whom a channel is for (T3, T4, C2)."""

    MEMBERS = "members"
    ACTIVISTS = "activists"
    CHAIRS = "chairs"
    PUBLIC = "public"


class Publication(StrEnum):
    """Editions an org subscribes to (P11)."""

    SOLIDARNOST = "solidarnost"
    PROFSOYUZNY_ZHURNAL = "profsoyuzny_zhurnal"
    BRANCH = "branch"
    REGIONAL = "regional"


class Format(StrEnum):
    """Print or electronic copies."""

    PRINT = "print"
    ELECTRONIC = "electronic"


# --- events -------------------------------------------------------------------------------------


class ContactAdded(Event, context="contacts", aggregate="contact", name="added", subject_field="contact_id"):
    """A contact point of a person was recorded in an org's contact base."""

    contact_id: str = CONTACT_ID
    person_id: str = PERSON_ID
    org_id: str = Field(description="The org whose base holds it (the person's org when recorded)")
    kind: ContactKind = Field(description="What kind of address", examples=["work_email"])
    value: str = Field(description=f"The normalised address. {SEALED}", examples=["pd1:q83vEjRWeJASNFZ4kBI0Vg=="])


class ConsentGranted(Event, context="contacts", aggregate="consent", name="granted", subject_field="contact_id"):
    """The owner consented to the use of a personal address (T4, PD1)."""

    contact_id: str = CONTACT_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    given_at: date = Field(description="When consent was given", examples=["2026-02-01"])
    method: ConsentMethod = Field(description="How it was given", examples=["written"])
    recorded_by: str = Field(description="The user who recorded it", examples=["staff.spb"])


class ConsentWithdrawn(Event, context="contacts", aggregate="consent", name="withdrawn", subject_field="contact_id"):
    """The owner withdrew consent: the address is unusable for the very next send and is erased later."""

    contact_id: str = CONTACT_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    at: date = Field(description="When it was withdrawn", examples=["2026-05-01"])
    recorded_by: str = Field(description="The user who recorded it")


class ContactMerged(Event, context="contacts", aggregate="contact", name="merged", subject_field="contact_id"):
    """A duplicate contact point was merged into another holding the same normalised address."""

    contact_id: str = Field(description="The duplicate, retired by the merge")
    into_contact_id: str = Field(description="The contact point that stays")
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    recorded_by: str = Field(description="The user who merged them")


class ContactErased(Event, context="contacts", aggregate="contact", name="erased", subject_field="contact_id"):
    """A contact point's value was destroyed (its key): consent withdrawn and no other basis (PD1)."""

    contact_id: str = CONTACT_ID
    person_id: str = PERSON_ID
    org_id: str = ORG_ID
    reason: str = Field(description="Why", examples=["consent withdrawn on 2026-05-01; no other basis"])


class ChannelOpened(Event, context="contacts", aggregate="channel", name="opened", subject_field="channel_id"):
    """An org opened an information resource from `since`."""

    channel_id: str = CHANNEL_ID
    org_id: str = ORG_ID
    kind: ChannelKind = Field(description="What kind of resource", examples=["notice_board"])
    name: str = NAME
    url: str | None = Field(None, max_length=500, description="Where it lives, if online", examples=["https://t.me/sudprof"])
    audience: Audience = Field(Audience.MEMBERS, description="Whom it is for")
    since: date = Field(description="Valid date it opened", examples=["2020-09-01"])


class ChannelClosed(Event, context="contacts", aggregate="channel", name="closed", subject_field="channel_id"):
    """An information resource closed on `effective_on` (gone from that day)."""

    channel_id: str = CHANNEL_ID
    org_id: str = ORG_ID
    effective_on: date = Field(description="First day it no longer runs")
    reason: str | None = Field(None, max_length=500, description="Why")


class ChannelRefreshed(Event, context="contacts", aggregate="channel", name="refreshed", subject_field="channel_id"):
    """A resource (e.g. a notice board, P1) was refreshed on `at`."""

    channel_id: str = CHANNEL_ID
    org_id: str = ORG_ID
    at: date = Field(description="When", examples=["2026-11-20"])
    material_id: str | None = Field(
        None, description="The exchange material whose printed sheet was posted (a notice board's refresh from a sheet)"
    )


class SheetPosted(Event, context="contacts", aggregate="channel", name="sheet_posted", subject_field="channel_id"):
    """A material's printed sheet was posted on a notice board on `at` (P1): recorded with the board's refresh, so
    that a follower of postings alone (exchange's inbox) takes no other refresh."""

    channel_id: str = CHANNEL_ID
    org_id: str = ORG_ID
    at: date = Field(description="When", examples=["2026-11-20"])
    material_id: str = Field(description="The exchange material whose sheet was posted")


class SheetChannelSelected(Event, context="contacts", aggregate="sheet_channel", name="selected", subject_field="org_id"):
    """An org chose which of its electronic channels its printed sheets point to with a QR code (D2, K6); null: none
    chosen, the sheets take the first running one of `SHEET_LINKS`."""

    org_id: str = ORG_ID
    channel_id: str | None = Field(None, description="The chosen channel (a running chat, social page, website or list)")


class ChannelStatsReported(Event, context="contacts", aggregate="channel", name="stats_reported", subject_field="channel_id"):
    """Audience figures of a resource for a period (K4); a later report for the same period restates it."""

    channel_id: str = CHANNEL_ID
    org_id: str = ORG_ID
    period: str = PERIOD
    subscribers: int | None = Field(None, ge=0, description="Subscribers or members of the list/chat at the period's end")
    visits: int | None = Field(None, ge=0, description="Visits or views in the period")
    engagement: int | None = Field(None, ge=0, description="Reactions, comments and shares in the period")


class SubscriptionReported(Event, context="contacts", aggregate="subscription", name="reported", subject_field="org_id"):
    """An org's subscription to an edition for a calendar year (P11); a later report restates it."""

    org_id: str = ORG_ID
    year: int = Field(ge=1900, le=2200, description="Calendar year", examples=[2026])
    publication: Publication = Field(description="The edition", examples=["solidarnost"])
    copies: int = Field(ge=1, le=1_000_000, description="Copies subscribed", examples=[6])
    format: Format = Field(Format.PRINT, description="Print or electronic")


class PrintKind(StrEnum):
    """Printed agitation material (P2)."""

    NEWSPAPER = "newspaper"
    LEAFLET = "leaflet"
    INFORMATION_SHEET = "information_sheet"
    POSTER = "poster"


class PrintRunRecorded(Event, context="contacts", aggregate="print_run", name="recorded", subject_field="print_run_id"):
    """An org printed agitation material on `on` (P2, K3): what, how many copies, from which material if any."""

    print_run_id: str = Field(description="Opaque id of the print run")
    org_id: str = ORG_ID
    on: date = Field(description="The day it was printed", examples=["2026-11-20"])
    kind: PrintKind = Field(description="Newspaper, leaflet, information sheet or poster", examples=["leaflet"])
    title: str = Field(min_length=1, max_length=300, description="What was printed", examples=["Итоги колдоговорной кампании"])
    copies: int = Field(ge=1, le=10_000_000, description="Copies printed", examples=[50])
    material_id: str | None = Field(None, description="The exchange material it was printed from, if any")


class MeetingHeld(Event, context="contacts", aggregate="meeting", name="held", subject_field="meeting_id"):
    """An information meeting of members was held on `on` (P7); who spoke is recorded, never names."""

    meeting_id: str = Field(description="Opaque id of the meeting")
    org_id: str = ORG_ID
    on: date = Field(description="The day it was held", examples=["2026-10-02"])
    topic: str = Field(min_length=1, max_length=300, description="What it was about", examples=["Индексация зарплаты"])
    attendees: int = Field(ge=0, le=1_000_000, description="Members present", examples=[120])
    chair_spoke: bool = Field(description="The chair spoke (P7)")
    elected_body_spoke: bool = Field(False, description="Members of the elected body spoke (P7)")


class ChannelAccessGranted(Event, context="contacts", aggregate="channel", name="access_granted", subject_field="channel_id"):
    """An org gave another org access to one of its channels from `since` (P10: the parent; T7: the CC's department)."""

    channel_id: str = CHANNEL_ID
    org_id: str = Field(description="The org whose channel it is")
    to_org_id: str = Field(description="The org given access")
    since: date = Field(description="From when", examples=["2026-01-15"])


class ChannelAccessRevoked(Event, context="contacts", aggregate="channel", name="access_revoked", subject_field="channel_id"):
    """An org withdrew another org's access to one of its channels from `effective_on`."""

    channel_id: str = CHANNEL_ID
    org_id: str = Field(description="The org whose channel it is")
    to_org_id: str = Field(description="The org whose access ends")
    effective_on: date = Field(description="First day without access")


class BaseEntry(Payload):
    """One line of a frozen contact base: a post holder and one of their contact points (no value)."""

    person_id: str = PERSON_ID
    role: str = Field(description="Their post (chair, info_worker, info_activist, press_secretary)")
    contact_id: str = CONTACT_ID
    kind: ContactKind = Field(description="What kind of address")
    org_id: str | None = Field(
        None, description="The org whose post it is (T7: one of the territorial org's primary orgs); null: the submitting org"
    )


class ContactBaseSubmitted(Event, context="contacts", aggregate="contact_base", name="submitted", subject_field="submission_id"):
    """An org's contact base as of `at`, frozen for its parent (P10, T7); the parent gains access to its channels.
    A territorial org's base also holds the chairs and activists of its primary orgs on `at` (T7)."""

    submission_id: str = Field(description="Opaque id of the submission")
    org_id: str = ORG_ID
    parent_id: str | None = Field(description="The parent it goes to; null for the CC")
    at: date = Field(description="The date the copy is of", examples=["2026-01-15"])
    entries: list[BaseEntry] = Field(description="Who and which contact points; values stay sealed in their own events")
