"""Each service's own PostgreSQL role: made with its own password (compose) or only granted (CloudNativePG makes it),
and given its own schema, now and for tables later migrations make (real PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from profset.dbroles import MissingRoles, as_role, grant_roles, password_setting, passwords_from, role_of
from profset.servers import PostgresServer
from profset.stack import MIGRATED


def scram_holds(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (pg_authid.rolpassword) was made from `password`."""
    method, _, rest = verifier.partition("$")
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key = keys.partition(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


def stored_password(url: str, role: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
    assert row is not None, f"no role {role}"
    return row[0]  # type: ignore[no-any-return]


def may_read(url: str, role: str, table: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET ROLE "{role}"')
        try:
            conn.execute(f"SELECT count(*) FROM {table}")
        except errors.InsufficientPrivilege:
            return False
    return True


@pytest.fixture
def schemas(database_url: str) -> Iterator[tuple[str, str]]:
    """Two services of this test's own (roles are the whole server's), each with a schema and a table; their roles
    are dropped afterwards."""
    names = (f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}")
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE SCHEMA {name}; CREATE TABLE {name}.events (n bigserial PRIMARY KEY)")
    yield names
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in names:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_of(name),)).fetchone():
                conn.execute(f'DROP OWNED BY "{role_of(name)}"; DROP ROLE "{role_of(name)}"')


def test_each_role_gets_its_own_password_as_a_verifier_and_only_its_own_schema(
    database_url: str, schemas: tuple[str, str]
) -> None:
    mine, other = schemas

    grant_roles(database_url, schemas, passwords={mine: "first-pw"})

    verifier = stored_password(database_url, role_of(mine))
    assert verifier is not None and scram_holds(verifier, "first-pw") and "first-pw" not in verifier
    assert stored_password(database_url, role_of(other)) is None, "no password given: the local stack's socket trust"
    assert may_read(database_url, role_of(mine), f"{mine}.events")
    assert not may_read(database_url, role_of(mine), f"{other}.events")
    assert not may_read(database_url, role_of(other), f"{mine}.events")

    grant_roles(database_url, schemas, passwords={mine: "second-pw"})  # rotation: the next run sets the new one

    verifier = stored_password(database_url, role_of(mine))
    assert verifier is not None and scram_holds(verifier, "second-pw") and not scram_holds(verifier, "first-pw")


def test_a_table_a_later_migration_makes_is_its_services_role_s_without_granting_again(
    database_url: str, schemas: tuple[str, str]
) -> None:
    mine, other = schemas
    grant_roles(database_url, schemas)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {mine}.later (n bigserial PRIMARY KEY)")
    assert may_read(database_url, role_of(mine), f"{mine}.later")
    assert not may_read(database_url, role_of(other), f"{mine}.later")


def test_granting_only_refuses_missing_roles_and_leaves_passwords_to_whoever_made_them(
    database_url: str, schemas: tuple[str, str]
) -> None:
    mine, other = schemas
    with psycopg.connect(database_url, autocommit=True) as conn:  # as CloudNativePG makes a managed role
        conn.execute(f"CREATE ROLE \"{role_of(mine)}\" LOGIN PASSWORD 'from-the-secret'")

    with pytest.raises(MissingRoles, match=role_of(other)):
        grant_roles(database_url, schemas, create=False)
    grant_roles(database_url, (mine,), passwords={mine: "ignored"}, create=False)

    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_of(other),)).fetchone() is None
    verifier = stored_password(database_url, role_of(mine))
    assert verifier is not None and scram_holds(verifier, "from-the-secret")
    assert may_read(database_url, role_of(mine), f"{mine}.events")


def test_passwords_are_read_from_each_services_own_setting() -> None:
    environ = {"REGISTRY_DB_PASSWORD": "r", "CONTACTS_DB_PASSWORD": "", "POSTGRES_PASSWORD": "owner"}
    assert passwords_from(environ, ("registry", "contacts", "kpi")) == {"registry": "r"}
    assert {password_setting(s) for s in MIGRATED} == {f"{s.upper()}_DB_PASSWORD" for s in MIGRATED}


def test_a_service_logs_in_as_its_role_to_every_server_a_multi_host_uri_names() -> None:
    pair = "postgresql://postgres@/profset?host=/pg/a,/pg/b&port=5432,5433&target_session_attrs=read-write"
    assert as_role(pair, "registry") == pair.replace("postgres@", "profset_registry@")
    listed = "postgresql://owner:secret@pg-1:5432,pg-2:5432/profset?target_session_attrs=read-write"
    assert as_role(listed, "kpi") == "postgresql://profset_kpi@pg-1:5432,pg-2:5432/profset?target_session_attrs=read-write"


def test_profset_migrate_makes_or_only_grants_every_services_role(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL") and not k.endswith("_DB_PASSWORD")}
        env |= {"PROFSET_DATA": str(tmp_path / "none")}

        def migrate(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", "profset", "migrate", "--database-url", server.url, *args]
            return subprocess.run(command, env=env | extra, capture_output=True, text=True, timeout=300, check=False)

        refused = migrate("--roles", "grant")
        made = migrate("--roles", "create", **{password_setting(s): f"{s}-pw" for s in MIGRATED})
        granted = migrate("--roles", "grant")

        assert refused.returncode == 3 and all(role_of(s) in refused.stderr for s in MIGRATED), refused.stderr
        assert made.returncode == 0 and granted.returncode == 0, made.stderr + granted.stderr
        for service in MIGRATED:
            verifier = stored_password(server.url, role_of(service))
            assert verifier is not None and scram_holds(verifier, f"{service}-pw"), service
            assert may_read(server.url, role_of(service), f"{service}.alembic_version"), service
        assert not may_read(server.url, role_of("registry"), "gateway.alembic_version")
    finally:
        server.stop("immediate")
