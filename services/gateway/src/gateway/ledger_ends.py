"""Where each context's ledger ends, as far as the gateway knows: a `Profset-Min-Positions` position beyond it is
refused at once (422), so a made-up header never has a service wait for what will not come."""

from __future__ import annotations

import json
from collections.abc import Mapping

from contracts.envelope import ErrorCode
from contracts.services import SERVICES
from kit.catchup import LEDGER_END
from kit.rpc import RequestClient

from .errors import ApiError

MIN_POSITIONS = "Profset-Min-Positions"


LONGEST = 1000
"""A header longer than this names more contexts than there are (and deep nesting made the parser recurse away)."""


def parse(header: str) -> dict[str, int]:
    """The positions a `Profset-Min-Positions` header names: a flat JSON object of whole numbers, else 422."""
    try:
        if len(header) > LONGEST:
            raise ValueError(header[:20])
        named = json.loads(header)
        if not isinstance(named, dict) or not all(type(v) is int for v in named.values()):  # a bool is an int too
            raise ValueError(header[:20])
    except (ValueError, RecursionError):
        raise ApiError.of(ErrorCode.INVALID, 'write it as JSON, e.g. {"registry": 812}', MIN_POSITIONS, "json") from None
    return {str(k): v for k, v in named.items()}


class LedgerEnds:
    """The highest position of each context seen in a reply, and asked of the context when a header names more."""

    def __init__(self) -> None:
        self.known: dict[str, int] = {}

    def saw(self, positions: Mapping[str, int]) -> None:
        """Positions a service's reply vouched for."""
        for context, position in positions.items():
            if position > self.known.get(context, 0):
                self.known[context] = position

    async def check(self, client: RequestClient, token: str, wanted: Mapping[str, int]) -> None:
        """Refuses (422, naming the header and the context) a position no ledger has reached or a context it has not."""
        for context, position in wanted.items():
            field = f"{MIN_POSITIONS}.{context}"
            if context not in SERVICES:
                raise ApiError.of(ErrorCode.INVALID, f"no context is called {context!r}", field, "context")
            if position < 0:
                raise ApiError.of(ErrorCode.INVALID, "a position is 0 or above", field, "ge")
            if position <= self.known.get(context, 0):
                continue
            reply = await client.request(context, LEDGER_END, {}, token=token)
            if not reply.ok:
                assert reply.error is not None
                raise ApiError(reply.error)
            self.saw({context: int(reply.data["position"])})
            if position > self.known.get(context, 0):
                message = f"{context} has no position {position} yet"  # where it ends tells of others' writes: not said
                raise ApiError.of(ErrorCode.INVALID, message, field, "ledger_end")
