"""what was known when (DESIGN.md §3, `known_on`): every row keeps the recording time of the event that wrote it and
every in-place change its own; budgets, plans and contact points keep one row per event

The facts learnt from the registry and contacts are emptied and read again from the start of their streams (the old
rows lack their recording times); the audits' own read models take theirs from the audits ledger, and plans are
rebuilt from it, one row per event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "audits"
STAMP = sa.DateTime(timezone=True)
SOURCE = "When the source recorded it (`known_on` counts only what was recorded by then)"
TREE = "When the registry recorded it; NULL in a mirror filled before recording times were kept"
DISSOLVED = "When the registry recorded the dissolution; NULL in a mirror filled before recording times were kept"
POSITION = "Source ledger position: the later one wins"
LEFT_SO = "{} ledger position of the event that left it so"
CONSUMERS = ("audits_registry-facts", "audits_contacts-facts")
MIRROR = (
    "orgs",
    "org_parents",
    "headcounts",
    "posts",
    "trainings",
    "budgets",
    "released",
    "resources",
    "refreshes",
    "subscriptions",
    "submissions",
    "print_runs",
    "meetings",
    "grants",
    "contact_points",
)
SOURCE_ROWS = ("headcounts", "trainings", "budgets", "released", "resources", "refreshes", "subscriptions", "submissions")
SOURCE_ROWS += ("print_runs", "meetings", "grants", "contact_points")
COMMENTS = {
    "orgs": "One row per org: its registration and its dissolution, each with its recording time, so a `known_on` before "
    "a dissolution was recorded still sees the org (DESIGN.md §3); names are the latest known",
    "org_parents": "Each placement of an org under a parent from a date, one row per registry position, with its "
    "recording time",
    "headcounts": "Every headcount report, by registry position: of those recorded by `known_on`, the latest valid wins",
    "posts": "One row per post (a relief comes once): its assignment and its relief, each with its recording time",
    "trainings": "Every course completed, with its recording time",
    "budgets": "Every adoption of a year's budget (a restatement adds a row): the latest recorded by `known_on` stands",
    "released": "Posts of released officials, with the assignment's recording time",
    "resources": "One row per information resource: its opening and its closure, each with its recording time",
    "refreshes": "Every refresh of a resource, with its recording time",
    "subscriptions": "Every subscription report, by contacts position: the latest recorded by `known_on` per edition and "
    "format",
    "submissions": "Every contact-base submission, with its recording time",
    "print_runs": "Every print run (P2), with its recording time",
    "meetings": "Every information meeting (P7), with its recording time",
    "grants": "Every access grant, by contacts position: its grant and its revocation, each with its recording time",
    "contact_points": "A contact point as each of its events left it (consent is given and withdrawn again and again): "
    "the latest recorded by `known_on` stands",
    "audits": "One row per audit (each step comes once), each step with its recording time in the audits ledger",
    "desk_reviews": "The CC's desk reviews (C1), with their recording times",
    "findings": "Every finding, with its recording time",
    "remediation": "One row per remediation item (closed once), each step with its recording time",
    "plans": "An org's plan for a quarter as each of its events left it (a plan is replaced, a report given again): the "
    "latest recorded by `known_on` stands",
    "reviews": "The CC's reviews of information work (C1), with their recording times",
}
OWN = {
    # table: (key column, the recording time it takes, the event's subject, how the event names the row)
    "audits": [
        ("audit_id", "recorded_at", "audits.audit.scheduled", "aggregate_id"),
        ("audit_id", "started_recorded_at", "audits.audit.started", "aggregate_id"),
        ("audit_id", "completed_recorded_at", "audits.audit.completed", "aggregate_id"),
    ],
    "desk_reviews": [("desk_review_id", "recorded_at", "audits.desk_review.planned", "aggregate_id")],
    "findings": [("finding_id", "recorded_at", "audits.audit.finding_recorded", "data->>'finding_id'")],
    "remediation": [
        ("item_id", "recorded_at", "audits.audit.remediation_assigned", "data->>'item_id'"),
        ("item_id", "closed_recorded_at", "audits.audit.remediation_closed", "data->>'item_id'"),
    ],
    "reviews": [("review_id", "recorded_at", "audits.review.held", "aggregate_id")],
}
OWN_COMMENTS = {
    ("audits", "recorded_at"): "When the audit was scheduled",
    ("audits", "started_recorded_at"): "When its start was recorded",
    ("audits", "completed_recorded_at"): "When its completion was recorded",
    ("desk_reviews", "recorded_at"): "When it was planned",
    ("findings", "recorded_at"): "When it was recorded in the audits ledger",
    ("remediation", "recorded_at"): "When it was assigned",
    ("remediation", "closed_recorded_at"): "When its closing was recorded",
    ("reviews", "recorded_at"): "When it was recorded in the audits ledger",
}
# each plan event's row: the latest submission and the latest report up to it (a group starts at each of them)
PLANS = """
INSERT INTO audits.plans (org_id, quarter, position, submitted_on, items, reported_on, summary, recorded_at)
SELECT org_id, quarter, position,
       (first_value(s) OVER (PARTITION BY org_id, quarter, submitted ORDER BY position) ->> 'submitted_on')::date,
       first_value(s) OVER (PARTITION BY org_id, quarter, submitted ORDER BY position) -> 'items',
       (first_value(r) OVER (PARTITION BY org_id, quarter, reported ORDER BY position) ->> 'reported_on')::date,
       first_value(r) OVER (PARTITION BY org_id, quarter, reported ORDER BY position) ->> 'summary',
       recorded_at
FROM (
    SELECT data ->> 'org_id' AS org_id, data ->> 'quarter' AS quarter, position, recorded_at,
           CASE WHEN subject = 'audits.plan.submitted' THEN data END AS s,
           CASE WHEN subject = 'audits.plan.reported' THEN data END AS r,
           count(*) FILTER (WHERE subject = 'audits.plan.submitted') OVER plan AS submitted,
           count(*) FILTER (WHERE subject = 'audits.plan.reported') OVER plan AS reported
    FROM audits.events
    WHERE subject IN ('audits.plan.submitted', 'audits.plan.reported')
    WINDOW plan AS (PARTITION BY data ->> 'org_id', data ->> 'quarter' ORDER BY position)
) e
"""


def upgrade() -> None:
    _empty_the_mirror()
    _mirror_columns()
    _own_recording_times()
    _plans_per_event()
    for table, comment in COMMENTS.items():
        op.create_table_comment(table, comment, schema=S)


def _empty_the_mirror() -> None:
    """The facts are read again from the start of the REGISTRY and CONTACTS streams, this time with their times."""
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
    closed = "When the closure was recorded (a resource closes once)"
    op.add_column("resources", sa.Column("closed_recorded_at", STAMP, nullable=True, comment=closed), schema=S)
    revoked = "When the revocation was recorded (a grant is revoked once)"
    op.add_column("grants", sa.Column("until_recorded_at", STAMP, nullable=True, comment=revoked), schema=S)
    op.drop_constraint("budgets_pkey", "budgets", schema=S)
    op.create_primary_key("budgets_pkey", "budgets", ["org_id", "year", "position"], schema=S)
    point = sa.Column("position", sa.BigInteger(), nullable=False, comment=LEFT_SO.format("Contacts"))
    op.add_column("contact_points", point, schema=S)
    op.drop_constraint("contact_points_pkey", "contact_points", schema=S)
    op.create_primary_key("contact_points_pkey", "contact_points", ["contact_id", "position"], schema=S)


def _own_recording_times() -> None:
    """The audits' own rows take the recording times of their events in the audits ledger."""
    for (table, column), comment in OWN_COMMENTS.items():
        op.add_column(table, sa.Column(column, STAMP, nullable=True, comment=comment), schema=S)
    for table, steps in OWN.items():
        for key, column, subject, names in steps:
            op.execute(
                f"UPDATE {S}.{table} t SET {column} = e.recorded_at FROM {S}.events e "
                f"WHERE e.subject = '{subject}' AND e.{names} = t.{key}"
            )
        op.alter_column(table, "recorded_at", nullable=False, schema=S)


def _plans_per_event() -> None:
    op.execute(f"TRUNCATE {S}.plans")
    op.add_column("plans", sa.Column("position", sa.BigInteger(), nullable=False, comment=LEFT_SO.format("Audits")), schema=S)
    op.add_column("plans", sa.Column("recorded_at", STAMP, nullable=False, comment="When that event was recorded"), schema=S)
    op.drop_constraint("plans_pkey", "plans", schema=S)
    op.create_primary_key("plans_pkey", "plans", ["org_id", "quarter", "position"], schema=S)
    op.execute(PLANS)


def downgrade() -> None:
    for table in COMMENTS:
        op.drop_table_comment(table, schema=S)
    # plans: the latest row of each quarter stays
    op.execute(
        f"DELETE FROM {S}.plans p WHERE EXISTS (SELECT 1 FROM {S}.plans q WHERE q.org_id = p.org_id "
        "AND q.quarter = p.quarter AND q.position > p.position)"
    )
    op.drop_constraint("plans_pkey", "plans", schema=S)
    op.create_primary_key("plans_pkey", "plans", ["org_id", "quarter"], schema=S)
    op.drop_column("plans", "recorded_at", schema=S)
    op.drop_column("plans", "position", schema=S)
    for table, column in OWN_COMMENTS:
        op.drop_column(table, column, schema=S)
    _empty_the_mirror()
    op.drop_constraint("contact_points_pkey", "contact_points", schema=S)
    op.create_primary_key("contact_points_pkey", "contact_points", ["contact_id"], schema=S)
    op.drop_column("contact_points", "position", schema=S)
    op.drop_constraint("budgets_pkey", "budgets", schema=S)
    op.create_primary_key("budgets_pkey", "budgets", ["org_id", "year"], schema=S)
    op.drop_column("grants", "until_recorded_at", schema=S)
    op.drop_column("resources", "closed_recorded_at", schema=S)
    op.drop_column("posts", "until_recorded_at", schema=S)
    op.drop_column("posts", "recorded_at", schema=S)
    for table in SOURCE_ROWS:
        op.drop_column(table, "recorded_at", schema=S)
    op.drop_column("org_parents", "recorded_at", schema=S)
    op.drop_column("orgs", "dissolved_recorded_at", schema=S)
    op.drop_column("orgs", "recorded_at", schema=S)
