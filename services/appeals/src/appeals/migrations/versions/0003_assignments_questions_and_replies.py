"""an appeal's post, its assignments, the questions to the member and the member's replies (issue 30)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "appeals"
SEALED = "Sealed with the member's key; unreadable once the member is erased (PD1)"


def _thread(name: str, comment: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("appeal_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False, comment="Ledger position"),
        sa.Column("org_id", sa.Text(), nullable=False),
        *columns,
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("appeal_id", "position"),
        schema=S,
        comment=comment,
    )


def upgrade() -> None:
    post = "The post of the holding org it is assigned to; null until assigned or once escalated"
    op.add_column("appeals", sa.Column("post", sa.Text(), nullable=True, comment=post), schema=S)
    _thread(
        "assignments",
        "Which post of the holding org an appeal was given to, and when",
        sa.Column("post", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.Text(), nullable=False),
    )
    _thread(
        "questions",
        "What the union asked the member to add",
        sa.Column("text", sa.Text(), nullable=True, comment=SEALED),
        sa.Column("asked_by", sa.Text(), nullable=False),
    )
    _thread("replies", "What the member added to their appeal in the portal", sa.Column("text", sa.Text(), nullable=True, comment=SEALED))


def downgrade() -> None:
    for name in ("replies", "questions", "assignments"):
        op.drop_table(name, schema=S)
    op.drop_column("appeals", "post", schema=S)
