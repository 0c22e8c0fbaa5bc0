"""The gateway's schema: its ledger (accounts are events too), the accounts read model, and failed sign-ins."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text

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
    Column("kind", Text, nullable=False),  # `user`, or `address` / `member_address` (each door counts an address apart)
    Column("key", Text, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("held_until", DateTime(timezone=True)),
    PrimaryKeyConstraint("kind", "key"),
)
"""Wrong passwords per username and per client address, shared by every gateway replica (not events: they are
a guard's working state, forgotten after an hour, not the union's history)."""

sign_in_codes = Table(
    "sign_in_codes",
    metadata,
    Column("code_id", Text, primary_key=True),
    Column("member_key", Text, nullable=False),  # an HMAC of the member number, never the number itself
    Column("address_key", Text, nullable=False),  # an HMAC of the client address that asked
    Column("code_hash", Text, nullable=False),  # an HMAC of the code bound to the member: six digits are easy to guess
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("tries", Integer, nullable=False, server_default="0"),
    Index("sign_in_codes_member", "member_key", "created_at"),
    Index("sign_in_codes_address", "address_key", "created_at"),
)
"""Members' one-time portal codes (a guard's working state like sign-in failures, not the union's history): each
expires, serves once, and takes a few wrong guesses before it is void."""
