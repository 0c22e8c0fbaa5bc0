"""A contact point's life: recorded, consented to or not, withdrawn, merged, erased (T4, PD1).

A personal address is usable only while its owner's consent stands; a withdrawal counts from the next
send, and the value is erased once the grace period (at most 30 days) has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from contracts.base import Event
from contracts.contacts import (
    PERSONAL_KINDS,
    ConsentGranted,
    ConsentMethod,
    ConsentWithdrawn,
    ContactAdded,
    ContactErased,
    ContactKind,
    ContactMerged,
)
from kit.errors import RuleBroken, invalid


@dataclass(frozen=True)
class Contact:
    """One contact point; `contact_id` is empty until recorded."""

    contact_id: str = ""
    person_id: str = ""
    org_id: str = ""
    kind: ContactKind = ContactKind.WORK_EMAIL
    consent_since: date | None = None
    withdrawn_on: date | None = None
    merged_into: str | None = None
    erased: bool = False

    @property
    def needs_consent(self) -> bool:
        return self.kind in PERSONAL_KINDS

    @property
    def usable(self) -> bool:
        """May be used for the next send: live, and consented to if personal."""
        live = self.contact_id and not self.erased and self.merged_into is None
        return bool(live) and (not self.needs_consent or self.consent_since is not None)


NOTHING = Contact()


def _live(contact: Contact) -> None:
    if not contact.contact_id:
        raise invalid("contact_id", "no such contact point", rule="exists")
    if contact.erased:
        raise RuleBroken("PD1", "this address was erased", field="contact_id")
    if contact.merged_into is not None:
        raise invalid("contact_id", f"merged into {contact.merged_into}", rule="merged")


EARLIEST = date(1900, 1, 1)
"""No consent or withdrawal dates from before this day: an earlier one is a typing slip."""


def consent_given(given_at: date, today: date, field: str) -> None:
    """Consent is recorded once given: never dated after today, nor before 1900 (PD1)."""
    if given_at > today:
        raise invalid(field, f"consent is recorded once given: {given_at.isoformat()} is after today", rule="not_after_today")
    if given_at < EARLIEST:
        raise invalid(field, f"consent cannot be dated before 1900: {given_at.isoformat()}", rule="not_before_1900")


def decide_add(
    contact_id: str,
    person_id: str,
    org_id: str,
    kind: ContactKind,
    sealed: str,
    consent: tuple[date, ConsentMethod] | None,
    by: str,
) -> list[Event]:
    """Records an address, with its owner's consent when given."""
    events: list[Event] = [ContactAdded(contact_id=contact_id, person_id=person_id, org_id=org_id, kind=kind, value=sealed)]
    if consent is not None:
        given_at, method = consent
        events.append(
            ConsentGranted(
                contact_id=contact_id, person_id=person_id, org_id=org_id, given_at=given_at, method=method, recorded_by=by
            )
        )
    return events


def decide_grant(contact: Contact, given_at: date, method: ConsentMethod, by: str) -> list[Event]:
    """Records consent to use an address (again, after a withdrawal, is allowed)."""
    _live(contact)
    if contact.consent_since is not None:
        raise invalid("contact_id", f"consent already stands since {contact.consent_since.isoformat()}", rule="changed")
    return [
        ConsentGranted(
            contact_id=contact.contact_id,
            person_id=contact.person_id,
            org_id=contact.org_id,
            given_at=given_at,
            method=method,
            recorded_by=by,
        )
    ]


def decide_withdraw(contact: Contact, at: date, by: str, today: date) -> list[Event]:
    """Records a withdrawal, told on a day that has come and not before the consent it ends; from now on the address is
    not usable (T4)."""
    _live(contact)
    if contact.consent_since is None:
        raise invalid("contact_id", "there is no consent to withdraw", rule="consent")
    if at > today:
        raise invalid("at", f"a withdrawal is recorded once told: {at.isoformat()} is after today", rule="not_after_today")
    if at < contact.consent_since:
        message = f"consent was given on {contact.consent_since.isoformat()}: it cannot be withdrawn before"
        raise invalid("at", message, rule="after_consent")
    return [
        ConsentWithdrawn(contact_id=contact.contact_id, person_id=contact.person_id, org_id=contact.org_id, at=at, recorded_by=by)
    ]


def decide_merge(duplicate: Contact, into: Contact, same_address: bool, by: str) -> list[Event]:
    """Retires a duplicate in favour of a contact point holding the same normalised address."""
    _live(duplicate)
    if not into.contact_id or into.erased or into.merged_into is not None or into.contact_id == duplicate.contact_id:
        raise invalid("into_contact_id", "merge into another live contact point", rule="exists")
    if not same_address or (into.kind in PERSONAL_KINDS and duplicate.kind not in PERSONAL_KINDS):
        raise invalid("into_contact_id", "only contact points with the same address are merged", rule="duplicate")
    return [
        ContactMerged(
            contact_id=duplicate.contact_id,
            into_contact_id=into.contact_id,
            person_id=duplicate.person_id,
            org_id=duplicate.org_id,
            recorded_by=by,
        )
    ]


def decide_erase_withdrawn(contact: Contact, today: date, grace_days: int) -> list[Event]:
    """PD1: an address whose consent was withdrawn is erased once the grace period has passed."""
    if contact.erased or contact.withdrawn_on is None or contact.consent_since is not None:
        return []
    if today < contact.withdrawn_on + timedelta(days=grace_days):
        return []
    reason = f"consent withdrawn on {contact.withdrawn_on.isoformat()}; no other basis"
    return [ContactErased(contact_id=contact.contact_id, person_id=contact.person_id, org_id=contact.org_id, reason=reason)]


def evolve(contact: Contact, event: Event) -> Contact:
    """The contact point after one more of its events."""
    match event:
        case ContactAdded():
            return Contact(event.contact_id, event.person_id, event.org_id, event.kind)
        case ConsentGranted():
            return replace(contact, consent_since=event.given_at, withdrawn_on=None)
        case ConsentWithdrawn():
            return replace(contact, consent_since=None, withdrawn_on=event.at)
        case ContactMerged():
            return replace(contact, merged_into=event.into_contact_id)
        case ContactErased():
            return replace(contact, erased=True)
    return contact
