"""A request sent straight to a service over NATS, past the gateway, is held to the same rules (DESIGN.md §1, §5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kit import clock
from kit.rpc import RequestClient
from kit.tokens import Actor, Role, Signer, generate_keypair
from profset_testing import Stack
from profset_testing.faults import record


async def test_no_token_a_forged_expired_or_misaddressed_one_and_an_out_of_scope_actor_are_refused(stack: Stack, nc: Any) -> None:
    client = RequestClient(nc)
    admin = stack.keys.token(service="registry")
    orgs = []
    parent = None
    for level in ("central", "territorial", "primary", "territorial"):
        body = {"name": f"Орг {len(orgs)}", "level": level, "registered_on": "1990-01-01"}
        body["parent_id"] = orgs[0] if level == "territorial" else parent
        reply = await client.request("registry", "register_org", body, token=admin)
        assert reply.ok, reply.error
        parent = reply.data["id"]
        orgs.append(parent)
    _cc, mine, primary, other = orgs
    forged = Signer(generate_keypair()[0]).sign(Actor("admin", Role.ADMIN, None), clock.now(), 3600, "profset/registry")
    expired = Signer(stack.keys.private).sign(
        Actor("admin", Role.ADMIN, None), clock.now() - timedelta(hours=2), 60, "profset/registry"
    )
    # our own key, but minted for another deployment's audience
    elsewhere = Signer(stack.keys.private, "another-union").sign(Actor("admin", Role.ADMIN, None), clock.now(), 3600)
    cases = {
        "no token": ("", "unauthenticated"),
        "garbage": ("v1.not.atoken", "unauthenticated"),
        "forged": (forged, "unauthenticated"),
        "expired": (expired, "unauthenticated"),
        "another audience": (elsewhere, "unauthenticated"),
        "viewer reporting": (stack.keys.token(Role.VIEWER, mine, service="registry"), "forbidden"),
        "staff of another subtree": (stack.keys.token(Role.STAFF, other, service="registry"), "forbidden"),
        "auditor reporting": (stack.keys.token(Role.AUDITOR, mine, service="registry"), "forbidden"),
    }
    seen = {}
    for name, (token, _) in cases.items():
        reply = await client.request(
            "registry", "report_headcount", {"org_id": primary, "members": 5, "as_of": "2020-01-01"}, token=token
        )
        seen[name] = "ok" if reply.ok else reply.error.code.value  # type: ignore[union-attr]
        personal = await client.request("registry", "list_members", {"org_id": primary}, token=token)
        assert not personal.ok, name
    allowed = await client.request(
        "registry",
        "report_headcount",
        {"org_id": primary, "members": 5, "as_of": "2020-01-01"},
        token=stack.keys.token(Role.STAFF, mine, service="registry"),
    )
    record("straight_to_services", cases=len(cases) * 2 + 1, wrong=sum(seen[n] != want for n, (_, want) in cases.items()))
    assert seen == {name: want for name, (_, want) in cases.items()}
    assert allowed.ok, "and the same request from staff of that subtree goes through"


async def test_the_gateway_refuses_a_token_for_another_audience_and_an_expired_one(stack: Stack) -> None:
    actor = Actor("admin", Role.ADMIN, None)
    good = Signer(stack.keys.private).sign(actor, clock.now(), 3600)
    elsewhere = Signer(stack.keys.private, "another-union").sign(actor, clock.now(), 3600)
    expired = Signer(stack.keys.private).sign(actor, clock.now() - timedelta(hours=2), 60)
    answers = {}
    for name, token in (("good", good), ("another audience", elsewhere), ("expired", expired)):
        reply = await stack.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        answers[name] = reply.status_code
        if reply.status_code == 401:
            assert reply.json()["error"]["code"] == "unauthenticated", reply.text
    assert answers == {"good": 200, "another audience": 401, "expired": 401}
