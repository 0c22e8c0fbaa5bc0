"""A PostgreSQL role per service that can touch only its own schema (one key, one holder): the operator migrates as
the owner, then each service connects as `profset_<service>`, which may read and write its own tables and nothing
else. Local stack and tests; a managed cluster creates the roles with its own tooling (docs/operations.md)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def role_of(service: str) -> str:
    """The role a service connects as."""
    return f"profset_{service}"


def as_role(database_url: str, service: str) -> str:
    """The same libpq URI, logging in as the service's role (no password: the local server trusts its socket)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role_of(service)}@{host}"))


def grant_roles(database_url: str, services: tuple[str, ...]) -> None:
    """Creates each service's role if missing and gives it its own schema's tables and sequences, and no other."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        for service in services:
            role, schema = sql.Identifier(role_of(service)), sql.Identifier(service)
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_of(service),)).fetchone() is None:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
            conn.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role)
            )
            conn.execute(sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, role))
