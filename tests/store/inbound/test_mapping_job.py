"""The mapping job `inbound.process`: due at once after the writer's commit, and again after a full batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job
from hotdash.store.inbound.delivery import Delivery
from hotdash.store.inbound.processor import PROCESS_KIND, InboundProcessor, ProcessInbound
from hotdash.store.inbound.registry import Registry
from hotdash.store.inbound.writer import GroupCommitWriter
from hotdash.store.models.ingest import InboundEvent

AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _job(engine: Engine) -> Job:
    with session_factory(engine)() as session:
        return session.scalars(select(Job).where(Job.key == PROCESS_KIND)).one()


def _delivery(n: int) -> Delivery:
    return Delivery("nowhere", f"d-{n}", "orders/create", None, "{}", AT)


def test_a_stored_delivery_makes_the_waiting_mapping_job_due_in_the_same_commit(engine: Engine) -> None:
    with unit_of_work(session_factory(engine)) as session:
        queue.enqueue(
            session=session,
            kind=PROCESS_KIND,
            payload={},
            now=AT,
            run_at=AT + timedelta(seconds=30),
            key=PROCESS_KIND,
        )
    writer = GroupCommitWriter(engine)
    try:
        assert writer.submit(_delivery(1)).result(timeout=10) is True
        woken = _job(engine).run_at
        # A redelivery stores nothing and wakes nothing.
        with unit_of_work(session_factory(engine)) as session:
            job = session.scalars(select(Job).where(Job.key == PROCESS_KIND)).one()
            job.run_at = AT + timedelta(minutes=5)
        assert writer.submit(_delivery(1)).result(timeout=10) is False
    finally:
        writer.stop()

    assert woken == AT
    assert _job(engine).run_at == AT + timedelta(minutes=5)


def test_the_job_maps_a_batch_and_comes_back_at_once_while_more_wait(engine: Engine) -> None:
    clock = FrozenClock(AT)
    writer = GroupCommitWriter(engine)
    try:
        for n in range(3):
            writer.submit(_delivery(n)).result(timeout=10)
    finally:
        writer.stop()
    job = ProcessInbound(InboundProcessor(engine, Registry(), clock, batch_size=2), clock)

    with unit_of_work(session_factory(engine)) as session:
        first = job(session=session, payload={})
    with unit_of_work(session_factory(engine)) as session:
        second = job(session=session, payload={})
    with session_factory(engine)() as session:
        outcomes = session.execute(
            select(InboundEvent.delivery_id, InboundEvent.status, InboundEvent.attempts, InboundEvent.error)
        ).all()

    assert (first, second) == (AT, AT + timedelta(seconds=30))
    # No processor for the source "nowhere": each delivery fails once with the reason; the second batch
    # goes on to d-2 instead of trying d-0 and d-1 again.
    assert sorted(outcomes) == [
        (f"d-{n}", "failed", 1, "LookupError: no processor is registered for source 'nowhere'")
        for n in range(3)
    ]
