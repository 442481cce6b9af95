"""The queue: work written with its cause, run once with its effect, retried with backoff, then failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job
from hotdash.kernel.jobs.scrub import scrub_error
from tests.kernel.jobs.conftest import START, MakeWorker
from tests.kernel.jobs.counting import runs


def _enqueue(engine: Engine, clock: FrozenClock, payload: dict[str, object], **extra: object) -> int:
    with unit_of_work(session_factory(engine)) as session:
        job = queue.enqueue(session=session, kind="test.count", payload=payload, now=clock.now(), **extra)  # type: ignore[arg-type]
        return job.id


def _job(engine: Engine, job_id: int) -> Job:
    with unit_of_work(session_factory(engine)) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_job_queued_in_a_transaction_that_rolls_back_never_runs(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    session = session_factory(jobs_engine)()
    queue.enqueue(session=session, kind="test.count", payload={"n": 1}, now=clock.now())
    session.rollback()  # the change that caused it failed
    session.close()
    kept = _enqueue(jobs_engine, clock, {"n": 2})

    assert make_worker("w1").drain() == 1

    assert runs(jobs_engine) == {2: 1}
    done = _job(jobs_engine, kept)
    assert (done.state, done.attempts, done.finished_at, done.lease_owner) == ("done", 1, START, None)


def test_a_job_waits_for_its_run_at(jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker) -> None:
    _enqueue(jobs_engine, clock, {"n": 5}, run_at=START + timedelta(minutes=10))
    worker = make_worker("w1")

    clock.advance(timedelta(minutes=10) - timedelta(microseconds=1))
    assert worker.drain() == 0
    clock.advance(timedelta(microseconds=1))
    assert worker.drain() == 1

    assert runs(jobs_engine) == {5: 1}


def test_one_live_job_per_key_and_a_new_one_once_it_is_done(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    first = _enqueue(jobs_engine, clock, {"n": 1}, key="rule:42")
    again = _enqueue(jobs_engine, clock, {"n": 2}, key="rule:42")
    assert again == first

    make_worker("w1").drain()
    after = _enqueue(jobs_engine, clock, {"n": 3}, key="rule:42")

    assert after != first
    assert runs(jobs_engine) == {1: 1}


def test_a_failing_job_rolls_back_its_work_backs_off_then_fails(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    job_id = _enqueue(jobs_engine, clock, {"n": 9, "fail": "s3cr3t-pw"}, max_attempts=3)
    worker = make_worker("w1")

    # Attempt 1 fails: its counter row is rolled back, the next try waits 10 s plus up to 25%.
    assert worker.drain() == 1
    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts) == ("queued", 1)
    assert timedelta(seconds=10) <= job.run_at - START <= timedelta(seconds=12.5)
    assert job.last_error == "RuntimeError: refused by postgresql://robot:***@db.internal/shop"
    assert runs(jobs_engine) == {}

    # Not a moment before its time; then attempt 2 fails and waits 20-25 s.
    clock.current = job.run_at - timedelta(milliseconds=1)
    assert worker.drain() == 0
    clock.current = job.run_at
    second_start = clock.now()
    assert worker.drain() == 1
    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts) == ("queued", 2)
    assert timedelta(seconds=20) <= job.run_at - second_start <= timedelta(seconds=25)

    # Attempt 3 is the last: the job is failed for good and never runs again.
    clock.current = job.run_at
    assert worker.drain() == 1
    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts, job.finished_at) == ("failed", 3, clock.now())
    clock.advance(timedelta(days=1))
    assert worker.drain() == 0
    assert runs(jobs_engine) == {}


def test_retrying_a_failed_job_runs_it_again_from_attempt_one(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    job_id = _enqueue(jobs_engine, clock, {"n": 4, "fail": "x"}, max_attempts=1)
    worker = make_worker("w1")
    worker.drain()
    assert _job(jobs_engine, job_id).state == "failed"

    queued = _enqueue(jobs_engine, clock, {"n": 8})
    with unit_of_work(session_factory(jobs_engine)) as session:
        job = session.get(Job, job_id)
        other = session.get(Job, queued)
        assert job is not None
        assert other is not None
        with pytest.raises(
            queue.NotRetryable, match=f"^Job {queued} is queued; only a failed job can be retried.$"
        ):
            queue.retry_job(session=session, job=other, now=START)
        job.payload = {"n": 4}  # the cause was fixed
        queue.retry_job(session=session, job=job, now=clock.now())

    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts) == ("queued", 0)
    assert worker.drain() == 2
    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts) == ("done", 1)
    assert runs(jobs_engine) == {4: 1, 8: 1}


def test_a_dead_workers_job_is_taken_up_after_its_lease_and_runs_once(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    job_id = _enqueue(jobs_engine, clock, {"n": 1})
    dead, alive = make_worker("dead"), make_worker("alive")
    claimed = dead.claim()
    assert claimed is not None  # ...and then the process is killed before its work commits

    clock.advance(timedelta(seconds=59))
    assert alive.drain() == 0  # the lease (60 s) still holds
    clock.advance(timedelta(seconds=1, microseconds=1))
    assert alive.drain() == 1

    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts) == ("done", 2)
    # The first worker coming back to life does not run it a second time.
    assert dead.execute(claimed) == "lost"
    assert runs(jobs_engine) == {1: 1}


def test_a_job_whose_worker_died_on_its_last_attempt_fails(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    job_id = _enqueue(jobs_engine, clock, {"n": 1}, max_attempts=1)
    assert make_worker("dead").claim() is not None

    clock.advance(timedelta(seconds=61))
    assert make_worker("alive").drain() == 0

    job = _job(jobs_engine, job_id)
    assert (job.state, job.attempts, job.last_error) == ("failed", 1, "the worker running attempt 1 stopped")
    assert runs(jobs_engine) == {}


def test_errors_are_stored_without_secrets() -> None:
    error = ValueError(
        "GET https://api.example.com?api_key=abc123&x=1 with Bearer tok.en and hd_AbC_9 failed; "
        "password: hunter2"
    )

    assert scrub_error(error) == (
        "ValueError: GET https://api.example.com?api_key=***&x=1 with Bearer *** and hd_*** failed; "
        "password: ***"
    )
    assert len(scrub_error(ValueError("x" * 5000))) == 2000
