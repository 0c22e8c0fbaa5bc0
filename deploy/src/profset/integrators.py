"""Outside teams' own read-only NATS users (`profset integrator`): who they are, which public streams each reads, and the
server configurations that hold them.

The list lives in one JSON file (`integrators.json`: the local stack's data folder unless `--registry` or
`PROFSET_INTEGRATORS` names another) with each team's streams and its password's bcrypt hash; the password itself is
shown once, to be handed over. From that file come the local stack's users (its nats-server is reloaded at once), a
complete auth file for docker-compose (`--nats-conf`, mounted as `NATS_AUTH_CONF`) and the Helm values with every user
(`--helm-values`, in place of k8s/nats/values-auth.yaml). nats-server takes a new or revoked user on a reload (SIGHUP),
which is why the configuration holds hashes and no `$VARIABLE`: a reload never rereads its environment.

Revoking a team also deletes its consumers from every public stream, as the operator (`NATS_URL`, else the local
stack's): a consumer outlives its user, and a push consumer goes on delivering with nobody's credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .natsauth import PUBLIC_STREAMS, READER_CONSUMERS, Integrator, authorization, inbox, own_consumers, render, users
from .progress import OK, REFUSED, UNAVAILABLE, USAGE

NAME = re.compile(r"[a-z][a-z0-9-]{0,30}[a-z0-9]")
"""A safe subject token and consumer name: lowercase letters, digits and hyphens, 2 to 32 of them."""

RESERVED = frozenset((*users(), *READER_CONSUMERS, "sys", "system"))
"""Names a team may not take: every service's and the system's own users."""

BCRYPT_COST = 2**11
"""bcrypt's rounds, as nats-server's own mkpasswd: the server checks the hash at each connect, not each message."""


class Refused(ValueError):
    """An argument the command refuses, naming the field; `code` is the exit code (a wrong argument, or a state)."""

    def __init__(self, field: str, reason: str, code: int = USAGE) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.code = field, code


def valid_name(name: str) -> str:
    """The team's name, if it is a safe token that nobody else's user or consumer names."""
    if not NAME.fullmatch(name):
        raise Refused(
            "name", f"{name!r} must be 2 to 32 lowercase letters, digits and hyphens, from a letter to a letter or digit"
        )
    if re.search(r"-\d+$", name):  # `acme-1` is a consumer name of the team `acme`
        raise Refused("name", f"{name!r} may not end in a hyphen and digits: those name a team's consumers")
    if name in RESERVED:
        raise Refused("name", f"{name!r} is a service's or the system's own user")
    return name


def valid_streams(text: str) -> tuple[str, ...]:
    """The comma-separated public streams (`REGISTRY,EXCHANGE`), in the order given, each once."""
    named = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not named:
        raise Refused("streams", "name at least one public stream, e.g. REGISTRY,EXCHANGE")
    for stream in named:
        if stream not in PUBLIC_STREAMS:
            raise Refused("streams", f"{stream} is not a public stream (one of {', '.join(PUBLIC_STREAMS)})")
    return tuple(dict.fromkeys(named))


def hash_password(password: str) -> str:
    """The bcrypt hash nats-server checks a password against, made by the C library's crypt (libxcrypt)."""
    with warnings.catch_warnings():  # deprecated, gone in Python 3.13: then the `bcrypt` package from PyPI
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=BCRYPT_COST))  # noqa: S324 - bcrypt, not a weak hash
    if not hashed or not hashed.startswith("$2"):
        raise RuntimeError("this system's crypt() makes no bcrypt hash")
    return hashed


def registry_path(given: Path | None = None) -> Path:
    """The list of integrators: the one given, else `$PROFSET_INTEGRATORS`, else the local stack's."""
    if given is not None:
        return given
    if os.environ.get("PROFSET_INTEGRATORS"):
        return Path(os.environ["PROFSET_INTEGRATORS"])
    return local_registry()


def local_registry() -> Path:
    """The local stack's list, in its data folder."""
    from .stack import data_dir

    return data_dir() / "integrators.json"  # the stack reads the same file when it starts its nats-server


def load(path: Path) -> dict[str, Integrator]:
    """Every integrator of the list, by name; none when there is no list yet."""
    if not path.exists():
        return {}
    found = json.loads(path.read_text())
    return {name: Integrator(name, tuple(team["streams"]), team["password_hash"]) for name, team in found.items()}


def save(path: Path, teams: dict[str, Integrator]) -> None:
    """Writes the list (mode 600: only hashes, but nobody else's business)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {team.name: {"streams": list(team.streams), "password_hash": team.password_hash} for team in teams.values()}
    path.write_text(json.dumps(body, indent=2) + "\n")
    path.chmod(0o600)


def add(path: Path, name: str, streams: str) -> tuple[Integrator, str]:
    """Adds a team to the list with a fresh password; the team and that password, which is kept nowhere."""
    team_name, wanted = valid_name(name), valid_streams(streams)
    teams = load(path)
    if team_name in teams:
        raise Refused("name", f"{team_name!r} has credentials already: revoke them first to issue new ones", REFUSED)
    password = secrets.token_urlsafe(24)
    teams[team_name] = Integrator(team_name, wanted, hash_password(password))
    save(path, teams)
    return teams[team_name], password


def revoke(path: Path, name: str) -> Integrator:
    """Takes a team off the list."""
    teams = load(path)
    if name not in teams:
        raise Refused("name", f"{name!r} is not an integrator of {path}", REFUSED)
    gone = teams.pop(name)
    save(path, teams)
    return gone


async def delete_consumers(nats_url: str, name: str) -> list[str]:
    """Deletes every consumer of the team's names (`own_consumers`) on every public stream, as the operator: also on a
    stream it no longer reads, so a second run finds what the first could not; `STREAM/consumer` of each deleted."""
    import nats
    import nats.js.errors

    from kit.settings import nats_servers

    nc = await nats.connect(nats_servers(nats_url), name="profset-integrator", connect_timeout=5, allow_reconnect=False)
    try:
        js, deleted = nc.jetstream(timeout=10), list[str]()
        for stream in PUBLIC_STREAMS:
            for consumer in own_consumers(name):
                try:
                    await js.delete_consumer(stream, consumer)
                except nats.js.errors.NotFoundError:  # no such consumer, or no such stream
                    continue
                deleted.append(f"{stream}/{consumer}")
        return deleted
    finally:
        await nc.close()


def _operator_nats_url() -> str:
    """The operator's NATS URL: `NATS_URL`, else the running local stack's."""
    from .stack import operator_environment

    return operator_environment().get("NATS_URL", "")


def clear(name: str, on_list: bool, path: Path) -> int:
    """Deletes a revoked team's consumers and says which; an exit code (safe to run again: it finds what is left)."""
    import nats.errors

    not_ours = f"name: {name!r} is not an integrator of {path}"
    url = _operator_nats_url()
    if not url:
        if not on_list:
            print(not_ours, file=sys.stderr)
            return REFUSED
        print(
            f"{name}'s consumers were not looked for: set NATS_URL (the operator's) and run `profset integrator revoke "
            f"{name}` again to delete them",
            file=sys.stderr,
        )
        return USAGE
    try:
        deleted = asyncio.run(delete_consumers(url, name))
    except (nats.errors.Error, OSError, TimeoutError) as e:
        print(f"{name}'s consumers are still there, NATS did not answer: {e!r}; run this again", file=sys.stderr)
        return UNAVAILABLE
    for consumer in deleted:
        print(f"deleted consumer {consumer}")
    if not on_list and not deleted:
        print(f"{not_ours}, and has no consumers left", file=sys.stderr)
        return REFUSED
    if not deleted:
        print(f"{name} had no consumers", file=sys.stderr)
    return OK


def credentials(team: Integrator, password: str) -> dict[str, str]:
    """What the team is given: its user, password, inbox prefix, streams and the consumer names it may use."""
    return {
        "NATS_USER": team.name,
        "NATS_PASSWORD": password,
        "NATS_INBOX_PREFIX": inbox(team.name),
        "NATS_STREAMS": ",".join(team.streams),
        "NATS_CONSUMERS": ",".join(own_consumers(team.name)),
    }


def secret_manifest(team: Integrator, password: str) -> str:
    """The team's credentials as a Kubernetes Secret (`profset-integrator-<name>`), to apply where its consumer runs."""
    import yaml

    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"profset-integrator-{team.name}", "labels": {"app.kubernetes.io/part-of": "profset"}},
        "type": "Opaque",
        "stringData": credentials(team, password),
    }
    return str(yaml.safe_dump(secret, sort_keys=False))


def nats_conf(teams: Iterable[Integrator]) -> str:
    """docker-compose's auth file with the integrators: the services' passwords from the environment, theirs as hashes."""
    return "# Generated by `profset integrator` from natsauth.TALKS and the integrators' list.\n" + render(
        authorization(integrators=tuple(teams))
    )


def helm_values(teams: Iterable[Integrator]) -> dict[str, Any]:
    """k8s/nats/values-auth.yaml with the integrators' users too (Helm replaces a list, so the file holds every user)."""
    from .manifests import nats_values

    values = nats_values()
    users_list = values["config"]["merge"]["authorization"]["users"]
    every = authorization(integrators=tuple(teams))["users"]
    for system, now in zip(users_list, every, strict=False):  # the keeper's name the teams' consumers it polices
        if "permissions" in now:
            system["permissions"] = now["permissions"]
    for team in every[len(users_list) :]:  # theirs follow the system's
        # the chart writes what is inside << … >> as it is: here a quoted string, the hash, never a variable
        users_list.append(team | {"password": f"<< {json.dumps(team['password'])} >>"})
    return values


def write(teams: dict[str, Integrator], conf: Path | None, values: Path | None) -> list[str]:
    """Writes the compose auth file and the Helm values that were asked for; what was written."""
    import yaml

    written = []
    if conf is not None:
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(nats_conf(teams.values()))
        written.append(f"wrote {conf}: `docker compose kill -s HUP nats` makes the server reread it")
    if values is not None:
        values.parent.mkdir(parents=True, exist_ok=True)
        header = "# NATS users and permissions, the integrators' too. Generated by `profset integrator`.\n"
        values.write_text(header + yaml.safe_dump(helm_values(teams.values()), sort_keys=False, width=120))
        written.append(f"wrote {values}: `helm upgrade` with it in place of values-auth.yaml; the chart's reloader reloads")
    return written


def reload_local(path: Path) -> str | None:
    """Has the local stack's running nats-server take the list's users, when `path` is that stack's list."""
    from .servers import NatsServer
    from .stack import _alive, data_dir, nats_passwords

    folder = data_dir()
    pidfile = folder / "nats" / "nats.pid"
    if path.resolve() != local_registry().resolve() or not pidfile.exists() or not _alive(int(pidfile.read_text())):
        return None
    server = NatsServer(folder / "nats", passwords=nats_passwords(folder), integrators=tuple(load(path).values()))
    server.reload()
    return "the local stack's nats-server reloaded its users"


def command(args: argparse.Namespace) -> int:
    """`profset integrator add|revoke|list|write`; an exit code."""
    path = registry_path(args.registry)
    if args.action == "write" and args.nats_conf is None and args.helm_values is None:
        print("write: give --nats-conf, --helm-values or both", file=sys.stderr)
        return USAGE
    try:
        if args.action == "add":
            team, password = add(path, args.name, args.streams)
            shown = credentials(team, password)
            print(secret_manifest(team, password) if args.k8s_secret else "\n".join(f"{k}={v}" for k, v in shown.items()))
            print(f"added {team.name} to {path}; hand these over now: the password is kept nowhere", file=sys.stderr)
        elif args.action == "revoke":
            return _revoke(path, args)
    except Refused as e:
        print(e, file=sys.stderr)
        return e.code
    return _written(path, args)


def _revoke(path: Path, args: argparse.Namespace) -> int:
    """`profset integrator revoke`: off the list, the files and the local server, then its consumers off every stream. A
    team no longer on the list (revoked before, its consumers left behind) only has its consumers looked for."""
    if args.name not in load(path):
        try:
            valid_name(args.name)  # never the reader's or a service's consumers
        except Refused:
            print(f"name: {args.name!r} is not an integrator of {path}", file=sys.stderr)
            return REFUSED
        return clear(args.name, False, path)
    print(f"revoked {revoke(path, args.name).name} in {path}", file=sys.stderr)
    written = _written(path, args)  # the server lets it in no more first, so it can't make them again (local stack)
    cleared = clear(args.name, True, path)
    return written if written != OK else cleared


def _written(path: Path, args: argparse.Namespace) -> int:
    """Lists the teams, or writes the files asked for and reloads the local stack's server; an exit code."""
    teams = load(path)
    if args.action == "list":
        for team in teams.values():
            print(f"{team.name}\t{','.join(team.streams)}")
        return OK
    for note in write(teams, args.nats_conf, args.helm_values):
        print(note, file=sys.stderr)
    try:
        reloaded = reload_local(path)
    except RuntimeError as e:  # the list is saved; the server goes on with the users it had
        print(f"the local stack's nats-server kept its users: {e}", file=sys.stderr)
        return UNAVAILABLE
    if reloaded:
        print(reloaded, file=sys.stderr)
    return OK
