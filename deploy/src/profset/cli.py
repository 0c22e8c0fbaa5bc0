"""`profset`: the operator's command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Parses the command and runs it."""
    parser = argparse.ArgumentParser(prog="profset", description="Operate a Profset stack.")
    sub = parser.add_subparsers(dest="command", required=True)
    stack = sub.add_parser("stack", help="run the local stack").add_subparsers(dest="action", required=True)
    up = stack.add_parser("up", help="start servers, migrate, seed the demo, start every service")
    up.add_argument("--background", action="store_true", help="return once the gateway answers")
    stack.add_parser("down", help="stop a running stack and its servers")
    migrate = sub.add_parser("migrate", help="bring every schema to its newest migration")
    migrate.add_argument("--database-url", help="default: DATABASE_URL")
    load = sub.add_parser("import", help="load a union from CSV files (orgs, headcounts, officers, members)")
    load.add_argument("folder", type=Path, help="holds orgs.csv, headcounts.csv, officers.csv, members.csv")
    rebuild = sub.add_parser("rebuild", help="rebuild a service's read models from its ledger")
    rebuild.add_argument("service", choices=["registry", "kpi"])
    erase = sub.add_parser("erase", help="erase a person's personal data (PD1), recording the basis")
    erase.add_argument("person_id")
    erase.add_argument("--basis", required=True, help="on what basis, for the record")
    asyncapi = sub.add_parser("asyncapi", help="write the AsyncAPI 3 document")
    asyncapi.add_argument("out", nargs="?", default="asyncapi.json")
    args = parser.parse_args(argv)

    if args.command == "stack":
        from . import stack as local

        return local.up(args.background) if args.action == "up" else local.down()
    if args.command == "migrate":
        import os

        from .stack import migrate_all

        url = args.database_url or os.environ.get("DATABASE_URL")
        if not url:
            parser.error("give --database-url or set DATABASE_URL")
        migrate_all(url)
        print("migrated")
        return 0
    if args.command == "import":
        from .operator import import_union

        return import_union(args.folder)
    if args.command == "rebuild":
        from .operator import rebuild_kpi, rebuild_registry

        return rebuild_kpi() if args.service == "kpi" else rebuild_registry()
    if args.command == "erase":
        from .operator import erase_person

        return erase_person(args.person_id, args.basis)
    if args.command == "asyncapi":
        from contracts.asyncapi import document

        Path(args.out).write_text(json.dumps(document(), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
