"""E-mail over SMTP: the Russian plain-text and HTML letter about a material, and sending it."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache

import aiosmtplib
from aiosmtplib.email import flatten_message, quote_address
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

from .config import NotificationsSettings
from .domain.plan import permanent
from .domain.text import one_line, plain_address, readable, scrubbed

KINDS = {
    "news": "новость",
    "announcement": "объявление",
    "leaflet": "листовка",
    "video": "видео",
    "press_release": "пресс-релиз",
    "report": "отчёт",
}


class Refusal(Exception):
    """The server refused or could not be reached, or the letter could not be made; `permanent` refusals are not tried
    again. `failure` names the class of failure and `code` the server's reply code, if any; the reason is scrubbed of
    addresses and phone numbers, as it is recorded and published."""

    def __init__(self, reason: str, permanent: bool, failure: str = "refused", code: int | None = None) -> None:
        said = scrubbed(reason)[:500]
        super().__init__(said)
        self.reason, self.permanent, self.failure, self.code = said, permanent, failure, code


def about_material(title: str, kind: str, body: str) -> tuple[str, str]:
    """Subject and text telling an org that a material reached it."""
    excerpt = body if len(body) <= 2000 else body[:2000] + "…"
    line = one_line(title)
    return f"Профсеть: {KINDS.get(kind, 'материал')} «{line}»", f"В вашу организацию поступил материал «{line}».\n\n{excerpt}"


def letter(sender: str, to: str, message_id: str, subject: str, text: str) -> EmailMessage:
    """A letter in Russian, as plain text with an HTML alternative; raises a permanent `Refusal` for an address that
    is not a plain one (a line break in it would add headers of its own)."""
    if not plain_address(to):
        raise Refusal("the recipient's address is not a plain e-mail address", True, "address")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"], msg["Date"] = sender, to, message_id, formatdate(localtime=True)
    _fill(msg, subject, text)
    return msg


def _fill(msg: EmailMessage, subject: str, text: str) -> None:
    # whatever a user typed: a header holds one line, and a body only what can be encoded
    msg["Subject"] = one_line(subject)
    text = readable(text)
    msg.set_content(f"Здравствуйте!\n\n{text}\n\n— Профсеть\n")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
    msg.add_alternative(f"<p>Здравствуйте!</p>{paragraphs}<p>— Профсеть</p>", subtype="html")


# what goes into a header line as it is: plain ASCII addresses and ids, short enough not to be folded
_ATOMS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_ADDRESS = re.compile(rf"(?=.{{3,64}}$){_ATOMS}@{_ATOMS}")
_MESSAGE_ID = re.compile(rf"(?=.{{5,64}}$)<{_ATOMS}@{_ATOMS}>")


def flat_letter(sender: str, to: str, message_id: str, subject: str, text: str, cte_type: str = "8bit") -> bytes | None:
    """The bytes `letter()` flattens to for SMTP (but for the MIME boundary), from a rendering kept per sender,
    subject and text: letters about one material differ only in To, Message-ID and Date, and building and
    flattening an EmailMessage costs milliseconds. None for an address or id that needs encoding or folding."""
    if not (_ADDRESS.fullmatch(to) and _MESSAGE_ID.fullmatch(message_id) and sender.isascii()):
        return None
    head, tail = _rendered(sender, subject, text, cte_type)
    date = _date(int(time.time()))
    return b"".join((head, f"To: {to}\r\nMessage-ID: {message_id}\r\nDate: {date}\r\n".encode(), tail))


@lru_cache(maxsize=2)
def _date(second: int) -> str:
    """A Date header's value, made once a second rather than for every letter."""
    return formatdate(second, localtime=True)


@lru_cache(maxsize=64)
def _rendered(sender: str, subject: str, text: str, cte_type: str) -> tuple[bytes, bytes]:
    """A letter without To, Message-ID and Date, flattened as aiosmtplib does and cut where they go."""
    msg = EmailMessage()
    msg["From"] = sender
    _fill(msg, subject, text)
    flat = flatten_message(msg, cte_type=cte_type)
    cut = flat.index(b"\r\nSubject:") + 2  # a folded From goes on with blanks, so this is the Subject's own line
    return flat[:cut], flat[cut:]


async def send(settings: NotificationsSettings, msg: EmailMessage) -> None:
    """Hands one letter to the mail server on a connection of its own; raises `Refusal` with the server's reason."""
    mailer = Mailer(settings)
    try:
        await mailer.send(msg)
    finally:
        await mailer.close()


@dataclass(frozen=True)
class Letter:
    """A letter `letter()` makes, named by what it is made of, so that it can be rendered once per material and made
    ready at the server before it is sent."""

    sender: str
    to: str
    message_id: str
    subject: str
    text: str


class Mailer:
    """Sends letters one after another over one kept connection, saving a connect, a greeting and a goodbye per
    letter. A connection that fails is dropped, and the next letter opens a new one.

    Told the letter that follows (`send_about(..., then=...)`), it makes that letter ready while the caller records
    the last one's receipt: its envelope, DATA and its text go to the server, all but the final dot, without which a
    server keeps nothing. A letter made ready that is not the next one sent, or a stop, drops the connection rather
    than end the letter."""

    def __init__(self, settings: NotificationsSettings, idle_check: float = 10.0) -> None:
        self.settings, self.idle_check = settings, idle_check
        self.client: aiosmtplib.SMTP | None = None
        self._used = 0.0
        self._opened: tuple[aiosmtplib.SMTP, str, str] | None = None  # a letter made ready: all but its final dot
        self._making: asyncio.Task[None] | None = None  # the next letter being made ready, while the caller records

    async def send(self, msg: EmailMessage) -> None:
        """Hands the letter to the mail server; raises `Refusal` with the server's reason. Once the server has
        accepted the letter, nothing here fails it: retrying then would send it twice."""
        await self._made()
        await self._ready()

        async def hand(client: aiosmtplib.SMTP) -> object:
            return await client.send_message(msg)

        await self._deliver(hand)

    async def send_about(self, about: Letter, then: Letter | None = None) -> None:
        """Sends the letter `letter()` makes, from its kept rendering (`flat_letter`) where it can; raises `Refusal`.
        Once the server took it, the letter `then` (the one the caller sends next, if it knows) is made ready while
        the caller records this one's receipt, so that it needs only its final dot."""
        await self._made()
        ready = await self._ready(about)

        async def hand(client: aiosmtplib.SMTP) -> object:
            if ready:
                return await _end_data(client)
            flat = _flat(client, about)
            if flat is None:
                return await client.send_message(letter(about.sender, about.to, about.message_id, about.subject, about.text))
            await _envelope(client, about.sender, about.to, flat)
            return await client.data(flat)

        await self._deliver(hand, ready)
        if then is not None:
            self._making = asyncio.get_running_loop().create_task(self._make_ready(then))

    async def _make_ready(self, about: Letter) -> None:
        """Makes a letter ready (MAIL, RCPT, DATA and its text, not the final dot): the letter is the server's only
        once `send_about` sends that. A failure here drops the connection and is left for that to meet again and
        report, so the letter's outcome is told once, by its own sending."""
        try:
            client = await self._connected()
            flat = _flat(client, about)
            if flat is not None:
                await _envelope(client, about.sender, about.to, flat)
                self._opened = (client, about.to, about.message_id)  # from DATA on, only dropping the connection undoes it
                await _begin_data(client, flat)
        except asyncio.CancelledError:
            self._drop()  # stopped mid-command: the connection's replies no longer match its commands
            raise
        except Exception:  # noqa: BLE001 - the letter's own send meets this again and reports it
            self._drop()

    async def _made(self) -> None:
        """Waits until the letter being made ready is (or could not be): the connection is then the caller's."""
        making, self._making = self._making, None
        if making is not None:
            await making

    async def _ready(self, about: Letter | None = None) -> bool:
        """Whether the letter made ready is this one; one that is not is dropped, with its connection."""
        if self._opened is None:
            return False
        if about is not None and self._opened == (self.client, about.to, about.message_id):
            self._opened = None
            return True
        await self._hang_up()
        return False

    async def _deliver(self, hand: Callable[[aiosmtplib.SMTP], Awaitable[object]], ready: bool = False) -> None:
        try:
            # a ready letter's connection is used as it is: a NOOP now would be read as the letter's text
            client = self.client if ready and self.client is not None else await self._connected()
            await hand(client)
        except aiosmtplib.SMTPRecipientsRefused as e:
            await self._hang_up()
            first = e.recipients[0]
            raise Refusal(f"{first.code} {first.message}", permanent(first.code), "smtp_refused", first.code) from None
        except aiosmtplib.SMTPResponseException as e:
            await self._hang_up()
            raise Refusal(f"{e.code} {e.message}", permanent(e.code), "smtp_refused", e.code) from None
        except (aiosmtplib.SMTPException, OSError) as e:
            await self._hang_up()
            raise Refusal(f"mail server unreachable: {type(e).__name__}: {e}", False, "smtp_unreachable") from None
        self._used = time.monotonic()

    async def _connected(self) -> aiosmtplib.SMTP:
        client = self.client
        if client is not None and client.is_connected and time.monotonic() - self._used > self.idle_check:
            try:
                await client.noop()  # a server may drop a connection left idle; find out before a letter depends on it
            except (aiosmtplib.SMTPException, OSError):
                await self._hang_up()
                client = None
        if client is not None and client.is_connected:
            return client
        await self._hang_up()
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
        await client.noop()  # greets the server (EHLO) first, so its extensions are known before a letter is rendered
        return client

    async def close(self) -> None:
        """Stops making a letter ready, and says goodbye (`_hang_up`)."""
        making, self._making = self._making, None
        if making is not None:
            making.cancel()
            await asyncio.wait([making])
        await self._hang_up()

    async def _hang_up(self) -> None:
        """Says goodbye, or just drops the connection if the server is not listening any more (or a letter made
        ready waits on it for its final dot)."""
        client, self.client, opened, self._opened = self.client, None, self._opened, None
        if client is None:
            return
        if opened is not None:  # a QUIT now would be read as the ready letter's text
            client.close()
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    def _drop(self) -> None:
        """Drops the connection without a word, which undoes a letter made ready."""
        client, self.client, self._opened = self.client, None, None
        if client is not None:
            client.close()


def _flat(client: aiosmtplib.SMTP, about: Letter) -> bytes | None:
    """The letter as this server takes it: 8-bit if it says it can."""
    cte = "8bit" if client.supports_extension("8BITMIME") else "7bit"
    return flat_letter(about.sender, about.to, about.message_id, about.subject, about.text, cte)


async def _envelope(client: aiosmtplib.SMTP, sender: str, to: str, flat: bytes) -> None:
    """MAIL and RCPT as `sendmail` sends them for this letter. `to` is a plain address (`flat_letter` checked it),
    so only the sender is parsed and quoted, once."""
    options = [b"BODY=8BITMIME"] if client.supports_extension("8BITMIME") else []
    if client.supports_extension("size"):
        options.insert(0, b"size=%d" % len(flat))  # the rendering's line ends are CRLF already
    named = await client.execute_command(b"MAIL", b"FROM:" + _quoted(sender), *options)
    if named.code != aiosmtplib.SMTPStatus.completed:
        raise aiosmtplib.SMTPSenderRefused(named.code, named.message, sender)
    taken = await client.execute_command(b"RCPT", b"TO:<" + to.encode() + b">")
    if taken.code not in (aiosmtplib.SMTPStatus.completed, aiosmtplib.SMTPStatus.will_forward):
        raise aiosmtplib.SMTPRecipientRefused(taken.code, taken.message, to)


@lru_cache(maxsize=8)
def _quoted(address: str) -> bytes:
    """The sender as MAIL names it (`<address>`)."""
    return quote_address(address).encode("ascii")


async def _begin_data(client: aiosmtplib.SMTP, flat: bytes) -> None:
    """DATA and the letter's text, dot-stuffed as `SMTP.data` sends it, without the final dot: the server keeps it
    only once that follows (`_end_data`), and drops it with the connection."""
    started = await client.execute_command(b"DATA")
    if started.code != aiosmtplib.SMTPStatus.start_input:
        raise aiosmtplib.SMTPDataError(started.code, started.message)
    assert client.protocol is not None  # connected: the command above was answered
    client.protocol.write(PERIOD_REGEX.sub(b"..", normalize_message_line_endings(flat)))


async def _end_data(client: aiosmtplib.SMTP) -> object:
    """The final dot of a letter `_begin_data` made ready: the server takes the letter, or says why not."""
    done = await client.execute_command(b".")
    if done.code != aiosmtplib.SMTPStatus.completed:
        raise aiosmtplib.SMTPDataError(done.code, done.message)
    return done
