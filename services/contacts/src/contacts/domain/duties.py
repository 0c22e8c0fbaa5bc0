"""What an org did for its members' information, recorded once it happened: printed agitation material (P2) and
information meetings with the chair and the elected body speaking (P7). Neither can be dated after today: a plan
is not a print run, and audits count these as done."""

from __future__ import annotations

from datetime import date

from contracts.base import Event
from contracts.contacts import MeetingHeld, PrintKind, PrintRunRecorded
from kit.errors import RuleBroken, invalid


def _happened(on: date, today: date, what: str) -> None:
    if on > today:
        raise invalid("on", f"{what} is recorded once it happened: {on.isoformat()} is after today", rule="not_after_today")


def _exists(org_exists: bool, on: date) -> None:
    if not org_exists:
        raise RuleBroken("H1", f"no such org on {on.isoformat()}", field="org_id")


def decide_print_run(
    org_exists: bool,
    print_run_id: str,
    org_id: str,
    on: date,
    today: date,
    kind: PrintKind,
    title: str,
    copies: int,
    material_id: str | None,
) -> list[Event]:
    """P2: a print run of at least one copy, by an org that existed that day, no later than today."""
    _happened(on, today, "a print run")
    _exists(org_exists, on)
    if copies < 1:
        raise RuleBroken("P2", "a print run has at least one copy", field="copies")
    return [
        PrintRunRecorded(
            print_run_id=print_run_id, org_id=org_id, on=on, kind=kind, title=title, copies=copies, material_id=material_id
        )
    ]


def decide_meeting(
    org_exists: bool,
    meeting_id: str,
    org_id: str,
    on: date,
    today: date,
    topic: str,
    attendees: int,
    chair_spoke: bool,
    elected_body_spoke: bool,
) -> list[Event]:
    """P7: an information meeting of an org that existed that day, held no later than today; who spoke is recorded as
    told (whether the chair and the elected body spoke is for the audit to weigh, not a reason to refuse the record)."""
    _happened(on, today, "a meeting")
    _exists(org_exists, on)
    if attendees < 0:
        raise invalid("attendees", "cannot be negative", rule="ge")
    return [
        MeetingHeld(
            meeting_id=meeting_id,
            org_id=org_id,
            on=on,
            topic=topic,
            attendees=attendees,
            chair_spoke=chair_spoke,
            elected_body_spoke=elected_body_spoke,
        )
    ]
