"""The member portal in tests: a member with a usable address, and the code they take from the local mail server."""

from __future__ import annotations

import re
from typing import Any

from .api import person, post
from .stack import Stack
from .waiting import eventually

CONSENT = {"given_at": "2026-01-01", "method": "written"}
ARREARS = {
    "title": "Задержка заработной платы",
    "topics": ["wages"],
    "steps": ["Запишите, за какие месяцы долг"],
    "level": "primary",
    "answer_within_hours": 24,
}
"""A life situation a member may appeal about: wages held back."""


async def member_with_mail(stack: Stack, h: dict[str, str], org_id: str, name: str, address: str) -> str:
    """A member of the org with a personal e-mail address they consented to (so it is usable)."""
    member, hm = await person(stack, h, org_id, name)
    await post(
        stack, hm, f"/api/v1/people/{member}/contact-points", {"kind": "personal_email", "value": address, "consent": CONSENT}
    )
    return member


def codes_to(smtp: Any, address: str) -> list[str]:
    """The sign-in codes mailed to the address, oldest first."""
    found = []
    for letter in smtp.letters:
        if letter["To"] == address and "код" in str(letter["Subject"]):
            text = str(letter.get_body(preferencelist=("plain",)).get_content())
            if m := re.search(r"\b(\d{6})\b", text):
                found.append(m.group(1))
    return found


async def next_code(smtp: Any, address: str, before: int = 0) -> str:
    """The code of the (before + 1)-th letter to the address, once it arrived."""

    async def arrived() -> str | None:
        codes = codes_to(smtp, address)
        return codes[before] if len(codes) > before else None

    found = await eventually(arrived, timeout=20)
    assert found is not None
    return found
