"""erased people (PD1): their addresses never count for C2

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('erasures',
    sa.Column('person_id', sa.Text(), nullable=False, comment='A person erased (PD1): their addresses never count (C2)'),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False, comment='When the source recorded it (`known_on` counts only what was recorded by then)'),
    sa.PrimaryKeyConstraint('person_id'),
    schema='audits',
    comment="People erased, with the erasure's recording time",
    )
    # the registry's facts are read again from the start (every write there is idempotent) to learn past erasures
    op.execute("DELETE FROM audits.checkpoints WHERE consumer = 'audits_registry-facts'")
    op.execute("DELETE FROM audits.pending WHERE consumer = 'audits_registry-facts'")


def downgrade() -> None:
    op.drop_table('erasures', schema='audits')
