"""the tree, headcounts and the ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 23:17:39.012984
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
    create_ledger(op.get_bind(), "registry")
    op.create_table('headcounts',
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'position'),
    schema='registry'
    )
    op.create_index('headcounts_lookup', 'headcounts', ['org_id', 'as_of'], unique=False, schema='registry')
    op.create_table('org_names',
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'position'),
    schema='registry'
    )
    op.create_index('org_names_lookup', 'org_names', ['org_id', 'effective_on'], unique=False, schema='registry')
    op.create_table('org_parents',
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('parent_id', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'position'),
    schema='registry'
    )
    op.create_index('org_parents_lookup', 'org_parents', ['org_id', 'effective_on'], unique=False, schema='registry')
    op.create_table('orgs',
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dissolved_on', sa.Date(), nullable=True),
    sa.Column('dissolution_reason', sa.Text(), nullable=True),
    sa.Column('dissolution_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('org_id'),
    schema='registry'
    )


def downgrade() -> None:
    for table in ("headcounts", "org_parents", "org_names", "orgs"):
        op.drop_table(table, schema="registry")
    drop_ledger(op.get_bind(), "registry")
