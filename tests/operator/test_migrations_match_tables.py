"""Every service's migrations build exactly the tables its code declares: a drift would fail only in production."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from kit.db import sqlalchemy_url
from profset.stack import MIGRATED


@pytest.mark.parametrize("package", MIGRATED)
def test_the_migrated_schema_equals_the_declared_tables(package: str, database_url: str) -> None:
    metadata = importlib.import_module(f"{package}.tables").metadata
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _parent: _ours(name, type_, metadata.schema),
                "compare_type": True,
            },
        )
        drift = compare_metadata(context, metadata)
    engine.dispose()
    assert drift == [], f"{package}: migrations and tables.py differ: {drift}"


def _ours(name: str | None, type_: str, schema: str | None) -> bool:
    """The service's own schema, less Alembic's version table."""
    if type_ == "schema":
        return name == schema
    return not (type_ == "table" and name == "alembic_version")
