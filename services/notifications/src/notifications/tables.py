"""The notifications schema: its ledger, the outbox of what is to be sent, and what it learns from others."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, Table, Text

from kit.store import Ledger
from mirrors.factmirror import post_table
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="notifications")
ledger = Ledger(metadata)
TREE = tree_tables(metadata)

# who holds which post where, as the other consumers of the registry keep it; NULL recording times before 0004
posts = post_table(metadata)

parties = Table(
    "parties",
    metadata,
    Column("party_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False, comment="An organisation's address, not a person's"),
)

materials = Table(
    "materials",
    metadata,
    Column("material_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("body", Text, nullable=False),
)

channels = Table(
    "channels",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("since", Date, nullable=False),
    Column("closed_on", Date),
    Column("last_refreshed", Date),
)

submissions = Table(
    "submissions",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("last_at", Date, nullable=False, comment="The newest contact-base submission's date"),
)

audited = Table(
    "audited",
    metadata,
    Column("by_org_id", Text, primary_key=True, comment="The auditing org"),
    Column("org_id", Text, primary_key=True, comment="The audited org"),
    Column("last_on", Date, nullable=False, comment="The newest completed audit's date"),
)
"""From AUDITS: when each org last audited each of its children (T1, C1)."""

quarter_plans = Table(
    "quarter_plans",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("quarter", Text, primary_key=True),
    Column("reported", Boolean, nullable=False, server_default="false"),
)
"""From AUDITS: which quarters each org has planned and reported on (P8)."""

moderation = Table(
    "moderation",
    metadata,
    Column("material_id", Text, primary_key=True),
    Column("moderator_id", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided", Boolean, nullable=False, server_default="false"),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("delivery_id", Text, primary_key=True),
    Column("material_id", Text, nullable=False),
    Column("org_id", Text, nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged", Boolean, nullable=False, server_default="false"),
    Index("acknowledgements_open", "acknowledged", "delivered_at"),
    Index("acknowledgements_by_org", "org_id", "delivered_at"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("mode", Text, nullable=False),
    Column("digest_hour", Integer, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("notification_id", Text, primary_key=True),
    Column("trigger", Text, nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("recipient_kind", Text, nullable=False),
    Column("channel", Text, nullable=False, server_default="email", comment="email or chat"),
    Column("org_id", Text),
    Column("material_id", Text),
    Column("subject", Text, comment="A reminder's subject (a material's letter is made from the material)"),
    Column("text", Text, comment="A reminder's text"),
    Column("status", Text, nullable=False, comment="pending, sent or failed"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("traceparent", Text, comment="The W3C traceparent of the event that planned it, its send's parent; NULL when none"),
    Index("outbox_due", "status", "next_attempt_at"),
    Index("outbox_by_org", "org_id", "created_at"),
)
