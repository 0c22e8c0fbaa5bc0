"""Commands and queries of the exchange service (`svc.exchange.<verb>`)."""

from __future__ import annotations

from pydantic import Field, StrictBool

from ..base import ID_PATTERN, Count, Lines, OneLine, Payload
from ..registry import ORG_ID
from .events import MATERIAL_ID, PARTY_ID, Content, PartyKind, Topic

PAGE_SIZE = 500
"""A list's page when the caller names none: today's callers get a whole list of a usual size."""
MAX_PAGE = 1000


class Draft(Content):
    """A new material (the body of `POST /materials`)."""

    org_id: str = ORG_ID


class DraftMaterial(Draft):
    """Draft a material."""


class EditMaterial(Content):
    """Replace a draft's content."""

    material_id: str = MATERIAL_ID


class Reception(Content):
    """A material that came from an outside party (the body of `POST /orgs/{id}/received-materials`)."""

    party_id: str = PARTY_ID


class ReceiveMaterial(Reception):
    """Record a material received from an outside party (X1)."""

    org_id: str = ORG_ID


class AddAttachment(Payload):
    """Attach a file (sent base64-encoded over request/reply)."""

    material_id: str = MATERIAL_ID
    filename: OneLine = Field(min_length=1, max_length=255, description="The file's name")
    content_type: OneLine = Field(min_length=1, max_length=100, description="Its media type")
    data_base64: str = Field(description="The file, base64")


class RemoveAttachment(Payload):
    """Take a file off a draft: only the author org's staff, only while it is a draft; its bytes go with it."""

    material_id: str = MATERIAL_ID
    attachment_id: str = Field(description="Opaque id of the file")


class Sender(Payload):
    """Who sends a material up (the body of `POST /materials/{id}/send-up`)."""

    org_id: str | None = Field(None, description="The org sending it: the author by default, or a recipient forwarding it")


class SendUp(Sender):
    """Send a material up the chain; `org_id` forwards a received one further up."""

    material_id: str = MATERIAL_ID


class Cascade(Payload):
    """Whom to send down to (the body of `POST /materials/{id}/cascade`)."""

    to: list[str] | None = Field(None, description="Chosen children; the whole subtree when absent")
    org_id: str | None = Field(None, description="The org cascading: the author by default, or a recipient passing it on")
    print_sheets: StrictBool = Field(
        False,
        description="Ask each receiving primary org to print it for its notice board (P1): the org's inbox shows it to "
        "print until contacts records the sheet posted there",
    )


class CascadeMaterial(Cascade):
    """Send a material down the subtree (X1)."""

    material_id: str = MATERIAL_ID


class Reminder(Payload):
    """Who reminds (the body of `POST /materials/{id}/reminders`)."""

    org_id: str | None = Field(None, description="The org that sent it: the author by default, or a recipient that passed it on")


class RemindUnread(Reminder):
    """Remind the orgs that have not acknowledged a material the org sent them; once a day per material and sender."""

    material_id: str = MATERIAL_ID


class Release(Payload):
    """Which holding org releases a cascade (the body of `POST /materials/{id}/release`)."""

    org_id: str = ORG_ID


class ReleaseCascade(Release):
    """Release a held cascade to the holder's subtree."""

    material_id: str = MATERIAL_ID


class RequestPublication(Payload):
    """Ask for a material to be published on the org's public resources (H2)."""

    material_id: str = MATERIAL_ID


class Decision(Payload):
    """A moderation decision (the body of `POST /materials/{id}/moderation`)."""

    approve: bool = Field(description="Approve (true) or reject (false)")
    reason: Lines | None = Field(None, max_length=2000, description="Required when rejecting")


class Moderate(Decision):
    """Approve or reject a material for publication."""

    material_id: str = MATERIAL_ID


class ConfirmPublication(Payload):
    """Let stand a material published before review (H2)."""

    material_id: str = MATERIAL_ID


class Takedown(Payload):
    """Why a published material is taken down (the body of `POST /materials/{id}/takedown`)."""

    reason: Lines = Field(max_length=2000, description="Why it is taken down (required)")


class TakeDownPublication(Takedown):
    """Take down a material published before review (H2)."""

    material_id: str = MATERIAL_ID


class Acknowledge(Payload):
    """Which org has read it (the body of `POST /materials/{id}/acknowledge`)."""

    org_id: str = ORG_ID


class AcknowledgeDelivery(Acknowledge):
    """Acknowledge a delivery."""

    material_id: str = MATERIAL_ID


class Policy(Payload):
    """An org's policy (the body of `PUT /orgs/{id}/exchange-policy`)."""

    hold_for_review: StrictBool = Field(False, description="Hold cascades for review before its subtree gets them")
    moderates_publications: StrictBool = Field(
        True,
        description="Approve its children's materials before publication (H2); false: they go out at once and await its "
        "review after publication (those waiting for approval go out then too)",
    )


class SetPolicy(Policy):
    """Set an org's forwarding and moderation policy."""

    org_id: str = ORG_ID


class Party(Payload):
    """An outside party (the body of `POST /parties`)."""

    kind: PartyKind = Field(description="What it is")
    name: OneLine = Field(min_length=1, max_length=300, description="Its name")
    email: OneLine = Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Where its materials go")
    org_id: str | None = Field(None, description="For a territorial association: the territorial org it serves")


class RegisterParty(Party):
    """Add an outside party to the register."""


class Participation(Payload):
    """Participants of a campaign at one org (the body of `POST /materials/{id}/participation`)."""

    org_id: str = ORG_ID
    on_site: Count = Field(0, ge=0, le=10_000_000, description="Participants on site")
    online: Count = Field(0, ge=0, le=10_000_000, description="Participants online")


class ReportParticipation(Participation):
    """Report participation in a campaign (K8)."""

    material_id: str = MATERIAL_ID


class GetMaterial(Payload):
    """One material with its state."""

    material_id: str = MATERIAL_ID


class GetSheet(Payload):
    """What a material's printed sheet for one org shows: the material, that org's name and the org it came from.
    The org must have it (written in its subtree or delivered to an org in it, as §5 reads for a user of that org),
    and the caller may read it there."""

    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The org whose notice board the sheet is for")


class ListDeliveries(Payload):
    """A material's deliveries, one row per recipient, and how far it got (X6): the figures over every recipient the
    caller may see, the recipients a page at a time, in the order they were reached."""

    material_id: str = MATERIAL_ID
    unread: bool = Field(False, description="Only the recipient orgs that have not acknowledged it")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE, description="Page size")
    cursor: str | None = Field(
        None,
        pattern=ID_PATTERN,
        description="Recipient id (`recipient`) of the last row of the page before, after which the page starts",
    )


class Inbox(Payload):
    """What reached an org, newest first."""

    org_id: str = ORG_ID
    overdue: bool = Field(False, description="Only deliveries not acknowledged within the allowed days")
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE, description="Page size")
    cursor: str | None = Field(
        None, pattern=ID_PATTERN, description="Material id of the last row of the page before, after which the page starts"
    )


class ListMaterials(Payload):
    """Materials authored by an org, newest first."""

    org_id: str = ORG_ID
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE, description="Page size")
    cursor: str | None = Field(
        None, pattern=ID_PATTERN, description="Material id of the last row of the page before, after which the page starts"
    )


class ListMemberMaterials(Payload):
    """The member portal: materials on some topics (X4) that reached the member's org, newest first (D1)."""

    topics: list[Topic] = Field(max_length=8, description="Any of these topics (a life situation's)", examples=[["wages"]])
    limit: int = Field(20, ge=1, le=100, description="At most this many, newest first")


class GetMemberMaterial(Payload):
    """The member portal: one material the member may read (delivered to or sent by their org, or published)."""

    material_id: str = MATERIAL_ID


class ListModerationQueue(Payload):
    """What waits for a decision on publication below an org (H2): materials waiting for approval before publication
    and materials published and waiting for review after it; a territorial org's primary orgs, the CC's whole union."""

    org_id: str = ORG_ID


class ListParties(Payload):
    """The register of outside parties."""


class GetAttachment(Payload):
    """One attachment's bytes."""

    material_id: str = MATERIAL_ID
    attachment_id: str = Field(description="Opaque id of the file")


class ListParticipation(Payload):
    """Participation reported for a campaign."""

    material_id: str = MATERIAL_ID


VERBS: dict[str, type[Payload]] = {
    "draft_material": DraftMaterial,
    "edit_material": EditMaterial,
    "receive_material": ReceiveMaterial,
    "add_attachment": AddAttachment,
    "remove_attachment": RemoveAttachment,
    "send_up": SendUp,
    "cascade": CascadeMaterial,
    "release_cascade": ReleaseCascade,
    "remind_unread": RemindUnread,
    "request_publication": RequestPublication,
    "moderate": Moderate,
    "confirm_publication": ConfirmPublication,
    "take_down_publication": TakeDownPublication,
    "acknowledge": AcknowledgeDelivery,
    "set_policy": SetPolicy,
    "register_party": RegisterParty,
    "report_participation": ReportParticipation,
    "get_material": GetMaterial,
    "get_sheet": GetSheet,
    "list_deliveries": ListDeliveries,
    "inbox": Inbox,
    "list_materials": ListMaterials,
    "list_moderation_queue": ListModerationQueue,
    "list_parties": ListParties,
    "get_attachment": GetAttachment,
    "list_participation": ListParticipation,
    "list_member_materials": ListMemberMaterials,
    "get_member_material": GetMemberMaterial,
}
"""What `svc.exchange.<verb>` accepts."""
