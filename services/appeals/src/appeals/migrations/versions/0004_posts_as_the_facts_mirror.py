"""posts as the facts mirror keeps them (profset-mirrors, shared with contacts and notifications): who holds which post
of an org from when to when, so an appeal is given only to a post somebody holds (issue 30)

The registry mirror now takes the officers' events too, and reads the registry again from the start to learn the posts
held before (every write of the mirror is idempotent).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "appeals"
STAMP = sa.DateTime(timezone=True)
POSTS = "One row per post (a relief comes once): its assignment and its relief, each with its recording time"


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("officer_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("recorded_at", STAMP, nullable=True, comment="When the assignment was recorded"),
        sa.Column("until_recorded_at", STAMP, nullable=True, comment="When the relief was recorded"),
        sa.PrimaryKeyConstraint("officer_id"),
        schema=S,
        comment=POSTS,
    )
    op.create_index(op.f("ix_appeals_posts_org_id"), "posts", ["org_id"], unique=False, schema=S)
    op.execute(f"DELETE FROM {S}.checkpoints WHERE consumer = 'appeals_registry'")
    op.execute(f"DELETE FROM {S}.pending WHERE consumer = 'appeals_registry'")


def downgrade() -> None:
    op.drop_index(op.f("ix_appeals_posts_org_id"), table_name="posts", schema=S)
    op.drop_table("posts", schema=S)
