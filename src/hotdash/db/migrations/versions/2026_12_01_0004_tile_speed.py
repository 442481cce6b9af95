"""tile speed: delay spans, on-time by ship-by hour, silent parcels and operators' tickets indexed

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
    # When each order was past its promise (hotdash.store.delays), so "delayed a week ago" reads a few rows.
    op.create_table(
        "delay_spans",
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("promise_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ship_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_delay_spans_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_delay_spans_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delay_spans")),
    )
    with op.batch_alter_table("delay_spans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delay_spans_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_delay_spans_store_ends",
            ["store_id", "ends_at", "promise_at", "starts_at", "ship_by", "status", "order_id", "total"],
            unique=False,
        )
    # Live orders due to ship per UTC hour and how many shipped on time: the on-time ship rate of any week.
    op.create_table(
        "ship_by_hourly",
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_ship_by_hourly_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_by_hourly")),
        sa.UniqueConstraint("store_id", "hour", name="uq_ship_by_hourly_store_hour"),
    )
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
    op.drop_table("ship_by_hourly")
    op.drop_table("delay_spans")
