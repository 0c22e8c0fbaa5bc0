"""the duties still missing: print runs (P2), meetings (P7), channel access (P10, T7), contact points (C2), the
CC's reviews (C1), subscription formats (P11) and where a base went (T3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACTS_MIRROR = ('resources', 'refreshes', 'subscriptions', 'submissions')


def upgrade() -> None:
    op.add_column(
        'subscriptions',
        sa.Column('format', sa.Text(), server_default='print', nullable=False, comment='print or electronic; P11 adds them up'),
        schema='audits',
    )
    op.add_column(
        'submissions',
        sa.Column('parent_id', sa.Text(), nullable=True, comment="The org it went to (T3: a territorial org keeps its primary orgs' bases)"),
        schema='audits',
    )
    op.create_table('print_runs',
    sa.Column('print_run_id', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('print_run_id'),
    schema='audits'
    )
    op.create_index('print_runs_by_org', 'print_runs', ['org_id', 'on'], unique=False, schema='audits')
    op.create_table('meetings',
    sa.Column('meeting_id', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('chair_spoke', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('meeting_id'),
    schema='audits'
    )
    op.create_index('meetings_by_org', 'meetings', ['org_id', 'on'], unique=False, schema='audits')
    op.create_table('grants',
    sa.Column('channel_id', sa.Text(), nullable=False),
    sa.Column('to_org_id', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False, comment='Contacts ledger position of the grant'),
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True, comment='First day without access, once revoked'),
    sa.PrimaryKeyConstraint('channel_id', 'to_org_id', 'position'),
    schema='audits'
    )
    op.create_index(op.f('ix_audits_grants_org_id'), 'grants', ['org_id'], unique=False, schema='audits')
    op.create_table('contact_points',
    sa.Column('contact_id', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('consent_from', sa.Date(), nullable=True, comment='Personal addresses: usable from the consent\'s date'),
    sa.Column('consent_until', sa.Date(), nullable=True, comment='…until the day it was withdrawn'),
    sa.Column('gone', sa.Boolean(), server_default='false', nullable=False, comment='Erased or merged into another'),
    sa.PrimaryKeyConstraint('contact_id'),
    schema='audits'
    )
    op.create_index(op.f('ix_audits_contact_points_person_id'), 'contact_points', ['person_id'], unique=False, schema='audits')
    op.create_table('reviews',
    sa.Column('review_id', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Text(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('review_id'),
    schema='audits'
    )
    op.create_index(op.f('ix_audits_reviews_org_id'), 'reviews', ['org_id'], unique=False, schema='audits')
    # the contacts facts are read again from the start of the CONTACTS stream: the old rows lack the subscriptions'
    # formats and the submissions' parents, and contact points were never kept
    for table in CONTACTS_MIRROR:
        op.execute(f'TRUNCATE audits.{table}')
    op.execute("DELETE FROM audits.checkpoints WHERE consumer = 'audits_contacts-facts'")
    op.execute("DELETE FROM audits.pending WHERE consumer = 'audits_contacts-facts'")


def downgrade() -> None:
    for table in ('reviews', 'contact_points', 'grants', 'meetings', 'print_runs'):
        op.drop_table(table, schema='audits')
    op.drop_column('submissions', 'parent_id', schema='audits')
    op.drop_column('subscriptions', 'format', schema='audits')
