"""The gateway's schema: its ledger (accounts are events too) and the accounts read model."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text

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
)
