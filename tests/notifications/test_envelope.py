"""The mailer, told which letter follows, makes it ready while the last letter's receipt is recorded (its envelope,
DATA and text, all but the final dot): against a real SMTP server, a letter made ready sends nothing, and it goes only
when it is sent, once, whatever the server refuses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from notifications import mail
from notifications.config import NotificationsSettings

SUBJECT, TEXT = mail.about_material("Всем ППО", "announcement", "Текст")


def mailer_for(smtp: Any) -> mail.Mailer:
    return mail.Mailer(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=smtp.port))


def to(address: str, n: int, subject: str = SUBJECT, text: str = TEXT) -> mail.Letter:
    return mail.Letter("profset@localhost", address, f"<n{n}@profset>", subject, text)


def envelopes_of(smtp: Any) -> list[str]:
    """The recipients the server has been given, in order, whether or not a letter followed (a letter made ready)."""
    given: list[str] = []
    handle = smtp.handle_RCPT

    async def seen(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        given.append(address)
        return await handle(server, session, envelope, address, options)

    smtp.handle_RCPT = seen
    return given


async def until(check: Any) -> None:
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not so in time")


def sent_to(smtp: Any) -> list[tuple[str, str]]:
    return [(str(m["To"]), str(m["Message-ID"])) for m in smtp.letters]


async def test_a_letter_made_ready_sends_nothing_even_when_the_sender_stops_there(smtp: Any) -> None:
    given = envelopes_of(smtp)
    mailer = mailer_for(smtp)
    await mailer.send_about(to("chair1@verf.ru", 1), then=to("chair2@verf.ru", 2))
    await until(lambda: given == ["chair1@verf.ru", "chair2@verf.ru"])  # the next one is made ready meanwhile
    await asyncio.sleep(0.2)
    assert sent_to(smtp) == [("chair1@verf.ru", "<n1@profset>")], "the next not before its final dot"
    await mailer.close()  # as a sender that could not record the last receipt stops
    await asyncio.sleep(0.2)
    assert sent_to(smtp) == [("chair1@verf.ru", "<n1@profset>")]


async def test_a_letter_goes_over_its_opened_envelope_and_another_letter_over_its_own(smtp: Any) -> None:
    given = envelopes_of(smtp)
    mailer = mailer_for(smtp)
    try:
        await mailer.send_about(to("chair1@verf.ru", 1), then=to("chair2@verf.ru", 2))
        await mailer.send_about(to("chair2@verf.ru", 2), then=to("chair3@verf.ru", 3))
        await mailer.send_about(to("chair4@verf.ru", 4))  # not the one made ready: another sender had it in flight
    finally:
        await mailer.close()
    assert sent_to(smtp) == [
        ("chair1@verf.ru", "<n1@profset>"),
        ("chair2@verf.ru", "<n2@profset>"),
        ("chair4@verf.ru", "<n4@profset>"),
    ]
    assert given == ["chair1@verf.ru", "chair2@verf.ru", "chair3@verf.ru", "chair4@verf.ru"], "one envelope a letter"
    assert all(str(m["Subject"]) == SUBJECT and "Текст" in m.get_body(("plain",)).get_content() for m in smtp.letters)


async def test_a_letter_made_ready_keeps_its_text_to_the_letter_and_gives_way_to_a_digest(smtp: Any) -> None:
    subject, text = mail.about_material("Точки", "news", "Первая строка.\n.Строка с точки\n.\nПоследняя.")
    mailer = mailer_for(smtp)
    try:
        await mailer.send_about(to("chair1@verf.ru", 1, subject, text), then=to("chair2@verf.ru", 2, subject, text))
        await mailer.send_about(to("chair2@verf.ru", 2, subject, text), then=to("chair3@verf.ru", 3, subject, text))
        await mailer.send(mail.letter("profset@localhost", "chair4@verf.ru", "<d4@profset>", "Дайджест", "Материалы"))
        await mailer.send_about(to("chair3@verf.ru", 3, subject, text))
    finally:
        await mailer.close()
    assert [str(m["To"]) for m in smtp.letters] == ["chair1@verf.ru", "chair2@verf.ru", "chair4@verf.ru", "chair3@verf.ru"]
    sent = smtp.letters[1].get_body(("plain",)).get_content()
    assert ".Строка с точки\n.\nПоследняя." in sent, "lines that begin with a dot arrive as written, made ready too"


@pytest.mark.parametrize(
    ("refusing", "reply"),
    [("refuse", "550 5.1.1 mailbox unavailable"), ("refuse_letter", "552 5.2.2 mailbox full")],
    ids=["at RCPT", "at the final dot"],
)
async def test_a_letter_refused_when_made_ready_or_at_its_dot_is_one_refusal_and_the_next_goes_once(
    smtp: Any, refusing: str, reply: str
) -> None:
    getattr(smtp, refusing)["gone@verf.ru"] = reply
    mailer = mailer_for(smtp)
    try:
        await mailer.send_about(to("chair1@verf.ru", 1), then=to("gone@verf.ru", 2))
        with pytest.raises(mail.Refusal) as refused:
            await mailer.send_about(to("gone@verf.ru", 2), then=to("chair3@verf.ru", 3))
        await mailer.send_about(to("chair3@verf.ru", 3), then=to("chair4@verf.ru", 4))
        await mailer.send_about(to("chair4@verf.ru", 4))
    finally:
        await mailer.close()
    assert refused.value.permanent and reply[:3] in refused.value.reason
    assert [str(m["To"]) for m in smtp.letters] == ["chair1@verf.ru", "chair3@verf.ru", "chair4@verf.ru"], (
        "the letter after a refused one is neither lost nor sent twice"
    )


async def test_a_stop_while_the_next_letter_is_being_made_ready_sends_nothing_of_it(smtp: Any) -> None:
    mailer = mailer_for(smtp)
    await mailer.send_about(to("chair1@verf.ru", 1), then=to("chair2@verf.ru", 2))
    await mailer.close()  # at once: the letter is being made ready
    await asyncio.sleep(0.2)
    assert sent_to(smtp) == [("chair1@verf.ru", "<n1@profset>")]
    mailer = mailer_for(smtp)
    try:
        await mailer.send_about(to("chair2@verf.ru", 2))
    finally:
        await mailer.close()
    assert sent_to(smtp)[1:] == [("chair2@verf.ru", "<n2@profset>")], "sent again, once, on a connection of its own"


async def test_a_connection_lost_after_a_letter_is_opened_anew_for_the_next_which_goes_once(smtp: Any) -> None:
    given = envelopes_of(smtp)
    mailer = mailer_for(smtp)
    try:
        await mailer.send_about(to("chair1@verf.ru", 1), then=to("chair2@verf.ru", 2))
        assert mailer.client is not None
        mailer.client.close()  # lost before the next letter is made ready on it
        await until(lambda: given == ["chair1@verf.ru", "chair2@verf.ru"])  # made ready over a new connection
        await mailer.send_about(to("chair2@verf.ru", 2))
    finally:
        await mailer.close()
    assert sent_to(smtp) == [("chair1@verf.ru", "<n1@profset>"), ("chair2@verf.ru", "<n2@profset>")]
