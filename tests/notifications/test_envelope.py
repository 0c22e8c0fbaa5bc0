"""The next letter's envelope may be opened while the last letter's receipt is recorded: against a real SMTP server,
an envelope alone sends nothing, and the letter goes only when it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from notifications import mail
from notifications.config import NotificationsSettings

SUBJECT, TEXT = mail.about_material("Всем ППО", "announcement", "Текст")


def mailer_for(smtp: Any) -> mail.Mailer:
    return mail.Mailer(NotificationsSettings(smtp_host="127.0.0.1", smtp_port=smtp.port))


async def test_an_envelope_alone_sends_nothing_even_when_the_sender_stops_there(smtp: Any) -> None:
    mailer = mailer_for(smtp)
    await mailer.open_envelope("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
    await mailer.close()  # as a sender that could not record the last receipt stops
    await asyncio.sleep(0.2)
    assert smtp.letters == []


async def test_a_letter_goes_over_its_opened_envelope_and_another_letter_over_its_own(smtp: Any) -> None:
    mailer = mailer_for(smtp)
    try:
        await mailer.open_envelope("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair1@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.open_envelope("profset@localhost", "chair2@verf.ru", "<n2@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair3@verf.ru", "<n3@profset>", SUBJECT, TEXT)  # not the one opened
    finally:
        await mailer.close()
    assert [(str(m["To"]), str(m["Message-ID"])) for m in smtp.letters] == [
        ("chair1@verf.ru", "<n1@profset>"),
        ("chair3@verf.ru", "<n3@profset>"),
    ]
    assert all(str(m["Subject"]) == SUBJECT and "Текст" in m.get_body(("plain",)).get_content() for m in smtp.letters)


async def test_a_recipient_refused_at_the_envelope_is_refused_again_when_the_letter_is_sent(smtp: Any) -> None:
    smtp.refuse["gone@verf.ru"] = "550 5.1.1 mailbox unavailable"
    mailer = mailer_for(smtp)
    try:
        await mailer.open_envelope("profset@localhost", "gone@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        with pytest.raises(mail.Refusal) as refused:
            await mailer.send_about("profset@localhost", "gone@verf.ru", "<n1@profset>", SUBJECT, TEXT)
        await mailer.send_about("profset@localhost", "chair1@verf.ru", "<n2@profset>", SUBJECT, TEXT)
    finally:
        await mailer.close()
    assert refused.value.permanent and "550" in refused.value.reason
    assert [str(m["To"]) for m in smtp.letters] == ["chair1@verf.ru"]
