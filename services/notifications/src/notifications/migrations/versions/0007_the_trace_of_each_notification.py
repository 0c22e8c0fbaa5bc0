"""the trace of each notification: an outbox row keeps the W3C traceparent of the event that planned it, so its
send is a span in that event's trace (a cascade is followed from its HTTP request to its letters)

Rows planned before stay without one (NULL), as do reminders, which the clock plans: their sends start traces of
their own.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-11 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "notifications"
TRACEPARENT = "The W3C traceparent of the event that planned it, its send's parent; NULL when none"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("traceparent", sa.Text(), nullable=True, comment=TRACEPARENT), schema=S)


def downgrade() -> None:
    op.drop_column("outbox", "traceparent", schema=S)
