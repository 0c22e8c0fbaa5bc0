"""The next letter may be made ready while the last letter's receipt is recorded (its envelope, DATA and text, all but
the final dot): against a real SMTP server, a letter made ready sends nothing, and it goes only when it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from notifications import mail
from notifications.config import NotificationsSettings

SUBJECT, TEXT = mail.about_material("Всем ППО", "announcement", "Текст")


def mailer_for(smtp: Any) -> mail.Mailer:
    return mail.Mailer(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=smtp.port))


async def test_a_letter_made_ready_sends_nothing_even_when_the_sender_stops_there(smtp: Any) -> None:
    mailer = mailer_for(smtp)
    await mailer.make_ready("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
    await asyncio.sleep(0.2)
    assert smtp.letters == [], "not before its final dot"
    await mailer.close()  # as a sender that could not record the last receipt stops
    await asyncio.sleep(0.2)
    assert smtp.letters == []


async def test_a_letter_goes_over_its_opened_envelope_and_another_letter_over_its_own(smtp: Any) -> None:
    mailer = mailer_for(smtp)
    try:
        await mailer.make_ready("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.make_ready("profset@localhost", "chair2@verf.ru", "<n2@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair3@verf.ru", "<n3@profset>", SUBJECT, TEXT)  # not the one opened
    finally:
        await mailer.close()
    assert [(str(m["To"]), str(m["Message-ID"])) for m in smtp.letters] == [
        ("chair1@verf.ru", "<n1@profset>"),
        ("chair3@verf.ru", "<n3@profset>"),
    ]
    assert all(str(m["Subject"]) == SUBJECT and "Текст" in m.get_body(("plain",)).get_content() for m in smtp.letters)


async def test_a_letter_made_ready_keeps_its_text_to_the_letter_and_gives_way_to_a_digest(smtp: Any) -> None:
    subject, text = mail.about_material("Точки", "news", "Первая строка.\n.Строка с точки\n.\nПоследняя.")
    mailer = mailer_for(smtp)
    try:
        await mailer.make_ready("profset@localhost", "chair1@verf.ru", "<n1@profset>", subject, text)
        await mailer.send_about("profset@localhost", "chair1@verf.ru", "<n1@profset>", subject, text)
        await mailer.make_ready("profset@localhost", "chair2@verf.ru", "<n2@profset>", subject, text)
        await mailer.send(mail.letter("profset@localhost", "chair3@verf.ru", "<d3@profset>", "Дайджест", "Материалы"))
        await mailer.make_ready("profset@localhost", "chair4@verf.ru", "<n4@profset>", subject, text)
        await mailer.send_about("profset@localhost", "chair4@verf.ru", "<n4@profset>", subject, text)
    finally:
        await mailer.close()
    assert [str(m["To"]) for m in smtp.letters] == ["chair1@verf.ru", "chair3@verf.ru", "chair4@verf.ru"]
    sent = smtp.letters[0].get_body(("plain",)).get_content()
    assert ".Строка с точки\n.\nПоследняя." in sent, "lines that begin with a dot arrive as written"


@pytest.mark.parametrize(
    ("refusing", "reply"),
    [("refuse", "550 5.1.1 mailbox unavailable"), ("refuse_letter", "552 5.2.2 mailbox full")],
    ids=["at RCPT", "at the final dot"],
)
async def test_a_letter_refused_when_made_ready_or_at_its_dot_is_a_refusal_and_the_next_goes(
    smtp: Any, refusing: str, reply: str
) -> None:
    getattr(smtp, refusing)["gone@verf.ru"] = reply
    mailer = mailer_for(smtp)
    try:
        await mailer.make_ready("profset@localhost", "gone@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        with pytest.raises(mail.Refusal) as refused:
            await mailer.send_about("profset@localhost", "gone@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.make_ready("profset@localhost", "chair2@verf.ru", "<n2@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair2@verf.ru", "<n2@profset>", SUBJECT, TEXT)
    finally:
        await mailer.close()
    assert refused.value.permanent and reply[:3] in refused.value.reason
    assert [str(m["To"]) for m in smtp.letters] == ["chair2@verf.ru"]
