"""Erasure (PD1, DESIGN.md §4): the key goes, nothing readable of the person remains anywhere, counts stay."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from sqlalchemy import select
from test_members_api import admit, get
from test_orgs_api import union

from contracts.envelope import DEAD_LETTER_STREAM
from kit.crypto import KeyRing, open_field
from kit.db import make_engine
from kit.projector import Delivered, Projection, Projector
from profset.testing import Stack, eventually, running, stream_messages
from registry.tables import ledger

SECRET = {"full_name": "Шредингерова Ада Эрвиновна", "birth_date": "1971-02-03", "position": "такелажница-уникум"}


def forms(text: str) -> list[str]:
    """Ways a string can sit in a table or a message: as is, JSON-escaped (`\\u0428…`), and as bytea hex."""
    escaped = json.dumps(text)[1:-1]
    return [text, escaped, escaped.upper().replace("\\U", "\\u"), text.encode().hex()]


async def plaintext_in_tables(database_url: str, needles: list[str]) -> list[str]:
    """Every `schema.table` holding any needle in any column of any row (text, JSON and bytea alike)."""
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
            if any(n in row[0] or n in row[0].lower() for row in rows for n in needles):
                found.append(f"{schema}.{table}")
    return found


async def plaintext_on_streams(
    nc: Any, needles: list[str], streams: tuple[str, ...] = ("REGISTRY", DEAD_LETTER_STREAM)
) -> list[str]:
    found = []
    for stream in streams:
        for headers, body in await stream_messages(nc.jetstream(), stream):
            text = body.decode() + json.dumps(headers)
            if any(n in text or n in text.lower() for n in needles):
                found.append(stream)
    return found


async def test_after_erasure_the_key_is_gone_and_nothing_of_the_person_remains(stack: Stack, nc: Any) -> None:
    h, _, _, p = await union(stack)
    erased = await admit(stack, h, p["id"], since="2001-01-01", **SECRET)
    other = await admit(stack, h, p["id"], full_name="Обычный Олег", since="2002-01-01")
    officer = await stack.http.post(
        f"/api/v1/orgs/{p['id']}/officers", json={"person_id": erased, "role": "info_activist"}, headers=h
    )
    assert officer.status_code == 201, officer.text
    needles = [f for value in SECRET.values() for f in forms(value)]

    # a consumer that cannot digest person events dead-letters a copy, which must not keep the name either
    async def choke(conn: Any, d: Delivered) -> None:
        raise ValueError("this consumer chokes on people")

    engine = make_engine(stack.database_url)
    dead = Projector(
        engine, ledger, "registry", Projection("choking", "registry", choke, ("registry.person.>",)), nc, max_deliver=1
    )
    async with running(dead):
        await eventually(lambda: _dead_letters(nc))
    assert await plaintext_in_tables(stack.database_url, needles) == [], "only sealed copies, before erasure too"
    assert await plaintext_on_streams(nc, needles) == []

    reply = await stack.http.post(f"/api/v1/members/{erased}/erasure", json={"basis": "заявление от 12.03.2026"}, headers=h)
    assert reply.status_code == 202, reply.text
    again = await stack.http.post(f"/api/v1/members/{erased}/erasure", json={"basis": "again"}, headers=h)
    assert again.status_code == 422 and again.json()["error"]["details"][0]["rule"] == "PD1"

    keyring = KeyRing(ledger, stack.keys.master)
    async with engine.connect() as conn:
        assert set(await keyring.keys(conn, [erased, other])) == {other}, "the erased person's key is destroyed"
        sealed = {
            r.aggregate_id: r.data["full_name"]
            for r in await conn.execute(
                select(ledger.events).where(ledger.events.c.type == "union.registry.person.registered.v1")
            )
        }
        keys = await keyring.keys(conn, [erased, other])
    assert open_field(keys.get(erased), erased, sealed[erased]) is None
    assert open_field(keys.get(other), other, sealed[other]) == "Обычный Олег", "everyone else still decrypts"
    await engine.dispose()

    record = await get(stack, h, f"/api/v1/members/{erased}", as_of="2010-01-01")
    assert record["erased"] and record["full_name"] is None and record["birth_date"] is None and record["member"]
    assert record["erasure_basis"] == "заявление от 12.03.2026"
    assert (await get(stack, h, f"/api/v1/orgs/{p['id']}", as_of="2010-01-01"))["member_records"] == 2, "counts stay"
    officers = await get(stack, h, f"/api/v1/orgs/{p['id']}/officers")
    assert [(o["person_id"], o["full_name"]) for o in officers] == [(erased, None)]
    assert await get(stack, h, "/api/v1/members", q="шредингерова", as_of="2010-01-01") == []
    assert await plaintext_in_tables(stack.database_url, needles) == []
    assert await plaintext_on_streams(nc, needles) == []
    late = await stack.http.post(f"/api/v1/members/{erased}/transfer", json={"org_id": p["id"]}, headers=h)
    assert late.status_code == 422 and late.json()["error"]["details"][0]["rule"] == "PD1"

    assert await stack.services["registry"].rebuild() > 0, "a rebuild after an erasure succeeds"
    rebuilt = await get(stack, h, f"/api/v1/members/{erased}", as_of="2010-01-01")
    assert rebuilt["erased"] and rebuilt["full_name"] is None
    assert [r["full_name"] for r in await get(stack, h, f"/api/v1/orgs/{p['id']}/members", as_of="2010-01-01")] == [
        "Обычный Олег",
        None,
    ]
    assert await plaintext_in_tables(stack.database_url, needles) == []


async def _dead_letters(nc: Any) -> bool:
    return bool(await stream_messages(nc.jetstream(), DEAD_LETTER_STREAM))
