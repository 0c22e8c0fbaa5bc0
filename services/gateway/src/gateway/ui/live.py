"""A material's deliveries as they happen, over server-sent events: woken by that material's events, which the EXCHANGE
stream pushes to this gateway's own consumer (feed.py), the gateway re-reads the deliveries from the exchange service
and sends the rendered table when it changed; without the push (NATS unreachable), it re-reads after a quiet spell."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from .feed import LiveFeed
from .page import TEMPLATES, Ui, base_context

LIFETIME = 15 * 60  # seconds; the browser's EventSource reconnects by itself after that
QUIET = 15.0  # seconds between keep-alive comments (and re-reads, should a push have been missed) when nothing happens
SETTLE = 0.2  # seconds to let a burst of events (one cascade, many orgs) arrive before re-reading


def deliveries_html(
    ui: Ui, summary: dict[str, Any], names: dict[str, str], named: dict[str, str], unread: bool, cursor: str | None = None
) -> str:
    """The deliveries table as the page shows it (all, or only those not read; the page of them after `cursor`)."""
    context = base_context(ui.request, ui.gw, ui.who)
    shown = {"summary": summary, "names": names, "named": named, "unread": unread, "cursor": cursor}
    return TEMPLATES.get_template("_deliveries.html").render(**context, **shown)


async def deliveries_events(
    ui: Ui, material_id: str, names: dict[str, str], named: dict[str, str], unread: bool = False, cursor: str | None = None
) -> AsyncIterator[str]:
    """`event: deliveries` with the table each time it changes; comments keep the connection open."""
    if ui.gw.live is None:
        ui.gw.live = LiveFeed(ui.gw.nc)
    last = ""
    ends = time.monotonic() + LIFETIME
    async with ui.gw.live.listen(material_id) as woken:
        yield "retry: 2000\n\n"
        while time.monotonic() < ends:
            summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id})
            html = deliveries_html(ui, summary, names, named, unread, cursor)
            if html != last:
                last = html
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
