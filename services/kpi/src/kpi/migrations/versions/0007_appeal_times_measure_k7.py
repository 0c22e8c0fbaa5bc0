"""appeals' times measure K7's speed of feedback: each appeal's filing, due time, first answer and first escalation,
learnt from the APPEALS stream (a new consumer, which reads it from the start)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "kpi"
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appeal_times",
        sa.Column("appeal_id", sa.Text(), primary_key=True),
        sa.Column("org_id", sa.Text(), comment="The org it was filed to: the one whose speed it measures (K7)"),
        sa.Column("filed_on", sa.Date(), comment="The day it was filed, in the union's time zone: the period it counts in"),
        sa.Column("filed_at", STAMP),
        sa.Column("due_at", STAMP, comment="When the first answer was due, as set at filing"),
        sa.Column("recorded_at", STAMP, comment="When the filing was recorded (NULL until it arrives)"),
        sa.Column("answered_at", STAMP, comment="The first answer, at whichever level it came"),
        sa.Column("on_time", sa.Boolean(), comment="The first answer came by the due time set at filing"),
        sa.Column("answer_recorded_at", STAMP, comment="When the first answer was recorded"),
        sa.Column("escalated_at", STAMP, comment="Its first escalation: not answered in time where filed"),
        sa.Column("escalation_recorded_at", STAMP, comment="When the first escalation was recorded"),
        comment="Every appeal's times (K7's measured speed): filed, due, first answer, first escalation; never who or what",
        schema=S,
    )
    op.create_index("ix_kpi_appeal_times_org_id", "appeal_times", ["org_id"], schema=S)


def downgrade() -> None:
    op.drop_index("ix_kpi_appeal_times_org_id", table_name="appeal_times", schema=S)
    op.drop_table("appeal_times", schema=S)
