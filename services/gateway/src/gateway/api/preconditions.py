"""The `If-Match` precondition of an edit: the record's version as its ETag gave it, or a refusal naming the header.
Every route that takes the header reads it here, so that none of them quietly drops one it cannot read."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header

from contracts.envelope import ErrorCode

from ..errors import ApiError

IF_MATCH = "If-Match"
_VERSION = re.compile(r'"?([0-9]{1,18})"?')
"""A version as the ETag gives it (`"7"`), or bare: a strong tag of digits, never weak (`W/`), never negative."""


def version_of(header: str | None) -> int | None:
    """The version an `If-Match` header names; None without one (or `*`: any version), else 422 rule `if_match`."""
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return None
    found = _VERSION.fullmatch(text)
    if found is None or text.count('"') == 1:
        message = 'the ETag of the record as it was read, e.g. "7": one strong tag of a whole version'
        raise ApiError.of(ErrorCode.INVALID, message, IF_MATCH, "if_match")
    return int(found.group(1))


async def _if_match(
    if_match: Annotated[
        str | None,
        Header(description='The record\'s version, its ETag (`"7"`): refused with 409 if it moved on, 422 if unreadable'),
    ] = None,
) -> int | None:
    return version_of(if_match)


ExpectedVersion = Annotated[int | None, Depends(_if_match)]
"""The version an edit expects the record to be at, from `If-Match` (None: the edit does not ask)."""
