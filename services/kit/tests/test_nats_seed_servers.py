"""NATS_URL names one server or a cluster's seed servers, comma-separated, as operators write it: each client of a
service (its broker and its own connection) reaches the cluster through whichever seed answers; a malformed list is
refused at start naming the setting (real server)."""

from __future__ import annotations

import nats
import pytest
from faststream.nats import NatsBroker
from pydantic import ValidationError

from kit.settings import ServiceSettings, nats_servers
from profset.servers import NatsServer, free_port


@pytest.mark.parametrize(
    ("url", "servers"),
    [
        ("nats://a:4222", ["nats://a:4222"]),
        ("nats://a:4222,nats://b:4222, nats://c:4222", ["nats://a:4222", "nats://b:4222", "nats://c:4222"]),
        ("tls://a:4222,wss://b:443", ["tls://a:4222", "wss://b:443"]),
    ],
)
def test_a_list_is_split_into_seed_servers(url: str, servers: list[str]) -> None:
    assert nats_servers(url) == servers
    assert ServiceSettings(nats_url=url).nats_servers == servers


@pytest.mark.parametrize("url", ["", "nats://a:4222,", "a:4222", "nats://a:4222;nats://b:4222", "http://a:4222"])
def test_a_malformed_list_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(ValidationError, match="NATS_URL"):
        ServiceSettings(nats_url=url)


async def test_a_dead_first_seed_is_passed_over(nats_server: NatsServer) -> None:
    settings = ServiceSettings(nats_url=f"nats://127.0.0.1:{free_port()},{nats_server.url}")
    nc = await nats.connect(settings.nats_servers, max_reconnect_attempts=2, connect_timeout=2)
    broker = NatsBroker(settings.nats_servers, max_reconnect_attempts=2, connect_timeout=2)
    try:
        await broker.connect()
        assert nc.connected_url is not None and nc.connected_url.port == int(nats_server.url.rsplit(":", 1)[1])
        assert (await nc.request("$JS.API.INFO", b"", timeout=5)).data
    finally:
        await broker.stop()
        await nc.close()
