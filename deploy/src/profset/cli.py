"""`profset`: the operator's command line. Exit codes: 0 done, 1 refused, 2 usage or settings, 3 a server
did not answer or another writer got in the way (safe to run again)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from .natsauth import TALKS
from .progress import OK, UNAVAILABLE, USAGE

REBUILDABLE = ("registry", "contacts", "exchange", "audits", "kpi", "appeals")
"""Services whose wiring names the read models its ledger builds."""
PUBLISHERS = tuple(name for name in TALKS if name != "gateway")
CONSUMERS = tuple(name for name, talk in TALKS.items() if talk.consumes)


def parser() -> argparse.ArgumentParser:
    """Every command and its arguments."""
    top = argparse.ArgumentParser(prog="profset", description="Operate a Profset stack.")
    sub = top.add_subparsers(dest="command", required=True)
    stack = sub.add_parser("stack", help="run the local stack").add_subparsers(dest="action", required=True)
    up = stack.add_parser("up", help="start servers, migrate, seed the demo, start every service")
    up.add_argument("--background", action="store_true", help="return once the gateway answers")
    stack.add_parser("down", help="stop a running stack and its servers")
    migrate = sub.add_parser("migrate", help="bring every schema to its newest migration")
    migrate.add_argument("--database-url", help="default: DATABASE_URL")
    migrate.add_argument("--nats-url", help="the operator's; default: NATS_URL (then the streams are made too)")
    migrate.add_argument(
        "--roles",
        choices=("create", "grant"),
        help="then give each service its own role: create it (password from <SERVICE>_DB_PASSWORD) and grant, or only "
        "grant roles made elsewhere (CloudNativePG's managed roles)",
    )
    streams = sub.add_parser("streams", help="make every stream (dead letters included) as it should be, as the operator")
    streams.add_argument("--keep", action="store_true", help="then answer services that find their stream missing")
    streams.add_argument(
        "--replicas", type=int, default=_setting("STREAM_REPLICAS", 1), help="stream replicas (3 on a NATS cluster)"
    )
    streams.add_argument(
        "--max-gib", type=int, default=_setting("STREAM_MAX_GIB", 0), help="each context stream's size limit (default 2)"
    )
    load = sub.add_parser("import", help="load a union from CSV files (orgs, headcounts, officers, members)")
    load.add_argument("folder", type=Path, help="holds orgs.csv, headcounts.csv, officers.csv, members.csv")
    rebuild = sub.add_parser("rebuild", help="rebuild a service's own read models from its ledger")
    rebuild.add_argument("service", choices=REBUILDABLE)
    again = sub.add_parser("republish", help="rebuild a context's JetStream stream from the ledger, from a position on")
    again.add_argument("service", choices=PUBLISHERS)
    again.add_argument("--from", dest="start", type=int, default=1, help="first ledger position (default: all)")
    again.add_argument("--to", dest="end", type=int, help="last ledger position (default: the newest; the relay goes on)")
    again.add_argument("--replicas", type=int, help="stream replicas (default: the stream's own, else $STREAM_REPLICAS, else 1)")
    replay = sub.add_parser("replay", help="apply a service's dead-lettered and parked events again")
    replay.add_argument("service", choices=CONSUMERS)
    sub.add_parser("status", help="each ledger's newest position, what its relay published, each consumer's place")
    nats_config = sub.add_parser(
        "nats-config", help="print the NATS users and permissions (passwords from $<USER>_NATS_PASSWORD)"
    )
    nats_config.add_argument("out", nargs="?", default="-")
    manifests = sub.add_parser("manifests", help="rewrite the generated k8s/ and NATS files after a change to natsauth")
    manifests.add_argument("root", nargs="?", type=Path, default=Path("."), help="the repository (default: here)")
    seed = sub.add_parser("seed", help="load the demo union through the gateway, unless it holds orgs already")
    seed.add_argument("url", help="the gateway, e.g. http://gateway:8000; PROFSET_ADMIN_PASSWORD signs in")
    sub.add_parser("secrets", help="print a fresh .env block: keys, passwords and NATS passwords")
    db_secrets = sub.add_parser("db-secrets", help="print each service's database role Secret (k8s) from a .env file")
    db_secrets.add_argument("env_file", nargs="?", type=Path, default=Path(".env"), help="default: .env")
    erase = sub.add_parser("erase", help="erase a person's personal data (PD1), recording the basis")
    erase.add_argument("person_id")
    erase.add_argument("--basis", required=True, help="on what basis, for the record")
    _integrator_parser(sub)
    asyncapi = sub.add_parser("asyncapi", help="write the AsyncAPI 3 document")
    asyncapi.add_argument("out", nargs="?", default="asyncapi.json")
    return top


def _integrator_parser(sub: Any) -> None:
    """`profset integrator`: an outside team's own read-only NATS user (integrators.py)."""
    actions = sub.add_parser("integrator", help="an outside team's own read-only NATS credentials")
    action = actions.add_subparsers(dest="action", required=True)
    add = action.add_parser("add", help="give a team credentials of its own; the password is shown once")
    add.add_argument("name", help="lowercase letters, digits and hyphens: its user, inbox and consumer names")
    add.add_argument("--streams", required=True, help="the public streams it reads, e.g. REGISTRY,EXCHANGE")
    add.add_argument("--k8s-secret", action="store_true", help="print the credentials as a Kubernetes Secret")
    revoke = action.add_parser("revoke", help="take a team's credentials away")
    revoke.add_argument("name")
    listed = action.add_parser("list", help="every team and the streams it reads")
    rewrite = action.add_parser("write", help="write the auth file and Helm values again from the list (after an upgrade)")
    for each in (add, revoke, listed, rewrite):
        each.add_argument("--registry", type=Path, help="the list (default: $PROFSET_INTEGRATORS, else the local stack's)")
    for each in (add, revoke, rewrite):
        each.add_argument("--nats-conf", type=Path, help="docker-compose: write the whole NATS auth file here (NATS_AUTH_CONF)")
        each.add_argument("--helm-values", type=Path, help="Kubernetes: write the NATS chart's users values here")


def main(argv: list[str] | None = None) -> int:
    """Parses the command and runs it."""
    args = parser().parse_args(argv)
    try:
        return run(args)
    except (ConnectionError, OSError, TimeoutError) as e:
        print(f"a server did not answer: {e!r}", file=sys.stderr)
        return UNAVAILABLE


def _seed(url: str) -> int:
    """`profset seed`: the demo union, signed in as the bootstrap admin."""
    from .seed import AdminMustChoose, seed_if_empty

    password = os.environ.get("PROFSET_ADMIN_PASSWORD", "")
    if not password:
        print("set PROFSET_ADMIN_PASSWORD", file=sys.stderr)
        return USAGE
    try:
        seeded = seed_if_empty(url, password)
    except AdminMustChoose as e:
        print(e, file=sys.stderr)
        return USAGE
    print("seeded the demo union" if seeded else "the union holds orgs already; left alone")
    return OK


def run(args: argparse.Namespace) -> int:  # noqa: PLR0912 - one branch per command
    """Runs one parsed command; an exit code."""
    if args.command == "stack":
        from . import stack as local

        return local.up(args.background) if args.action == "up" else local.down()
    if args.command == "migrate":
        from .stack import migrate_all

        url = args.database_url or os.environ.get("DATABASE_URL")
        if not url:
            print("give --database-url or set DATABASE_URL", file=sys.stderr)
            return USAGE
        migrate_all(url)
        print("migrated")
        if args.roles and (code := _grant(url, create=args.roles == "create")) != OK:
            return code
        nats_url = args.nats_url or os.environ.get("NATS_URL")
        replicas, max_gib = _setting("STREAM_REPLICAS", 1), _setting("STREAM_MAX_GIB", 0)
        return _streams(nats_url, False, replicas, max_gib) if nats_url else OK
    if args.command == "streams":
        nats_url = os.environ.get("NATS_URL") or operator_nats_url()
        if not nats_url:
            print("set NATS_URL (the operator's credentials), or start the local stack", file=sys.stderr)
            return USAGE
        return _streams(nats_url, args.keep, args.replicas, args.max_gib)
    if args.command == "import":
        from .operator import import_union

        return import_union(args.folder)
    if args.command == "rebuild":
        if args.service == "kpi":  # kpi also replays the other contexts' streams into its figures
            from .operator import rebuild_kpi

            return rebuild_kpi()
        from .rebuild import rebuild as rebuild_service

        return asyncio.run(rebuild_service(args.service))
    if args.command == "republish":
        from .bus import republish

        return asyncio.run(republish(args.service, args.start, args.end, args.replicas))
    if args.command == "replay":
        from .rebuild import replay as replay_service

        return asyncio.run(replay_service(args.service))
    if args.command == "status":
        from .status import status

        return asyncio.run(status())
    if args.command == "nats-config":
        from .natsauth import authorization, render

        text = render(authorization())
        sys.stdout.write(text) if args.out == "-" else Path(args.out).write_text(text)
        return OK
    if args.command == "manifests":
        from .manifests import write

        for path in write(args.root):
            print(f"wrote {path}")
        return OK
    if args.command == "seed":
        return _seed(args.url)
    if args.command == "secrets":
        from .natsauth import fresh_environment

        print("\n".join(f"{key}={value}" for key, value in fresh_environment().items()))
        return OK
    if args.command == "db-secrets":
        return _db_secrets(args.env_file)
    if args.command == "integrator":
        from .integrators import command

        return command(args)
    if args.command == "erase":
        from .operator import erase_person

        return erase_person(args.person_id, args.basis)
    from contracts.asyncapi import document

    Path(args.out).write_text(json.dumps(document(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return OK


def operator_nats_url() -> str:
    """The local stack's NATS URL (the operator's), if one runs."""
    from .stack import operator_environment

    return operator_environment().get("NATS_URL", "")


def _grant(database_url: str, create: bool) -> int:
    """Gives each service its own role on its own schema (dbroles); an exit code."""
    from .dbroles import MissingRoles, grant_roles, passwords_from
    from .stack import MIGRATED

    try:
        grant_roles(database_url, MIGRATED, passwords_from(os.environ, MIGRATED), create=create)
    except MissingRoles as e:
        print(e, file=sys.stderr)
        return UNAVAILABLE
    print("roles " + ("made and granted" if create else "granted"))
    return OK


def _db_secrets(env_file: Path) -> int:
    """Prints each service's database role Secret from a `.env`; an exit code."""
    from .manifests import role_secrets_yaml

    try:
        sys.stdout.write(role_secrets_yaml(env_file.read_text()))
    except KeyError as e:
        print(f"{env_file}: {e.args[0]}", file=sys.stderr)
        return USAGE
    return OK


def _setting(name: str, default: int) -> int:
    """A whole number from the environment (the deployment's ConfigMap or .env), else the default (0: the kit's)."""
    return int(os.environ.get(name) or default)


def _streams(nats_url: str, keep: bool, replicas: int, max_gib: int) -> int:
    """Makes the streams (and, with `keep`, keeps them) as the operator; an exit code."""
    from .streamkeeper import run as keep_streams

    try:
        done = asyncio.run(keep_streams(nats_url, keep, replicas, max_gib))
    except KeyboardInterrupt:
        return OK
    for name, what in done.items():
        print(f"{name}: {what}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
