"""The exchange service's public events, commands and queries: materials up and down the chain (X1–X6),
moderation by the higher body (H2), deliveries with acknowledgements, campaigns (K8), outside parties."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from .base import Event, Payload
from .registry import ORG_ID

MATERIAL_ID = Field(description="Opaque id of the material", examples=["0190f3a2-7c1e-7b2a-9d41-3f0c2b5e8a60"])
PARTY_ID = Field(description="Opaque id of the outside party")
TITLE = Field(min_length=1, max_length=300, description="Headline", examples=["Индексация зарплаты на верфи"])
BODY = Field(min_length=1, max_length=100_000, description="Text of the material")


class Kind(StrEnum):
    """What a material is."""

    NEWS = "news"
    ANNOUNCEMENT = "announcement"
    LEAFLET = "leaflet"
    VIDEO = "video"
    PRESS_RELEASE = "press_release"
    REPORT = "report"


class Topic(StrEnum):
    """What a material is about (X4: wages, employment, conditions first)."""

    WAGES = "wages"
    EMPLOYMENT = "employment"
    WORKING_CONDITIONS = "working_conditions"
    SOCIAL_AND_LABOUR = "social_and_labour"
    COLLECTIVE_AGREEMENT = "collective_agreement"
    YOUTH = "youth"
    ACTIONS = "actions"
    OTHER = "other"


class Support(StrEnum):
    """What support a material asks for (X3)."""

    BARGAINING = "bargaining"
    ACTION = "action"
    CONFLICT = "conflict"


class PartyKind(StrEnum):
    """Outside parties that send and receive materials (X1–X3)."""

    FNPR = "fnpr"
    SOLIDARNOST = "solidarnost"
    MEDIA = "media"
    TERRITORIAL_ASSOCIATION = "territorial_association"
    UNION_STAFF = "union_staff"


class Route(StrEnum):
    """Why a recipient got a material: the rule that routed it."""

    X1 = "X1"
    X2 = "X2"
    X3 = "X3"
    PARENT = "parent"
    FORWARD = "forward"


class Content(Payload):
    """What a material says and how it is flagged."""

    title: str = TITLE
    body: str = BODY
    kind: Kind = Field(description="What it is", examples=["news"])
    topics: list[Topic] = Field(default_factory=list, max_length=8, description="What it is about", examples=[["wages"]])
    newsworthy: bool = Field(False, description="Deserves public attention (X2)")
    needs_support: Support | None = Field(None, description="Asks for support in bargaining, an action or a conflict (X3)")
    for_publication: bool = Field(False, description="Meant for the org's public resources: moderated by the parent (H2)")
    campaign: bool = Field(False, description="A campaign or action whose participation orgs report (K8)")


# --- events -------------------------------------------------------------------------------------


class MaterialDrafted(Event, context="exchange", aggregate="material", name="drafted", subject_field="material_id"):
    """An org drafted a material."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    content: Content = Field(description="Title, body, kind, topics and flags")
    received_from: str | None = Field(None, description="The outside party it came from, for a received material (X1)")


class MaterialEdited(Event, context="exchange", aggregate="material", name="edited", subject_field="material_id"):
    """A draft's content changed."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    content: Content = Field(description="The content as it now stands")


class AttachmentAdded(Event, context="exchange", aggregate="material", name="attachment_added", subject_field="material_id"):
    """A file was attached to a draft; its bytes are stored apart, never in an event."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    attachment_id: str = Field(description="Opaque id of the file")
    filename: str = Field(max_length=255, description="Its name", examples=["листовка.pdf"])
    content_type: str = Field(max_length=100, description="Its media type", examples=["application/pdf"])
    size: int = Field(ge=0, description="Bytes")
    sha256: str = Field(description="Digest of the bytes")


class MaterialSentUp(Event, context="exchange", aggregate="material", name="sent_up", subject_field="material_id"):
    """An org sent a material up the chain; recipients computed from the tree on `on` (X2, X3)."""

    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The org sending it (the author, or a recipient forwarding it)")
    on: date = Field(description="The day of sending, whose tree routed it")
    recipients: dict[str, Route] = Field(description="Recipient org ids and the rule that chose each")
    parties: dict[str, Route] = Field(description="Recipient outside parties and the rule that chose each")


class MaterialCascaded(Event, context="exchange", aggregate="material", name="cascaded", subject_field="material_id"):
    """An org sent a material down its subtree (or to chosen children) (X1); each org gets its own delivery."""

    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The org cascading it")
    cascade_id: str = Field(description="Opaque id of this cascade")
    on: date = Field(description="The day whose tree the cascade follows")
    to: list[str] | None = Field(None, description="Chosen children; null for the whole subtree")


class CascadeReleased(Event, context="exchange", aggregate="material", name="released", subject_field="material_id"):
    """An org holding a cascade for review released it to its part of the subtree."""

    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The org that held and now releases it")
    cascade_id: str = Field(description="The cascade released")


class PublicationRequested(
    Event, context="exchange", aggregate="material", name="publication_requested", subject_field="material_id"
):
    """A material meant for public resources awaits the parent's approval (H2)."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str = Field(description="The org that moderates it (the parent)")


class MaterialApproved(Event, context="exchange", aggregate="material", name="approved", subject_field="material_id"):
    """The higher body approved a material for publication (H2); also recorded when no approval is required."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str | None = Field(description="Who approved; null when the parent does not moderate")
    decided_by: str = Field(description="The user (or `policy`)")


class MaterialRejected(Event, context="exchange", aggregate="material", name="rejected", subject_field="material_id"):
    """The higher body rejected a material for publication, with a reason (H2)."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str = Field(description="Who rejected it")
    reason: str = Field(min_length=1, max_length=2000, description="Why")
    decided_by: str = Field(description="The user")


class DeliveryDelivered(Event, context="exchange", aggregate="delivery", name="delivered", subject_field="delivery_id"):
    """A material reached one recipient org (or was handed to notifications for an outside party)."""

    delivery_id: str = Field(description="`<material id>:<recipient id>`: one delivery per recipient")
    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The recipient org, or the outside party")
    recipient_kind: str = Field("org", description="`org` or `party`")
    from_org_id: str = Field(description="The org it came from")
    route: Route = Field(description="The rule that routed it")
    cascade_id: str | None = Field(None, description="The cascade it belongs to, if any")
    held: bool = Field(False, description="The recipient holds the cascade for review before its subtree gets it")


class DeliveryAcknowledged(Event, context="exchange", aggregate="delivery", name="acknowledged", subject_field="delivery_id"):
    """The recipient org has read the material."""

    delivery_id: str = Field(description="`<material id>:<recipient id>`")
    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    by: str = Field(description="The user who acknowledged it")


class PolicySet(Event, context="exchange", aggregate="policy", name="set"):
    """An org's forwarding and moderation policy."""

    org_id: str = ORG_ID
    hold_for_review: bool = Field(description="Cascades to its subtree wait until it releases them")
    moderates_publications: bool = Field(description="Its children's materials for publication need its approval (H2)")


class PartyRegistered(
    Event, context="exchange", aggregate="party", name="registered", subject_field="party_id", org_field="org_id"
):
    """An outside party joined the register."""

    party_id: str = PARTY_ID
    kind: PartyKind = Field(description="What it is")
    name: str = Field(min_length=1, max_length=300, description="Its name", examples=["ФНПР"])
    email: str = Field(max_length=200, description="Where its materials go (an organisation's address)")
    org_id: str | None = Field(None, description="For a territorial association: the territorial org it serves")


class ParticipationReported(
    Event, context="exchange", aggregate="campaign", name="participation_reported", subject_field="material_id"
):
    """An org reported how many took part in a campaign or action (K8); a later report restates it."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    on_site: int = Field(ge=0, description="Participants on site")
    online: int = Field(ge=0, description="Participants online")


# --- commands and queries -----------------------------------------------------------------------


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
    filename: str = Field(min_length=1, max_length=255, description="The file's name")
    content_type: str = Field(min_length=1, max_length=100, description="Its media type")
    data_base64: str = Field(description="The file, base64")


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


class CascadeMaterial(Cascade):
    """Send a material down the subtree (X1)."""

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
    reason: str | None = Field(None, max_length=2000, description="Required when rejecting")


class Moderate(Decision):
    """Approve or reject a material for publication."""

    material_id: str = MATERIAL_ID


class Acknowledge(Payload):
    """Which org has read it (the body of `POST /materials/{id}/acknowledge`)."""

    org_id: str = ORG_ID


class AcknowledgeDelivery(Acknowledge):
    """Acknowledge a delivery."""

    material_id: str = MATERIAL_ID


class Policy(Payload):
    """An org's policy (the body of `PUT /orgs/{id}/exchange-policy`)."""

    hold_for_review: bool = Field(False, description="Hold cascades for review before its subtree gets them")
    moderates_publications: bool = Field(True, description="Approve its children's materials for publication (H2)")


class SetPolicy(Policy):
    """Set an org's forwarding and moderation policy."""

    org_id: str = ORG_ID


class Party(Payload):
    """An outside party (the body of `POST /parties`)."""

    kind: PartyKind = Field(description="What it is")
    name: str = Field(min_length=1, max_length=300, description="Its name")
    email: str = Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Where its materials go")
    org_id: str | None = Field(None, description="For a territorial association: the territorial org it serves")


class RegisterParty(Party):
    """Add an outside party to the register."""


class Participation(Payload):
    """Participants of a campaign at one org (the body of `POST /materials/{id}/participation`)."""

    org_id: str = ORG_ID
    on_site: int = Field(0, ge=0, le=10_000_000, description="Participants on site")
    online: int = Field(0, ge=0, le=10_000_000, description="Participants online")


class ReportParticipation(Participation):
    """Report participation in a campaign (K8)."""

    material_id: str = MATERIAL_ID


class GetMaterial(Payload):
    """One material with its state."""

    material_id: str = MATERIAL_ID


class ListDeliveries(Payload):
    """A material's deliveries, one row per recipient, and how far it got (X6)."""

    material_id: str = MATERIAL_ID


class Inbox(Payload):
    """What reached an org, newest first."""

    org_id: str = ORG_ID
    overdue: bool = Field(False, description="Only deliveries not acknowledged within the allowed days")


class ListMaterials(Payload):
    """Materials authored by an org, newest first."""

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
    "send_up": SendUp,
    "cascade": CascadeMaterial,
    "release_cascade": ReleaseCascade,
    "request_publication": RequestPublication,
    "moderate": Moderate,
    "acknowledge": AcknowledgeDelivery,
    "set_policy": SetPolicy,
    "register_party": RegisterParty,
    "report_participation": ReportParticipation,
    "get_material": GetMaterial,
    "list_deliveries": ListDeliveries,
    "inbox": Inbox,
    "list_materials": ListMaterials,
    "list_parties": ListParties,
    "get_attachment": GetAttachment,
    "list_participation": ListParticipation,
}
"""What `svc.exchange.<verb>` accepts."""
