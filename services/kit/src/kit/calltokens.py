"""Per-call tokens: the gateway forwards to a service a short-lived token for that service alone, never the user's own.

A token lifted off the bus then works for a minute at one service, and nowhere else: not at the gateway's API (whose
verifier takes the deployment's audience only), not at another service (each takes only its own audience).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from . import clock
from .tokens import Actor, Signer, Verifier, service_audience

CALL_TTL_SECONDS = 60
"""How long a token forwarded to a service stays valid."""


class CallTokens:
    """Mints, from a user's token, a token for one service; reused for half its life so signing isn't per request."""

    def __init__(
        self,
        signer: Signer,
        verifier: Verifier,
        ttl_seconds: int = CALL_TTL_SECONDS,
        remembered: int = 4096,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._signer, self._verifier, self._ttl, self._remembered = signer, verifier, ttl_seconds, remembered
        self._now = now or self._edge_now
        self._minted: dict[tuple[str, str], tuple[str, float]] = {}

    @staticmethod
    def _edge_now() -> datetime:
        return clock.now()  # looked up per call, as every reader of the edge's clock does (a test may move it)

    def __call__(self, user_token: str, service: str) -> str:
        """A token for `service` naming the user of `user_token`; refuses (`unauthenticated`) a token not valid now."""
        now = self._now()
        actor, expires, _ = self._verifier.verify_claims(user_token, now)  # every time: a user token expires on the dot
        found = self._minted.get((user_token, service))
        if found is not None and now.timestamp() < found[1]:
            return found[0]
        return self._mint(user_token, service, actor, now, expires)

    def _mint(self, user_token: str, service: str, actor: Actor, now: datetime, expires: int) -> str:
        # never outlives the user's token: a signed-out user's last token dies with it
        ttl = max(1, min(self._ttl, expires - int(now.timestamp())))
        token = self._signer.sign(actor, now, ttl, service_audience(self._signer.audience, service))
        if len(self._minted) >= self._remembered:
            self._minted.clear()
        self._minted[(user_token, service)] = (token, now.timestamp() + ttl / 2)
        return token
