"""The keys of a test run, made once per run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kit.crypto import generate_master_key
from kit.tokens import DEFAULT_AUDIENCE, Actor, Role, Signer, generate_keypair, service_audience
from profset.stackkeys import SEALING


@dataclass(frozen=True)
class Keys:
    """The keys of a test run: the gateway's token key pair, each sealing service's master key, notifications' own
    identity."""

    private: str
    public: str
    masters: dict[str, str]
    notifications_private: str = ""
    notifications_public: str = ""

    def sealing(self, service: str) -> dict[str, str]:
        """The master key setting of a service that seals personal data; nothing for the others."""
        return {"master_key": self.masters[service]} if service in self.masters else {}

    def master_environment(self) -> dict[str, str]:
        """Every sealing service's `<SERVICE>_MASTER_KEY`, as an operator's command reads them."""
        return {f"{name.upper()}_MASTER_KEY": key for name, key in self.masters.items()}

    def token(
        self, role: Role = Role.ADMIN, org_id: str | None = None, username: str = "tester", service: str | None = None
    ) -> str:
        """A signed actor token: as the gateway forwards it to `service`, or (no service) as a user holds it."""
        from kit.clock import now

        audience = service_audience(DEFAULT_AUDIENCE, service) if service else DEFAULT_AUDIENCE
        return Signer(self.private).sign(Actor(username, role, org_id), now(), 3600, audience)

    def notifications_token(self, service: str = "contacts") -> str:
        """The token notifications signs with its own key when it asks `service` on its own account."""
        from kit.clock import now

        me = Actor("notifications", Role.SERVICE, None)
        return Signer(self.notifications_private).sign(me, now(), 120, service_audience(DEFAULT_AUDIENCE, service))


@pytest.fixture(scope="session")
def keys() -> Keys:
    """Keys for this run."""
    private, public = generate_keypair()
    return Keys(private, public, {name: generate_master_key() for name in SEALING}, *generate_keypair())
