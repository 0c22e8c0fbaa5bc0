"""released officials' posts (T1: the territorial org helps the primary orgs that have none)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('released',
    sa.Column('officer_id', sa.Text(), nullable=False, comment='A post held by a released (full-time) official (T1)'),
    sa.PrimaryKeyConstraint('officer_id'),
    schema='audits'
    )
    # the registry's facts are read again from the start (every write there is idempotent) to learn past appointments
    op.execute("DELETE FROM audits.checkpoints WHERE consumer = 'audits_registry-facts'")
    op.execute("DELETE FROM audits.pending WHERE consumer = 'audits_registry-facts'")


def downgrade() -> None:
    op.drop_table('released', schema='audits')
