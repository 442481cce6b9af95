"""The worker: dispatches stored events into deliveries, claims due jobs and runs each in one transaction.

A claim is its own short transaction: the job becomes `running` under this worker's lease and its attempt is
counted, so a job that kills every worker that runs it still ends `failed`. The work then runs in a second
transaction that first locks the job row and checks the lease is still ours, and marks the job done in the
same commit as the handler's changes: the effect and the completion are one. A worker killed mid-job leaves
the job `running` with its lease; once the lease has expired any worker takes it again.

On PostgreSQL the claim reads with FOR UPDATE SKIP LOCKED and the run holds the row lock, so two workers never
hold one job. On SQLite both transactions begin IMMEDIATE: the single writer does one at a time.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, select
from sqlalchemy.orm import Session

from hotdash.clock import Clock
from hotdash.db.session import unit_of_work, writing_session_factory
from hotdash.kernel.jobs.models import Job, JobState, OutboxEvent
from hotdash.kernel.jobs.queue import LIVE, backoff, enqueue
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.scrub import scrub_error
from hotdash.settings import Settings

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 200
# How often a worker checks that each recurring job is queued (a read; it writes only if one is missing).
RECURRING_CHECK_S = 30.0


@dataclass(frozen=True)
class WorkerConfig:
    """How long a claim lasts, how often an idle worker looks for work, how retries back off."""

    lease: timedelta = timedelta(minutes=5)
    poll_seconds: float = 1.0
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        """Read the worker's settings (HOTDASH_JOBS_*)."""
        return cls(
            lease=timedelta(seconds=settings.jobs_lease_seconds),
            poll_seconds=settings.jobs_poll_seconds,
            retry_base_seconds=settings.jobs_retry_base_seconds,
            retry_max_seconds=settings.jobs_retry_max_seconds,
        )


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds the lease of."""

    id: int
    kind: str
    attempt: int
    max_attempts: int


def worker_name() -> str:
    """Return a name no other worker has: host, process and a random part (a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs the jobs of one database with the handlers of `registry`."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        clock: Clock,
        *,
        config: WorkerConfig | None = None,
        name: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        # Both transactions read then write while others commit: on SQLite they take the lock at BEGIN.
        self._factory = writing_session_factory(engine)
        self.registry = registry
        self.clock = clock
        self.config = config or WorkerConfig()
        self.name = name or worker_name()
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._next_recurring_check = 0.0

    # The loop.

    def run(self) -> None:
        """Dispatch and run jobs until `stop` is called; the job in progress is finished first."""
        logger.info("job worker %s started", self.name)
        while not self._stop.is_set():
            try:
                busy = self.step()
            except Exception:  # the database may be away for a moment; the next poll tries again
                logger.exception("job worker step failed")
                busy = False
            if not busy:
                self._wake.wait(self.config.poll_seconds)
                self._wake.clear()
        logger.info("job worker %s stopped", self.name)

    def stop(self) -> None:
        """Ask the loop to end after the job in progress (safe from a signal handler or another thread)."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Ask an idle loop to look for work now."""
        self._wake.set()

    def step(self) -> bool:
        """Dispatch waiting events, then run one due job; return whether there was anything to do."""
        self._ensure_recurring()
        jobs_due, events_waiting = self._waiting()
        if not (jobs_due or events_waiting):
            return False
        dispatched = self.dispatch() if events_waiting else 0
        claimed = self.claim() if jobs_due or dispatched else None
        if claimed is not None:
            self.execute(claimed)
        return dispatched > 0 or claimed is not None

    def drain(self, *, limit: int = 1_000_000) -> int:
        """Run until nothing is due (or `limit` steps); return how many steps did something."""
        steps = 0
        while steps < limit and self.step():
            steps += 1
        return steps

    # The parts.

    def _ensure_recurring(self) -> None:
        """Queue each recurring kind that has no live job (first start, or after its job failed for good)."""
        kinds = self.registry.recurring
        if not kinds or time.monotonic() < self._next_recurring_check:
            return
        self._next_recurring_check = time.monotonic() + RECURRING_CHECK_S
        with self._engine.connect() as connection:
            live = select(Job.key).where(Job.key.in_(kinds), Job.state.in_(LIVE))
            missing = set(kinds) - set(connection.scalars(live))
        if missing:
            with unit_of_work(self._factory) as session:
                for kind in sorted(missing):
                    enqueue(session=session, kind=kind, payload={}, now=self.clock.now(), key=kind)

    def _due(self, now: datetime) -> ColumnElement[bool]:
        queued = and_(Job.state == JobState.queued.value, Job.run_at <= now)
        abandoned = and_(Job.state == JobState.running.value, Job.lease_expires_at < now)
        return or_(queued, abandoned)

    def _waiting(self) -> tuple[bool, bool]:
        # Plain reads first: an idle worker must not take SQLite's write lock every poll.
        now = self.clock.now()
        with self._engine.connect() as connection:
            job = connection.scalar(select(Job.id).where(self._due(now)).limit(1))
            waiting = select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).limit(1)
            return job is not None, connection.scalar(waiting) is not None

    def dispatch(self, *, limit: int = DISPATCH_BATCH) -> int:
        """Turn stored events into one delivery job per subscriber, in event order; return how many events."""
        with unit_of_work(self._factory) as session:
            query = (
                select(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            events = list(session.scalars(query))
            now = self.clock.now()
            for event in events:
                for subscription in self.registry.subscriptions.get(event.type, []):
                    payload = {"event_id": event.id, "type": event.type, "data": event.data}
                    session.add(_delivery(subscription.kind, payload, subscription.max_attempts, now))
                event.dispatched_at = now
        return len(events)

    def claim(self) -> Claimed | None:
        """Take the next due job under this worker's lease (its attempt counted), or None."""
        with unit_of_work(self._factory) as session:
            now = self.clock.now()
            query = (
                select(Job)
                .where(self._due(now))
                .order_by(Job.run_at, Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            job = session.scalar(query)
            if job is None:
                return None
            if job.state == JobState.running.value and job.attempts >= job.max_attempts:
                # Its last attempt never came back (the worker died): running it again would exceed the limit.
                _finish(job, JobState.failed, now, f"the worker running attempt {job.attempts} stopped")
                logger.warning("job %d %s failed: its last attempt's worker stopped", job.id, job.kind)
                return None
            job.state = JobState.running.value
            job.attempts += 1
            job.lease_owner = self.name
            job.lease_expires_at = now + self.config.lease
            job.started_at = now
            return Claimed(job.id, job.kind, job.attempts, job.max_attempts)

    def execute(self, claimed: Claimed) -> str:
        """Run a claimed job's handler and mark it done in one transaction; on error, retry later or fail."""
        began = time.perf_counter()
        again: datetime | None = None
        try:
            with unit_of_work(self._factory) as session:
                job = self._held(session, claimed.id)
                if job is None:
                    logger.warning("job %d %s: lease lost before it ran; not run", claimed.id, claimed.kind)
                    return "lost"
                kind = self.registry.kinds.get(job.kind)
                if kind is None:
                    raise LookupError(f"no handler is registered for job kind {job.kind!r}")
                again = kind.handler(session=session, payload=job.payload)
                if again is None:
                    _finish(job, JobState.done, self.clock.now(), None)
                else:
                    _again(job, again)
        except Exception as error:
            return self._failed(claimed, error)
        took = (time.perf_counter() - began) * 1000
        if again is not None:
            # A recurring job's run is not its end: say when it comes back instead of "done".
            logger.info(
                "job %d %s ran (%.0f ms), next at %s", claimed.id, claimed.kind, took, f"{again:%H:%M:%S}"
            )
            return JobState.queued.value
        logger.info(
            "job %d %s done (attempt %d/%d, %.0f ms)",
            claimed.id,
            claimed.kind,
            claimed.attempt,
            claimed.max_attempts,
            took,
        )
        return JobState.done.value

    def _held(self, session: Session, job_id: int) -> Job | None:
        query = (
            select(Job)
            .where(Job.id == job_id, Job.state == JobState.running.value, Job.lease_owner == self.name)
            .with_for_update()
        )
        return session.scalar(query)

    def _failed(self, claimed: Claimed, error: Exception) -> str:
        message = scrub_error(error)
        with unit_of_work(self._factory) as session:
            job = self._held(session, claimed.id)
            if job is None:
                return "lost"
            now = self.clock.now()
            if job.attempts >= job.max_attempts:
                _finish(job, JobState.failed, now, message)
                logger.warning(
                    "job %d %s failed for good after %d attempts: %s", job.id, job.kind, job.attempts, message
                )
                return JobState.failed.value
            delay = backoff(
                job.attempts,
                base=self.config.retry_base_seconds,
                cap=self.config.retry_max_seconds,
                rng=self._rng,
            )
            job.state = JobState.queued.value
            job.run_at = now + delay
            job.lease_owner = None
            job.lease_expires_at = None
            job.last_error = message
            logger.warning(
                "job %d %s attempt %d/%d failed, retry in %.0f s: %s",
                job.id,
                job.kind,
                job.attempts,
                job.max_attempts,
                delay.total_seconds(),
                message,
            )
            return JobState.queued.value


def _finish(job: Job, state: JobState, now: datetime, error: str | None) -> None:
    job.state = state.value
    job.finished_at = now
    job.lease_owner = None
    job.lease_expires_at = None
    if error is not None:  # a job done after retries keeps its last error: it shows what was retried
        job.last_error = error


def _again(job: Job, at: datetime) -> None:
    # A recurring job keeps its row: no table growth from a rule schedule that runs every few seconds.
    job.state = JobState.queued.value
    job.run_at = at
    job.attempts = 0
    job.lease_owner = None
    job.lease_expires_at = None


def _delivery(kind: str, payload: dict[str, Any], max_attempts: int, now: datetime) -> Job:
    return Job(
        kind=kind,
        payload=payload,
        state=JobState.queued.value,
        attempts=0,
        max_attempts=max_attempts,
        run_at=now,
        created_at=now,
    )
