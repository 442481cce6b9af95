"""Ingest -> detection through the bus: only touched records, only after commit, notes kept on re-ingest."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.detection import detections as actions
from hotdash.detection.models import Detection, Rule, RuleEvaluation
from hotdash.detection.scheduler.jobs import DetectionRunner, offset_seconds
from hotdash.events import EventBus, RecordsUpserted, bus, publish_after_commit
from hotdash.kernel.tunables import store_override
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Order
from tests.detection.engine.helpers import make_rule
from tests.store.ingest.conftest import add_store

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def order(
    external_id: str, *, ship_by: datetime, status: str = "unfulfilled", updated: datetime = NOW
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "number": f"#{external_id}",
        "channel": "web",
        "currency": "EUR",
        "subtotal": Decimal("700.00"),
        "total": Decimal("700.00"),
        "financial_status": "paid",
        "fulfillment_status": status,
        "placed_at": NOW - timedelta(days=5),
        "ship_by": ship_by,
        "updated_at": updated,
    }


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def wired(factory: sessionmaker[Session]) -> Iterator[tuple[int, FrozenClock]]:
    """A store, a rule on delayed high-value orders, and the detection runner listening on the bus."""
    clock = FrozenClock(NOW)
    with unit_of_work(factory) as session:
        store_id = add_store(session)
        make_rule(
            session, clock, key="hv", kind="record", entity="orders", expression="is_delayed AND total > 500"
        )
    runner = DetectionRunner(factory, clock)
    unsubscribe = bus.subscribe(RecordsUpserted, runner.on_records_upserted)
    try:
        yield store_id, clock
    finally:
        unsubscribe()


def _open(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as session:
        rows = session.execute(
            select(Order.external_id, Detection.status).join(Order, Order.id == Detection.record_id)
        ).all()
        return dict(rows)


def test_an_ingested_delayed_order_is_detected_as_soon_as_the_batch_commits(
    factory: sessionmaker[Session], wired: tuple[int, FrozenClock]
) -> None:
    store_id, _clock = wired
    with unit_of_work(factory) as session:
        upsert_batch(
            session=session,
            store_id=store_id,
            source="shopify",
            batch={
                "orders": [
                    order("A", ship_by=NOW - timedelta(hours=3)),
                    order("B", ship_by=NOW + timedelta(hours=3)),
                ]
            },
        )
        # Not yet committed: nothing evaluated, nothing half-seen.
        assert session.scalar(select(RuleEvaluation.id)) is None
    assert _open(factory) == {"A": "open"}
    with factory() as session:
        (evaluation,) = session.scalars(select(RuleEvaluation)).all()
        assert (evaluation.trigger, evaluation.rows_scanned, evaluation.matches) == ("ingest", 2, 1)


def test_re_ingest_resolves_a_fixed_order_and_keeps_its_notes(
    factory: sessionmaker[Session], wired: tuple[int, FrozenClock]
) -> None:
    store_id, _clock = wired
    late = NOW - timedelta(hours=3)
    with unit_of_work(factory) as session:
        upsert_batch(
            session=session, store_id=store_id, source="shopify", batch={"orders": [order("A", ship_by=late)]}
        )
    with unit_of_work(factory) as session:
        detection_id = session.scalars(select(Detection.id)).one()
        actions.add_note(
            session=session, detection_id=detection_id, text="VIP, call first", actor=None, now=NOW
        )
    with unit_of_work(factory) as session:  # the same order again, changed only in its timestamp
        upsert_batch(
            session=session,
            store_id=store_id,
            source="shopify",
            batch={"orders": [order("A", ship_by=late, updated=NOW + timedelta(minutes=1))]},
        )
    with factory() as session:
        shown = actions.get_detection(session=session, detection_id=detection_id)
        assert (shown.status, [n.text for n in shown.notes]) == ("open", ["VIP, call first"])
    with unit_of_work(factory) as session:
        upsert_batch(
            session=session,
            store_id=store_id,
            source="shopify",
            batch={
                "orders": [order("A", ship_by=late, status="delivered", updated=NOW + timedelta(minutes=2))]
            },
        )
    with factory() as session:
        shown = actions.get_detection(session=session, detection_id=detection_id)
        assert (shown.status, [n.text for n in shown.notes]) == ("resolved", ["VIP, call first"])
        assert session.scalar(select(Rule.broken)) is False


def test_a_rolled_back_ingest_publishes_nothing(factory: sessionmaker[Session]) -> None:
    private = EventBus()
    heard: list[object] = []
    private.subscribe(RecordsUpserted, heard.append)
    session = factory()
    session.execute(select(1))  # as after an ingest's flush: a transaction is open
    publish_after_commit(session, RecordsUpserted(1, "x", "orders", ("A",)), to=private)
    session.rollback()
    session.commit()
    session.close()
    assert heard == []
    session = factory()
    publish_after_commit(session, RecordsUpserted(1, "x", "orders", ("B",)), to=private)
    session.commit()
    session.close()
    assert heard == [RecordsUpserted(1, "x", "orders", ("B",))]


def test_scheduled_rules_are_spread_over_the_minute_and_each_runs_once_per_minute(
    factory: sessionmaker[Session],
) -> None:
    keys = [f"rule.{n}" for n in range(100)]
    offsets = [offset_seconds(k) for k in keys]
    assert offsets == [offset_seconds(k) for k in keys]  # stable
    per_10s = [sum(1 for o in offsets if lo <= o < lo + 10) for lo in range(0, 60, 10)]
    assert max(per_10s) < 30  # no stampede: 100 rules do not pile into one part of the minute
    clock = FrozenClock(NOW)
    with unit_of_work(factory) as session:
        add_store(session)
        make_rule(session, clock, key="t1", kind="time", entity="orders", expression="delay_hours > 1")
    runner = DetectionRunner(factory, clock)
    from hotdash.detection.evaluator import Evaluator

    evaluator = Evaluator(clock)
    ran = []
    for _ in range(180):  # three minutes, one tick a second
        ran += [e.started_at for e in runner.tick(evaluator)]
        clock.advance(timedelta(seconds=1))
    # At once (it never ran), then in the first tick after its own second of each minute.
    offset = offset_seconds("t1")
    assert ran[0] == NOW
    assert len(ran) == 1 + len(
        {int((NOW + timedelta(seconds=t)).timestamp() - offset) // 60 for t in range(1, 180)}
    )
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(ran[1:])] == [60.0] * (len(ran) - 2)
    assert all(0 <= (t.timestamp() - offset) % 60 < 1 for t in ran[1:])


def test_a_broken_rule_among_the_ingest_batch_is_named_and_the_others_still_fire(
    factory: sessionmaker[Session], wired: tuple[int, FrozenClock]
) -> None:
    store_id, clock = wired
    with unit_of_work(factory) as session:
        bad = make_rule(session, clock, key="bad", kind="record", entity="orders", expression="total > 1")
        bad.expression = "totl > 1"  # changed behind the service's back
        bad.version += 1
    with unit_of_work(factory) as session:
        upsert_batch(
            session=session,
            store_id=store_id,
            source="shopify",
            batch={"orders": [order("A", ship_by=NOW - timedelta(hours=3))]},
        )
    assert _open(factory) == {"A": "open"}
    with factory() as session:
        broken = session.scalars(select(Rule).where(Rule.key == "bad")).one()
        assert broken.broken
        assert "totl" in (broken.last_error or "")
        errors = session.scalars(
            select(RuleEvaluation.error).where(RuleEvaluation.rule_id == broken.id)
        ).all()
        assert len(errors) == 1
        assert "totl" in (errors[0] or "")


def test_rules_run_at_ingest_read_the_tunables_in_force(
    factory: sessionmaker[Session], wired: tuple[int, FrozenClock]
) -> None:
    store_id, clock = wired
    with unit_of_work(factory) as session:
        make_rule(
            session,
            clock,
            key="hv_line",
            kind="record",
            entity="orders",
            expression="is_delayed AND is_high_value",
        )
        # A manager raises the high-value line above the order's 700.00 before it arrives.
        store_override(session=session, key="cx.high_value_above", value=700, now=NOW, user_id=None)

    def ingest(external_id: str) -> None:
        with unit_of_work(factory) as session:
            batch = {"orders": [order(external_id, ship_by=NOW - timedelta(hours=3))]}
            upsert_batch(session=session, store_id=store_id, source="shopify", batch=batch)

    def flagged() -> set[str]:
        with factory() as session:
            query = (
                select(Order.external_id)
                .join(Detection, Detection.record_id == Order.id)
                .join(Rule, Rule.id == Detection.rule_id)
                .where(Rule.key == "hv_line")
            )
            return set(session.scalars(query))

    ingest("A")
    assert flagged() == set()  # 700.00 is on the line, not above it
    with unit_of_work(factory) as session:
        store_override(session=session, key="cx.high_value_above", value=699.99, now=NOW, user_id=None)
    ingest("B")
    assert flagged() == {"B"}  # only the ingested order is evaluated; A waits for the scheduled run
    assert _open(factory) == {"A": "open", "B": "open"}  # the fixed-number rule "hv" flags both
