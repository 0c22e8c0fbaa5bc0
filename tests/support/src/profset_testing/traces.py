"""What the system left behind: the messages a stream holds, and plaintext in tables and on streams."""

from __future__ import annotations

import json
from typing import Any

import psycopg


async def stream_messages(js: Any, stream: str = "REGISTRY") -> list[tuple[dict[str, str], bytes]]:
    """Every message a stream holds, in stream order."""
    import nats.js.errors

    try:
        info = await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return []
    found: list[tuple[dict[str, str], bytes]] = []
    if not info.state.messages:
        return found
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except nats.js.errors.NotFoundError:
            continue
        found.append((dict(msg.headers or {}), msg.data))
    return found


def forms(text: str) -> list[str]:
    """Ways a string can sit in a table, a message or a log: as is, JSON-escaped (`\\u0428…`), and as bytea hex."""
    escaped = json.dumps(text)[1:-1]
    return [text, escaped, escaped.upper().replace("\\U", "\\u"), text.encode().hex()]


def holds(text: str, needles: list[str]) -> bool:
    """Whether any needle is in the text, in any letter case."""
    lowered = text.lower()
    return any(n in text or n.lower() in lowered for n in needles)


async def plaintext_in_tables(database_url: str, needles: list[str]) -> list[str]:
    """Every `schema.table` of the database holding any needle in any column of any row (text, JSON and bytea alike)."""
    found = []
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        tables = await (
            await conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
            )
        ).fetchall()
        for schema, table in tables:
            rows = await (await conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t')).fetchall()
            if any(holds(row[0], needles) for row in rows):
                found.append(f"{schema}.{table}")
    return found


async def plaintext_on_streams(nc: Any, needles: list[str]) -> tuple[list[str], int]:
    """The streams (every stream of the server, dead letters included) with a message holding any needle in its
    headers or body, and how many messages were read."""
    js, found, read = nc.jetstream(), [], 0
    for info in await js.streams_info():
        for headers, body in await stream_messages(js, info.config.name):
            read += 1
            if holds(body.decode(errors="replace") + json.dumps(headers, ensure_ascii=False), needles):
                found.append(info.config.name)
    return sorted(set(found)), read
