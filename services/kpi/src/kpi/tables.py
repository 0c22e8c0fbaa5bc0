"""The kpi schema: its ledger, its own read models (targets, closed periods, media mentions, feedback times)
and the facts it learns from the registry, contacts and exchange."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, Integer, MetaData, Numeric, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from kit.store import Ledger
from kit.treemirror import tree_tables

metadata = MetaData(schema="kpi")
ledger = Ledger(metadata)
TREE = tree_tables(metadata)
POSITION = "Source ledger position: the later one wins"

# --- own facts, updated inline with each append --------------------------------------------------

targets = Table(
    "targets",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("targets", JSONB, nullable=False, comment="Indicator -> target, decimal strings"),
)

closed_periods = Table(
    "closed_periods",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("closed_on", Date, nullable=False),
    Column("figures", JSONB, nullable=False, comment="The frozen figures of the period.closed event"),
)

media_mentions = Table(
    "media_mentions",
    metadata,
    Column("mention_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("on", Date, nullable=False),
    Column("outlet", Text, nullable=False),
    Column("medium", Text, nullable=False),
    Column("tone", Text, nullable=False),
    Column("cites_leader", Boolean, nullable=False),
    Column("title", Text),
    Column("url", Text),
)

feedback_times = Table(
    "feedback_times",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("answered", Integer, nullable=False),
    Column("average_hours", Numeric(9, 2), nullable=False),
)

READ_MODELS = [targets, closed_periods, media_mentions, feedback_times]
"""What a rebuild empties and fills again from the kpi ledger."""

# --- facts learnt from the registry -------------------------------------------------------------

headcounts = Table(
    "headcounts",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment=POSITION),
    Column("as_of", Date, nullable=False),
    Column("members", Integer, nullable=False),
)

posts = Table(
    "posts",
    metadata,
    Column("officer_id", Text, primary_key=True),
    Column("person_id", Text),
    Column("org_id", Text, index=True),
    Column("role", Text),
    Column("since", Date),
    Column("until", Date),
)

trainings = Table(
    "trainings",
    metadata,
    Column("training_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False),
    Column("org_id", Text, nullable=False, index=True),
    Column("on", Date, nullable=False),
)

budgets = Table(
    "budgets",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("total", Numeric(17, 2), nullable=False),
    Column("information", Numeric(17, 2), nullable=False),
    Column("position", BigInteger, nullable=False, comment=POSITION),
)

# --- facts learnt from contacts -----------------------------------------------------------------

channels = Table(
    "channels",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("org_id", Text, index=True),
    Column("kind", Text),
    Column("audience", Text),
    Column("since", Date),
    Column("closed_on", Date),
)

channel_stats = Table(
    "channel_stats",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("subscribers", BigInteger),
    Column("visits", BigInteger),
    Column("engagement", BigInteger),
    Column("position", BigInteger, nullable=False, comment=POSITION),
)

# --- facts learnt from exchange -----------------------------------------------------------------

acts = Table(
    "acts",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("material_id", Text, primary_key=True),
    Column("kind", Text, primary_key=True, comment="sent_up, cascaded or acknowledged"),
    Column("on", Date, primary_key=True),
)

participation = Table(
    "participation",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("material_id", Text, primary_key=True),
    Column("first_on", Date, nullable=False, comment="The day of the first report: the period it counts in"),
    Column("on_site", Integer, nullable=False),
    Column("online", Integer, nullable=False),
    Column("position", BigInteger, nullable=False, comment=POSITION),
)

LEARNT = {
    "registry": [TREE.orgs, TREE.parents, headcounts, posts, trainings, budgets],
    "contacts": [channels, channel_stats],
    "exchange": [acts, participation],
}
"""The facts learnt from each context, by the name of the consumer (`kpi_<context>`) that learns them."""
