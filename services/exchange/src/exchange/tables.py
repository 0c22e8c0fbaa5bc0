"""The exchange schema: its ledger, its read models, and its copy of the registry's tree."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, Index, Integer, LargeBinary, MetaData, Table, Text

from kit.store import Ledger
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="exchange")
ledger = Ledger(metadata)
TREE = tree_tables(metadata)

MODERATION = "none, pending, approved, rejected, under_review (published, awaiting review), confirmed or taken_down"
DECISIONS = "requested, approved, rejected, published (for review after publication), confirmed or taken_down"

materials = Table(
    "materials",
    metadata,
    Column("material_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("topics", JSON, nullable=False),
    Column("newsworthy", Boolean, nullable=False),
    Column("needs_support", Text),
    Column("for_publication", Boolean, nullable=False),
    Column("campaign", Boolean, nullable=False),
    Column("received_from", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("moderation", Text, nullable=False, comment=MODERATION),
    Column("moderator_id", Text),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("materials_by_org", "org_id", "drafted_at", "material_id"),  # an org's materials a page at a time, newest first
)

decisions = Table(
    "decisions",
    metadata,
    Column("material_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("decision", Text, nullable=False, comment=DECISIONS),
    Column("moderator_id", Text),
    Column("reason", Text),
    Column("decided_by", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", Text, primary_key=True),
    Column("material_id", Text, nullable=False),
    Column("org_id", Text, nullable=False),
    Column("recipient_kind", Text, nullable=False),
    Column("from_org_id", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("cascade_id", Text),
    Column("held", Boolean, nullable=False),
    Column("print_sheet", Boolean, nullable=False, server_default="false", comment="Asked to print it for the notice board"),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", Text),
    # a page of a material's recipients or of an org's inbox starts after the row (date, id) of the page before
    Index("deliveries_by_material", "material_id", "delivered_at", "org_id"),
    Index("deliveries_by_org", "org_id", "delivered_at", "material_id"),
)

cascade_runs = Table(
    "cascade_runs",
    metadata,
    Column("run_id", Text, primary_key=True, comment="The cascade id, or `<cascade id>@<org>` for a release"),
    Column("cascade_id", Text, nullable=False),
    Column("material_id", Text, nullable=False),
    Column("from_org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("to", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("targets", Integer, comment="Orgs the run is for, held ones included"),
    Column("waiting", Integer, comment="Of which held back for review"),
    Column("finished_at", DateTime(timezone=True)),
    Column("print_sheets", Boolean, nullable=False, server_default="false", comment="Primary orgs are asked to print it"),
)

policies = Table(
    "policies",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("hold_for_review", Boolean, nullable=False),
    Column("moderates_publications", Boolean, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("party_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("org_id", Text),
)

participation = Table(
    "participation",
    metadata,
    Column("material_id", Text, primary_key=True),
    Column("org_id", Text, primary_key=True),
    Column("on_site", Integer, nullable=False),
    Column("online", Integer, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("attachment_id", Text, primary_key=True),
    Column("material_id", Text, nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("data", LargeBinary, nullable=False, comment="The bytes, written with the event that names them"),
)

postings = Table(
    "postings",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("material_id", Text, primary_key=True),
    Column("channel_id", Text, primary_key=True),
    Column("posted_on", Date, primary_key=True),
    Column("position", BigInteger, nullable=False, comment="The contacts ledger position of the refresh"),
    comment="Sheets of materials posted on orgs' notice boards: contacts' channel refreshes naming a material (P1)",
)

READ_MODELS = (materials, decisions, deliveries, cascade_runs, policies, parties, participation)
"""What the exchange's own events build (attachments hold bytes no event carries, so a rebuild keeps them)."""
