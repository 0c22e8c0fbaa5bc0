"""Ports for the servers a stack starts: never from the range the kernel gives to clients' connections, where
another process's connection could take one before its server binds it, and never the same one twice."""

from __future__ import annotations

import socket

from profset import servers


def test_ports_are_chosen_below_the_client_range_free_and_never_twice() -> None:
    low, _ = servers._client_ports()
    ports = [servers.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports), "no port handed out twice"
    assert all(servers.FIRST_PORT <= p < low for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))  # free when handed out


def test_a_port_something_listens_on_is_passed_over(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(servers, "_HANDED_OUT", set())
        monkeypatch.setattr(servers, "_client_ports", lambda: (servers.FIRST_PORT + 2, 60999))
        monkeypatch.setattr(servers.random, "sample", lambda _range, _k: [busy, servers.FIRST_PORT + 1])
        assert servers.free_port() == servers.FIRST_PORT + 1
