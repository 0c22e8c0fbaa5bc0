"""when the tree was recorded: each org's registration and dissolution and each placement keep their recording times
(the mirror shared with audits and kpi, which answer `known_on`)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "exchange"
RECORDED = "When the registry recorded it; NULL in a mirror filled before recording times were kept"
DISSOLVED = "When the registry recorded the dissolution; NULL in a mirror filled before recording times were kept"
ORGS = (
    "One row per org: its registration and its dissolution, each with its recording time, so a `known_on` before a "
    "dissolution was recorded still sees the org (DESIGN.md §3); names are the latest known"
)
PARENTS = "Each placement of an org under a parent from a date, one row per registry position, with its recording time"


def upgrade() -> None:
    # rows mirrored before this revision keep no recording time: this service never asks `known_on`
    stamp = sa.DateTime(timezone=True)
    op.add_column("orgs", sa.Column("recorded_at", stamp, nullable=True, comment=RECORDED), schema=SCHEMA)
    op.add_column("orgs", sa.Column("dissolved_recorded_at", stamp, nullable=True, comment=DISSOLVED), schema=SCHEMA)
    op.add_column("org_parents", sa.Column("recorded_at", stamp, nullable=True, comment=RECORDED), schema=SCHEMA)
    op.create_table_comment("orgs", ORGS, schema=SCHEMA)
    op.create_table_comment("org_parents", PARENTS, schema=SCHEMA)


def downgrade() -> None:
    op.drop_table_comment("org_parents", schema=SCHEMA)
    op.drop_table_comment("orgs", schema=SCHEMA)
    op.drop_column("org_parents", "recorded_at", schema=SCHEMA)
    op.drop_column("orgs", "dissolved_recorded_at", schema=SCHEMA)
    op.drop_column("orgs", "recorded_at", schema=SCHEMA)
