"""who chose an account's password

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("password_set_by", sa.Text(), nullable=True), schema="gateway")


def downgrade() -> None:
    op.drop_column("users", "password_set_by", schema="gateway")
