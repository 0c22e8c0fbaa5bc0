"""contact points as the shared mirror keeps them (profset-mirrors, with audits): the same table, its comments as
audits' — the rows and their shape stay

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "kpi"
COLUMNS = {
    "kind": (None, "work_email, personal_email, mobile or messenger; never the address"),
    "consent_from": (
        "Personal addresses: usable from the consent's date",
        "Personal addresses: usable from the day consent was given",
    ),
    "consent_until": (
        "…until the day it was withdrawn",
        "…until the day it was withdrawn (a state with both is a consent that ended)",
    ),
}
"""Each column's comment: the shared mirror's, then kpi's own before."""
KINDS = {"kind": sa.Text(), "consent_from": sa.Date(), "consent_until": sa.Date()}
TABLE = (
    "A contact point as each of its events left it (consent is given and withdrawn again and again): the latest "
    "recorded by `known_on` stands",
    "A contact point as each of its events left it, without its value (K6): the latest recorded by `known_on` stands, "
    "and the states with a withdrawal keep each consent that ended",
)


def upgrade() -> None:
    _comment(0)


def downgrade() -> None:
    _comment(1)


def _comment(which: int) -> None:
    for name, comments in COLUMNS.items():
        was = comments[1 - which]
        op.alter_column(
            "contact_points", name, existing_type=KINDS[name], comment=comments[which], existing_comment=was, schema=S
        )
    op.create_table_comment("contact_points", TABLE[which], existing_comment=TABLE[1 - which], schema=S)
