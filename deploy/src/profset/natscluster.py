"""Three nats-servers in one cluster, JetStream on each with a store of its own: the shape operators run (k8s/nats),
on free ports of this machine, started by our own code for the tests that kill nodes of it (tests/cluster)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .natsauth import OPERATOR
from .servers import NatsServer, free_port, wait_for_port

CLUSTER = "profset"
"""The cluster's name, which every node's routes must agree on."""


@dataclass
class NatsCluster:
    """`size` nats-servers joined by routes, each with JetStream on its own store under `data_dir`; with `passwords`,
    every user of `natsauth` logs in to any node and is held to its permissions there. It stands where one
    `NatsServer` stands: `url`, `address` and `login` name every node, as a cluster's seed servers."""

    data_dir: Path
    passwords: Mapping[str, str] | None = None
    size: int = 3
    nodes: list[NatsServer] = field(default_factory=list)
    monitors: list[int] = field(default_factory=list)
    """Each node's monitoring port (`/varz`, `/jsz`, `/connz`), where a node says what it holds itself."""
    names: list[str] = field(default_factory=list)
    """Each node's server_name, as a stream's cluster info names its leader and replicas."""

    @property
    def replicas(self) -> int:
        """Replicas of every stream on this cluster: one on each node."""
        return self.size

    @property
    def url(self) -> str:
        """The operator's seed servers, comma-separated as NATS_URL takes them (each with the operator's credentials
        when the nodes have users)."""
        return ",".join(node.url for node in self.nodes)

    @property
    def address(self) -> str:
        """The seed servers without credentials."""
        return ",".join(node.address for node in self.nodes)

    def login(self, user: str) -> dict[str, str]:
        """A user's settings as a service takes them: the seed servers, its user, and streams made R3 on this cluster."""
        own = {"nats_url": self.address, "stream_replicas": str(self.replicas)}
        if self.passwords is None:
            return own
        return own | {"nats_user": user, "nats_password": self.passwords[user]}

    def operator(self) -> dict[str, Any]:
        """nats-py's connect arguments for the operator: the seed servers, with the credentials apart from the URLs, so
        that a server the cluster announces (a bare host:port) is logged in to as well."""
        if self.passwords is None:
            return {"servers": self.address.split(",")}
        return {"servers": self.address.split(","), "user": OPERATOR, "password": self.passwords[OPERATOR]}

    def start(self, i: int | None = None) -> str:
        """Starts every node (on free ports), or node `i` again on its own ports and store; the seed servers' URL."""
        if i is not None:
            self._start_node(i)
            return self.url
        ports, routes = [free_port() for _ in range(self.size)], [free_port() for _ in range(self.size)]
        self.monitors = [free_port() for _ in range(self.size)]
        seeds = ", ".join(f'"nats-route://127.0.0.1:{port}"' for port in routes)
        self.nodes = [
            NatsServer(
                self.data_dir / f"node{n}",
                port=ports[n],
                passwords=self.passwords,
                # every node names all routes, its own too (a server skips itself), so any two restart into the cluster
                config_extra=(
                    f'cluster {{\n  name: {CLUSTER}\n  listen: "127.0.0.1:{routes[n]}"\n  routes: [{seeds}]\n}}\n'
                    f'http: "127.0.0.1:{self.monitors[n]}"\n'
                ),
            )
            for n in range(self.size)
        ]
        for n in range(self.size):
            self._start_node(n)
        self.names = [str(self.monitor(n, "varz")["server_name"]) for n in range(self.size)]
        return self.url

    def _start_node(self, i: int) -> None:
        self.nodes[i].start()
        wait_for_port("127.0.0.1", self.monitors[i])  # its monitoring too, which the tests ask what the node holds

    def kill(self, i: int) -> None:
        """Kills node `i` with SIGKILL, as a crashed machine would stop; its store stays for `start(i)`."""
        self.nodes[i].kill()

    def stop(self) -> None:
        """Stops every node cleanly."""
        for node in self.nodes:
            node.stop()

    def alive(self) -> list[int]:
        """The nodes whose process runs."""
        return [n for n, node in enumerate(self.nodes) if node.process is not None and node.process.poll() is None]

    def node_named(self, name: str | None) -> int | None:
        """Which node has this server_name (a stream's leader, say); None for none."""
        return self.names.index(name) if name in self.names else None

    async def leader(self, js: Any, stream: str) -> int | None:
        """The node that leads the stream now (None while it has no leader)."""
        info = await js.stream_info(stream)
        return self.node_named(info.cluster.leader if info.cluster else None)

    def monitor(self, i: int, path: str) -> dict[str, Any]:
        """Node `i`'s monitoring answer (`varz`, `jsz?…`, `connz?…`): what that node itself holds and serves."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.monitors[i]}/{path}", timeout=5) as reply:
            found: dict[str, Any] = json.loads(reply.read())
        return found

    def last_sequence(self, i: int, stream: str) -> int | None:
        """The last sequence of node `i`'s own replica of the stream (None if it holds none)."""
        for account in self.monitor(i, "jsz?accounts=true&streams=true").get("account_details") or []:
            for detail in account.get("stream_detail") or []:
                if detail["name"] == stream:
                    return int(detail["state"]["last_seq"])
        return None

    def clients(self, i: int) -> list[str]:
        """The names of the clients connected to node `i` (services name their connections after themselves)."""
        return [str(c.get("name") or "") for c in self.monitor(i, "connz?limit=1024").get("connections") or []]
