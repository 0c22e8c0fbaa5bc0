"""Normalising and validating addresses, so the same e-mail or phone written two ways is one address."""

from __future__ import annotations

import re

from contracts.contacts import ContactKind
from kit.errors import invalid

EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HANDLE = re.compile(r"^@[a-z0-9_]{5,32}$")


def normalise(kind: ContactKind, value: str) -> str:
    """The canonical form of an address of that kind, or `invalid` naming `value` and the format rule."""
    if kind in (ContactKind.WORK_EMAIL, ContactKind.PERSONAL_EMAIL):
        return _email(value)
    if kind is ContactKind.MOBILE:
        return phone(value)
    return _handle(value)


def _email(value: str) -> str:
    text = value.strip()
    local, _, domain = text.rpartition("@")
    email = f"{local}@{domain.lower()}".lower() if local else text.lower()
    if not EMAIL.match(email) or ".." in email:
        raise invalid("value", "not an e-mail address (name@domain.ru)", rule="email")
    return email


def phone(value: str) -> str:
    """E.164: a Russian number written 8…, 7…, +7… or as ten digits becomes +7 and its ten digits."""
    digits = re.sub(r"[\s()\-.]", "", value.strip())
    if digits.startswith("+"):
        body = digits[1:]
        if not body.isdigit() or not 8 <= len(body) <= 15:
            raise invalid("value", "not a phone number in international form (+7 912 345-67-89)", rule="e164")
        if body.startswith("7") and len(body) != 11:
            raise invalid("value", "a Russian number has 10 digits after +7", rule="e164")
        return "+" + body
    if not digits.isdigit():
        raise invalid("value", "not a phone number", rule="e164")
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    raise invalid("value", "write the number with its country code (+7 912 345-67-89)", rule="e164")


def _handle(value: str) -> str:
    text = value.strip().lower()
    if re.fullmatch(r"[+\d\s()\-.]+", text):
        return phone(text)
    text = text.removeprefix("https://t.me/")
    handle = text if text.startswith("@") else "@" + text
    if not HANDLE.match(handle):
        raise invalid("value", "a messenger handle is @name (5–32 letters, digits or _) or a phone number", rule="handle")
    return handle
