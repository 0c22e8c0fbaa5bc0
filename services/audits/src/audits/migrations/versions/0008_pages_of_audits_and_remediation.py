"""pages of audits and remediation items (issue 32): the lists are read a page at a time in their order, ties by id

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('audits_by_plan', 'audits', ['planned_on', 'audit_id'], unique=False, schema='audits')
    op.create_index('remediation_by_due', 'remediation', ['due_on', 'item_id'], unique=False, schema='audits')


def downgrade() -> None:
    op.drop_index('remediation_by_due', table_name='remediation', schema='audits')
    op.drop_index('audits_by_plan', table_name='audits', schema='audits')
