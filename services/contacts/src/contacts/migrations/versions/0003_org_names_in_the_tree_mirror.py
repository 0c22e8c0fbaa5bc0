"""org names in the tree mirror: the latest known name of each org, for letters and views

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    comment = 'The name in force from `named_on`, the latest one known (for letters and views)'
    op.add_column('orgs', sa.Column('name', sa.Text(), nullable=True, comment=comment), schema='contacts')
    op.add_column('orgs', sa.Column('named_on', sa.Date(), nullable=True), schema='contacts')
    # orgs mirrored before this revision stay unnamed until renamed; letters then name no org, as before


def downgrade() -> None:
    op.drop_column('orgs', 'named_on', schema='contacts')
    op.drop_column('orgs', 'name', schema='contacts')
