"""members reached each once (K6): the registry's dated membership timeline and erasures, and contacts' contact points
(kind, consent, erased or merged; never the address), each row with its source position and recording time

The registry's and contacts' facts are emptied and read again from the start of their streams, so the new tables learn
every membership and contact point recorded before (as `profset rebuild kpi` does).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "kpi"
STAMP = sa.DateTime(timezone=True)
SOURCE = "When the source recorded it (`known_on` counts only what was recorded by then)"
REPLAYED = {
    "kpi_registry": ("orgs", "org_parents", "headcounts", "posts", "trainings", "budgets"),
    "kpi_contacts": ("channels", "channel_stats"),
}
"""The consumers that replay their streams, and what they had learnt."""


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("person_id", sa.Text(), primary_key=True),
        sa.Column(
            "position",
            sa.BigInteger(),
            primary_key=True,
            comment="Registry ledger position: of two steps valid the same day, the later wins",
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column(
            "org_id", sa.Text(), comment="The member's org from effective_on; NULL: no longer a member from that day"
        ),
        sa.Column("recorded_at", STAMP, nullable=False, comment=SOURCE),
        comment="Each person's dated membership timeline (admitted, transferred, left; K6), with its recording times: "
        "no names",
        schema=S,
    )
    op.create_index("ix_kpi_memberships_org_id", "memberships", ["org_id"], schema=S)
    op.create_table(
        "erasures",
        sa.Column("person_id", sa.Text(), primary_key=True),
        sa.Column(
            "recorded_at",
            STAMP,
            nullable=False,
            comment="When the registry recorded the erasure (PD1): the person's addresses are gone from then",
        ),
        comment="People whose personal data was erased (PD1): none of their addresses counts (K6)",
        schema=S,
    )
    op.create_table(
        "contact_points",
        sa.Column("contact_id", sa.Text(), primary_key=True),
        sa.Column(
            "position", sa.BigInteger(), primary_key=True, comment="Contacts ledger position of the event that left it so"
        ),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column(
            "kind", sa.Text(), nullable=False, comment="work_email, personal_email, mobile or messenger; never the address"
        ),
        sa.Column("consent_from", sa.Date(), comment="Personal addresses: usable from the day consent was given"),
        sa.Column(
            "consent_until",
            sa.Date(),
            comment="…until the day it was withdrawn (a state with both is a consent that ended)",
        ),
        sa.Column("gone", sa.Boolean(), nullable=False, server_default="false", comment="Erased or merged into another"),
        sa.Column("recorded_at", STAMP, nullable=False, comment=SOURCE),
        comment="A contact point as each of its events left it, without its value (K6): the latest recorded by "
        "`known_on` stands, and the states with a withdrawal keep each consent that ended",
        schema=S,
    )
    op.create_index("ix_kpi_contact_points_person_id", "contact_points", ["person_id"], schema=S)
    _replay()


def _replay() -> None:
    """Empties what the registry's and contacts' consumers learnt, with their checkpoints, so they read their streams
    from the start (the projector makes each consumer afresh from its checkpoint, filtered to what it now takes)."""
    for consumer, tables in REPLAYED.items():
        for table in tables:
            op.execute(f"TRUNCATE {S}.{table}")
        op.execute(f"DELETE FROM {S}.checkpoints WHERE consumer = '{consumer}'")
        op.execute(f"DELETE FROM {S}.pending WHERE consumer = '{consumer}'")


def downgrade() -> None:
    for table in ("contact_points", "erasures", "memberships"):
        op.drop_table(table, schema=S)
    _replay()
