"""page_traffic: search clicks and impressions from Search Console

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:00:00

Search Console counts clicks from Google's results, GA4 counts sessions from every channel. Both land on the
same (store, day, page) row, so each gets its own columns instead of one overwriting the other.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("page_traffic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_clicks", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("search_impressions", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("page_traffic", schema=None) as batch_op:
        batch_op.drop_column("search_impressions")
        batch_op.drop_column("search_clicks")
