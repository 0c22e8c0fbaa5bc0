"""A material's deliveries as they happen, over server-sent events: woken by the EXCHANGE stream's messages,
the gateway re-reads the deliveries from the exchange service and sends the rendered table when it changed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import nats.errors

from .page import TEMPLATES, Ui, base_context

LIFETIME = 15 * 60  # seconds; the browser's EventSource reconnects by itself after that
QUIET = 15.0  # seconds between keep-alive comments when nothing happens
SETTLE = 0.2  # seconds to let a burst of events (one cascade, many orgs) arrive before re-reading


def deliveries_html(ui: Ui, summary: dict[str, Any], names: dict[str, str], named: dict[str, str]) -> str:
    """The deliveries table as the page shows it."""
    context = base_context(ui.request, ui.gw, ui.who)
    return TEMPLATES.get_template("_deliveries.html").render(**context, summary=summary, names=names, named=named)


async def deliveries_events(ui: Ui, material_id: str, names: dict[str, str], named: dict[str, str]) -> AsyncIterator[str]:
    """`event: deliveries` with the table each time it changes; comments keep the connection open."""
    sub = await ui.gw.nc.subscribe("exchange.>")
    last = ""
    ends = time.monotonic() + LIFETIME
    try:
        yield "retry: 2000\n\n"
        while time.monotonic() < ends:
            summary = await ui.ask("exchange", "list_deliveries", {"material_id": material_id})
            html = deliveries_html(ui, summary, names, named)
            if html != last:
                last = html
                data = {"html": html, "reached": summary["orgs_reached"], "acknowledged": summary["orgs_acknowledged"]}
                yield f"event: deliveries\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            if not await _woken(sub):
                yield ": still here\n\n"
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def _woken(sub: Any) -> bool:
    """Waits for the next exchange event (True) or a quiet spell (False); a burst is taken as one."""
    try:
        await sub.next_msg(timeout=QUIET)
    except (nats.errors.TimeoutError, TimeoutError):
        return False
    await asyncio.sleep(SETTLE)
    with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
        for _ in range(10_000):  # bounded: a flood of events still lets the table refresh
            await sub.next_msg(timeout=0.01)
    return True
