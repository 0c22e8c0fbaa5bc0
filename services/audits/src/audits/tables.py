"""The audits schema: its ledger, its own read models, and the facts it learns from registry and contacts."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from kit.factmirror import fact_tables
from kit.store import Ledger
from kit.treemirror import tree_tables

metadata = MetaData(schema="audits")
ledger = Ledger(metadata)

# --- facts from the registry (REGISTRY stream) -----------------------------------------------------

TREE = tree_tables(metadata)

FACTS = fact_tables(metadata)
headcounts, posts, trainings, budgets = FACTS.headcounts, FACTS.posts, FACTS.trainings, FACTS.budgets

# --- facts from contacts (CONTACTS stream) ----------------------------------------------------------

resources = Table(
    "resources",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("since", Date, nullable=False),
    Column("closed_on", Date),
)

refreshes = Table(
    "refreshes",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("at", Date, nullable=False),
    Index("refreshes_by_org", "org_id", "at"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("publication", Text, nullable=False),
    Column("copies", Integer, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("at", Date, nullable=False),
    Index("submissions_by_org", "org_id", "at"),
)

MIRROR = (TREE.orgs, TREE.parents, headcounts, posts, trainings, budgets, resources, refreshes, subscriptions, submissions)

# --- its own read models (inline) ---------------------------------------------------------------------

audits = Table(
    "audits",
    metadata,
    Column("audit_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("by_org_id", Text, nullable=False, index=True),
    Column("planned_on", Date, nullable=False),
    Column("started_on", Date),
    Column("completed_on", Date),
    Column("score", Integer),
    Column("checklist", JSONB),
)

findings = Table(
    "findings",
    metadata,
    Column("finding_id", Text, primary_key=True),
    Column("audit_id", Text, nullable=False, index=True),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("note", Text, nullable=False),
)

remediation = Table(
    "remediation",
    metadata,
    Column("item_id", Text, primary_key=True),
    Column("audit_id", Text, nullable=False, index=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("finding_id", Text),
    Column("action", Text, nullable=False),
    Column("owner_role", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("note", Text),
)

plans = Table(
    "plans",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("quarter", Text, primary_key=True),
    Column("submitted_on", Date, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("reported_on", Date),
    Column("summary", Text),
)

READ_MODELS = (audits, findings, remediation, plans)
"""What the audits service's own events build; a rebuild empties these and replays its ledger."""
