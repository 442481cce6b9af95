"""SIGKILL a real `hotdash worker` in the middle of 1,000 jobs and 200 events: every job runs and every
event reaches each subscriber exactly once, counted, on SQLite (one worker) and PostgreSQL (two)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from hotdash.clock import SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.events import DetectionsChanged
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job, OutboxEvent
from hotdash.kernel.jobs.outbox import publish
from tests.kernel.jobs.counting import create_counter, job_runs, runs

JOBS = 1000
EVENTS = 200
SUBSCRIBERS = ("audit", "mirror")
ROOT = Path(__file__).resolve().parents[3]
DEADLINE_S = 240.0


def _queue_work(engine: Engine) -> None:
    now = SystemClock().now()
    with unit_of_work(session_factory(engine)) as session:
        for n in range(JOBS):
            # A few milliseconds of work per job, so the kill most likely lands inside one.
            queue.enqueue(session=session, kind="test.count", payload={"n": n, "sleep": 0.002}, now=now)
        for n in range(EVENTS):
            publish(session=session, event=DetectionsChanged(f"rule-{n}", n, (f"fp-{n}",)), now=now)


def _start(engine: Engine, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "HOTDASH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HOTDASH_JOBS_MODULES": "tests.kernel.jobs.counting",
        # A short lease: the killed worker's job is taken up after 2 s instead of 5 minutes.
        "HOTDASH_JOBS_LEASE_SECONDS": "2",
        "HOTDASH_JOBS_POLL_SECONDS": "0.2",
        "HOTDASH_LOG_LEVEL": "info",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hotdash", "worker"], cwd=log.parent, env=env, stdout=out, stderr=out
        )


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(job_runs)) or 0)


def _holding(engine: Engine, marker: str) -> bool:
    with engine.connect() as connection:
        held = select(Job.id).where(Job.state == "running", Job.lease_owner.contains(marker)).limit(1)
        return connection.scalar(held) is not None


def _left(engine: Engine) -> tuple[int, int]:
    """Jobs not done yet, events not dispatched yet."""
    with engine.connect() as connection:
        # The recurring schedule job (the only one with a key here) stays queued by design.
        pending = (Job.state != "done") & Job.key.is_(None)
        jobs = connection.scalar(select(func.count()).select_from(Job).where(pending))
        events = connection.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
    return int(jobs or 0), int(events or 0)


def _wait(condition: object, what: str, workers: list[subprocess.Popen[bytes]], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        if any(worker.poll() is not None for worker in workers):
            raise AssertionError(f"a worker exited while waiting for {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)


def test_killed_worker_loses_and_repeats_nothing(engine: Engine, tmp_path: Path) -> None:
    create_counter(engine)
    _queue_work(engine)
    log = tmp_path / "worker.log"
    total = JOBS + EVENTS * len(SUBSCRIBERS)
    count = 2 if engine.dialect.name == "postgresql" else 1
    workers = [_start(engine, log) for _ in range(count)]

    victim = workers[0]
    marker = f":{victim.pid}:"

    def mid_job() -> bool:
        # A quarter done, and the victim holding a job: the kill then most likely lands inside its work.
        return _rows(engine) >= total // 4 and _holding(engine, marker)

    _wait(mid_job, "a quarter of the work", workers, log)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    with unit_of_work(session_factory(engine)) as session:
        held = list(session.scalars(select(Job.id).where(Job.lease_owner.contains(marker))))
    done_at_kill = _rows(engine)
    assert total // 4 <= done_at_kill < total

    workers[0] = _start(engine, log)
    _wait(lambda: _left(engine) == (0, 0), "every job done", workers, log)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(timeout=30) for worker in workers] == [0] * count

    assert runs(engine, "job") == dict.fromkeys(range(JOBS), 1)
    for tag in SUBSCRIBERS:
        assert runs(engine, tag) == dict.fromkeys(range(EVENTS), 1)
    assert _rows(engine) == total
    with unit_of_work(session_factory(engine)) as session:
        counted = select(Job.state, func.count()).where(Job.key.is_(None)).group_by(Job.state)
        states = dict(session.execute(counted).all())
        # A job the killed worker held (at most one each) was claimed again after its lease: attempt 2.
        retaken = session.scalars(select(Job.attempts).where(Job.id.in_(held))).all()
    assert states == {"done": total}
    assert len(held) <= 1
    assert retaken == [2] * len(held)
    text = log.read_text()
    assert re.search(r"job 1 test\.count done \(attempt [12]/5, \d+ ms\)", text)
    assert text.count("SIGTERM: stopping after the job in progress") == count
