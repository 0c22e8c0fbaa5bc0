"""pages of the appeals an org holds (issue 32): read a page at a time, newest first, ties by id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("appeals_newest_by_org", "appeals", ["org_id", "filed_at", "appeal_id"], unique=False, schema="appeals")


def downgrade() -> None:
    op.drop_index("appeals_newest_by_org", table_name="appeals", schema="appeals")
