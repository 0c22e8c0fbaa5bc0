"""E-mail over SMTP: the Russian plain-text and HTML letter about a material, and sending it."""

from __future__ import annotations

import html
import time
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from .config import NotificationsSettings
from .domain.plan import permanent

KINDS = {
    "news": "новость",
    "announcement": "объявление",
    "leaflet": "листовка",
    "video": "видео",
    "press_release": "пресс-релиз",
    "report": "отчёт",
}


class Refusal(Exception):
    """The server refused or could not be reached; `permanent` refusals are not tried again."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def about_material(title: str, kind: str, body: str) -> tuple[str, str]:
    """Subject and text telling an org that a material reached it."""
    excerpt = body if len(body) <= 2000 else body[:2000] + "…"
    return f"Профсеть: {KINDS.get(kind, 'материал')} «{title}»", f"В вашу организацию поступил материал «{title}».\n\n{excerpt}"


def letter(sender: str, to: str, message_id: str, subject: str, text: str) -> EmailMessage:
    """A letter in Russian, as plain text with an HTML alternative."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"], msg["Date"] = sender, to, message_id, formatdate(localtime=True)
    msg["Subject"] = subject
    msg.set_content(f"Здравствуйте!\n\n{text}\n\n— Профсеть\n")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
    msg.add_alternative(f"<p>Здравствуйте!</p>{paragraphs}<p>— Профсеть</p>", subtype="html")
    return msg


async def send(settings: NotificationsSettings, msg: EmailMessage) -> None:
    """Hands one letter to the mail server on a connection of its own; raises `Refusal` with the server's reason."""
    mailer = Mailer(settings)
    try:
        await mailer.send(msg)
    finally:
        await mailer.close()


class Mailer:
    """Sends letters one after another over one kept connection, saving a connect, a greeting and a goodbye per
    letter. A connection that fails is dropped, and the next letter opens a new one."""

    def __init__(self, settings: NotificationsSettings, idle_check: float = 10.0) -> None:
        self.settings, self.idle_check = settings, idle_check
        self.client: aiosmtplib.SMTP | None = None
        self._used = 0.0

    async def send(self, msg: EmailMessage) -> None:
        """Hands the letter to the mail server; raises `Refusal` with the server's reason. Once the server has
        accepted the letter, nothing here fails it: retrying then would send it twice."""
        try:
            client = await self._connected()
            await client.send_message(msg)
        except aiosmtplib.SMTPRecipientsRefused as e:
            await self.close()
            first = e.recipients[0]
            raise Refusal(f"{first.code} {first.message}", permanent(first.code)) from None
        except aiosmtplib.SMTPResponseException as e:
            await self.close()
            raise Refusal(f"{e.code} {e.message}", permanent(e.code)) from None
        except (aiosmtplib.SMTPException, OSError) as e:
            await self.close()
            raise Refusal(f"mail server unreachable: {e}", False) from None
        self._used = time.monotonic()

    async def _connected(self) -> aiosmtplib.SMTP:
        client = self.client
        if client is not None and client.is_connected and time.monotonic() - self._used > self.idle_check:
            try:
                await client.noop()  # a server may drop a connection left idle; find out before a letter depends on it
            except (aiosmtplib.SMTPException, OSError):
                await self.close()
                client = None
        if client is not None and client.is_connected:
            return client
        await self.close()
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
        await client.connect()
        self.client = client
        if settings.smtp_username:
            await client.login(settings.smtp_username, settings.smtp_password)
        return client

    async def close(self) -> None:
        """Says goodbye, or just drops the connection if the server is not listening any more."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
