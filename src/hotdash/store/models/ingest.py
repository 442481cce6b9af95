"""Where data comes from: configured sources, webhook deliveries as received, and file import runs.

These tables belong to the ingestion side of the store. The canonical tables say what the business looks like;
these say how each record got there, so nothing accepted is ever lost or taken twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType


class Source(IdMixin, Base):
    """A configured connection to Shopify, a helpdesk or web analytics, with its sync state.

    `key` is the value written to the `source` column of every record it brings in. Secrets (tokens, webhook
    signing secrets) live only in `secret_ciphertext`, encrypted; `settings` holds what is safe to show.
    """

    __tablename__ = "sources"

    key: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), doc="shopify, zendesk, chatwoot, ga4, gsc, file, api")
    store_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[str] = mapped_column(Text, default="{}", doc="JSON of the non-secret settings")
    secret_ciphertext: Mapped[str | None] = mapped_column(Text, doc="encrypted JSON of the secrets")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[str | None] = mapped_column(Text, doc="where the next incremental sync resumes")
    last_sync_started_at: Mapped[datetime | None]
    last_sync_finished_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_record_at: Mapped[datetime | None] = mapped_column(doc="newest source-side update seen: the lag")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundEvent(IdMixin, Base):
    """One webhook delivery exactly as received, committed before it is acknowledged.

    The (source, delivery_id) key makes a redelivery of the same event a no-op, which is what at-least-once
    senders need. Mapping into the canonical tables happens after the acknowledgement, from this row.
    """

    __tablename__ = "inbound_events"

    source: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(128), doc="the sender's id for the delivery")
    topic: Mapped[str] = mapped_column(String(64), doc="e.g. orders/updated")
    shop: Mapped[str | None] = mapped_column(String(255), doc="the sending shop or account")
    received_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text, doc="the body as received, UTF-8")
    status: Mapped[str] = mapped_column(String(16), default="pending", doc="pending, processed, failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("source", "delivery_id"),)


class ImportRun(IdMixin, Base):
    """One file import or API batch: what it brought and what it turned away."""

    __tablename__ = "import_runs"

    source: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str | None] = mapped_column(String(255))
    actor: Mapped[str | None] = mapped_column(String(255), doc="the user or token that started it")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), doc="running, done, failed")
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    rejects: Mapped[str | None] = mapped_column(Text, doc="the rejected rows with their reasons, to fix")
    store_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("stores.id"))
    format: Mapped[str | None] = mapped_column(String(8), doc="csv, ndjson or json: the rejects' format too")
    stale: Mapped[int] = mapped_column(Integer, default=0, doc="records older than what is stored")


# The imports page lists the newest runs first.
Index("ix_import_runs_started_at", ImportRun.started_at)
# The processor drains pending deliveries oldest first.
Index("ix_inbound_events_status_id", InboundEvent.status, InboundEvent.id)
