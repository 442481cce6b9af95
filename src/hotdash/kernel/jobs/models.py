"""The job queue's and the outbox's tables: work and events written in the transaction that causes them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin


class JobState(StrEnum):
    """Where a job is in its life."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


# A dedupe key names work that must not be queued twice while it waits or runs (e.g. "run rule X");
# once it is done or failed the same key may be queued again.
LIVE_STATES = "state IN ('queued', 'running')"


class Job(IdMixin, Base):
    """One piece of work: its kind names the handler, its payload is what the handler needs."""

    __tablename__ = "jobs"
    __table_args__ = (
        # The worker's claim: the next due queued job, or a running one whose lease ran out.
        Index("ix_jobs_state_run_at", "state", "run_at"),
        Index(
            "uq_jobs_live_key",
            "key",
            unique=True,
            sqlite_where=text(LIVE_STATES),
            postgresql_where=text(LIVE_STATES),
        ),
    )

    kind: Mapped[str] = mapped_column(String(96))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=JobState.queued.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OutboxEvent(IdMixin, Base):
    """A domain event, stored with the change that made it; the dispatcher turns it into deliveries."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_dispatched", "dispatched_at", "id"),)

    type: Mapped[str] = mapped_column(String(96))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
