"""The outbox: an event exists only if its transaction commits, and reaches each subscriber once."""

from __future__ import annotations

from sqlalchemy import Engine, select

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.events import DetectionsChanged, RecordsUpserted
from hotdash.kernel.jobs.models import Job, OutboxEvent
from hotdash.kernel.jobs.outbox import encode, publish
from hotdash.kernel.jobs.registry import Registry
from tests.kernel.jobs.conftest import START, MakeWorker
from tests.kernel.jobs.counting import runs


def _changed(n: int) -> DetectionsChanged:
    return DetectionsChanged(rule_key=f"rule-{n}", store_id=n, opened=(f"fp-{n}",))


def test_an_event_of_a_rolled_back_change_is_never_delivered(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    session = session_factory(jobs_engine)()
    publish(session=session, event=_changed(1), now=clock.now())
    session.flush()
    session.rollback()
    session.close()
    with unit_of_work(session_factory(jobs_engine)) as session:
        publish(session=session, event=_changed(2), now=clock.now())

    make_worker("w1").drain()

    assert runs(jobs_engine, "audit") == {2: 1}
    assert runs(jobs_engine, "mirror") == {2: 1}


def test_each_event_becomes_one_delivery_per_subscriber_in_event_order(
    jobs_engine: Engine, clock: FrozenClock, make_worker: MakeWorker
) -> None:
    with unit_of_work(session_factory(jobs_engine)) as session:
        for n in range(1, 6):
            publish(session=session, event=_changed(n), now=clock.now())
        # Nobody subscribes to this type: it is marked dispatched with no delivery.
        publish(session=session, event=RecordsUpserted(1, "shopify", "orders", ("a",)), now=clock.now())
    worker = make_worker("w1")

    worker.drain()
    worker.drain()

    assert runs(jobs_engine, "audit") == {n: 1 for n in range(1, 6)}
    assert runs(jobs_engine, "mirror") == {n: 1 for n in range(1, 6)}
    with unit_of_work(session_factory(jobs_engine)) as session:
        deliveries = session.execute(select(Job.kind, Job.payload, Job.state).order_by(Job.id)).all()
        dispatched = session.scalars(select(OutboxEvent.dispatched_at)).all()
    assert [(kind, payload["data"]["store_id"], state) for kind, payload, state in deliveries] == [
        (kind, n, "done") for n in range(1, 6) for kind in ("event:test.audit", "event:test.mirror")
    ]
    assert dispatched == [START] * 6


def test_a_stored_event_comes_back_as_the_same_dataclass() -> None:
    registry = Registry()
    registry.register_type(DetectionsChanged)
    event = DetectionsChanged(rule_key="r", store_id=None, opened=("a", "b"), resolved=(), alerted=("c",))

    assert registry.decode("DetectionsChanged", encode(event)) == event
