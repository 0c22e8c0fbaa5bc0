"""Every stream has explicit limits with a reason (kit.streams): the keeper sets them on a stream made before them and
leaves a limited one alone; its --max-gib sizes the context streams (real server)."""

from __future__ import annotations

from typing import Any

import nats
from nats.js.api import DiscardPolicy

from kit.streams import DEAD_LETTER_DAYS, GIB, MAX_EVENT_BYTES, STREAM_MAX_GIB, stream_config
from profset.servers import NatsServer
from profset.streamkeeper import ensure


async def test_the_keeper_sets_the_limits_on_a_stream_made_without_them(nats_server: NatsServer) -> None:
    nc = await nats.connect(nats_server.url)
    js: Any = nc.jetstream()
    try:
        old = stream_config("exchange")
        old.max_bytes, old.max_msg_size, old.discard = -1, -1, DiscardPolicy.OLD  # as streams were made before limits
        await js.update_stream(old)
        first = await ensure(nc, 1, 1)
        second = await ensure(nc, 1, 1)
        exchange = (await js.stream_info("EXCHANGE")).config
        dead = (await js.stream_info("DEADLETTER")).config
    finally:
        await nc.close()
    assert first["EXCHANGE"].startswith("limits set (max_bytes -1 instead of"), first
    assert set(second.values()) == {"as it should be"}, second
    assert (exchange.max_bytes, exchange.max_msg_size, exchange.discard) == (1 * GIB, MAX_EVENT_BYTES, DiscardPolicy.NEW)
    assert dead.max_age == DEAD_LETTER_DAYS * 86400 and dead.discard == DiscardPolicy.OLD and dead.max_bytes > 0
    assert stream_config("exchange").max_bytes == STREAM_MAX_GIB * GIB
