"""tile speed: undelivered parcels by last scan, operators' tickets covered

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An expression index: the silent-parcel check filters on the parcel's last scan or, before any scan,
    # its ship time (hotdash.tiles.fulfillment._silent), so it reads only the silent parcels.
    op.create_index(
        "ix_shipments_undelivered_last_scan",
        "shipments",
        ["delivered_at", sa.text("coalesce(last_event_at, shipped_at)")],
        unique=False,
    )
    # Team Performance reads each operator's tickets' scores and first response from the index alone.
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_created")
        batch_op.create_index(
            "ix_tickets_assignee_created",
            ["assignee_id", "created_at", "first_response_at", "quality_score", "csat", "is_escalated"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_created")
        batch_op.create_index("ix_tickets_assignee_created", ["assignee_id", "created_at"], unique=False)
    op.drop_index("ix_shipments_undelivered_last_scan", table_name="shipments")
