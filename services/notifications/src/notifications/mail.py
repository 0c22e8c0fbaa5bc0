"""E-mail over SMTP: the Russian plain-text and HTML letter about a material, and sending it."""

from __future__ import annotations

import html
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
    """Hands the letter to the mail server; raises `Refusal` with the server's reason. Once the server has
    accepted the letter, a failure to say goodbye is not a failure: retrying then would send it twice."""
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )
    try:
        await client.connect()
        if settings.smtp_username:
            await client.login(settings.smtp_username, settings.smtp_password)
        await client.send_message(msg)
    except aiosmtplib.SMTPRecipientsRefused as e:
        first = e.recipients[0]
        raise Refusal(f"{first.code} {first.message}", permanent(first.code)) from None
    except aiosmtplib.SMTPResponseException as e:
        raise Refusal(f"{e.code} {e.message}", permanent(e.code)) from None
    except (aiosmtplib.SMTPException, OSError) as e:
        raise Refusal(f"mail server unreachable: {e}", False) from None
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()
