"""One key, one holder (issue 27): what the gateway forwards to a service is a short-lived token for that service alone,
never the user's own 8-hour token, so a token lifted off the bus works nowhere else; a service acting on its own signs
with a key of its own, for exactly the verbs it is given, and can't mint a user (DESIGN.md §1, §5)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from contracts.envelope import RequestHeader
from contracts.services import SERVICES
from kit import clock
from kit.crypto import generate_master_key
from kit.rpc import RequestClient
from kit.tokens import DEFAULT_AUDIENCE, Actor, Role, Signer, service_audience
from profset.stackkeys import SEALING, own_environment, secrets, shared_environment
from profset_testing import ADMIN_PASSWORD, Stack, eventually


async def _captured_on_the_bus(stack: Stack, nc: Any, headers: dict[str, str]) -> str:
    """The actor token the gateway forwards to the registry for one API call, read by a listener on the subject."""
    seen: list[str] = []

    async def lift(msg: Any) -> None:
        seen.append(msg.headers[RequestHeader.ACTOR])

    sub = await nc.subscribe("svc.registry.>", cb=lift)
    await nc.flush()
    try:
        assert (await stack.http.get("/api/v1/orgs", headers=headers)).status_code == 200
        await eventually(lambda: asyncio.sleep(0, result=seen))
    finally:
        await sub.unsubscribe()
    return seen[0]


async def test_a_token_lifted_off_the_bus_works_only_at_the_service_it_was_for(stack: Stack, nc: Any) -> None:
    admin = await stack.login("admin", ADMIN_PASSWORD)
    lifted = await _captured_on_the_bus(stack, nc, admin)
    assert lifted != admin["Authorization"][7:], "the user's own token never travels on the bus"
    client = RequestClient(nc)
    at_registry = await client.request("registry", "list_orgs", {}, token=lifted)
    assert at_registry.ok, "the registry takes the token minted for it"
    at_api = await stack.http.get("/api/v1/orgs", headers={"Authorization": f"Bearer {lifted}"})
    assert at_api.status_code == 401, at_api.text
    at_contacts = await client.request("contacts", "usable_addresses", {"person_id": "p"}, token=lifted)
    assert at_contacts.error is not None and at_contacts.error.code.value == "unauthenticated"


async def test_a_users_own_token_sent_straight_to_a_service_is_refused(stack: Stack, nc: Any) -> None:
    own = (await stack.login("admin", ADMIN_PASSWORD))["Authorization"][7:]
    for service, verb in (("registry", "list_orgs"), ("contacts", "usable_addresses"), ("exchange", "ledger_end")):
        reply = await RequestClient(nc).request(service, verb, {}, token=own)
        assert reply.error is not None and reply.error.code.value == "unauthenticated", (service, reply)


async def test_notifications_key_mints_no_user_and_asks_only_the_verbs_it_is_given(stack: Stack, nc: Any) -> None:
    keys, client, now = stack.keys, RequestClient(nc), clock.now()
    theirs, gateways = Signer(keys.notifications_private), Signer(keys.private)
    for service, verb in (("registry", "list_orgs"), ("contacts", "usable_addresses"), ("exchange", "ledger_end")):
        minted = theirs.sign(Actor("admin", Role.ADMIN, None), now, 60, service_audience(DEFAULT_AUDIENCE, service))
        as_another = theirs.sign(Actor(service, Role.SERVICE, None), now, 60, service_audience(DEFAULT_AUDIENCE, service))
        by_the_gateway = gateways.sign(
            Actor("notifications", Role.SERVICE, None), now, 60, service_audience(DEFAULT_AUDIENCE, service)
        )
        for token in (minted, as_another, by_the_gateway):
            reply = await client.request(service, verb, {"person_id": "p"}, token=token)
            assert reply.error is not None and reply.error.code.value == "unauthenticated", (service, reply)
    user = theirs.sign(Actor("admin", Role.ADMIN, None), now, 60)
    assert (await stack.http.get("/api/v1/orgs", headers={"Authorization": f"Bearer {user}"})).status_code == 401
    given = await client.request("contacts", "usable_addresses_of", {"person_ids": ["p"]}, token=keys.notifications_token())
    assert given.ok, given.error
    for service, verb, payload in (
        ("contacts", "list_contact_points", {"person_id": "p"}),
        ("contacts", "erase_withdrawn", {}),
        ("registry", "list_orgs", {}),
    ):
        reply = await client.request(service, verb, payload, token=keys.notifications_token(service))
        assert reply.error is not None and reply.error.code.value == "forbidden", (service, verb, reply)


def test_only_the_sealing_services_read_a_master_key_each_its_own(monkeypatch: Any) -> None:
    from contacts.config import ContactsSettings
    from exchange.config import ExchangeSettings
    from notifications.config import NotificationsSettings

    from registry.config import RegistrySettings

    ours, theirs = generate_master_key(), generate_master_key()
    monkeypatch.setenv("MASTER_KEY", generate_master_key())  # a shared key of old is read by nobody
    monkeypatch.setenv("REGISTRY_MASTER_KEY", ours)
    monkeypatch.setenv("CONTACTS_MASTER_KEY", theirs)
    assert (RegistrySettings().master_key, ContactsSettings().master_key) == (ours, theirs)
    assert ExchangeSettings().master_key == NotificationsSettings().master_key == ""


def test_the_local_stack_gives_each_sealing_service_its_own_key_and_keeps_an_old_shared_one(tmp_path: Path) -> None:
    fresh = secrets(tmp_path)
    assert fresh["REGISTRY_MASTER_KEY"] != fresh["CONTACTS_MASTER_KEY"] and "MASTER_KEY" not in fresh
    told = {name: shared_environment(fresh) | own_environment(name, fresh) for name in (*SERVICES, "gateway")}
    holders = {name for name, env in told.items() if any(k.endswith("MASTER_KEY") for k in env)}
    assert holders == set(SEALING) == {"registry", "contacts", "appeals"}
    assert [name for name, env in told.items() if "GATEWAY_TOKEN_PRIVATE_KEY" in env] == ["gateway"]
    assert [name for name, env in told.items() if "NOTIFICATIONS_SERVICE_PRIVATE_KEY" in env] == ["notifications"]
    old = tmp_path / "old"
    old.mkdir()
    shared = generate_master_key()
    (old / "secrets.json").write_text(json.dumps({"TOKEN_PRIVATE_KEY": "p", "TOKEN_PUBLIC_KEY": "q", "MASTER_KEY": shared}))
    moved = secrets(old)
    assert moved["REGISTRY_MASTER_KEY"] == moved["CONTACTS_MASTER_KEY"] == shared, "what was sealed stays readable"
    assert "MASTER_KEY" not in json.loads((old / "secrets.json").read_text()) and secrets(old) == moved


async def test_in_a_running_stack_only_the_sealing_services_hold_a_key_encryption_key(stack: Stack) -> None:
    held = {name: service.settings.master_key for name, service in stack.services.items()}
    assert len({held[name] for name in SEALING}) == len(SEALING), "each sealing service its own key"
    assert {name for name, key in held.items() if key} == set(SEALING) == {"registry", "contacts", "appeals"}
    assert all(service.runtime.keyring is None for name, service in stack.services.items() if not held[name])


async def test_each_service_connects_as_a_role_that_touches_only_its_own_schema(stack: Stack) -> None:
    import psycopg
    from psycopg import errors

    from profset.dbroles import as_role, role_of

    for name, service in stack.services.items():
        assert service.runtime.engine.url.username == role_of(name), f"{name} connects as its own role"
    async with await psycopg.AsyncConnection.connect(as_role(stack.database_url, "registry"), autocommit=True) as conn:
        await conn.execute("SELECT count(*) FROM registry.events")  # its own: fine
        for other in ("contacts.contact_points", "contacts.events", "gateway.users", "exchange.events"):
            try:
                await conn.execute(f"SELECT count(*) FROM {other}")
            except errors.InsufficientPrivilege:
                continue
            raise AssertionError(f"the registry's role read {other}")
