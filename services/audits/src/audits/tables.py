"""The audits schema: its ledger, its own read models, and the facts it learns from registry and contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from kit.store import Ledger
from mirrors.contactpoints import contact_point_table
from mirrors.factmirror import RECORDED, fact_tables
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="audits")
ledger = Ledger(metadata)

# --- facts from the registry (REGISTRY stream) -----------------------------------------------------

TREE = tree_tables(metadata)


def recorded(name: str = "recorded_at", what: str = RECORDED) -> Column[Any]:
    """A recording time: `known_on` counts a row, or an in-place change, only if recorded by then (the row's own
    time is always known; a change's is NULL until it is made)."""
    return Column(name, DateTime(timezone=True), nullable=name != "recorded_at", comment=what)


FACTS = fact_tables(metadata)
headcounts, posts, trainings, budgets = FACTS.headcounts, FACTS.posts, FACTS.trainings, FACTS.budgets

released = Table(
    "released",
    metadata,
    Column("officer_id", Text, primary_key=True, comment="A post held by a released (full-time) official (T1)"),
    recorded(),
    comment="Posts of released officials, with the assignment's recording time",
)

erasures = Table(
    "erasures",
    metadata,
    Column("person_id", Text, primary_key=True, comment="A person erased (PD1): their addresses never count (C2)"),
    recorded(),
    comment="People erased, with the erasure's recording time",
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
    recorded(),
    recorded("closed_recorded_at", "When the closure was recorded (a resource closes once)"),
    comment="One row per information resource: its opening and its closure, each with its recording time",
)

refreshes = Table(
    "refreshes",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("at", Date, nullable=False),
    recorded(),
    Index("refreshes_by_org", "org_id", "at"),
    comment="Every refresh of a resource, with its recording time",
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
    recorded(),
    comment="Every subscription report, by contacts position: the latest recorded by `known_on` per edition and format",
)

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("at", Date, nullable=False),
    Column("parent_id", Text, comment="The org it went to (T3: a territorial org keeps its primary orgs' bases)"),
    recorded(),
    Index("submissions_by_org", "org_id", "at"),
    comment="Every contact-base submission, with its recording time",
)

print_runs = Table(
    "print_runs",
    metadata,
    Column("print_run_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("copies", Integer, nullable=False),
    recorded(),
    Index("print_runs_by_org", "org_id", "on"),
    comment="Every print run (P2), with its recording time",
)

meetings = Table(
    "meetings",
    metadata,
    Column("meeting_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("chair_spoke", Boolean, nullable=False),
    recorded(),
    Index("meetings_by_org", "org_id", "on"),
    comment="Every information meeting (P7), with its recording time",
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
    recorded(),
    recorded("until_recorded_at", "When the revocation was recorded (a grant is revoked once)"),
    comment="Every access grant, by contacts position: its grant and its revocation, each with its recording time",
)

contact_points = contact_point_table(metadata)

CONTACTS_MIRROR = (resources, refreshes, subscriptions, submissions, print_runs, meetings, grants, contact_points)
"""What the `contacts-facts` projection builds: emptied with its checkpoint when a migration needs a replay."""
MIRROR = (TREE.orgs, TREE.parents, headcounts, posts, trainings, budgets, released, erasures, *CONTACTS_MIRROR)

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
    recorded(what="When the audit was scheduled"),
    recorded("started_recorded_at", "When its start was recorded"),
    recorded("completed_recorded_at", "When its completion was recorded"),
    Index("audits_by_plan", "planned_on", "audit_id"),  # the list's pages: newest plan first, ties by id (issue 32)
    comment="One row per audit (each step comes once), each step with its recording time in the audits ledger",
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
    recorded(what="When it was planned"),
    Index("desk_reviews_by_year", "by_org_id", "year", unique=True),
    comment="The CC's desk reviews (C1), with their recording times",
)

findings = Table(
    "findings",
    metadata,
    Column("finding_id", Text, primary_key=True),
    Column("audit_id", Text, nullable=False, index=True),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("note", Text, nullable=False),
    recorded(what="When it was recorded in the audits ledger"),
    comment="Every finding, with its recording time",
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
    recorded(what="When it was assigned"),
    recorded("closed_recorded_at", "When its closing was recorded"),
    Index("remediation_by_due", "due_on", "item_id"),  # the list's pages: by deadline, ties by id (issue 32)
    comment="One row per remediation item (closed once), each step with its recording time",
)

plans = Table(
    "plans",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("quarter", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="Audits ledger position of the event that left it so"),
    Column("submitted_on", Date, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("reported_on", Date),
    Column("summary", Text),
    recorded(what="When that event was recorded"),
    comment="An org's plan for a quarter as each of its events left it (a plan is replaced, a report given again): "
    "the latest recorded by `known_on` stands",
)


reviews = Table(
    "reviews",
    metadata,
    Column("review_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("body", Text, nullable=False),
    Column("decision", Text),
    recorded(what="When it was recorded in the audits ledger"),
    comment="The CC's reviews of information work (C1), with their recording times",
)

READ_MODELS = (audits, findings, remediation, plans, reviews, desk_reviews)
"""What the audits service's own events build; a rebuild empties these and replays its ledger."""
