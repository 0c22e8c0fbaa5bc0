"""Erasure (PD1, DESIGN.md §4): the key goes, nothing readable of the person remains anywhere, counts stay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from contracts import EVENTS
from contracts.envelope import DEAD_LETTER_STREAM
from kit.crypto import KeyRing, open_field
from kit.db import make_engine
from kit.projection import Delivered, Projection
from kit.projector import Projector
from profset_testing import Stack, eventually, forms, plaintext_in_tables, plaintext_on_streams, running, stream_messages
from profset_testing.api import admit, get, union
from registry.tables import ledger

PERSON_EVENTS = [cls for cls in EVENTS.values() if cls.nats_subject().startswith("registry.person.")]
SECRET = {"full_name": "Шредингерова Ада Эрвиновна", "birth_date": "1971-02-03", "position": "такелажница-уникум"}


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
    dead = Projector(engine, ledger, "registry", Projection("choking", "registry", choke, PERSON_EVENTS), nc, max_deliver=1)
    async with running(dead):
        await eventually(lambda: _dead_letters(nc))
    assert await plaintext_in_tables(stack.database_url, needles) == [], "only sealed copies, before erasure too"
    assert (await plaintext_on_streams(nc, needles))[0] == []

    reply = await stack.http.post(f"/api/v1/members/{erased}/erasure", json={"basis": "заявление от 12.03.2026"}, headers=h)
    assert reply.status_code == 202, reply.text
    again = await stack.http.post(f"/api/v1/members/{erased}/erasure", json={"basis": "again"}, headers=h)
    assert again.status_code == 422 and again.json()["error"]["details"][0]["rule"] == "PD1"

    keyring = KeyRing(ledger, stack.keys.masters["registry"])
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
    assert (await plaintext_on_streams(nc, needles))[0] == []
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
