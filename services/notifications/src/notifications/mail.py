"""E-mail over SMTP: the Russian plain-text and HTML letter about a material, and sending it."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from .config import NotificationsSettings

KINDS = {
    "news": "новость",
    "announcement": "объявление",
    "leaflet": "листовка",
    "video": "видео",
    "press_release": "пресс-релиз",
    "report": "отчёт",
}


class Refusal(Exception):
    """The mail server refused or could not be reached; `code` is its SMTP code when it answered."""

    def __init__(self, reason: str, code: int | None) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


def letter(sender: str, to: str, message_id: str, title: str, kind: str, body: str) -> EmailMessage:
    """The notification about a material, in Russian, as plain text with an HTML alternative."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"], msg["Date"] = sender, to, message_id, formatdate(localtime=True)
    msg["Subject"] = f"Профсеть: {KINDS.get(kind, 'материал')} «{title}»"
    excerpt = body if len(body) <= 2000 else body[:2000] + "…"
    msg.set_content(f"Здравствуйте!\n\nВ вашу организацию поступил материал «{title}».\n\n{excerpt}\n\n— Профсеть\n")
    msg.add_alternative(
        f"<p>Здравствуйте!</p><p>В вашу организацию поступил материал «<b>{html.escape(title)}</b>».</p>"
        f"<blockquote>{html.escape(excerpt)}</blockquote><p>— Профсеть</p>",
        subtype="html",
    )
    return msg


async def send(settings: NotificationsSettings, msg: EmailMessage) -> None:
    """Hands the letter to the mail server; raises `Refusal` with the server's reason."""
    try:
        await aiosmtplib.send(
            msg,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            timeout=30,
        )
    except aiosmtplib.SMTPRecipientsRefused as e:
        first = e.recipients[0]
        raise Refusal(f"{first.code} {first.message}", first.code) from None
    except aiosmtplib.SMTPResponseException as e:
        raise Refusal(f"{e.code} {e.message}", e.code) from None
    except (aiosmtplib.SMTPException, OSError) as e:
        raise Refusal(f"mail server unreachable: {e}", None) from None
