"""The audits schema: its ledger, its own read models, and the facts it learns from registry and contacts."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, MetaData, Table, Text
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

released = Table(
    "released",
    metadata,
    Column("officer_id", Text, primary_key=True, comment="A post held by a released (full-time) official (T1)"),
)

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
    Column("format", Text, nullable=False, server_default="print", comment="print or electronic; P11 adds them up"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("at", Date, nullable=False),
    Column("parent_id", Text, comment="The org it went to (T3: a territorial org keeps its primary orgs' bases)"),
    Index("submissions_by_org", "org_id", "at"),
)

print_runs = Table(
    "print_runs",
    metadata,
    Column("print_run_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("copies", Integer, nullable=False),
    Index("print_runs_by_org", "org_id", "on"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("meeting_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("chair_spoke", Boolean, nullable=False),
    Index("meetings_by_org", "org_id", "on"),
)

grants = Table(
    "grants",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("to_org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Contacts ledger position of the grant"),
    Column("org_id", Text, nullable=False, index=True),
    Column("since", Date, nullable=False),
    Column("until", Date, comment="First day without access, once revoked"),
)

contact_points = Table(
    "contact_points",
    metadata,
    Column("contact_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("consent_from", Date, comment="Personal addresses: usable from the consent's date"),
    Column("consent_until", Date, comment="…until the day it was withdrawn"),
    Column("gone", Boolean, nullable=False, server_default="false", comment="Erased or merged into another"),
)

CONTACTS_MIRROR = (resources, refreshes, subscriptions, submissions, print_runs, meetings, grants, contact_points)
"""What the `contacts-facts` projection builds: emptied with its checkpoint when a migration needs a replay."""
MIRROR = (TREE.orgs, TREE.parents, headcounts, posts, trainings, budgets, released, *CONTACTS_MIRROR)

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
    Column("desk_review_id", Text, index=True, comment="The CC's desk review it belongs to (C1), if any"),
)

desk_reviews = Table(
    "desk_reviews",
    metadata,
    Column("desk_review_id", Text, primary_key=True),
    Column("by_org_id", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("orgs", Integer, nullable=False),
    Index("desk_reviews_by_year", "by_org_id", "year", unique=True),
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

reviews = Table(
    "reviews",
    metadata,
    Column("review_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("body", Text, nullable=False),
    Column("decision", Text),
)

READ_MODELS = (audits, findings, remediation, plans, reviews, desk_reviews)
"""What the audits service's own events build; a rebuild empties these and replays its ledger."""
