"""Putting work in the queue, reading it and putting failed work back: services that flush, never commit."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotdash.kernel.jobs.models import Job, JobState
from hotdash.kernel.jobs.registry import DEFAULT_MAX_ATTEMPTS

LIVE = (JobState.queued.value, JobState.running.value)


def enqueue(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Job:
    """Queue a job in the caller's transaction; with `key`, return the live job of that key if any."""
    if key is not None:
        found = _live_with_key(session, key)
        if found is not None:
            return found
    job = Job(
        kind=kind,
        payload=payload,
        key=key,
        state=JobState.queued.value,
        attempts=0,
        max_attempts=max_attempts,
        run_at=run_at or now,
        created_at=now,
    )
    if key is None:
        session.add(job)
        session.flush()
        return job
    try:
        # Another transaction may have queued the same key since the look-up (PostgreSQL): the unique index
        # refuses the second, and the SAVEPOINT keeps the caller's transaction usable.
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        found = _live_with_key(session, key)
        if found is None:
            raise
        return found
    return job


def _live_with_key(session: Session, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.key == key, Job.state.in_(LIVE)))


def backoff(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> timedelta:
    """Return how long to wait after the `attempts`-th failure: base * 2^(attempts-1), capped, plus 0-25%."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    # The jitter spreads retries of jobs that failed together (a database restart) over a quarter of the wait.
    jitter = (rng or random).uniform(0.0, 0.25)
    return timedelta(seconds=delay * (1 + jitter))


def get_job(*, session: Session, job_id: int) -> Job | None:
    """Return the job with `job_id`, or None."""
    return session.get(Job, job_id)


def list_jobs(*, session: Session, state: str | None = None, limit: int = 200) -> Sequence[Job]:
    """Return the newest jobs (of `state`), newest first."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Job.state == state)
    return session.scalars(query).all()


def count_by_state(*, session: Session) -> dict[str, int]:
    """Return how many jobs are in each state (every state, zero included)."""
    counts = {state.value: 0 for state in JobState}
    for state, count in session.execute(select(Job.state, func.count()).group_by(Job.state)):
        counts[state] = int(count)
    return counts


class NotRetryable(ValueError):
    """Only a failed job can be retried."""


def retry_job(*, session: Session, job: Job, now: datetime) -> Job:
    """Put a failed job back in the queue, due now, with its attempts reset; keep its last error to read."""
    if job.state != JobState.failed.value:
        raise NotRetryable(f"Job {job.id} is {job.state}; only a failed job can be retried.")
    if job.key is not None and _live_with_key(session, job.key) is not None:
        raise NotRetryable(f"Job {job.id} is not retried: another job for {job.key!r} is already queued.")
    job.state = JobState.queued.value
    job.attempts = 0
    job.run_at = now
    job.finished_at = None
    job.lease_owner = None
    job.lease_expires_at = None
    session.flush()
    return job


def retry_all_failed(*, session: Session, now: datetime) -> int:
    """Put every failed job back in the queue; return how many."""
    failed = list(session.scalars(select(Job).where(Job.state == JobState.failed.value).order_by(Job.id)))
    retried = 0
    for job in failed:
        try:
            retry_job(session=session, job=job, now=now)
        except NotRetryable:
            continue
        retried += 1
    return retried


def wake_recurring(*, connection: Connection | Session, key: str) -> None:
    """Make the queued recurring job `key` due now, in the caller's transaction (no row: nothing happens)."""
    # Its own creation time is due for any worker's clock: no clock is needed where the wake-up comes from.
    statement = (
        update(Job)
        .where(Job.key == key, Job.state == JobState.queued.value, Job.run_at > Job.created_at)
        .values(run_at=Job.created_at)
    )
    connection.execute(statement)
