"""Concurrent commands under one parent, from many clients and with no fault: each is decided once on the state it
finds, and none is answered 409 because another landed first (issue 27, "No spurious conflicts")."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable

import httpx

from profset_testing import ADMIN_PASSWORD, Stack
from profset_testing.api import register

CLIENTS = 16
ROUNDS = 3


async def _all(calls: list[Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*calls))


async def test_concurrent_registrations_moves_and_admissions_under_one_parent_each_succeed_once(stack: Stack) -> None:
    h = await stack.login("admin", ADMIN_PASSWORD)
    cc = await register(stack, h, name="ЦК", level="central", registered_on="1990-01-01")
    north = await register(stack, h, name="Северная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    south = await register(stack, h, name="Южная", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    statuses: list[int] = []
    registered: list[str] = []
    for r in range(ROUNDS):
        answers = await _all(
            [
                stack.http.post(
                    "/api/v1/orgs",
                    json={"name": f"ППО {r}-{i}", "level": "primary", "parent_id": north["id"], "registered_on": "2000-01-01"},
                    headers={**h, "Idempotency-Key": f"reg-{r}-{i}"},
                )
                for i in range(CLIENTS)
            ]
        )
        statuses += [a.status_code for a in answers]
        registered += [a.json()["id"] for a in answers if a.status_code == 201]
    assert Counter(statuses) == {201: CLIENTS * ROUNDS}, "each registration landed, none refused for losing a race"

    moves = registered[:CLIENTS]
    moved = await _all([stack.http.patch(f"/api/v1/orgs/{org}", json={"parent_id": south["id"]}, headers=h) for org in moves])
    assert [m.status_code for m in moved] == [200] * CLIENTS, [m.text for m in moved if m.status_code != 200]

    parent = registered[-1]
    admitted = await _all(
        [
            stack.http.post(f"/api/v1/orgs/{parent}/members", json={"full_name": f"Член {i}"}, headers=h)
            for i in range(CLIENTS * 2)
        ]
    )
    assert [a.status_code for a in admitted] == [201] * (CLIENTS * 2), [a.text for a in admitted if a.status_code != 201]

    children = await stack.http.get(f"/api/v1/orgs/{north['id']}/children", headers=h)
    south_children = await stack.http.get(f"/api/v1/orgs/{south['id']}/children", headers=h)
    assert len(children.json()) == CLIENTS * (ROUNDS - 1), "every registration landed once, the moved ones left"
    assert {c["id"] for c in south_children.json()} == set(moves), "every move landed once"
    org = await stack.http.get(f"/api/v1/orgs/{parent}", headers=h)
    assert org.status_code == 200
