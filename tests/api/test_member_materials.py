"""Exchange's reads for the member portal (D1, X4) against the real servers: a member's token naming their org reads
the materials on some topics that reached that org, and no other org's; staff, and a member's token naming no org, are
refused (a member reaches no org of DESIGN.md §5 otherwise)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.deps import Caller, ask
from gateway.errors import ApiError
from kit import clock
from kit.tokens import Actor, Role
from profset_testing import Stack
from profset_testing.api import chain, get, post
from profset_testing.waiting import eventually


def caller(stack: Stack, actor: Actor) -> Caller:
    gw = stack.app.state.gateway
    return Caller(actor, gw.signer.sign(actor, clock.now(), 60), None, {}, "test")


async def sent_down(stack: Stack, h: dict[str, str], org_id: str, to: str, title: str, topics: list[str]) -> str:
    body = {"org_id": org_id, "title": title, "body": "текст", "kind": "news", "topics": topics}
    material = (await post(stack, h, "/api/v1/materials", body))["id"]
    await post(stack, h, f"/api/v1/materials/{material}/cascade", {"to": [to]}, status=202)

    async def arrived() -> bool:
        return any(r["material_id"] == material for r in await get(stack, h, f"/api/v1/orgs/{to}/inbox"))

    assert await eventually(arrived, timeout=20)
    return material


async def test_a_members_token_reads_what_reached_their_org_and_nothing_else(stack: Stack) -> None:
    h, o = await chain(stack)
    gw = stack.app.state.gateway
    ours = await sent_down(stack, h, o["t1"]["id"], o["p1"]["id"], "Индексация", ["wages"])
    await sent_down(stack, h, o["t1"]["id"], o["p1"]["id"], "Форум", ["youth"])
    theirs = await sent_down(stack, h, o["t2"]["id"], o["p4"]["id"], "Индексация на Т2", ["wages"])
    member = caller(stack, Actor("person-1", Role.MEMBER, o["p1"]["id"]))

    found: Any = await ask(gw, member, "exchange", "list_member_materials", {"topics": ["wages", "employment"]})
    assert [m["id"] for m in found] == [ours] and found[0]["org_name"] == o["t1"]["name"]
    read: Any = await ask(gw, member, "exchange", "get_member_material", {"material_id": ours})
    assert read["body"] == "текст"
    with pytest.raises(ApiError) as hidden:
        await ask(gw, member, "exchange", "get_member_material", {"material_id": theirs})
    assert hidden.value.error.code.value == "not_found"

    for who in (Actor("person-1", Role.MEMBER, None), Actor("admin", Role.ADMIN, None)):
        with pytest.raises(ApiError) as refused:
            await ask(gw, caller(stack, who), "exchange", "list_member_materials", {"topics": ["wages"]})
        assert refused.value.error.code.value == "forbidden"
