"""when an account's password last changed: tokens issued before it no longer serve

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # accounts whose password changed before this revision keep their sessions, as they did
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True), schema="gateway")


def downgrade() -> None:
    op.drop_column("users", "password_changed_at", schema="gateway")
