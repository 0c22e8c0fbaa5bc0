"""review after publication (H2): the moderation states and decisions it adds, in the columns' comments

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODERATION = "none, pending, approved, rejected, under_review (published, awaiting review), confirmed or taken_down"
DECISIONS = "requested, approved, rejected, published (for review after publication), confirmed or taken_down"


def upgrade() -> None:
    # the states are new values of text columns: only what the columns say of them changes
    op.alter_column('materials', 'moderation', existing_type=sa.Text(), existing_nullable=False, comment=MODERATION,
                    existing_comment='none, pending, approved or rejected', schema='exchange')
    op.alter_column('decisions', 'decision', existing_type=sa.Text(), existing_nullable=False, comment=DECISIONS,
                    existing_comment='requested, approved or rejected', schema='exchange')


def downgrade() -> None:
    op.alter_column('materials', 'moderation', existing_type=sa.Text(), existing_nullable=False,
                    comment='none, pending, approved or rejected', existing_comment=MODERATION, schema='exchange')
    op.alter_column('decisions', 'decision', existing_type=sa.Text(), existing_nullable=False,
                    comment='requested, approved or rejected', existing_comment=DECISIONS, schema='exchange')
