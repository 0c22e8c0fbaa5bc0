"""The kpi schema: its ledger, its own read models (targets, closed periods, media mentions, feedback times)
and the facts it learns from the registry, contacts and exchange."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Integer, MetaData, Numeric, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from kit.store import Ledger
from mirrors.contactpoints import contact_point_table
from mirrors.factmirror import POSITION, RECORDED, fact_tables
from mirrors.membership import membership_table
from mirrors.treemirror import tree_tables

metadata = MetaData(schema="kpi")
ledger = Ledger(metadata)
TREE = tree_tables(metadata)
OWN = "Kpi ledger position: the latest recorded by `known_on` stands"


def recorded(name: str = "recorded_at", what: str = RECORDED) -> Column[Any]:
    """A recording time: `known_on` counts a row, or an in-place change, only if recorded by then (the row's own
    time is always known; a change's is NULL until it is made)."""
    return Column(name, DateTime(timezone=True), nullable=name != "recorded_at", comment=what)


# --- own facts, updated inline with each append --------------------------------------------------

targets = Table(
    "targets",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment=OWN),
    Column("targets", JSONB, nullable=False, comment="Indicator -> target, decimal strings"),
    recorded(what="When they were set"),
    comment="Every setting of an org's targets for a period (a later one replaces them), with its recording time",
)

closed_periods = Table(
    "closed_periods",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("closed_on", Date, nullable=False),
    Column("figures", JSONB, nullable=False, comment="The frozen figures of the period.closed event"),
    recorded(what="When it was closed"),
    comment="Closed periods (closed once), with their recording times: until then a period shows its live figures",
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
    recorded(what="When it was reported"),
    comment="Every media mention reported (K5), with its recording time",
)

feedback_times = Table(
    "feedback_times",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment=OWN),
    Column("answered", Integer, nullable=False),
    Column("average_hours", Numeric(9, 2), nullable=False),
    recorded(what="When it was reported"),
    comment="Every report of feedback times (K7; a later one restates the period), with its recording time",
)

READ_MODELS = [targets, closed_periods, media_mentions, feedback_times]
"""What a rebuild empties and fills again from the kpi ledger."""

# --- facts learnt from the registry -------------------------------------------------------------

FACTS = fact_tables(metadata)
headcounts, posts, trainings, budgets = FACTS.headcounts, FACTS.posts, FACTS.trainings, FACTS.budgets

memberships = membership_table(metadata, "memberships", recorded=True)
"""Each person's dated membership timeline (K6), with its recording times: no names."""

erasures = Table(
    "erasures",
    metadata,
    Column("person_id", Text, primary_key=True),
    recorded(what="When the registry recorded the erasure (PD1): the person's addresses are gone from then"),
    comment="People whose personal data was erased (PD1): none of their addresses counts (K6)",
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
    Column("recorded_at", DateTime(timezone=True), comment="When the opening was recorded (NULL until it arrives)"),
    recorded("closed_recorded_at", "When the closure was recorded (a resource closes once)"),
    comment="One row per information resource: its opening and its closure, each with its recording time",
)

channel_stats = Table(
    "channel_stats",
    metadata,
    Column("channel_id", Text, primary_key=True),
    Column("period", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment=POSITION),
    Column("org_id", Text, nullable=False, index=True),
    Column("subscribers", BigInteger),
    Column("visits", BigInteger),
    Column("engagement", BigInteger),
    recorded(),
    comment="Every audience report of a resource for a period (K4; a later one restates it), with its recording time",
)

contact_points = contact_point_table(metadata)

# --- facts learnt from exchange -----------------------------------------------------------------

acts = Table(
    "acts",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("material_id", Text, primary_key=True),
    Column("kind", Text, primary_key=True, comment="sent_up, cascaded or acknowledged"),
    Column("on", Date, primary_key=True),
    recorded(),
    comment="Acts of exchange (X5), the first recorded of each kind a day, with its recording time",
)

participation = Table(
    "participation",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("material_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True, comment=POSITION),
    Column("on", Date, nullable=False, comment="The day it was recorded: the first known report's day dates the campaign"),
    Column("on_site", Integer, nullable=False),
    Column("online", Integer, nullable=False),
    recorded(),
    comment="Every participation report (K8; a later one restates the figures), with its recording time",
)

# --- facts learnt from appeals ------------------------------------------------------------------

appeal_times = Table(
    "appeal_times",
    metadata,
    Column("appeal_id", Text, primary_key=True),
    Column("org_id", Text, index=True, comment="The org it was filed to: the one whose speed it measures (K7)"),
    Column("filed_on", Date, comment="The day it was filed, in the union's time zone: the period it counts in"),
    Column("filed_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True), comment="When the first answer was due, as set at filing"),
    Column("recorded_at", DateTime(timezone=True), comment="When the filing was recorded (NULL until it arrives)"),
    Column("answered_at", DateTime(timezone=True), comment="The first answer, at whichever level it came"),
    Column("on_time", Boolean, comment="The first answer came by the due time set at filing"),
    recorded("answer_recorded_at", "When the first answer was recorded"),
    Column("escalated_at", DateTime(timezone=True), comment="Its first escalation: not answered in time where filed"),
    recorded("escalation_recorded_at", "When the first escalation was recorded"),
    comment="Every appeal's times (K7's measured speed): filed, due, first answer, first escalation; never who or what",
)

LEARNT = {
    "registry": [TREE.orgs, TREE.parents, headcounts, posts, trainings, budgets, memberships, erasures],
    "contacts": [channels, channel_stats, contact_points],
    "exchange": [acts, participation],
    "appeals": [appeal_times],
}
"""The facts learnt from each context, by the name of the consumer (`kpi_<context>`) that learns them."""
