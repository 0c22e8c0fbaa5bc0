"""sheets to print and their postings: a cascade may ask primary orgs to print the material for their notice boards
(cascade_runs.print_sheets, deliveries.print_sheet), and contacts' refreshes of a board naming a material are kept
(postings), so an inbox shows what is still to print

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "exchange"


def upgrade() -> None:
    false = sa.false()
    op.add_column(
        "cascade_runs",
        sa.Column("print_sheets", sa.Boolean, nullable=False, server_default=false, comment="Primary orgs are asked to print it"),
        schema=SCHEMA,
    )
    op.add_column(
        "deliveries",
        sa.Column("print_sheet", sa.Boolean, nullable=False, server_default=false, comment="Asked to print it for the notice board"),
        schema=SCHEMA,
    )
    op.create_table(
        "postings",
        sa.Column("org_id", sa.Text, primary_key=True),
        sa.Column("material_id", sa.Text, primary_key=True),
        sa.Column("channel_id", sa.Text, primary_key=True),
        sa.Column("posted_on", sa.Date, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, comment="The contacts ledger position of the refresh"),
        comment="Sheets of materials posted on orgs' notice boards: contacts' channel refreshes naming a material (P1)",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("postings", schema=SCHEMA)
    op.drop_column("deliveries", "print_sheet", schema=SCHEMA)
    op.drop_column("cascade_runs", "print_sheets", schema=SCHEMA)
