"""print runs (P2), information meetings (P7), channel access grants (P10, T7); a submission's entry names whose post it is

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_ORG = "Whose post it is: the submitting org, or (T7) one of a territorial org's primary orgs"


def upgrade() -> None:
    op.create_table(
        "print_runs",
        sa.Column("print_run_id", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("print_run_id"),
        schema="contacts",
        comment="Printed agitation material (P2), by the day it was printed",
    )
    op.create_index("print_runs_by_org", "print_runs", ["org_id", "on"], unique=False, schema="contacts")
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("chair_spoke", sa.Boolean(), nullable=False),
        sa.Column("elected_body_spoke", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id"),
        schema="contacts",
        comment="Information meetings of members (P7), by the day they were held",
    )
    op.create_index("meetings_by_org", "meetings", ["org_id", "on"], unique=False, schema="contacts")
    op.create_table(
        "channel_access",
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False, comment="The grant's ledger position"),
        sa.Column("org_id", sa.Text(), nullable=False, comment="The org whose channel it is"),
        sa.Column("to_org_id", sa.Text(), nullable=False, comment="The org given access"),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True, comment="First day without access; null: still so"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "position"),
        schema="contacts",
        comment="Access an org gave to its channels (P10: the parent; T7: the CC's department), one row per grant",
    )
    op.create_index(op.f("ix_contacts_channel_access_org_id"), "channel_access", ["org_id"], unique=False, schema="contacts")
    op.create_index(
        op.f("ix_contacts_channel_access_to_org_id"), "channel_access", ["to_org_id"], unique=False, schema="contacts"
    )
    # entries written before are all the submitting org's own posts; a person holding posts in a territorial org and
    # one of its primary orgs is now on two lines of one submission, so the org joins the key
    op.add_column("submission_entries", sa.Column("org_id", sa.Text(), nullable=True, comment=ENTRY_ORG), schema="contacts")
    op.execute(
        "UPDATE contacts.submission_entries e SET org_id = s.org_id FROM contacts.submissions s"
        " WHERE s.submission_id = e.submission_id"
    )
    op.alter_column("submission_entries", "org_id", existing_type=sa.Text(), nullable=False, schema="contacts")
    op.drop_constraint("submission_entries_pkey", "submission_entries", type_="primary", schema="contacts")
    op.create_primary_key(
        "submission_entries_pkey", "submission_entries", ["submission_id", "org_id", "contact_id"], schema="contacts"
    )


def downgrade() -> None:
    op.drop_constraint("submission_entries_pkey", "submission_entries", type_="primary", schema="contacts")
    op.execute(
        "DELETE FROM contacts.submission_entries e USING contacts.submissions s"
        " WHERE s.submission_id = e.submission_id AND e.org_id <> s.org_id"
    )
    op.create_primary_key("submission_entries_pkey", "submission_entries", ["submission_id", "contact_id"], schema="contacts")
    op.drop_column("submission_entries", "org_id", schema="contacts")
    op.drop_index(op.f("ix_contacts_channel_access_to_org_id"), table_name="channel_access", schema="contacts")
    op.drop_index(op.f("ix_contacts_channel_access_org_id"), table_name="channel_access", schema="contacts")
    op.drop_table("channel_access", schema="contacts")
    op.drop_index("meetings_by_org", table_name="meetings", schema="contacts")
    op.drop_table("meetings", schema="contacts")
    op.drop_index("print_runs_by_org", table_name="print_runs", schema="contacts")
    op.drop_table("print_runs", schema="contacts")
