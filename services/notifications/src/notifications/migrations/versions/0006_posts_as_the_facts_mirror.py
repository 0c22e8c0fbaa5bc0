"""posts as the facts mirror keeps them (profset-mirrors, shared with audits, kpi and contacts): a relief that comes
before its assignment is kept as a row of its own, with its recording time

The rows learnt before stay (those learnt before 0004 still without a recording time). Youth councils' posts learnt
before stay too, as this mirror never knew which they were; the mirror leaves out those assigned from now on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "notifications"
STAMP = sa.DateTime(timezone=True)
ASSIGNED = "When the assignment was recorded"
BEFORE = "When the registry recorded the assignment; NULL before 0004"
POSTS = "One row per post (a relief comes once): its assignment and its relief, each with its recording time"
FILLED = {"person_id": sa.Text(), "org_id": sa.Text(), "role": sa.Text(), "since": sa.Date()}
"""What an assignment fills in: empty in the row of a relief that came first."""


def upgrade() -> None:
    for name, kind in FILLED.items():
        op.alter_column("posts", name, existing_type=kind, nullable=True, schema=S)
    op.alter_column("posts", "recorded_at", existing_type=STAMP, comment=ASSIGNED, existing_comment=BEFORE, schema=S)
    op.add_column("posts", sa.Column("until_recorded_at", STAMP, comment="When the relief was recorded"), schema=S)
    op.create_table_comment("posts", POSTS, schema=S)


def downgrade() -> None:
    op.drop_table_comment("posts", schema=S)
    op.drop_column("posts", "until_recorded_at", schema=S)
    op.alter_column("posts", "recorded_at", existing_type=STAMP, comment=BEFORE, existing_comment=ASSIGNED, schema=S)
    # the old mirror kept no relief without its assignment
    op.execute(f"DELETE FROM {S}.posts WHERE person_id IS NULL")
    for name, kind in FILLED.items():
        op.alter_column("posts", name, existing_type=kind, nullable=False, schema=S)
