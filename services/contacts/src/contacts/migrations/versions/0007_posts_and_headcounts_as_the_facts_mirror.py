"""posts and headcounts as the facts mirror keeps them (profset-mirrors, shared with audits, kpi and notifications):
each row with its recording time, a relief that comes before its assignment kept as a row of its own

The rows learnt before stay. Their posts keep no recording time (this service never asks `known_on` of them); their
headcounts, which must have one, take the migration's: known by then, never earlier. Youth councils' posts learnt
before stay too, as this mirror never knew which they were; the mirror leaves out those assigned from now on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "contacts"
STAMP = sa.DateTime(timezone=True)
POSITION = "Source ledger position: the later one wins"
RECORDED = "When the source recorded it (`known_on` counts only what was recorded by then)"
POSTS = "One row per post (a relief comes once): its assignment and its relief, each with its recording time"
HEADCOUNTS = "Every headcount report, by registry position: of those recorded by `known_on`, the latest valid wins"
ASSIGNED = {"person_id": sa.Text(), "org_id": sa.Text(), "role": sa.Text(), "since": sa.Date()}
"""What an assignment fills in: empty in the row of a relief that came first."""


def upgrade() -> None:
    for name, kind in ASSIGNED.items():
        op.alter_column("posts", name, existing_type=kind, nullable=True, schema=S)
    op.drop_index("ix_contacts_posts_person_id", table_name="posts", schema=S)
    op.add_column("posts", sa.Column("recorded_at", STAMP, comment="When the assignment was recorded"), schema=S)
    op.add_column("posts", sa.Column("until_recorded_at", STAMP, comment="When the relief was recorded"), schema=S)
    op.create_table_comment("posts", POSTS, schema=S)
    op.add_column("headcounts", sa.Column("recorded_at", STAMP, comment=RECORDED), schema=S)
    op.execute(f"UPDATE {S}.headcounts SET recorded_at = now()")
    op.alter_column("headcounts", "recorded_at", existing_type=STAMP, nullable=False, schema=S)
    op.alter_column("headcounts", "position", existing_type=sa.BigInteger(), comment=POSITION, schema=S)
    op.create_table_comment("headcounts", HEADCOUNTS, schema=S)


def downgrade() -> None:
    op.drop_table_comment("headcounts", schema=S)
    op.alter_column("headcounts", "position", existing_type=sa.BigInteger(), comment=None, existing_comment=POSITION, schema=S)
    op.drop_column("headcounts", "recorded_at", schema=S)
    op.drop_table_comment("posts", schema=S)
    op.drop_column("posts", "until_recorded_at", schema=S)
    op.drop_column("posts", "recorded_at", schema=S)
    op.create_index("ix_contacts_posts_person_id", "posts", ["person_id"], schema=S)
    # the old mirror kept no relief without its assignment
    op.execute(f"DELETE FROM {S}.posts WHERE person_id IS NULL")
    for name, kind in ASSIGNED.items():
        op.alter_column("posts", name, existing_type=kind, nullable=False, schema=S)
