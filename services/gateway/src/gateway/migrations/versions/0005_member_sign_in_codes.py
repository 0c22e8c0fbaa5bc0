"""members' one-time sign-in codes for the portal, stored hashed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("code_id", sa.Text, primary_key=True),
        sa.Column("member_key", sa.Text, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
        schema="gateway",
    )
    op.create_index("sign_in_codes_member", "sign_in_codes", ["member_key", "created_at"], schema="gateway")
    op.create_index("sign_in_codes_address", "sign_in_codes", ["address_key", "created_at"], schema="gateway")


def downgrade() -> None:
    op.drop_table("sign_in_codes", schema="gateway")
