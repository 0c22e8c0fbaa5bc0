"""The sender asks contacts for addresses with tokens of the deployment's audience, as the gateway signs them."""

from __future__ import annotations

from typing import Any

import pytest
from notifications.config import NotificationsSettings
from notifications.sender import ME, Sender

from kit import clock
from kit.errors import Refused
from kit.tokens import Verifier
from profset.testing import Keys


def test_the_senders_tokens_carry_the_deployments_audience(keys: Keys) -> None:
    settings = NotificationsSettings(token_private_key=keys.private, token_public_key=keys.public, token_audience="sudprof")
    sender = Sender(store=Any, settings=settings, requests=Any)  # type: ignore[arg-type]
    assert sender.signer is not None
    token = sender.signer.sign(ME, clock.now(), 120)
    assert Verifier(keys.public, "sudprof").verify(token, clock.now()).username == ME.username
    with pytest.raises(Refused):
        Verifier(keys.public).verify(token, clock.now())  # another deployment's services refuse it
