"""the membership timeline as the shared mirror keeps it (profset-mirrors, with contacts and kpi): its comments and an
index by org — the rows and their shape stay

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "appeals"
OLD = "Each person's dated membership timeline, which decides their org today (DESIGN.md §5)"
NEW = "Each person's dated membership timeline: admitted, transferred, left, in any order of recording"


def upgrade() -> None:
    op.create_table_comment("member_orgs", NEW, existing_comment=OLD, schema=S)
    op.create_index("member_orgs_by_org", "member_orgs", ["org_id"], schema=S)


def downgrade() -> None:
    op.drop_index("member_orgs_by_org", table_name="member_orgs", schema=S)
    op.create_table_comment("member_orgs", OLD, existing_comment=NEW, schema=S)
