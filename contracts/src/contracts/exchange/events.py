"""The exchange service's public events, commands and queries: materials up and down the chain (X1–X6),
moderation by the higher body (H2), deliveries with acknowledgements, campaigns (K8), outside parties."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from ..base import Event, OneLine, Payload, Written
from ..registry import ORG_ID

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

    title: OneLine = TITLE
    body: Written = BODY
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


class AttachmentRemoved(Event, context="exchange", aggregate="material", name="attachment_removed", subject_field="material_id"):
    """A file was taken off a draft; its stored bytes were deleted with it."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    attachment_id: str = Field(description="Opaque id of the file")
    filename: str = Field(max_length=255, description="Its name, as it was attached", examples=["листовка.pdf"])
    by: str = Field(description="The user who removed it")


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
    print_sheets: bool = Field(False, description="Each receiving primary org is asked to print it for its notice board (P1)")


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


class MaterialPublished(Event, context="exchange", aggregate="material", name="published", subject_field="material_id"):
    """A material meant for public resources went out without prior approval, because its moderator does not
    pre-moderate; it stays under that moderator's control, awaiting review after publication: confirmed or taken
    down (H2)."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str = Field(description="The org that reviews it after publication (the parent that day)")
    pre_moderation_lifted: bool = Field(
        False, description="It had been waiting for approval when its moderator turned pre-moderation off"
    )


class PublicationConfirmed(
    Event, context="exchange", aggregate="material", name="publication_confirmed", subject_field="material_id"
):
    """The higher body reviewed a material published before review and let it stand (H2)."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str = Field(description="The org that reviewed it (the parent, or the CC over all)")
    decided_by: str = Field(description="The user")


class PublicationTakenDown(Event, context="exchange", aggregate="material", name="taken_down", subject_field="material_id"):
    """The higher body reviewed a material published before review and took it down, with a reason (H2): it is no
    longer shown as published; deliveries already made stand."""

    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    moderator_id: str = Field(description="The org that took it down (the parent, or the CC over all)")
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
    print_sheet: bool = Field(False, description="The recipient is asked to print it for its notice board (P1)")


class DeliveryAcknowledged(Event, context="exchange", aggregate="delivery", name="acknowledged", subject_field="delivery_id"):
    """The recipient org has read the material."""

    delivery_id: str = Field(description="`<material id>:<recipient id>`")
    material_id: str = MATERIAL_ID
    org_id: str = ORG_ID
    by: str = Field(description="The user who acknowledged it")


class UnreadReminded(Event, context="exchange", aggregate="material", name="unread_reminded", subject_field="material_id"):
    """An org that sent a material reminded the orgs that had not acknowledged it yet; once a day at most."""

    material_id: str = MATERIAL_ID
    org_id: str = Field(description="The org that sent it and reminds")
    org_ids: list[str] = Field(min_length=1, description="The orgs reminded: its recipients that had not read it")
    reminded_on: date = Field(description="The day of the reminder (the union's day)")


class PolicySet(Event, context="exchange", aggregate="policy", name="set"):
    """An org's forwarding and moderation policy."""

    org_id: str = ORG_ID
    hold_for_review: bool = Field(description="Cascades to its subtree wait until it releases them")
    moderates_publications: bool = Field(
        description="Its children's materials for publication need its approval first (H2); if not, they go out at once "
        "and it reviews them after publication"
    )


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
