"""Who may say what on the bus: each service's NATS user and permissions, derived from the contracts.

One table (`TALKS`) says which contexts a service consumes and which services it asks; everything else
follows from the contracts: a service publishes its own context's subjects (unless the context is
internal) and serves `svc.<service>.*` when it has verbs. The same permissions are written into the local
stack's nats-server, the test fixtures' servers, docker-compose's and the Helm values (`profset nats-config`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.base import INTERNAL
from contracts.envelope import DEAD_LETTER_STREAM, STREAMS
from contracts.services import SERVICES
from kit.streams import REPAIR

OPERATOR = "profset"
"""The operator's user: every subject (migrations need none, but republish and repairs do)."""

KEEPER = "streamkeeper"
"""The operator's stream keeper (`profset streams --keep`): makes and mends the bus's streams, and may do nothing else."""

READER = "reader"
"""Outside subscribers: read-only access to the public streams."""


@dataclass(frozen=True)
class Talk:
    """What a service consumes (source context -> its projections there) and whom it asks (services whose verbs
    it calls). A projection `p` of service `s` is the durable consumer `s_p`; only `s` may use it."""

    consumes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    asks: tuple[str, ...] = ()


TALKS: dict[str, Talk] = {
    "registry": Talk(),
    "contacts": Talk(consumes={"registry": ("registry-mirror",)}),
    "exchange": Talk(consumes={"registry": ("tree",), "contacts": ("postings",)}),
    "notifications": Talk(
        consumes={
            "registry": ("registry",),
            "exchange": ("exchange",),
            "contacts": ("contacts",),
            "audits": ("audits",),
            "appeals": ("appeals",),
        },
        asks=("contacts",),
    ),
    "audits": Talk(consumes={"registry": ("registry-facts",), "contacts": ("contacts-facts",)}),
    "kpi": Talk(
        consumes={"registry": ("registry",), "contacts": ("contacts",), "exchange": ("exchange",), "appeals": ("appeals",)}
    ),
    "appeals": Talk(consumes={"registry": ("registry",)}),
    "gateway": Talk(asks=tuple(SERVICES)),
}
"""Every process that connects to NATS as a service, in start order (the gateway last)."""

PUBLIC_STREAMS = tuple(STREAMS[c] for c in STREAMS if c not in INTERNAL)

READER_CONSUMER = "reader"
"""The durable consumer per public stream that outside subscribers keep."""


def own_consumers(user: str) -> tuple[str, ...]:
    """The consumer names an outside user may create and use on a stream it reads: `<user>`, `<user>-1` … `<user>-4`.
    Permissions match whole subject tokens (`reader-*` is no wildcard), so the names are listed."""
    return (user, *(f"{user}-{n}" for n in range(1, 5)))


READER_CONSUMERS = own_consumers(READER_CONSUMER)
"""Every consumer name the reader may create and use on a public stream, durable or ephemeral: its own names only, so
never a service's consumer, and at most this many a stream (NATS has no per-user consumer limit; the names are one)."""


@dataclass(frozen=True)
class Integrator:
    """An outside team's own read-only user (`profset integrator add`): the public streams it reads, and its password's
    bcrypt hash, which is all the server's configuration holds of it (so that configuration may sit in a ConfigMap)."""

    name: str
    streams: tuple[str, ...]
    password_hash: str


GATEWAY_LIVE_CONSUMERS = ("gateway_live", *(f"gateway_live_{n}" for n in range(1, 8)))
"""The push consumers of the EXCHANGE stream a gateway may keep, one per replica, delivered to its own inbox: the live
pages' wake-up calls (services/gateway/src/gateway/ui/feed.py names the same). A consumer, never `exchange.>` itself."""


def inbox(user: str) -> str:
    """The user's own inbox prefix, so nobody else can subscribe to the replies it is sent."""
    return f"_INBOX.{user}"


def _consuming(stream: str, consumer: str) -> list[str]:
    """JetStream API subjects one named consumer needs: its own, never another's. Only the named create subjects: on the
    legacy ones (`CONSUMER.CREATE.<stream>`, `DURABLE.CREATE`) the name is in the request, which permissions cannot see."""
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.{consumer}",
        f"$JS.API.CONSUMER.DELETE.{stream}.{consumer}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def service_permissions(service: str) -> dict[str, Any]:
    """The publish and subscribe permissions of one service's user."""
    talk = TALKS[service]
    publish: list[str] = []
    # streams are the operator's (a service that made one could give it extra subjects and tap others' traffic): a
    # service binds to them, and asks the operator's keeper for its own back should it go missing
    if service in STREAMS and service not in INTERNAL:  # the relay: its context's subjects and its stream only
        stream = STREAMS[service]
        publish += [f"{service}.>", f"$JS.API.STREAM.INFO.{stream}", f"{REPAIR}.{stream}"]
        publish += [f"$JS.API.STREAM.MSG.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}"]
    for source, projections in talk.consumes.items():
        publish.append(f"$JS.API.STREAM.INFO.{STREAMS[source]}")
        # a projector finds where its checkpoint sits in the stream when it (re)creates its consumer
        publish += [f"$JS.API.STREAM.MSG.GET.{STREAMS[source]}", f"$JS.API.DIRECT.GET.{STREAMS[source]}"]
        for projection in projections:
            publish += _consuming(STREAMS[source], f"{service}_{projection}")
    if talk.consumes:  # a projector buries what it gives up on in the dead-letter stream, under its own name
        publish += [f"deadletter.{service}.>", f"$JS.API.STREAM.INFO.{DEAD_LETTER_STREAM}", f"{REPAIR}.{DEAD_LETTER_STREAM}"]
    publish += [f"svc.{other}.*" for other in talk.asks]
    if service == "gateway":
        for consumer in GATEWAY_LIVE_CONSUMERS:
            publish += _consuming(STREAMS["exchange"], consumer)
    subscribe = [f"{inbox(service)}.>"]
    if service in SERVICES:  # only in its queue group: a lone listener would get a copy of every request, tokens and all
        subscribe.append(f"svc.{service}.* {queue_group(service)}")
    # replies go to the asker's inbox, which this user may answer but never listen to
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}, "allow_responses": True}


def queue_group(service: str) -> str:
    """The queue group a service serves its requests in (kit's service subscribes in it, under the service's name)."""
    return service


def reader_permissions() -> dict[str, Any]:
    """Read-only access to the public streams through consumers of its own names (`READER_CONSUMERS`), nothing published.
    The shared reader keeps the account's figures (`$JS.API.INFO`): nats.js asks for them by default and its users are
    not ours to change; teams of their own are told to switch that off (docs/integrations.md)."""
    return _reading(READER, PUBLIC_STREAMS, ("$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST"))


def integrator_permissions(integrator: Integrator) -> dict[str, Any]:
    """An integrator's: the reader's, on its own streams only, through consumers of its own names, to its own inbox; it
    may find a stream by subject (NAMES) but not list the others' configurations, nor read the account's figures
    (`$JS.API.INFO`: every stream's and consumer's count and the storage used), which no consumer path needs."""
    return _reading(integrator.name, integrator.streams, ("$JS.API.STREAM.NAMES",))


def _reading(user: str, streams: tuple[str, ...], lookups: tuple[str, ...]) -> dict[str, Any]:
    """Read, fetch and acknowledge the streams through the user's own consumers (`own_consumers`); publish nothing."""
    publish = [*lookups]
    for stream in streams:
        publish += [f"$JS.API.STREAM.INFO.{stream}"]
        publish += [f"$JS.API.STREAM.MSG.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}.>"]
        for consumer in own_consumers(user):
            publish += _consuming(stream, consumer)
    # flow control and heartbeats of its push consumers are answered on their reply subjects
    return {"publish": {"allow": publish}, "subscribe": {"allow": [f"{inbox(user)}.>"]}, "allow_responses": True}


API_AUDIT = "$JS.EVENT.ADVISORY.API"
"""Where the server tells of every JetStream API request answered, with its subject: a consumer made or changed too."""


def policed_consumers(integrators: Sequence[Integrator] = ()) -> dict[str, tuple[str, ...]]:
    """Per public stream, the consumers the keeper deletes when they push anywhere but their owner's inbox: the reader's,
    each team's on its streams and the gateway's live ones (a consumer's deliver subject is in the create request's
    body, which permissions can't see)."""
    found = {stream: [*READER_CONSUMERS] for stream in PUBLIC_STREAMS}
    found[STREAMS["exchange"]] += GATEWAY_LIVE_CONSUMERS
    for team in integrators:
        for stream in team.streams:
            found[stream] += own_consumers(team.name)
    return {stream: tuple(names) for stream, names in found.items()}


def keeper_permissions(integrators: Sequence[Integrator] = ()) -> dict[str, Any]:
    """The stream keeper's: look up, make and put back the operator's streams (those alone, by name) and answer the
    services' repair requests in its queue group; and, told of each consumer made (the API's audit), list the public
    streams' consumers and delete those of `policed_consumers` that push elsewhere. It publishes no event and no
    request, and reads no stream through a consumer."""
    publish = [
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in (*PUBLIC_STREAMS, DEAD_LETTER_STREAM)
        for verb in ("INFO", "CREATE", "UPDATE")
    ]
    for stream, consumers in policed_consumers(integrators).items():
        publish.append(f"$JS.API.CONSUMER.LIST.{stream}")
        publish += [f"$JS.API.CONSUMER.DELETE.{stream}.{consumer}" for consumer in consumers]
    subscribe = [f"{inbox(KEEPER)}.>", f"{REPAIR}.* {queue_group(KEEPER)}", API_AUDIT]
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}, "allow_responses": True}


def users() -> tuple[str, ...]:
    """Every user the server knows: the services, the operator, its stream keeper and the outside reader."""
    return (*TALKS, OPERATOR, KEEPER, READER)


def permissions(user: str) -> dict[str, Any] | None:
    """A user's permissions; None for the operator, who may do anything."""
    if user == OPERATOR:
        return None
    if user == READER:
        return reader_permissions()
    if user == KEEPER:
        return keeper_permissions()
    return service_permissions(user)


def generate_passwords() -> dict[str, str]:
    """A fresh random password per user."""
    return {user: secrets.token_urlsafe(24) for user in users()}


def env_name(user: str) -> str:
    """The environment variable that holds a user's password: `<USER>_NATS_PASSWORD` (the services' own key)."""
    return f"{user.upper()}_NATS_PASSWORD"


def authorization(passwords: Mapping[str, str] | None = None, integrators: Sequence[Integrator] = ()) -> dict[str, Any]:
    """The server's `authorization` block; without passwords, each is read from `$<USER>_NATS_PASSWORD` at start. The
    integrators' follow with their hashes, written in the file itself: a reload (SIGHUP) takes them, never new variables."""
    entries = []
    for user in users():
        password = passwords[user] if passwords is not None else f"${env_name(user)}"
        entry: dict[str, Any] = {"user": user, "password": password}
        # the keeper polices the teams' consumers too, so its permissions name them
        allowed = keeper_permissions(integrators) if user == KEEPER else permissions(user)
        if allowed is not None:
            entry["permissions"] = allowed
        entries.append(entry)
    for team in integrators:
        entries.append({"user": team.name, "password": team.password_hash, "permissions": integrator_permissions(team)})
    return {"users": entries}


def render(block: Mapping[str, Any], name: str = "authorization") -> str:
    """NATS configuration text; `$NAME` values stay unquoted, so the server reads them from its environment."""
    return f"{name} {_value(block, 0)}\n"


def _value(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, Mapping):
        lines = [f"{inner}{key}: {_value(item, depth + 1)}" for key, item in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping) for item in value):
            return "[" + ", ".join(_value(item, depth + 1) for item in value) + "]"
        return "[\n" + "\n".join(f"{inner}{_value(item, depth + 1)}" for item in value) + f"\n{pad}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith("$") and value[1:].replace("_", "").isalnum() and value[1:].isupper():
        return value
    return json.dumps(value)


def fresh_environment() -> dict[str, str]:
    """Every secret of a deployment, new: token keys, the master keys, passwords — the database owner's, each service's
    own database role's, each NATS user's (for `.env` or a Secret)."""
    from kit.crypto import generate_master_key
    from kit.tokens import generate_keypair

    from .dbroles import password_setting
    from .stack import MIGRATED
    from .stackkeys import SEALING

    private, public = generate_keypair()
    own_private, own_public = generate_keypair()  # notifications' own identity: it never holds the gateway's key
    found = {
        "TOKEN_PUBLIC_KEY": public,
        "GATEWAY_TOKEN_PRIVATE_KEY": private,
        "SERVICE_PUBLIC_KEYS": json.dumps({"notifications": own_public}),
        "NOTIFICATIONS_SERVICE_PRIVATE_KEY": own_private,
        # only the services that seal personal data hold a key-encryption key, each its own
        **{f"{service.upper()}_MASTER_KEY": generate_master_key() for service in SEALING},
        "PROFSET_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),  # the owner's: migrations only, never a service
        # each service's own role (profset_<service>); URL-safe, as they are written into DATABASE_URL
        **{password_setting(service): secrets.token_urlsafe(24) for service in MIGRATED},
    }
    return found | {env_name(user): password for user, password in generate_passwords().items()}
