"""Helpers of the kit's integration tests; the ledger and the counting read model they share with the fault tests
are profset_testing.counting."""

from __future__ import annotations

from datetime import date

from contracts.registry import HeadcountReported


def headcount(org: str, members: int) -> HeadcountReported:
    return HeadcountReported(org_id=org, members=members, as_of=date(2020, 1, 1))


def positions(messages: list[tuple[dict[str, str], bytes]]) -> list[int]:
    """The ledger positions (ce-sequence) of messages, in stream order."""
    return [int(h["ce-sequence"]) for h, _ in messages]
