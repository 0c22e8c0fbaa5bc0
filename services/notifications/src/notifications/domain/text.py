"""Text made safe to send and to record: headers that no title can break, and failure reasons without personal data."""

from __future__ import annotations

import re
import unicodedata

from contracts.base import hidden

SUBJECT_LIMIT = 200
"""Characters of a subject kept; a longer one is cut with an ellipsis (a title may hold 300, a reminder more)."""

_BREAKS = {"Zl", "Zp"}  # U+2028, U+2029: line and paragraph separators, which Python's email splits lines at
_UNSAFE = {"Cc", "Cs", "Co", "Cn"}  # controls, lone surrogates, private-use and unassigned code points


def one_line(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """Text fit for a header: every control, line break, direction mark or odd code point a blank, runs of blanks one,
    at most `limit` (a title recorded before the door refused them may hold any)."""
    blanked = "".join(" " if unicodedata.category(ch) in _UNSAFE | _BREAKS or hidden(ch) else ch for ch in text)
    # "=?utf-8?q?=0A...?=" would be decoded by the header folder into a line break of its own (a header injection
    # through Python's email), so no encoded word is left whole
    flat = " ".join(blanked.split()).replace("=?", "= ?")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def readable(text: str) -> str:
    """Text fit for a letter's or a chat message's body: line breaks kept as `\\n`, tabs kept, other controls and odd
    code points dropped (a lone surrogate can't even be encoded)."""
    kept = []
    for ch in text.replace("\r\n", "\n"):
        category = unicodedata.category(ch)
        if category in _BREAKS or ch in "\r\x0b\x0c\x1c\x1d\x1e\x85":
            kept.append("\n")
        elif ch in "\n\t" or category not in _UNSAFE:
            kept.append(ch)
    return "".join(kept)


def plain_address(address: str) -> bool:
    """Whether an address can go into a To header and an RCPT as it is: one line, no blanks or controls, one `@`."""
    return (
        0 < len(address) <= 254
        and address.count("@") == 1
        and all(unicodedata.category(ch) not in _UNSAFE | _BREAKS and not ch.isspace() for ch in address)
        and not any(ch in address for ch in '<>,;"()[]\\')
    )


_EMAIL = re.compile(r"[^\s<>()\[\]\"',;:@]*@[^\s<>()\[\]\"',;:@]+")
_PHONE = re.compile(r"\+?\(?\d[\d\s()\-]*\d")
_HANDLE = re.compile(r"(?<![\w.])@\w{3,}")
REDACTED = "[скрыто]"


def scrubbed(reason: str) -> str:
    """A server's reason without the addresses, messenger handles or phone numbers (seven digits or more) it may quote:
    a receipt is kept and published, and must not carry personal data (PD1)."""
    reason = _EMAIL.sub(REDACTED, reason)
    reason = _HANDLE.sub(REDACTED, reason)
    return _PHONE.sub(lambda m: REDACTED if sum(ch.isdigit() for ch in m.group()) >= 7 else m.group(), reason)
