"""The contacts schema: its ledger, its own read models, and its copy of what the registry publishes."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, Table, Text

from kit.store import Ledger
from mirrors.factmirror import headcount_table, post_table
from mirrors.membership import membership_table
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="contacts")
ledger = Ledger(metadata)

# --- the registry, as this service knows it (from the REGISTRY stream) ---------------------------

TREE = tree_tables(metadata)
orgs, org_parents = TREE.orgs, TREE.parents

PEOPLE_ORG = "The org that recorded the person; a member belongs where member_orgs puts them today"
people = Table(
    "people",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, comment=PEOPLE_ORG),
    Column("erased_at", DateTime(timezone=True)),
)

member_orgs = membership_table(metadata)

# the registry's posts and headcounts, as the other consumers keep them
posts, headcounts = post_table(metadata), headcount_table(metadata)

MIRROR = (orgs, org_parents, people, member_orgs, posts, headcounts)

# --- its own read models (inline) ----------------------------------------------------------------

RECORDED_UNDER = "The owner's org when the address was recorded: a record, never who may see it (that is today's)"
contact_points = Table(
    "contact_points",
    metadata,
    Column("contact_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False, index=True),
    Column("org_id", Text, nullable=False, index=True, comment=RECORDED_UNDER),
    Column("kind", Text, nullable=False),
    Column("value", Text, comment="Sealed with the contact point's own key; null once erased"),
    Column("digest", Text, index=True, comment="Keyed digest of the normalised value, to find duplicates"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("consent_since", Date),
    Column("consent_method", Text),
    Column("withdrawn_on", Date),
    Column("merged_into", Text),
    Column("erased_at", DateTime(timezone=True)),
)

channels = Table(
    "channels",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text),
    Column("audience", Text, nullable=False),
    Column("since", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("closed_on", Date),
    Column("closure_reason", Text),
    Column("closed_recorded_at", DateTime(timezone=True)),
)

refreshes = Table(
    "refreshes",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("at", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

channel_stats = Table(
    "channel_stats",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("period", Text, nullable=False),
    Column("subscribers", BigInteger),
    Column("visits", BigInteger),
    Column("engagement", BigInteger),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("publication", Text, nullable=False),
    Column("copies", Integer, nullable=False),
    Column("format", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("parent_id", Text),
    Column("at", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

ENTRY_ORG = "Whose post it is: the submitting org, or (T7) one of a territorial org's primary orgs"
submission_entries = Table(
    "submission_entries",
    metadata,
    Column("submission_id", Text, primary_key=True),
    Column("org_id", Text, primary_key=True, comment=ENTRY_ORG),
    Column("contact_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("kind", Text, nullable=False),
)

print_runs = Table(
    "print_runs",
    metadata,
    Column("print_run_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("copies", Integer, nullable=False),
    Column("material_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("print_runs_by_org", "org_id", "on"),
    comment="Printed agitation material (P2), by the day it was printed",
)

meetings = Table(
    "meetings",
    metadata,
    Column("meeting_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False),
    Column("on", Date, nullable=False),
    Column("topic", Text, nullable=False),
    Column("attendees", Integer, nullable=False),
    Column("chair_spoke", Boolean, nullable=False),
    Column("elected_body_spoke", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("meetings_by_org", "org_id", "on"),
    comment="Information meetings of members (P7), by the day they were held",
)

channel_access = Table(
    "channel_access",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment="The grant's ledger position"),
    Column("org_id", Text, nullable=False, index=True, comment="The org whose channel it is"),
    Column("to_org_id", Text, nullable=False, index=True, comment="The org given access"),
    Column("since", Date, nullable=False),
    Column("until", Date, comment="First day without access; null: still so"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("revoked_recorded_at", DateTime(timezone=True)),
    comment="Access an org gave to its channels (P10: the parent; T7: the CC's department), one row per grant",
)

import_refs = Table(
    "import_refs",
    metadata,
    Column("kind", Text, primary_key=True, comment="channels or contact_points"),
    Column("ref", Text, primary_key=True, comment="The row's key in the source system"),
    Column("id", Text, nullable=False, comment="What it became here"),
)
"""Which source rows an import already brought in, written with their events, so a re-run skips them."""

READ_MODELS = (
    contact_points,
    channels,
    refreshes,
    channel_stats,
    subscriptions,
    submissions,
    submission_entries,
    print_runs,
    meetings,
    channel_access,
)
"""What the contacts service's own events build; a rebuild empties these and replays its ledger."""
