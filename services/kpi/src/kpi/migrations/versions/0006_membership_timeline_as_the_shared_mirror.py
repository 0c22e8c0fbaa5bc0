"""the membership timeline as the shared mirror keeps it (profset-mirrors, with contacts and appeals): the same table
and rows, its comments and its index by org as theirs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "kpi"
STEP = "Registry ledger position: of two steps valid the same day, the later wins"
ORG = (
    "The member's org from effective_on; NULL: no longer a member from that day",
    "The org from effective_on; null: no longer a member from that day",
)
TIMELINE = (
    "Each person's dated membership timeline (admitted, transferred, left; K6), with its recording times: no names",
    "Each person's dated membership timeline: admitted, transferred, left, in any order of recording",
)


def upgrade() -> None:
    _comments(STEP, None, ORG, TIMELINE)
    op.drop_index("ix_kpi_memberships_org_id", table_name="memberships", schema=S)
    op.create_index("memberships_by_org", "memberships", ["org_id"], schema=S)


def downgrade() -> None:
    op.drop_index("memberships_by_org", table_name="memberships", schema=S)
    op.create_index("ix_kpi_memberships_org_id", "memberships", ["org_id"], schema=S)
    _comments(None, STEP, ORG[::-1], TIMELINE[::-1])


def _comments(step_was: str | None, step: str | None, org: tuple[str, str], timeline: tuple[str, str]) -> None:
    kw = {"schema": S, "existing_nullable": False}
    op.alter_column("memberships", "position", existing_type=sa.BigInteger(), comment=step, existing_comment=step_was, **kw)
    op.alter_column(
        "memberships",
        "org_id",
        existing_type=sa.Text(),
        existing_nullable=True,
        comment=org[1],
        existing_comment=org[0],
        schema=S,
    )
    op.create_table_comment("memberships", timeline[1], existing_comment=timeline[0], schema=S)
