"""The sender asks contacts for addresses with tokens of its own identity, for contacts' audience in its deployment."""

from __future__ import annotations

from typing import Any

import pytest
from notifications.config import NotificationsSettings
from notifications.sender import Sender

from kit.errors import Refused
from kit.tokens import Verifier
from profset_testing import Keys


def test_the_senders_tokens_are_its_own_for_contacts_of_its_deployment(keys: Keys) -> None:
    settings = NotificationsSettings(
        service_private_key=keys.notifications_private, token_public_key=keys.public, token_audience="sudprof"
    )
    sender = Sender(store=Any, settings=settings, requests=Any)  # type: ignore[arg-type]
    token = sender._token()
    services = {"notifications": keys.notifications_public}
    assert Verifier(keys.public, "sudprof/contacts", services=services).verify(token, sender.now()).username == "notifications"
    for elsewhere in (Verifier(keys.public, "profset/contacts", services=services), Verifier(keys.public, "sudprof/contacts")):
        with pytest.raises(Refused):  # another deployment's contacts, or one not told notifications' key
            elsewhere.verify(token, sender.now())
