"""The portal's one-time sign-in codes by e-mail: sent at once to one of the member's own usable addresses (contacts
gives only those whose consent holds), never planned, retried or kept (a code is worth minutes, not a receipt)."""

from __future__ import annotations

from typing import Any

from contracts.notifications import SendSignInCode
from kit import clock, logs
from kit.errors import forbidden
from kit.ids import new_id
from kit.rpc import Context, RequestClient
from kit.tokens import Actor, Role, Signer, service_audience

from . import mail
from .config import NotificationsSettings
from .domain.plan import pick_address

ME = Actor("notifications", Role.SERVICE, None)
log = logs.get("notifications.signin")


class SignInCodes:
    """Sends a member their sign-in code."""

    def __init__(self, settings: NotificationsSettings, requests: RequestClient) -> None:
        self.settings, self.requests = settings, requests
        key = settings.service_private_key
        self.signer = Signer(key, settings.token_audience) if key else None

    async def send_sign_in_code(self, q: SendSignInCode, ctx: Context) -> dict[str, Any]:
        """Mails the code to the member the token names; `sent` false when they have no usable e-mail address (the
        gateway tells the member nothing either way)."""
        if ctx.actor.role is not Role.MEMBER:
            raise forbidden("a sign-in code goes only to the member the gateway signs it for")
        to = await self._address(ctx.actor.username)
        if to is None:
            return {"sent": False}
        subject = "Профсеть: код для входа"
        text = f"Ваш код для входа в личный кабинет: {q.code}\n\nКод действует {q.valid_minutes} мин. и только один раз."
        text += "\nЕсли вы не запрашивали код, просто не отвечайте на это письмо."
        message_id = f"<sign-in-{new_id()}@profset>"
        try:
            await mail.send(self.settings, mail.letter(self.settings.mail_from, to, message_id, subject, text))
        except mail.Refusal as e:
            log.warning("sign-in code not sent", failure=e.failure)
            return {"sent": False}
        return {"sent": True}

    async def _address(self, person_id: str) -> str | None:
        if self.signer is None:
            return None
        token = self.signer.sign(ME, clock.now(), 60, service_audience(self.signer.audience, "contacts"))
        kinds = ["work_email", "personal_email"]
        reply = await self.requests.request(
            "contacts", "usable_addresses_of", {"person_ids": [person_id], "kinds": kinds}, token=token
        )
        if not reply.ok:
            log.warning("contacts gave no addresses for a sign-in code")
            return None
        return pick_address(list(reply.data))
