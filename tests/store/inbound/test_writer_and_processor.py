"""The group-commit writer stores each delivery once; the processor drains oldest first and keeps failures."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.store.inbound.delivery import Delivery
from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.inbound.registry import IGNORED, PROCESSED, Handled, Registry
from hotdash.store.inbound.writer import GroupCommitWriter
from hotdash.store.models.ingest import InboundEvent

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def delivery(
    delivery_id: str, topic: str = "things/update", body: object = None, source: str = "ledger"
) -> Delivery:
    payload = json.dumps(body if body is not None else {"id": delivery_id})
    return Delivery(source, delivery_id, topic, "shop.example", payload, NOW)


@dataclass
class Ledger:
    """A source that records what it was given: fails on `{"fail": true}`, ignores topic `x/ignored`."""

    source: str = "ledger"
    seen: list[str] = field(default_factory=list)

    def process(self, *, session: Session, event: InboundEvent) -> Handled:
        body = json.loads(event.payload)
        if body.get("fail"):
            raise ValueError(f"cannot map {event.delivery_id}: amount is not a number")
        if event.topic == "x/ignored":
            return IGNORED
        self.seen.append(event.delivery_id)
        return PROCESSED


def rows(engine: Engine) -> list[InboundEvent]:
    with Session(engine) as session:
        return list(session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def test_concurrent_submissions_share_commits_and_duplicates_are_stored_once(engine: Engine) -> None:
    writer = GroupCommitWriter(engine, max_batch=500)
    ids = [f"d{i}" for i in range(400)] + [f"d{i}" for i in range(0, 400, 4)]  # 100 redeliveries
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: writer.submit(delivery(i)).result(10), ids))
    writer.stop()
    assert sum(results) == 400  # each id answered "stored" exactly once
    stored = rows(engine)
    assert len(stored) == 400
    assert len({row.delivery_id for row in stored}) == 400
    # Group commit: far fewer transactions than deliveries.
    assert writer.commits < len(ids)


def test_one_commit_per_delivery_when_max_batch_is_1(engine: Engine) -> None:
    writer = GroupCommitWriter(engine, max_batch=1)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: writer.submit(delivery(f"e{i}")).result(10), range(40)))
    writer.stop()
    assert writer.commits == 40


def test_the_processor_drains_oldest_first_and_records_each_outcome(engine: Engine) -> None:
    writer = GroupCommitWriter(engine)
    for item in [
        delivery("a"),
        delivery("b", body={"fail": True}),
        delivery("c", topic="x/ignored"),
        delivery("d"),
    ]:
        writer.submit(item).result(10)
    writer.stop()
    ledger = Ledger()
    registry = Registry()
    registry.add(handler=ledger)
    processor = InboundProcessor(engine, registry, FrozenClock(NOW), batch_size=2)

    result = processor.drain()
    assert (result.processed, result.ignored, result.failed) == (2, 1, 1)
    assert ledger.seen == ["a", "d"]
    by_id = {row.delivery_id: row for row in rows(engine)}
    assert by_id["b"].status == "failed"
    assert by_id["b"].error == "ValueError: cannot map b: amount is not a number"
    assert by_id["c"].status == "ignored"
    assert "not mapped" in (by_id["c"].error or "")
    assert by_id["a"].status == "processed"
    assert by_id["a"].processed_at == NOW

    # A failure is tried again by later drains until it has had its attempts, never dropped.
    processor.drain()
    processor.drain()
    assert processor.drain().total == 0
    by_id = {row.delivery_id: row for row in rows(engine)}
    assert (by_id["b"].status, by_id["b"].attempts) == ("failed", 3)
    assert ledger.seen == ["a", "d"]  # the processed ones were not mapped again

    # After a fix, `retry_failed` puts it back in line.
    assert processor.retry_failed() == 1
    assert rows(engine)[1].status == "pending"


def test_a_delivery_of_a_source_without_a_handler_fails_visibly(engine: Engine) -> None:
    writer = GroupCommitWriter(engine)
    writer.submit(delivery("z", source="nobody")).result(10)
    writer.stop()
    processor = InboundProcessor(engine, Registry(), FrozenClock(NOW))
    assert processor.drain().failed == 1
    (row,) = rows(engine)
    assert row.status == "failed"
    assert "no processor is registered for source 'nobody'" in (row.error or "")


@dataclass
class BrittleBatches(Ledger):
    """Maps runs at once, but a run containing a poisoned delivery blows up as a whole."""

    runs: list[int] = field(default_factory=list)

    def process_many(self, *, session: Session, events: Sequence[InboundEvent]) -> list[Handled]:
        if any(json.loads(event.payload).get("fail") for event in events):
            raise RuntimeError("the run could not be written")
        self.runs.append(len(events))
        return [self.process(session=session, event=event) for event in events]


def test_a_run_that_fails_as_a_whole_is_mapped_one_by_one(engine: Engine) -> None:
    writer = GroupCommitWriter(engine)
    for item in [delivery("a"), delivery("b", body={"fail": True}), delivery("c"), delivery("d")]:
        writer.submit(item).result(10)
    writer.stop()
    handler = BrittleBatches()
    registry = Registry()
    registry.add(handler=handler)
    result = InboundProcessor(engine, registry, FrozenClock(NOW)).drain()
    assert (result.processed, result.failed) == (3, 1)
    assert handler.seen == ["a", "c", "d"]
    assert handler.runs == []  # the run raised, so nothing of it was kept twice
    assert {row.delivery_id: row.attempts for row in rows(engine)} == {"a": 1, "b": 1, "c": 1, "d": 1}


@dataclass
class SlowLedger(Ledger):
    """A ledger that takes its time, so two drains overlap; thread-safe counting of what it mapped."""

    def process(self, *, session: Session, event: InboundEvent) -> Handled:
        time.sleep(0.002)
        return super().process(session=session, event=event)


def test_two_processors_draining_at_once_map_each_delivery_once(engine: Engine) -> None:
    writer = GroupCommitWriter(engine)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: writer.submit(delivery(f"p{i}")).result(10), range(300)))
    writer.stop()
    ledgers = [SlowLedger(), SlowLedger()]
    processors = []
    for ledger in ledgers:
        registry = Registry()
        registry.add(handler=ledger)
        processors.append(InboundProcessor(engine, registry, FrozenClock(NOW), batch_size=20))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda processor: processor.drain(), processors))
    assert sum(result.processed for result in results) == 300
    mapped = ledgers[0].seen + ledgers[1].seen
    assert len(mapped) == len(set(mapped)) == 300
    assert {(row.status, row.attempts) for row in rows(engine)} == {("processed", 1)}
