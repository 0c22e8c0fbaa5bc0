"""the membership timeline decides where a person belongs today; people.org_id is only the org that recorded them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PEOPLE_ORG = "The org that recorded the person; a member belongs where member_orgs puts them today"
MEMBER_ORG = "The org from effective_on; null: no longer a member from that day"
RECORDED_UNDER = "The owner's org when the address was recorded: a record, never who may see it (that is today's)"
TIMELINE = "Each person's dated membership timeline: admitted, transferred, left, in any order of recording"


def upgrade() -> None:
    # rows written before keep their meaning: member_orgs always held every step, and people.org_id of a person never
    # admitted (the only one it now answers for) was never moved; a member's last-applied org there is simply unused
    op.alter_column(
        "people",
        "org_id",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment=PEOPLE_ORG,
        existing_comment="The org whose base the person belongs to",
        schema="contacts",
    )
    op.alter_column(
        "member_orgs", "org_id", existing_type=sa.Text(), existing_nullable=True, comment=MEMBER_ORG, schema="contacts"
    )
    op.create_table_comment("member_orgs", TIMELINE, schema="contacts")
    op.alter_column(
        "contact_points", "org_id", existing_type=sa.Text(), existing_nullable=False, comment=RECORDED_UNDER, schema="contacts"
    )


def downgrade() -> None:
    op.alter_column(
        "contact_points",
        "org_id",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment=None,
        existing_comment=RECORDED_UNDER,
        schema="contacts",
    )
    op.drop_table_comment("member_orgs", existing_comment=TIMELINE, schema="contacts")
    op.alter_column(
        "member_orgs",
        "org_id",
        existing_type=sa.Text(),
        existing_nullable=True,
        comment=None,
        existing_comment=MEMBER_ORG,
        schema="contacts",
    )
    op.alter_column(
        "people",
        "org_id",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment="The org whose base the person belongs to",
        existing_comment=PEOPLE_ORG,
        schema="contacts",
    )
