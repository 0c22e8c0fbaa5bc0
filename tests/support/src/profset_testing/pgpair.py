"""The failover tests' PostgreSQL: a primary and its synchronous standby (`profset.pgpair`), every schema migrated and
every service's role granted through the pair's multi-host URI (what a failover lost or doubled: `settling`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from profset.pgpair import PostgresPair


@pytest.fixture
def pg_pair(tmp_path: Path) -> Iterator[PostgresPair]:
    """A primary and a synchronous standby of the test's own, migrated (roles too) through the pair's URL: killing the
    primary harms no other test."""
    from profset.stack import migrate_all

    pair = PostgresPair(tmp_path / "pg")
    pair.start()
    migrate_all(pair.url, roles=True)
    yield pair
    pair.stop()
