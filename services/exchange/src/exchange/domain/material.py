"""A material's life: drafted (or received), edited while a draft, sent, controlled for publication (H2).

`moderation` is `none`, `pending` (waits for approval before publication), `approved`, `rejected`, `under_review`
(published, waits for review after publication), `confirmed` or `taken_down`; see `control` for who decides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date

from contracts.base import Event
from contracts.exchange import (
    AttachmentAdded,
    AttachmentRemoved,
    CascadeReleased,
    Content,
    MaterialApproved,
    MaterialCascaded,
    MaterialDrafted,
    MaterialEdited,
    MaterialPublished,
    MaterialRejected,
    MaterialSentUp,
    PublicationConfirmed,
    PublicationRequested,
    PublicationTakenDown,
    UnreadReminded,
)
from kit.errors import RuleBroken, invalid


@dataclass(frozen=True)
class Material:
    """What decisions about a material need; `material_id` is empty until drafted."""

    material_id: str = ""
    org_id: str = ""
    content: Content | None = None
    sent: bool = False
    moderation: str = "none"
    cascades: frozenset[str] = frozenset()
    released: frozenset[tuple[str, str]] = frozenset()
    attachments: tuple[tuple[str, str], ...] = ()
    """The files attached and not removed: (id, name), in the order attached."""
    reminded: frozenset[tuple[str, date]] = frozenset()
    """(sending org, day) of each reminder to the orgs that had not read it."""


NOTHING = Material()


def exists(m: Material) -> Content:
    if not m.material_id or m.content is None:
        raise invalid("material_id", "no such material", rule="exists")
    return m.content


SUBMITTED = frozenset({"pending", "approved", "under_review", "confirmed"})
"""Waiting for a decision or published: no longer a draft, and not to be submitted again."""


def check_draft(m: Material) -> None:
    """A draft may change until it is sent or submitted for publication (rejected or taken down, it is a draft again)."""
    exists(m)
    if m.sent or m.moderation in SUBMITTED:
        raise invalid("material_id", "only a draft can be edited; this one was sent or submitted", rule="draft")


def decide_edit(m: Material, content: Content) -> list[Event]:
    """Replaces a draft's content."""
    check_draft(m)
    return [MaterialEdited(material_id=m.material_id, org_id=m.org_id, content=content)]


def decide_remove_attachment(m: Material, attachment_id: str, by: str) -> list[Event]:
    """Takes a file off a draft, as attaching puts one on: only while it is a draft, and only a file it carries."""
    check_draft(m)
    filename = dict(m.attachments).get(attachment_id)
    if filename is None:
        raise invalid("attachment_id", "the material carries no such file (it may have been removed already)", rule="exists")
    return [AttachmentRemoved(material_id=m.material_id, org_id=m.org_id, attachment_id=attachment_id, filename=filename, by=by)]


def decide_publication(m: Material, moderator: str | None, pre_moderates: bool) -> list[Event]:
    """H2: a material for the org's public resources is controlled by the parent — before publication if it
    pre-moderates, else after it (published at once, in its queue); the CC, with no higher body, publishes at once."""
    content = exists(m)
    if not content.for_publication:
        raise invalid("material_id", "the material is not meant for publication (for_publication is false)", rule="H2")
    if m.moderation in SUBMITTED:
        raise invalid("material_id", f"already {m.moderation}", rule="H2")
    if m.moderation == "taken_down":
        raise RuleBroken("H2", "the material was taken down: edit it before asking again", field="material_id")
    if moderator is None:
        return [MaterialApproved(material_id=m.material_id, org_id=m.org_id, moderator_id=None, decided_by="policy")]
    if pre_moderates:
        return [PublicationRequested(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator)]
    return [MaterialPublished(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator)]


def decide_pre_moderation_lifted(m: Material, moderator: str) -> list[Event]:
    """H2: the moderator turned pre-moderation off; what waited for its approval goes out and waits for its review."""
    if m.moderation != "pending":
        return []
    return [MaterialPublished(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator, pre_moderation_lifted=True)]


def decide_moderation(m: Material, moderator: str, approve: bool, reason: str | None, by: str) -> list[Event]:
    """Approves or rejects (with a reason) a material awaiting approval."""
    exists(m)
    if m.moderation != "pending":
        raise invalid("material_id", "the material is not awaiting moderation", rule="H2")
    if approve:
        return [MaterialApproved(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator, decided_by=by)]
    if not reason:
        raise invalid("reason", "say why the material is rejected", rule="H2")
    return [MaterialRejected(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator, reason=reason, decided_by=by)]


def decide_review(m: Material, moderator: str, confirm: bool, reason: str | None, by: str) -> list[Event]:
    """H2: confirms, or takes down with a reason, a material published before review; once."""
    exists(m)
    if m.moderation != "under_review":
        state = "" if m.moderation == "none" else f" (it is {m.moderation.replace('_', ' ')})"
        raise RuleBroken("H2", f"the material is not awaiting review after publication{state}", field="material_id")
    if confirm:
        return [PublicationConfirmed(material_id=m.material_id, org_id=m.org_id, moderator_id=moderator, decided_by=by)]
    if not reason or not reason.strip():
        raise RuleBroken("H2", "say why the material is taken down", field="reason")
    return [
        PublicationTakenDown(
            material_id=m.material_id, org_id=m.org_id, moderator_id=moderator, reason=reason.strip(), decided_by=by
        )
    ]


def decide_release(m: Material, cascade_id: str, holder: str) -> list[Event]:
    """An org holding a cascade releases it to its part of the subtree, once."""
    exists(m)
    if cascade_id not in m.cascades:
        raise invalid("material_id", "the material was not cascaded", rule="X1")
    if (cascade_id, holder) in m.released:
        raise invalid("org_id", "this org already released the cascade", rule="X1")
    return [CascadeReleased(material_id=m.material_id, org_id=holder, cascade_id=cascade_id)]


def decide_remind_unread(m: Material, sender: str, unread: Collection[str], today: date) -> list[Event]:
    """Reminds the orgs a sender's deliveries reached that have not acknowledged them: only a material that was sent,
    only while some have not read it, and once a day per material and sender (a double click reminds no one twice)."""
    exists(m)
    if not m.sent:
        raise invalid("material_id", "the material was not sent to anyone yet: there is no one to remind", rule="not_sent")
    if (sender, today) in m.reminded:
        raise invalid(
            "material_id", f"the orgs that have not read it were reminded already on {today.isoformat()}", rule="once_a_day"
        )
    if not unread:
        raise invalid("material_id", "every org this sender's deliveries reached has read it", rule="all_read")
    return [UnreadReminded(material_id=m.material_id, org_id=sender, org_ids=sorted(set(unread)), reminded_on=today)]


def check_campaign(m: Material) -> None:
    if not exists(m).campaign:
        raise RuleBroken("K8", "participation is reported for campaign materials only", field="material_id")


def _files(files: tuple[tuple[str, str], ...], event: AttachmentAdded | AttachmentRemoved) -> tuple[tuple[str, str], ...]:
    kept = tuple(f for f in files if f[0] != event.attachment_id)
    return (*kept, (event.attachment_id, event.filename)) if isinstance(event, AttachmentAdded) else kept


MODERATED: dict[type[Event], str] = {
    PublicationRequested: "pending",
    MaterialApproved: "approved",
    MaterialRejected: "rejected",
    MaterialPublished: "under_review",
    PublicationConfirmed: "confirmed",
    PublicationTakenDown: "taken_down",
}
"""The moderation state each control event leaves a material in (H2)."""


def evolve(m: Material, event: Event) -> Material:
    """The material after one more of its events."""
    match event:
        case MaterialDrafted():
            return Material(event.material_id, event.org_id, event.content)
        case MaterialEdited():
            again = m.moderation in ("rejected", "taken_down")
            return replace(m, content=event.content, moderation="none" if again else m.moderation)
        case AttachmentAdded() | AttachmentRemoved():
            return replace(m, attachments=_files(m.attachments, event))
        case MaterialSentUp():
            return replace(m, sent=True)
        case MaterialCascaded():
            return replace(m, sent=True, cascades=m.cascades | {event.cascade_id})
        case UnreadReminded():
            return replace(m, reminded=m.reminded | {(event.org_id, event.reminded_on)})
        case CascadeReleased():
            return replace(m, released=m.released | {(event.cascade_id, event.org_id)})
    moderation = MODERATED.get(type(event))
    return m if moderation is None else replace(m, moderation=moderation)
