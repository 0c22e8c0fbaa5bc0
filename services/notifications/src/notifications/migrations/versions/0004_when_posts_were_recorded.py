"""when posts were recorded: a delivery and an assignment meet in whichever order they are projected

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    comment = 'When the registry recorded the assignment; NULL before 0004'
    op.add_column(
        'posts', sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True, comment=comment), schema='notifications'
    )
    # posts mirrored before this revision count as recorded before every delivery, as they were treated until now
    op.create_index('acknowledgements_by_org', 'acknowledgements', ['org_id', 'delivered_at'], schema='notifications')


def downgrade() -> None:
    op.drop_index('acknowledgements_by_org', table_name='acknowledgements', schema='notifications')
    op.drop_column('posts', 'recorded_at', schema='notifications')
