"""The appeals schema: its ledger, its own read models, and its copy of the registry's tree, memberships and posts."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, Table, Text

from kit.store import Ledger
from mirrors.factmirror import post_table
from mirrors.membership import membership_table
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="appeals")
ledger = Ledger(metadata)

# --- the registry, as this service knows it (from the REGISTRY stream) ---------------------------

TREE = tree_tables(metadata)

people = Table(
    "people",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, comment="The org that recorded the person"),
    Column("erased_at", DateTime(timezone=True), comment="When the registry recorded the person's erasure (PD1)"),
)

member_orgs = membership_table(metadata)

posts = post_table(metadata)
"""Who holds which post of an org from when to when: an appeal is given only to a post somebody holds."""

# --- its own read models (inline) ----------------------------------------------------------------

situations = Table(
    "situations",
    metadata,
    Column("situation_id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("topics", JSON, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("level", Text, nullable=False),
    Column("answer_within_hours", Integer, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
    comment="The catalogue of life situations the CC keeps (D1)",
)

SEALED = "Sealed with the member's key; unreadable once the member is erased (PD1)"
appeals = Table(
    "appeals",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False, index=True),
    Column("org_id", Text, nullable=False, comment="The org that holds it now"),
    Column("filed_org_id", Text, nullable=False, comment="The org it was filed to"),
    Column("member_org_id", Text, nullable=False, comment="The member's org when filed"),
    Column("situation_id", Text, nullable=False),
    Column("text", Text, comment=SEALED),
    Column("received_by", Text, nullable=False),
    Column("state", Text, nullable=False, comment="open, answered or closed"),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("first_due_at", DateTime(timezone=True), nullable=False, comment="Due time set at filing (K7's on time)"),
    Column("due_at", DateTime(timezone=True), nullable=False, comment="Due time at the org that holds it now"),
    Column("first_answer_at", DateTime(timezone=True)),
    Column("first_answer_org_id", Text),
    Column("closed_at", DateTime(timezone=True)),
    Column("outcome", Text),
    Column("post", Text, comment="The post of the holding org it is assigned to; null until assigned or once escalated"),
    Index("appeals_by_org", "org_id", "state"),
    Index("appeals_newest_by_org", "org_id", "filed_at", "appeal_id"),  # an org's list a page at a time (issue 32)
    Index("appeals_waiting", "due_at", postgresql_where="first_answer_at IS NULL AND state = 'open'"),
)

answers = Table(
    "answers",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Ledger position"),
    Column("org_id", Text, nullable=False),
    Column("text", Text, comment=SEALED),
    Column("answered_by", Text, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Ledger position"),
    Column("from_org_id", Text, nullable=False),
    Column("to_org_id", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Ledger position"),
    Column("org_id", Text, nullable=False),
    Column("post", Text, nullable=False),
    Column("assigned_by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    comment="Which post of the holding org an appeal was given to, and when",
)

questions = Table(
    "questions",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Ledger position"),
    Column("org_id", Text, nullable=False),
    Column("text", Text, comment=SEALED),
    Column("asked_by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    comment="What the union asked the member to add",
)

replies = Table(
    "replies",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Ledger position"),
    Column("org_id", Text, nullable=False),
    Column("text", Text, comment=SEALED),
    Column("at", DateTime(timezone=True), nullable=False),
    comment="What the member added to their appeal in the portal",
)

parked = Table(
    "parked_escalations",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("error", Text, nullable=False, comment="Why it could not be escalated (never personal data)"),
    Column("parked_at", DateTime(timezone=True), nullable=False),
    comment="Overdue appeals the escalator could not escalate; the others go on, and these are tried again once cleared",
)

READ_MODELS = (situations, appeals, answers, escalations, assignments, questions, replies)
"""What the appeals service's own events build; a rebuild empties these and replays its ledger."""
