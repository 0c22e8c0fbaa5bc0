"""Actor tokens: who is asking, signed (Ed25519) by the gateway for a user, by a service for itself; verified by every
service."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contracts.envelope import ErrorCode

from .errors import Refused

DEFAULT_AUDIENCE = "profset"
"""The `aud` claim a stack's tokens carry unless `TOKEN_AUDIENCE` names another (one per deployment)."""


def service_audience(deployment: str, service: str) -> str:
    """The audience of a token for one service of a deployment: that service alone accepts it, never the gateway."""
    return f"{deployment}/{service}"


SERVICE_TOKEN_LONGEST = 600
"""Seconds a service's own token may live at most (it signs one for a couple of minutes at a time)."""


class Role(StrEnum):
    """A user's role (DESIGN.md §5); `service` is a service acting on its own account; `member` a union member signed in
    to the portal by a one-time code, whose username is their person id and who reaches only their own records."""

    ADMIN = "admin"
    STAFF = "staff"
    AUDITOR = "auditor"
    VIEWER = "viewer"
    SERVICE = "service"
    MEMBER = "member"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a user bound to the root of their subtree."""

    username: str
    role: Role
    org_id: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """A new (private, public) key pair, each base64 of the raw 32 bytes."""
    # here, not at the top: only the operator makes keys, and a service that verifies tokens never loads it (1 MB)
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


class Signer:
    """Signs actor tokens for one audience (the deployment); only the gateway holds the private key."""

    def __init__(self, private_key_b64: str, audience: str = DEFAULT_AUDIENCE) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
        self.audience = audience

    def sign(self, actor: Actor, now: datetime, ttl_seconds: int, audience: str | None = None) -> str:
        """A token for the actor, valid for `ttl_seconds` from `now`, for `audience` (else the deployment's)."""
        issued = int(now.timestamp())
        claims = {
            "sub": actor.username,
            "role": actor.role.value,
            "org": actor.org_id,
            "aud": audience or self.audience,
            "iat": issued,
            "exp": issued + ttl_seconds,
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"v1.{payload}.{_b64(self._key.sign(payload.encode()))}"


def _public(key_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64))


class Verifier:
    """Verifies actor tokens for one audience only: a user's signed by the gateway's key, a service's by its own."""

    def __init__(
        self,
        public_key_b64: str,
        audience: str = DEFAULT_AUDIENCE,
        remembered: int = 4096,
        services: Mapping[str, str] | None = None,
    ) -> None:
        self._key = _public(public_key_b64)
        self._services = {name: _public(key) for name, key in (services or {}).items()}
        self.audience = audience
        # tokens whose signature held, with what they claim: a caller sends one token with many requests, and
        # checking the signature is most of a small request's cost; expiry and audience are checked every time
        self._signed: dict[str, tuple[Actor, int, object, int]] = {}
        self._remembered = remembered

    def verify(self, token: str | None, now: datetime) -> Actor:
        """The actor a valid, unexpired token for this audience names; refuses anything else as `unauthenticated`."""
        return self.verify_claims(token, now)[0]

    def verify_claims(self, token: str | None, now: datetime) -> tuple[Actor, int, int]:
        """As `verify`, with the times (epoch seconds) the token expires and was issued."""
        if not token:
            raise Refused(ErrorCode.UNAUTHENTICATED, "no actor token")
        actor, expires, audience, issued = self._signed.get(token) or self._claims(token)
        if audience != self.audience:  # a token of another deployment (or of none) signed with a shared key
            raise Refused(ErrorCode.UNAUTHENTICATED, "the actor token is for another audience")
        if now.timestamp() >= expires:
            raise Refused(ErrorCode.UNAUTHENTICATED, "the actor token has expired")
        return actor, expires, issued

    def _claims(self, token: str) -> tuple[Actor, int, object, int]:
        """The claims of a token whose signature holds, remembered; refuses a token that is not valid."""
        try:
            version, payload, signature = token.split(".")
            if version != "v1":
                raise ValueError(version)
            claims = json.loads(_unb64(payload))
            actor = Actor(username=claims["sub"], role=Role(claims["role"]), org_id=claims.get("org"))
            expires, issued = int(claims["exp"]), int(claims["iat"])
            audience = claims.get("aud")
            self._signer_of(actor).verify(_unb64(signature), payload.encode())
            if actor.role is Role.SERVICE and expires - issued > SERVICE_TOKEN_LONGEST:
                raise ValueError("a service's token lives minutes, not years: lifted off the bus it would serve for good")
        except (ValueError, KeyError, TypeError, AttributeError, InvalidSignature, json.JSONDecodeError):
            raise Refused(ErrorCode.UNAUTHENTICATED, "the actor token is not valid") from None
        if len(self._signed) >= self._remembered:
            self._signed.clear()
        self._signed[token] = (actor, expires, audience, issued)
        return actor, expires, audience, issued

    def _signer_of(self, actor: Actor) -> Ed25519PublicKey:
        """The key that must have signed the actor's token: a service's own for it (a service identity is never the
        gateway's to mint, nor another service's), the gateway's for a user (a service's key can't mint a user)."""
        if actor.role is not Role.SERVICE:
            return self._key
        if (key := self._services.get(actor.username)) is None:
            raise ValueError(f"no key for the service {actor.username!r}")
        return key
