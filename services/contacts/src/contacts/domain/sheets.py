"""Printed sheets and the org's channels (P1, D2, K6): which electronic channel an org's sheets point to with a QR
code, and a sheet posted on its notice board, which is the board's refresh (P1) naming the material."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.base import Event
from contracts.contacts import SHEET_LINKS, Audience, ChannelKind, SheetChannelSelected, SheetPosted
from kit.errors import invalid

from .channels import Resource, decide_refresh


@dataclass(frozen=True)
class Running:
    """One of an org's resources as a sheet sees it: what it is, where it lives, whether it runs on the day."""

    channel_id: str
    org_id: str
    kind: str
    name: str
    url: str | None
    since: date
    audience: str = Audience.MEMBERS.value


OPEN_TO_READERS = frozenset({Audience.MEMBERS.value, Audience.PUBLIC.value})
"""Whom a channel a sheet falls back to must be for: anyone at the board (a chat of chairs or activists is private to
them, so its link on a members' notice board would be a leak and useless to the reader)."""


def decide_choice(org_id: str, channel_id: str | None, running: list[Running]) -> list[Event]:
    """A chosen channel is one of the org's running electronic channels (`SHEET_LINKS`) with a URL; none resets."""
    if channel_id is not None:
        found = next((r for r in running if r.channel_id == channel_id), None)
        if found is None or found.org_id != org_id:
            raise invalid("channel_id", "not a running resource of this org", rule="exists")
        if found.kind not in SHEET_LINKS or not found.url:
            raise invalid("channel_id", "a sheet points to a chat, social page, website or mailing list with a URL", rule="kind")
    return [SheetChannelSelected(org_id=org_id, channel_id=channel_id)]


def link_of(chosen: str | None, running: list[Running]) -> Running | None:
    """The channel a sheet points to: the chosen one while it runs, else the first running electronic channel with a URL
    for members or the public (`OPEN_TO_READERS`) in `SHEET_LINKS` order (then the oldest); None: the org has none."""
    usable = [r for r in running if r.kind in SHEET_LINKS and r.url]
    for r in usable:
        if r.channel_id == chosen:
            return r
    order = {kind.value: i for i, kind in enumerate(SHEET_LINKS)}
    open_to_readers = [r for r in usable if r.audience in OPEN_TO_READERS]
    return min(open_to_readers, key=lambda r: (order[r.kind], r.since, r.name), default=None)


def chosen_closed(chosen: str | None, running: list[Running]) -> bool:
    """Whether the org chose a channel that no longer runs (its sheets then fall back to another, or to none)."""
    return chosen is not None and all(r.channel_id != chosen for r in running)


def board_for(running: list[Running], channel_id: str | None, day: date) -> str:
    """The notice board a sheet was posted on: the one named, else the org's oldest running that day (P1)."""
    boards = sorted((r for r in running if r.kind == ChannelKind.NOTICE_BOARD), key=lambda r: (r.since, r.name))
    if channel_id is not None:
        if channel_id not in {b.channel_id for b in boards}:
            raise invalid("channel_id", f"not a notice board of this org running on {day.isoformat()}", rule="P1")
        return channel_id
    if not boards:
        raise invalid("org_id", f"the org runs no notice board on {day.isoformat()}: open one first", rule="P1")
    return boards[0].channel_id


def decide_posting(board: Resource, day: date, material_id: str, today: date) -> list[Event]:
    """P1: the board refreshed on `day` with the material's sheet, and the posting itself; of a day come, never ahead."""
    if day > today:
        raise invalid("at", f"a sheet is posted on a day come: {day.isoformat()} is after today", rule="not_after_today")
    refreshed = [e.model_copy(update={"material_id": material_id}) for e in decide_refresh(board, day, today)]
    return [*refreshed, SheetPosted(channel_id=board.channel_id, org_id=board.org_id, at=day, material_id=material_id)]


def evolve_choice(_chosen: str | None, event: Event) -> str | None:
    """The chosen channel after one more choice."""
    return event.channel_id if isinstance(event, SheetChannelSelected) else _chosen
