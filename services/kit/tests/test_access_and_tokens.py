"""Actor tokens and the access model of DESIGN.md §5, without IO."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.envelope import ErrorCode
from kit.access import GRANTABLE, permits, require
from kit.calltokens import CallTokens
from kit.errors import Refused
from kit.tokens import Actor, Role, Signer, Verifier, _b64, generate_keypair, service_audience

NOW = datetime(2026, 11, 23, tzinfo=UTC)
# a primary org "p" under territorial "t" under the CC "cc"; "q" is under another territorial "u"
P, T, Q = ["p", "t", "cc"], ["t", "cc"], ["q", "u", "cc"]


def test_a_token_round_trips_and_expires() -> None:
    private, public = generate_keypair()
    actor = Actor("ann", Role.STAFF, "t")
    token = Signer(private).sign(actor, NOW, 60)
    assert Verifier(public).verify(token, NOW + timedelta(seconds=59)) == actor
    with pytest.raises(Refused, match="expired"):
        Verifier(public).verify(token, NOW + timedelta(seconds=60))


def test_a_remembered_token_still_expires_and_an_altered_one_is_checked_afresh() -> None:
    private, public = generate_keypair()
    verifier, actor = Verifier(public, remembered=2), Actor("ann", Role.STAFF, "t")
    token = Signer(private).sign(actor, NOW, 60)
    assert verifier.verify(token, NOW) == actor
    assert verifier.verify(token, NOW + timedelta(seconds=59)) == actor
    with pytest.raises(Refused, match="expired"):
        verifier.verify(token, NOW + timedelta(seconds=60))
    version, payload, signature = token.split(".")
    bolder = _b64(json.dumps({**json.loads(base64.urlsafe_b64decode(payload + "==")), "role": "admin"}).encode())
    with pytest.raises(Refused, match="not valid"):
        verifier.verify(f"{version}.{bolder}.{signature}", NOW)
    for i in range(3):  # more tokens than it remembers: it forgets, and checks again
        assert verifier.verify(Signer(private).sign(Actor(f"u{i}", Role.VIEWER, "t"), NOW, 60), NOW).username == f"u{i}"
    assert verifier.verify(token, NOW) == actor


def test_a_token_signed_by_another_key_or_altered_is_refused() -> None:
    private, _ = generate_keypair()
    _, public = generate_keypair()
    token = Signer(private).sign(Actor("ann", Role.ADMIN, None), NOW, 60)
    for bad in (token, token.replace("v1.", "v2."), "garbage", ""):
        with pytest.raises(Refused) as refused:
            Verifier(public).verify(bad, NOW)
        assert refused.value.code is ErrorCode.UNAUTHENTICATED


def test_a_token_for_another_audience_or_for_none_is_refused() -> None:
    private, public = generate_keypair()
    actor = Actor("ann", Role.ADMIN, None)
    ours = Verifier(public, "union-a")
    assert ours.verify(Signer(private, "union-a").sign(actor, NOW, 60), NOW) == actor
    with pytest.raises(Refused, match="audience") as refused:
        ours.verify(Signer(private, "union-b").sign(actor, NOW, 60), NOW)
    assert refused.value.code is ErrorCode.UNAUTHENTICATED
    # the same key's signature over claims with no `aud` at all, as a token minted before audiences were
    claims = {"sub": "ann", "role": "admin", "org": None, "iat": 0, "exp": int(NOW.timestamp()) + 60}
    payload = _b64(json.dumps(claims).encode())
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private))
    unaddressed = f"v1.{payload}.{_b64(key.sign(payload.encode()))}"
    with pytest.raises(Refused, match="audience"):
        ours.verify(unaddressed, NOW)
    with pytest.raises(Refused, match="audience"):
        Verifier(public).verify(unaddressed, NOW)


@pytest.mark.parametrize(
    ("role", "root", "action", "lineage", "allowed"),
    [
        (Role.ADMIN, None, "shape_tree", T, True),
        (Role.STAFF, "t", "read_orgs", P, True),
        (Role.STAFF, "t", "read_orgs", Q, False),
        (Role.STAFF, "t", "report_facts", T, True),
        (Role.STAFF, "t", "shape_tree", P, True),
        (Role.STAFF, "t", "shape_tree", T, False),  # never its own root's parent or level
        (Role.STAFF, "t", "moderate", T, False),
        (Role.STAFF, "t", "moderate", P, True),
        (Role.AUDITOR, "t", "audit", P, True),
        (Role.AUDITOR, "t", "read_personal_data", P, False),
        (Role.VIEWER, "t", "read_orgs", P, True),
        (Role.VIEWER, "t", "report_facts", P, False),
        (Role.STAFF, "cc", "audit", P, False),
    ],
)
def test_the_access_table(role: Role, root: str | None, action: str, lineage: list[str], allowed: bool) -> None:
    assert permits(Actor("u", role, root), action, lineage) is allowed


def test_a_refusal_is_forbidden_and_says_what() -> None:
    with pytest.raises(Refused) as refused:
        require(Actor("v", Role.VIEWER, "t"), "report_facts", P)
    assert refused.value.code is ErrorCode.FORBIDDEN and "report facts" in refused.value.message


def test_staff_hand_out_only_lesser_roles() -> None:
    assert Role.ADMIN not in GRANTABLE[Role.STAFF] and Role.VIEWER in GRANTABLE[Role.STAFF]


def test_a_call_token_is_for_one_service_reused_for_half_its_life_and_never_outlives_the_users() -> None:
    private, public = generate_keypair()
    signer, gateway = Signer(private), Verifier(public)
    user = signer.sign(Actor("ann", Role.STAFF, "t"), NOW, 8 * 3600)
    calls, registry = CallTokens(signer, gateway, now=lambda: NOW), Verifier(public, service_audience("profset", "registry"))
    forwarded = calls(user, "registry")
    assert calls(user, "registry") == forwarded, "signed once, not per request"
    assert calls(user, "contacts") != forwarded
    assert registry.verify(forwarded, NOW + timedelta(seconds=59)).username == "ann"
    with pytest.raises(Refused, match="expired"):
        registry.verify(forwarded, NOW + timedelta(seconds=60))
    for elsewhere in (gateway, Verifier(public, service_audience("profset", "contacts"))):
        with pytest.raises(Refused, match="another audience"):
            elsewhere.verify(forwarded, NOW)
    with pytest.raises(Refused, match="another audience"):
        registry.verify(user, NOW)
    ending = signer.sign(Actor("bob", Role.VIEWER, "t"), NOW, 10)
    short = calls(ending, "registry")
    with pytest.raises(Refused, match="expired"):
        registry.verify(short, NOW + timedelta(seconds=10))


def test_a_service_signs_for_itself_only_and_never_a_user() -> None:
    gateway_private, gateway_public = generate_keypair()
    service_private, service_public = generate_keypair()
    verifier = Verifier(gateway_public, services={"notifications": service_public})
    me = Actor("notifications", Role.SERVICE, None)
    assert verifier.verify(Signer(service_private).sign(me, NOW, 60), NOW) == me
    for forged in (
        Signer(service_private).sign(Actor("admin", Role.ADMIN, None), NOW, 60),  # a service's key mints no user
        Signer(service_private).sign(Actor("registry", Role.SERVICE, None), NOW, 60),  # nor another service
        Signer(gateway_private).sign(me, NOW, 60),  # and the gateway mints no service identity
    ):
        with pytest.raises(Refused, match="not valid"):
            verifier.verify(forged, NOW)
