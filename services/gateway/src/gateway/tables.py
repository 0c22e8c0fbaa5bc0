"""The gateway's schema: its ledger (accounts are events too), the accounts read model, and failed sign-ins."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, PrimaryKeyConstraint, Table, Text

from kit.store import Ledger

metadata = MetaData(schema="gateway")
ledger = Ledger(metadata)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("org_id", Text),
    Column("password_hash", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_set_by", Text),  # who chose the password it has now; null: its creator
    Column("password_changed_at", DateTime(timezone=True)),  # tokens issued before it no longer serve
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("kind", Text, nullable=False),  # `user` or `address`
    Column("key", Text, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("held_until", DateTime(timezone=True)),
    PrimaryKeyConstraint("kind", "key"),
)
"""Wrong passwords per username and per client address, shared by every gateway replica (not events: they are
a guard's working state, forgotten after an hour, not the union's history)."""
