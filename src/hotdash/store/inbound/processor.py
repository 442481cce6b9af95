"""Drain stored deliveries oldest first through each source's handler; record every outcome on the row.

A handler that can (`BatchHandler`) maps a run of deliveries into one canonical batch and writes it with one
`upsert_batch`, which is what makes draining thousands of deliveries fast; it reports each delivery's outcome
from its own records. Otherwise, or if the whole run raises, each delivery is mapped inside its own SAVEPOINT,
so one that fails is rolled back alone and marked `failed` with its error while the rest commits. A failed
delivery is never dropped: later drains try it again until it has had `max_attempts`, and `retry_failed`
puts it back in line after a fix.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotdash.clock import Clock
from hotdash.db.session import writing_session_factory
from hotdash.store.inbound.registry import BatchHandler, Handled, Registry
from hotdash.store.models.ingest import InboundEvent

logger = logging.getLogger(__name__)

MAX_ERROR = 2000
PROCESS_KIND = "inbound.process"


@dataclass
class DrainResult:
    """How many deliveries one drain took and what became of them."""

    processed: int = 0
    ignored: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.processed + self.ignored + self.failed


def _runs_by_source(events: list[InboundEvent]) -> list[list[InboundEvent]]:
    """Split events (in id order) into runs of consecutive events of one source, keeping the order."""
    runs: list[list[InboundEvent]] = []
    for event in events:
        if runs and runs[-1][0].source == event.source:
            runs[-1].append(event)
        else:
            runs.append([event])
    return runs


class InboundProcessor:
    """Map pending deliveries in batches of `batch_size`, one transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        clock: Clock,
        *,
        batch_size: int = 200,
        max_attempts: int = 3,
    ) -> None:
        self._engine = engine
        # Mapping reads then writes while the webhook writer commits: on SQLite its transactions must hold the
        # write lock from BEGIN, or the upgrade from reading to writing fails with "database is locked".
        self._factory = writing_session_factory(engine)
        self._registry = registry
        self._clock = clock
        self.batch_size = self._batch_size = batch_size
        self._max_attempts = max_attempts
        # The job and a CLI run could drain at once; within one process, one drain at a time.
        self._lock = threading.Lock()

    def drain(self, *, limit: int | None = None) -> DrainResult:
        """Process pending deliveries oldest first, then earlier failures once each; return the counts."""
        result = DrainResult()
        with self._lock:
            last_id = 0
            while (limit is None or result.total < limit) and self._has_work(after=last_id):
                size = self._batch_size if limit is None else min(self._batch_size, limit - result.total)
                taken, last_id = self._batch(result, size, after=last_id)
                if taken == 0:
                    break
        return result

    def _waiting(self, after: int) -> ColumnElement[bool]:
        table = InboundEvent
        retryable = (table.status == "failed") & (table.attempts < self._max_attempts)
        return or_(table.status == "pending", retryable) & (table.id > after)

    def _has_work(self, *, after: int) -> bool:
        # A plain read first: an idle drain must not take SQLite's write lock, which would make other
        # connections' transactions that read and then write fail at once.
        with self._engine.connect() as connection:
            query = select(InboundEvent.id).where(self._waiting(after)).limit(1)
            return connection.scalar(query) is not None

    def _batch(self, result: DrainResult, size: int, *, after: int) -> tuple[int, int]:
        with self._factory() as session:
            taken = self.process_batch(session=session, result=result, size=size, after=after)
            session.commit()
        return taken

    def process_batch(
        self, *, session: Session, result: DrainResult, size: int | None = None, after: int = 0
    ) -> tuple[int, int]:
        """Map the next waiting deliveries in `session` (the caller commits); return (taken, last id)."""
        # Several processes may drain at once (job workers, the CLI): on PostgreSQL each takes rows the
        # others have not locked; SQLite's IMMEDIATE transactions run one at a time (no FOR UPDATE there).
        query = (
            select(InboundEvent)
            .where(self._waiting(after))
            .order_by(InboundEvent.id)
            .limit(size or self._batch_size)
            .with_for_update(skip_locked=True)
        )
        events = list(session.scalars(query))
        for run in _runs_by_source(events):
            self._run(session, run, result)
        return len(events), (events[-1].id if events else after)

    def _run(self, session: Session, events: list[InboundEvent], result: DrainResult) -> None:
        """Map consecutive deliveries of one source: all at once when the handler can, else one by one."""
        handler = self._registry.handlers.get(events[0].source)
        if isinstance(handler, BatchHandler) and len(events) > 1:
            try:
                with session.begin_nested():
                    outcomes = handler.process_many(session=session, events=events)
            except OperationalError:
                raise  # the database is away or busy, not a delivery at fault: roll back, drain again later
            except Exception:
                # Something no single record explains: find the delivery at fault by mapping them singly.
                logger.exception(
                    "inbound %s batch failed; mapping its deliveries one by one", events[0].source
                )
            else:
                for event, outcome in zip(events, outcomes, strict=True):
                    event.attempts += 1
                    self._record(event, outcome, result)
                return
        for event in events:
            self._one(session, event, result)

    def _one(self, session: Session, event: InboundEvent, result: DrainResult) -> None:
        handler = self._registry.handlers.get(event.source)
        event.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no processor is registered for source {event.source!r}")
            with session.begin_nested():
                outcome = handler.process(session=session, event=event)
        except OperationalError:
            raise
        except Exception as error:
            outcome = Handled("failed", f"{type(error).__name__}: {error}")
        self._record(event, outcome, result)

    def _record(self, event: InboundEvent, outcome: Handled, result: DrainResult) -> None:
        event.status = outcome.status
        event.processed_at = self._clock.now()
        if outcome.status == "ignored":
            event.error = (
                outcome.message or f"topic {event.topic!r} is not mapped by HotDash; kept as received"
            )
            result.ignored += 1
        elif outcome.status == "failed":
            event.error = (outcome.message or "some records were refused")[:MAX_ERROR]
            event.processed_at = None
            result.failed += 1
            logger.warning("inbound %s delivery %s failed: %s", event.source, event.delivery_id, event.error)
        else:
            # A processed delivery may carry a note of what it could not link yet.
            event.error = outcome.message[:MAX_ERROR] if outcome.message else None
            result.processed += 1

    def retry_failed(self, *, source: str | None = None, include_ignored: bool = False) -> int:
        """Put failed (and, if asked, ignored) deliveries back in line; return how many."""
        states = ["failed", "ignored"] if include_ignored else ["failed"]
        statement = (
            update(InboundEvent)
            .where(InboundEvent.status.in_(states))
            .values(status="pending", attempts=0, error=None)
        )
        if source is not None:
            statement = statement.where(InboundEvent.source == source)
        with self._factory() as session:
            count = session.execute(statement).rowcount  # type: ignore[attr-defined]
            session.commit()
        return int(count or 0)


@dataclass
class ProcessInbound:
    """The recurring job `inbound.process`: maps a batch of waiting deliveries in the job's transaction.

    A full batch queues the job again at once; otherwise it comes back after `idle`. The webhook writer
    makes it due at once whenever it stores new deliveries (`wake_recurring` in the same commit).
    """

    processor: InboundProcessor
    clock: Clock
    idle: timedelta = timedelta(seconds=30)
    # Where this pass over the waiting deliveries has got to: as in `drain`, a delivery that failed is tried
    # again in the next pass, not over and over ahead of the new ones.
    _after: int = field(default=0, init=False)

    def __call__(self, *, session: Session, payload: dict[str, Any]) -> datetime:
        """Map one batch; return when to look again."""
        result = DrainResult()
        taken, last = self.processor.process_batch(session=session, result=result, after=self._after)
        if taken:
            logger.info(
                "inbound: %d processed, %d ignored, %d failed",
                result.processed,
                result.ignored,
                result.failed,
            )
        now = self.clock.now()
        if taken >= self.processor.batch_size:
            self._after = last
            return now
        self._after = 0
        return now + self.idle
