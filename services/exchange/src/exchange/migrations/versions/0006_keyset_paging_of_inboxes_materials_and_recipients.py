"""keyset paging of inboxes, materials and recipients: each list's index ends in its order's date and the row's id, so
a page starts after the (date, id) of the page before without reading the rows before it (issue 32)

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-20 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "exchange"


def upgrade() -> None:
    op.drop_index("ix_exchange_materials_org_id", table_name="materials", schema=SCHEMA)
    op.create_index("materials_by_org", "materials", ["org_id", "drafted_at", "material_id"], schema=SCHEMA)
    op.drop_index("deliveries_by_material", table_name="deliveries", schema=SCHEMA)
    op.create_index("deliveries_by_material", "deliveries", ["material_id", "delivered_at", "org_id"], schema=SCHEMA)
    op.drop_index("deliveries_by_org", table_name="deliveries", schema=SCHEMA)
    op.create_index("deliveries_by_org", "deliveries", ["org_id", "delivered_at", "material_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("deliveries_by_org", table_name="deliveries", schema=SCHEMA)
    op.create_index("deliveries_by_org", "deliveries", ["org_id", "delivered_at"], schema=SCHEMA)
    op.drop_index("deliveries_by_material", table_name="deliveries", schema=SCHEMA)
    op.create_index("deliveries_by_material", "deliveries", ["material_id"], schema=SCHEMA)
    op.drop_index("materials_by_org", table_name="materials", schema=SCHEMA)
    op.create_index("ix_exchange_materials_org_id", "materials", ["org_id"], schema=SCHEMA)
