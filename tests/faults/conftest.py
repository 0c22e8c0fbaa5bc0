"""Fixtures of the fault tests: a PostgreSQL of the test's own, which it may stop and crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from profset.servers import PostgresServer
from profset.stack import migrate_all


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    """A migrated PostgreSQL cluster for one test only: stopping or killing it harms no other test."""
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    migrate_all(server.url)
    yield server
    server.stop("immediate")
