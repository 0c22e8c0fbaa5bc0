"""The local stack: servers, migrations and every service as a process, as `make run` starts them."""

from __future__ import annotations

SERVICES = ("registry",)
"""Services with a schema, a ledger and a process of their own, in start order."""

MIGRATED = (*SERVICES, "gateway")


def migrate_all(database_url: str) -> None:
    """Brings every schema up to its newest migration."""
    from kit.migrate import upgrade

    for package in MIGRATED:
        try:
            __import__(f"{package}.migrations")
        except ModuleNotFoundError:
            continue
        upgrade(package, database_url)
