"""Two hardening notes of the second attack round, without servers: a user can't take a service's name, and a service's
own token lives minutes, never years."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.domain.users import decide_create
from kit import clock
from kit.errors import Refused
from kit.tokens import Actor, Role, Signer, Verifier, generate_keypair, service_audience

ADMIN = Actor("admin", Role.ADMIN, None)


@pytest.mark.parametrize("name", ["notifications", "registry", "gateway", "reader", "operator"])
def test_a_user_cannot_take_the_name_of_a_service_or_the_operator(name: str) -> None:
    with pytest.raises(Refused) as refused:
        decide_create(False, ADMIN, name, Role.VIEWER, "org", "hash")
    assert [(d.field, d.rule) for d in refused.value.details] == [("username", "reserved")]


def test_an_ordinary_name_is_created() -> None:
    assert decide_create(False, ADMIN, "ivanova", Role.VIEWER, "org", "hash")


@pytest.mark.parametrize(("ttl", "accepted"), [(120, True), (600, True), (601, False), (10**8, False)])
def test_a_services_token_lives_minutes_not_years(ttl: int, accepted: bool) -> None:
    _, gateway_public = generate_keypair()
    private, public = generate_keypair()
    audience = service_audience("profset", "contacts")
    token = Signer(private).sign(Actor("notifications", Role.SERVICE, None), clock.now(), ttl, audience)
    verifier = Verifier(gateway_public, audience, services={"notifications": public})
    if accepted:
        assert verifier.verify(token, clock.now() + timedelta(seconds=1)).username == "notifications"
    else:
        with pytest.raises(Refused):
            verifier.verify(token, clock.now())
