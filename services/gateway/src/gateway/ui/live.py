"""A material's deliveries as they happen, over server-sent events: woken by that material's events, which the EXCHANGE
stream pushes to this gateway's own consumer (feed.py), the gateway re-reads the deliveries from the exchange service
and sends the rendered table when it changed; without the push (NATS unreachable), it re-reads after a quiet spell."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .feed import LiveFeed
from .names import names_only
from .page import TEMPLATES, Ui, base_context
from .paging import PAGE, Paged, after_cursor, served

LIFETIME = 15 * 60  # seconds; the browser's EventSource reconnects by itself after that
QUIET = 15.0  # seconds between keep-alive comments (and re-reads, should a push have been missed) when nothing happens
SETTLE = 0.2  # seconds to let a burst of events (one cascade, many orgs) arrive before re-reading


@dataclass(frozen=True)
class Shown:
    """Which deliveries a page shows: all or only those not read, the page after `cursor`, whose first row is `at`."""

    unread: bool = False
    cursor: str | None = None
    at: str | None = None

    def query(self) -> dict[str, Any]:
        """The address's parameters that name this page (for its live connection)."""
        return {"unread": 1 if self.unread else None, "cursor": self.cursor, "cursor_at": self.at if self.cursor else None}


async def deliveries_page(ui: Ui, material_id: str, shown: Shown) -> tuple[dict[str, Any], Paged]:
    """The material's figures over all its deliveries the user sees, and the page of them the address names."""
    payload = {"material_id": material_id, "unread": shown.unread, "limit": PAGE + 1}
    summary, went_on = await after_cursor(ui, "exchange", "list_deliveries", payload, shown.cursor)
    return summary, served(summary["recipients"], shown.at if went_on else None, "recipient")


def deliveries_html(
    ui: Ui, summary: dict[str, Any], page: Paged, names: dict[str, str], named: dict[str, str], shown: Shown
) -> str:
    """The deliveries table as the page shows it (all, or only those not read; one page of them)."""
    context = base_context(ui.request, ui.gw, ui.who)
    data = {"summary": summary, "p": page, "names": names, "named": named, "unread": shown.unread}
    return TEMPLATES.get_template("_deliveries.html").render(**context, **data)


def fingerprint(html: str) -> str:
    """A short digest of a rendered table: the page sends it with its live connection, which then pushes only a table
    that differs from it."""
    return hashlib.sha256(html.encode()).hexdigest()[:16]


async def deliveries_events(
    ui: Ui, material_id: str, names: dict[str, str], named: dict[str, str], shown: Shown, showing: str = ""
) -> AsyncIterator[str]:
    """`event: deliveries` with the table each time it changes from what the page shows (`showing`: its fingerprint),
    the page after the same cursor; comments keep the connection open. Connecting sends nothing when nothing changed:
    replacing the box (and its pager) then only got in the way of the user's click."""
    if ui.gw.live is None:
        ui.gw.live = LiveFeed(ui.gw.nc)
    last = showing
    ends = time.monotonic() + LIFETIME
    async with ui.gw.live.listen(material_id) as woken:
        yield "retry: 2000\n\n"
        while time.monotonic() < ends:
            summary, page = await deliveries_page(ui, material_id, shown)
            named = named | await names_only(ui, names | named, [r["recipient"] for r in page.rows])  # reached since
            html = deliveries_html(ui, summary, page, names, named, shown)
            if fingerprint(html) != last:
                last = fingerprint(html)
                data = {"html": html, "reached": summary["orgs_reached"], "acknowledged": summary["orgs_acknowledged"]}
                yield f"event: deliveries\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            if not await _woken(woken):
                yield ": still here\n\n"


async def _woken(woken: asyncio.Event) -> bool:
    """Waits for the material's next event (True) or a quiet spell (False); a burst is taken as one."""
    try:
        await asyncio.wait_for(woken.wait(), timeout=QUIET)
    except TimeoutError:
        return False
    await asyncio.sleep(SETTLE)  # one cascade delivers to many orgs at once
    woken.clear()
    return True
