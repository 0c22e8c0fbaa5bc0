"""Alembic migrations of a service's schema: one helper for each service's env.py, one to run them."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text

from .db import sqlalchemy_url
from .locks import lock_key


def run_env(metadata: MetaData) -> None:
    """The body of a service's `migrations/env.py`: migrate its own schema only, one migrator at a time."""
    schema = metadata.schema
    assert schema, "a service's MetaData names its schema"
    url = str(context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url"))
    engine = create_engine(sqlalchemy_url(url))
    lock = lock_key("migrate", schema)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=conn,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        context.run_migrations()
    engine.dispose()


def config(package: str, database_url: str) -> Config:
    """The Alembic configuration of a service package (`<package>/migrations`)."""
    folder = Path(importlib.import_module(package).__file__ or "").parent / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(package: str, database_url: str) -> None:
    """Brings a service's schema up to its newest migration."""
    command.upgrade(config(package, database_url), "head")
