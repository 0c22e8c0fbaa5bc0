"""A PostgreSQL role per service that can touch only its own schema (one key, one holder): the operator migrates as
the owner, then each service connects as `profset_<service>`, which may read and write its own tables and nothing
else. The local stack and the tests make the roles without passwords (the local server trusts its socket);
docker-compose makes them with each service's own password (`<SERVICE>_DB_PASSWORD`); on Kubernetes CloudNativePG
makes them (the Cluster's managed roles) and the migration only grants (docs/operations.md)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"
SEQUENCE_RIGHTS = "USAGE, SELECT, UPDATE"


class MissingRoles(Exception):
    """Roles that should have been made elsewhere (CloudNativePG's managed roles) are not there (yet)."""


def role_of(service: str) -> str:
    """The role a service connects as."""
    return f"profset_{service}"


def password_setting(service: str) -> str:
    """The setting (a key of `.env`) that holds a service's database password: `<SERVICE>_DB_PASSWORD`."""
    return f"{service.upper()}_DB_PASSWORD"


def passwords_from(environ: Mapping[str, str], services: tuple[str, ...]) -> dict[str, str]:
    """The services' database passwords given in `environ` (`<SERVICE>_DB_PASSWORD`); a service without one is left out."""
    return {service: environ[password_setting(service)] for service in services if environ.get(password_setting(service))}


def as_role(database_url: str, service: str) -> str:
    """The same libpq URI (naming one server or several), logging in as the service's role (no password: the local
    server trusts its socket)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role_of(service)}@{host}"))


def grant_roles(
    database_url: str, services: tuple[str, ...], passwords: Mapping[str, str] | None = None, create: bool = True
) -> None:
    """Gives each service's role its own schema's tables and sequences, and no other, as the schemas' owner: now and
    for what later migrations make. With `create`, first makes each role that is missing (LOGIN) and sets the password
    `passwords` names for it (none given: the role keeps what it has); without, the roles must exist (made by
    CloudNativePG) and `MissingRoles` says which do not."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        missing = [role_of(s) for s in services if not _exists(conn, role_of(s))]
        if missing and not create:
            raise MissingRoles(f"no such roles yet: {', '.join(missing)} (the cluster's managed roles make them)")
        for service in services:
            role = sql.Identifier(role_of(service))
            if role_of(service) in missing:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            if create and passwords and service in passwords:
                _set_password(conn, role_of(service), passwords[service])
            _grant(conn, service, role)


def _exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _set_password(conn: psycopg.Connection, role: str, password: str) -> None:
    """Sets the role's password as a SCRAM-SHA-256 verifier made here, so the password itself never reaches the server
    (nor its statement log), as `psql`'s \\password does."""
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
    conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))


def _grant(conn: psycopg.Connection, schema_name: str, role: sql.Identifier) -> None:
    schema = sql.Identifier(schema_name)
    tables, sequences = sql.SQL(TABLE_RIGHTS), sql.SQL(SEQUENCE_RIGHTS)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    conn.execute(sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {} TO {}").format(tables, schema, role))
    conn.execute(sql.SQL("GRANT {} ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sequences, schema, role))
    # tables a later migration makes (as this same owner) are the role's too, should nobody grant again after it
    conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON TABLES TO {}").format(schema, tables, role))
    conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON SEQUENCES TO {}").format(schema, sequences, role))
