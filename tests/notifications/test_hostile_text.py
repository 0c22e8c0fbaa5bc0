"""Whatever a title or a text holds, a letter and a chat message can be made and sent: one Subject line, no header of
the text's own; and what a server says about a refusal is kept without the addresses or phone numbers it quoted."""

from __future__ import annotations

import random
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtplib.email import flatten_message
from notifications import chat as chats
from notifications import mail
from notifications.domain.text import one_line, readable, scrubbed

from profset_testing import ChatApi

HOSTILE = [
    "Заголовок\nBcc: spy@example.org",
    "Заголовок\r\nSubject: второй",
    "строка\u2028разделитель\u2029абзац",
    "NEL\x85и\x0bвертикальная\x0cтабуляция",
    "ESC\x1b[31mкрасный\x7f\x1f",
    "\ud800одинокий суррогат\udfff",
    "=?utf-8?q?=0ABcc:_x@y.ru?=",  # an encoded word that Python's header folder would decode into a line break
    "=?utf-8?b?CkJjYzogeEB5LnJ1?=",
    "Оченьдлинноеслово" * 200,
    "слово " * 2000,
    "😀\u202e\ufeff\uffff\U0010ffff",
    "",
    "\n\n\n",
]


def _pieces(seed: int) -> str:
    rnd = random.Random(seed)
    alphabet = ["\n", "\r", "\u2028", "\x85", "\x00", "\t", "Ж", "a", ":", " ", "x" * 90, "\ud800", "=?", "?="]
    return "".join(rnd.choice(alphabet) for _ in range(30))


@pytest.mark.parametrize("cte_type", ["8bit", "7bit"])
@pytest.mark.parametrize("title", HOSTILE + [_pieces(i) for i in range(20)])
def test_any_title_makes_a_letter_with_one_subject_line_and_no_header_of_its_own(title: str, cte_type: str) -> None:
    subject, text = mail.about_material(title, "news", title)
    args = ("profset@localhost", "chair@verf.ru", "<n1@profset>")
    fast = mail.flat_letter(*args, subject, text, cte_type=cte_type)
    assert fast is not None
    for flat in (fast, flatten_message(mail.letter(*args, subject, text), cte_type=cte_type)):
        letter = message_from_bytes(flat, policy=default)
        assert letter.get_all("Subject") is not None and len(letter.get_all("Subject")) == 1
        assert letter["Bcc"] is None and letter.get_all("To") == ["chair@verf.ru"]
        assert "\n" not in str(letter["Subject"]) and len(str(letter["Subject"])) <= 230
    # a reminder's own subject and text are made safe the same way
    flat = flatten_message(mail.letter(*args, title, title), cte_type=cte_type)
    assert len(message_from_bytes(flat, policy=default).get_all("Subject")) == 1


@pytest.mark.parametrize("to", ["chair@verf.ru\r\nBcc: spy@example.org", "a@b.ru\u2028", "a b@verf.ru", "<a@b.ru>", "a@b@c", ""])
def test_a_recipient_that_is_not_a_plain_address_is_refused_for_good(to: str) -> None:
    with pytest.raises(mail.Refusal) as refused:
        mail.letter("profset@localhost", to, "<n1@profset>", "Тема", "Текст")
    assert refused.value.permanent and refused.value.failure == "address"
    assert "spy@example.org" not in refused.value.reason


def test_one_line_and_readable_keep_what_is_harmless() -> None:
    assert one_line("  Индексация\tзарплаты  ") == "Индексация зарплаты"
    assert one_line("x" * 500).endswith("…") and len(one_line("x" * 500)) == 200
    assert one_line("счёт\u202efdp.exe\u200b") == "счёт fdp.exe", "no direction override or invisible mark in a subject"
    assert readable("a\r\nb\u2028c\x00d\ud800e\tf") == "a\nb\ncd" + "e\tf"


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("550 5.1.1 <ada.l@mail.example>: Recipient address rejected", "550 5.1.1 <[скрыто]>: Recipient address rejected"),
        ("451 4.2.1 mailbox of Ivan.Petrov@verf.ru busy", "451 4.2.1 mailbox of [скрыто] busy"),
        ("400 Bad Request: chat @ivan_petrov not found", "400 Bad Request: chat [скрыто] not found"),
        ("403 user +7 (921) 555-19-71 blocked the bot", "403 user [скрыто] blocked the bot"),
        ("400 chat 987654321 not found", "400 chat [скрыто] not found"),
        ("mail server unreachable: OSError: [Errno 111] Connect call failed ('127.0.0.1', 2525)", None),
    ],
)
def test_a_servers_reason_is_kept_without_addresses_handles_or_phone_numbers(said: str, kept: str | None) -> None:
    assert scrubbed(said) == (kept if kept is not None else said)


async def test_a_chat_message_with_any_text_goes(chat: ChatApi) -> None:
    for text in HOSTILE:
        await chats.send(chat.url, "@chair_verf", text)
    assert len(chat.calls) == len(HOSTILE)
    assert all(len(c["text"]) <= 4096 for c in chat.calls)


async def test_an_unreachable_chat_api_is_a_temporary_refusal_without_the_bots_token() -> None:
    from profset.servers import free_port

    base = f"http://127.0.0.1:{free_port()}/bot123456:SECRET-token"
    with pytest.raises(mail.Refusal) as refused:
        await chats.send(base, "@chair_verf", "Текст")
    assert not refused.value.permanent and refused.value.failure == "chat_unreachable"
    assert "SECRET" not in refused.value.reason and "123456" not in refused.value.reason
