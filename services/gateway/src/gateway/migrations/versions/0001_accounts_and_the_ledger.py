"""accounts and the ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 23:25:47.678051
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from kit.store import create_ledger, drop_ledger

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_ledger(op.get_bind(), "gateway")
    op.create_table('users',
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Text(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username'),
    schema='gateway'
    )


def downgrade() -> None:
    op.drop_table("users", schema="gateway")
    drop_ledger(op.get_bind(), "gateway")
