"""A letter rendered once per material and sent many times is the letter built one by one; addresses are asked only
a few letters before their letter goes."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtplib.email import flatten_message
from notifications import mail
from notifications.addresses import Ahead


def same_but_boundary_and_date(flat: bytes) -> bytes:
    for boundary in re.findall(rb'boundary="([^"]+)"', flat):
        flat = flat.replace(boundary, b"BOUNDARY")
    return re.sub(rb"Date: [^\r]+", b"Date: -", flat)


@pytest.mark.parametrize("cte_type", ["8bit", "7bit"])
@pytest.mark.parametrize(
    ("subject", "text"),
    [
        mail.about_material("Всем организациям", "announcement", "Текст материала. " * 20),
        ("Профсеть: напоминание", "Срок подходит.\n\nПроверьте план."),
        ("plain ascii", "short"),
        ("Очень длинная тема письма " * 6, "строка " * 600),
    ],
)
def test_a_rendered_letter_is_the_letter_built_one_by_one(cte_type: str, subject: str, text: str) -> None:
    args = ("profset@localhost", "o1.2@verf.ru", "<0123abcd@profset>", subject, text)
    fast = mail.flat_letter(*args, cte_type=cte_type)
    assert fast is not None
    built = flatten_message(mail.letter(*args), cte_type=cte_type)
    assert same_but_boundary_and_date(fast) == same_but_boundary_and_date(built)


@pytest.mark.parametrize("to", ["Иван@verf.ru", "two words@verf.ru", "a@b@c", "x" * 70 + "@verf.ru", "Name <a@verf.ru>"])
def test_an_address_that_needs_encoding_or_folding_is_left_to_the_full_letter(to: str) -> None:
    assert mail.flat_letter("profset@localhost", to, "<1@profset>", "s", "t") is None


async def test_addresses_are_asked_a_chunk_at_a_time_at_most_two_chunks_before_their_letter() -> None:
    asked: list[int] = []
    sent: list[int] = []
    requests = 0

    async def ask(chunk: Any) -> dict[int, str]:
        nonlocal requests
        requests += 1
        asked.extend(row.notification_id for row in chunk)
        return {row.notification_id: f"{row.notification_id}@verf.ru" for row in chunk}

    rows = [SimpleNamespace(notification_id=i) for i in range(50)]
    ahead = Ahead(ask, rows, 4)
    for row in rows:
        assert await ahead.get(row) == f"{row.notification_id}@verf.ru"
        sent.append(row.notification_id)
        await asyncio.sleep(0)  # every ask created so far gets to run
        assert max(asked) < row.notification_id + 8, "no address is asked more than two chunks before its letter"
        assert row.notification_id not in {n for t in ahead.asked.values() if t.done() for n in t.result()}, "nor kept after"
    assert asked == list(range(50)) and sent == list(range(50))
    assert requests == 13, "one request for each four letters"
