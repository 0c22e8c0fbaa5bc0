"""what was known when (DESIGN.md §3, `known_on`): every row keeps the recording time of the event that wrote it and
every in-place change its own; budgets, audience figures, participation, targets and feedback times keep one row per
event

The facts learnt from the registry, contacts and exchange are emptied and read again from the start of their streams
(the old rows lack their recording times); kpi's own read models take theirs from the kpi ledger, and targets and
feedback times are rebuilt from it, one row per event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "kpi"
STAMP = sa.DateTime(timezone=True)
SOURCE = "When the source recorded it (`known_on` counts only what was recorded by then)"
TREE = "When the registry recorded it; NULL in a mirror filled before recording times were kept"
DISSOLVED = "When the registry recorded the dissolution; NULL in a mirror filled before recording times were kept"
OWN = "Kpi ledger position: the latest recorded by `known_on` stands"
CONSUMERS = ("kpi_registry", "kpi_contacts", "kpi_exchange")
MIRROR = (
    "orgs",
    "org_parents",
    "headcounts",
    "posts",
    "trainings",
    "budgets",
    "channels",
    "channel_stats",
    "acts",
    "participation",
)
SOURCE_ROWS = ("headcounts", "trainings", "budgets", "channel_stats", "acts", "participation")
COMMENTS = {
    "orgs": "One row per org: its registration and its dissolution, each with its recording time, so a `known_on` before "
    "a dissolution was recorded still sees the org (DESIGN.md §3); names are the latest known",
    "org_parents": "Each placement of an org under a parent from a date, one row per registry position, with its "
    "recording time",
    "headcounts": "Every headcount report, by registry position: of those recorded by `known_on`, the latest valid wins",
    "posts": "One row per post (a relief comes once): its assignment and its relief, each with its recording time",
    "trainings": "Every course completed, with its recording time",
    "budgets": "Every adoption of a year's budget (a restatement adds a row): the latest recorded by `known_on` stands",
    "channels": "One row per information resource: its opening and its closure, each with its recording time",
    "channel_stats": "Every audience report of a resource for a period (K4; a later one restates it), with its recording "
    "time",
    "acts": "Acts of exchange (X5), the first recorded of each kind a day, with its recording time",
    "participation": "Every participation report (K8; a later one restates the figures), with its recording time",
    "targets": "Every setting of an org's targets for a period (a later one replaces them), with its recording time",
    "closed_periods": "Closed periods (closed once), with their recording times: until then a period shows its live "
    "figures",
    "media_mentions": "Every media mention reported (K5), with its recording time",
    "feedback_times": "Every report of feedback times (K7; a later one restates the period), with its recording time",
}
TARGETS = """
INSERT INTO kpi.targets (org_id, period, position, targets, recorded_at)
SELECT data ->> 'org_id', data ->> 'period', position, data -> 'targets', recorded_at
FROM kpi.events WHERE subject = 'kpi.target.set'
"""
FEEDBACK = """
INSERT INTO kpi.feedback_times (org_id, period, position, answered, average_hours, recorded_at)
SELECT data ->> 'org_id', data ->> 'period', position, (data ->> 'answered')::int, (data ->> 'average_hours')::numeric,
       recorded_at
FROM kpi.events WHERE subject = 'kpi.feedback.response_times_reported'
"""
CLOSED = """
UPDATE kpi.closed_periods c SET recorded_at = e.recorded_at FROM kpi.events e
WHERE e.subject = 'kpi.period.closed' AND e.data ->> 'org_id' = c.org_id AND e.data ->> 'period' = c.period
"""
MENTIONS = """
UPDATE kpi.media_mentions m SET recorded_at = e.recorded_at FROM kpi.events e
WHERE e.subject = 'kpi.media_mention.reported' AND e.aggregate_id = m.mention_id
"""


def upgrade() -> None:
    _empty_the_mirror()
    _mirror_columns()
    _own_recording_times()
    for table, comment in COMMENTS.items():
        op.create_table_comment(table, comment, schema=S)


def _empty_the_mirror() -> None:
    """The facts are read again from the start of the REGISTRY, CONTACTS and EXCHANGE streams, this time with their
    times (as `profset rebuild kpi` does, but for kpi's own read models)."""
    for table in MIRROR:
        op.execute(f"TRUNCATE {S}.{table}")
    for consumer in CONSUMERS:
        op.execute(f"DELETE FROM {S}.checkpoints WHERE consumer = '{consumer}'")
        op.execute(f"DELETE FROM {S}.pending WHERE consumer = '{consumer}'")


def _mirror_columns() -> None:
    op.add_column("orgs", sa.Column("recorded_at", STAMP, nullable=True, comment=TREE), schema=S)
    op.add_column("orgs", sa.Column("dissolved_recorded_at", STAMP, nullable=True, comment=DISSOLVED), schema=S)
    op.add_column("org_parents", sa.Column("recorded_at", STAMP, nullable=True, comment=TREE), schema=S)
    for table in SOURCE_ROWS:
        op.add_column(table, sa.Column("recorded_at", STAMP, nullable=False, comment=SOURCE), schema=S)
    posts = {"recorded_at": "When the assignment was recorded", "until_recorded_at": "When the relief was recorded"}
    for name, comment in posts.items():
        op.add_column("posts", sa.Column(name, STAMP, nullable=True, comment=comment), schema=S)
    channels = {
        "recorded_at": "When the opening was recorded (NULL until it arrives)",
        "closed_recorded_at": "When the closure was recorded (a resource closes once)",
    }
    for name, comment in channels.items():
        op.add_column("channels", sa.Column(name, STAMP, nullable=True, comment=comment), schema=S)
    for table, keys in {"budgets": ["org_id", "year"], "channel_stats": ["channel_id", "period"]}.items():
        op.drop_constraint(f"{table}_pkey", table, schema=S)
        op.create_primary_key(f"{table}_pkey", table, [*keys, "position"], schema=S)
    op.drop_constraint("participation_pkey", "participation", schema=S)
    op.create_primary_key("participation_pkey", "participation", ["org_id", "material_id", "position"], schema=S)
    day = "The day it was recorded: the first known report's day dates the campaign"
    op.alter_column("participation", "first_on", new_column_name="on", comment=day, existing_type=sa.Date(), schema=S)


def _own_recording_times() -> None:
    """kpi's own rows take the recording times of their events in the kpi ledger; targets and feedback times are
    rebuilt from it, one row per event."""
    for table, comment in {"closed_periods": "When it was closed", "media_mentions": "When it was reported"}.items():
        op.add_column(table, sa.Column("recorded_at", STAMP, nullable=True, comment=comment), schema=S)
    op.execute(CLOSED)
    op.execute(MENTIONS)
    for table in ("closed_periods", "media_mentions"):
        op.alter_column(table, "recorded_at", nullable=False, schema=S)
    made = {"targets": ("When they were set", TARGETS), "feedback_times": ("When it was reported", FEEDBACK)}
    for table, (comment, rows) in made.items():
        op.execute(f"TRUNCATE {S}.{table}")
        op.add_column(table, sa.Column("position", sa.BigInteger(), nullable=False, comment=OWN), schema=S)
        op.add_column(table, sa.Column("recorded_at", STAMP, nullable=False, comment=comment), schema=S)
        op.drop_constraint(f"{table}_pkey", table, schema=S)
        op.create_primary_key(f"{table}_pkey", table, ["org_id", "period", "position"], schema=S)
        op.execute(rows)


def downgrade() -> None:
    for table in COMMENTS:
        op.drop_table_comment(table, schema=S)
    for table in ("targets", "feedback_times"):
        # the latest row of each period stays
        op.execute(
            f"DELETE FROM {S}.{table} t WHERE EXISTS (SELECT 1 FROM {S}.{table} u WHERE u.org_id = t.org_id "
            "AND u.period = t.period AND u.position > t.position)"
        )
        op.drop_constraint(f"{table}_pkey", table, schema=S)
        op.create_primary_key(f"{table}_pkey", table, ["org_id", "period"], schema=S)
        op.drop_column(table, "recorded_at", schema=S)
        op.drop_column(table, "position", schema=S)
    for table in ("closed_periods", "media_mentions"):
        op.drop_column(table, "recorded_at", schema=S)
    _empty_the_mirror()
    first = "The day of the first report: the period it counts in"
    op.alter_column("participation", "on", new_column_name="first_on", comment=first, existing_type=sa.Date(), schema=S)
    keys = {"budgets": ["org_id", "year"], "channel_stats": ["channel_id", "period"], "participation": ["org_id", "material_id"]}
    for table, columns in keys.items():
        op.drop_constraint(f"{table}_pkey", table, schema=S)
        op.create_primary_key(f"{table}_pkey", table, columns, schema=S)
    for name in ("recorded_at", "closed_recorded_at"):
        op.drop_column("channels", name, schema=S)
    for name in ("recorded_at", "until_recorded_at"):
        op.drop_column("posts", name, schema=S)
    for table in SOURCE_ROWS:
        op.drop_column(table, "recorded_at", schema=S)
    op.drop_column("org_parents", "recorded_at", schema=S)
    op.drop_column("orgs", "dissolved_recorded_at", schema=S)
    op.drop_column("orgs", "recorded_at", schema=S)
