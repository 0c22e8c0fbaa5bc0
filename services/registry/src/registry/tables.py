"""The registry's schema: its ledger and its read models, each row carrying its valid and recording time."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, MetaData, Table, Text

from kit.store import Ledger

metadata = MetaData(schema="registry")
ledger = Ledger(metadata)

orgs = Table(
    "orgs",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("level", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("dissolved_on", Date),
    Column("dissolution_reason", Text),
    Column("dissolution_recorded_at", DateTime(timezone=True)),
)

org_names = Table(
    "org_names",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("name", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("org_names_lookup", "org_id", "effective_on"),
)

org_parents = Table(
    "org_parents",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("parent_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("org_parents_lookup", "org_id", "effective_on"),
)

headcounts = Table(
    "headcounts",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("members", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("headcounts_lookup", "org_id", "as_of"),
)
