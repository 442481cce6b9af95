"""Scheduled rules are the recurring job `detection.schedule`: at once, then at their second each minute."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.detection.models import Detection, RuleEvaluation
from hotdash.detection.scheduler.jobs import SCHEDULE_KIND, offset_seconds, register_jobs
from hotdash.kernel.jobs.models import Job
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.worker import Worker
from tests.detection.engine.helpers import make_rule
from tests.store.ingest.conftest import add_store

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_a_time_rule_runs_at_once_then_once_a_minute_at_its_own_second(engine: Engine) -> None:
    clock = FrozenClock(NOW)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        add_store(session)
        make_rule(session, clock, key="t1", kind="time", entity="orders", expression="delay_hours > 1")
    registry = Registry()
    register_jobs(registry, clock)
    worker = Worker(engine, registry, clock)

    for _ in range(180):  # three minutes, the worker looking each second
        worker.drain()
        clock.advance(timedelta(seconds=1))

    with factory() as session:
        ran = list(session.scalars(select(RuleEvaluation.started_at).order_by(RuleEvaluation.id)))
        triggers = set(session.scalars(select(RuleEvaluation.trigger)))
        jobs = session.execute(select(Job.kind, Job.key, Job.state, Job.attempts)).all()
        opened = session.scalar(select(Detection.id).limit(1))
    offset = offset_seconds("t1")
    # At once (it never ran), then in the first second after its own second of each minute.
    expected = 1 + len({int((NOW + timedelta(seconds=t)).timestamp() - offset) // 60 for t in range(1, 180)})
    assert len(ran) == expected
    assert ran[0] == NOW
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(ran[1:])] == [60.0] * (len(ran) - 2)
    assert all(0 <= (t.timestamp() - offset) % 60 < 1 for t in ran[1:])
    assert triggers == {"schedule"}
    # One row, queued again each time: the schedule does not grow the jobs table.
    assert jobs == [(SCHEDULE_KIND, SCHEDULE_KIND, "queued", 0)]
    assert opened is None  # no orders: nothing is delayed


def test_a_rule_added_later_starts_within_ten_seconds(engine: Engine) -> None:
    clock = FrozenClock(NOW)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        add_store(session)
    registry = Registry()
    register_jobs(registry, clock)
    worker = Worker(engine, registry, clock)
    worker.drain()  # nothing to run: it comes back in 10 s
    with unit_of_work(factory) as session:
        make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 1")

    clock.advance(timedelta(seconds=9))
    worker.drain()
    with factory() as session:
        assert session.scalars(select(RuleEvaluation.started_at)).all() == []
    clock.advance(timedelta(seconds=1))
    worker.drain()
    with factory() as session:
        assert session.scalars(select(RuleEvaluation.started_at)).all() == [NOW + timedelta(seconds=10)]
