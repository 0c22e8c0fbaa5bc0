"""the CC's desk review of every structural org (C1)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    comment = "The CC's desk review it belongs to (C1), if any"
    op.add_column('audits', sa.Column('desk_review_id', sa.Text(), nullable=True, comment=comment), schema='audits')
    op.create_index(op.f('ix_audits_audits_desk_review_id'), 'audits', ['desk_review_id'], unique=False, schema='audits')
    op.create_table('desk_reviews',
    sa.Column('desk_review_id', sa.Text(), nullable=False),
    sa.Column('by_org_id', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('orgs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('desk_review_id'),
    schema='audits'
    )
    op.create_index('desk_reviews_by_year', 'desk_reviews', ['by_org_id', 'year'], unique=True, schema='audits')


def downgrade() -> None:
    op.drop_table('desk_reviews', schema='audits')
    op.drop_index(op.f('ix_audits_audits_desk_review_id'), table_name='audits', schema='audits')
    op.drop_column('audits', 'desk_review_id', schema='audits')
