"""Running rules: the schedule (time, metric and pattern rules each minute) and evaluation right after ingest.

Each scheduled rule has its own second in the minute, from a stable hash of its key, so 100 rules do not all
hit the database at :00. Record rules also run on the schedule, every `sweep_minutes`, as the safety net for
changes that reach them without an ingest event (a related record changed, an import from another process).
Ingested records are evaluated as soon as their transaction commits, only for the records touched.

The schedule runs as the job queue's recurring job `detection.schedule` (`ScheduledRuns`): each run evaluates
the rules that are due, in the job's transaction, and queues the job again for the next rule's second.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import Clock
from hotdash.db.session import unit_of_work, writer_unit_of_work
from hotdash.detection import service
from hotdash.detection.batch import evaluate_touched
from hotdash.detection.evaluator import Evaluator, transient
from hotdash.detection.expression import ENTITIES
from hotdash.detection.models import Rule, RuleEvaluation, RuleKind
from hotdash.events import RecordsUpserted
from hotdash.kernel.jobs.registry import Registry
from hotdash.store.entities import ENTITIES as RECORD_ENTITIES

logger = logging.getLogger(__name__)

RETRIES = 5  # attempts of a run the database refused as busy
SCHEDULE_KIND = "detection.schedule"
# The schedule job comes back at least this often, so a rule added or enabled meanwhile starts soon.
RECHECK = timedelta(seconds=10)
SCHEDULED = (RuleKind.time.value, RuleKind.metric.value, RuleKind.pattern.value)
RECORD_KINDS = (RuleKind.record.value, RuleKind.time.value)
# A change to these entities changes what rules on another entity see: re-evaluate the parent records.
PARENTS: dict[str, tuple[str, str]] = {
    "order_lines": ("orders", "order_id"),
    "tracking_events": ("shipments", "shipment_id"),
    "inventory_levels": ("skus", "sku_id"),
}


def offset_seconds(key: str, period: float = 60.0) -> float:
    """Return a rule's stable second within the period, from its key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % int(period * 1000) / 1000


def due_rules(
    rules: Iterable[Rule],
    now: datetime,
    *,
    period: float = 60.0,
    sweep_minutes: int = 15,
    last: dict[str, datetime] | None = None,
) -> list[Rule]:
    """Return the rules whose second in their period has come since they last ran."""
    found = []
    for rule in rules:
        every = _period(rule, period, sweep_minutes)
        offset = offset_seconds(rule.key, every)
        slot = (now.timestamp() - offset) // every
        ran = (last or {}).get(rule.key) or rule.last_evaluated_at
        if ran is None or (ran.timestamp() - offset) // every < slot:
            found.append(rule)
    return found


def next_due(
    rules: Iterable[Rule], now: datetime, *, period: float = 60.0, sweep_minutes: int = 15
) -> datetime:
    """Return when the next rule's second comes (at most RECHECK from now, so new rules start soon)."""
    soonest = now + RECHECK
    for rule in rules:
        every = _period(rule, period, sweep_minutes)
        offset = offset_seconds(rule.key, every)
        slot = (now.timestamp() - offset) // every
        soonest = min(soonest, datetime.fromtimestamp((slot + 1) * every + offset, UTC))
    return soonest


def _period(rule: Rule, period: float, sweep_minutes: int) -> float:
    return period if rule.kind in SCHEDULED else sweep_minutes * 60.0


@dataclass
class ScheduledRuns:
    """The recurring job `detection.schedule`: runs the rules that are due, then says when to come back."""

    clock: Clock
    period: float = 60.0
    sweep_minutes: int = 15
    # Kept across runs: its compiled rules are reused, as the ingest thread's are.
    evaluator: Evaluator = field(init=False)

    def __post_init__(self) -> None:
        self.evaluator = Evaluator(self.clock)

    def __call__(self, *, session: Session, payload: dict[str, Any]) -> datetime:
        """Evaluate the due rules in the job's transaction; return the time of the next rule's second."""
        now = self.clock.now()
        rules = list(service.list_rules(session=session, enabled_only=True))
        due = due_rules(rules, now, period=self.period, sweep_minutes=self.sweep_minutes)
        if due:
            self.evaluator.run(session=session, rules=sorted(due, key=lambda r: r.key), trigger="schedule")
        return next_due(rules, now, period=self.period, sweep_minutes=self.sweep_minutes)


def register_jobs(registry: Registry, clock: Clock) -> None:
    """Add detection's jobs: the recurring run of scheduled rules."""
    registry.every(SCHEDULE_KIND, ScheduledRuns(clock))


def run_cycle(
    *, session: Session, evaluator: Evaluator, kinds: tuple[str, ...] | None = None, trigger: str = "schedule"
) -> list[RuleEvaluation]:
    """Evaluate every enabled rule (of `kinds`) once now: a scheduled cycle, or `hotdash rules run --once`."""
    rules = service.list_rules(session=session, enabled_only=True, kinds=kinds)
    return evaluator.run(session=session, rules=rules, trigger=trigger)


def touched_ids(*, session: Session, event: RecordsUpserted) -> tuple[str, list[int]]:
    """Return the entity rules should look at for an ingest event, and the ids of the records touched."""
    model = _model(event.entity)
    if model is None:
        return event.entity, []
    ids: list[int] = []
    wanted = list(event.external_ids)
    parent = PARENTS.get(event.entity)
    column = getattr(model, parent[1]) if parent else model.id
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        query = select(column).where(model.source == event.source, model.external_id.in_(part))
        ids += [int(i) for i in session.scalars(query) if i is not None]
    return (parent[0] if parent else event.entity), sorted(set(ids))


def _model(entity: str) -> Any:
    return RECORD_ENTITIES.by_table(entity).model if RECORD_ENTITIES.knows_table(entity) else None


def evaluate_ingested(
    *, session: Session, evaluator: Evaluator, events: Iterable[RecordsUpserted]
) -> list[RuleEvaluation]:
    """Evaluate the record and time rules of each touched entity on just the records touched."""
    scopes: dict[tuple[int, str], set[int]] = {}
    for item in events:
        entity, ids = touched_ids(session=session, event=item)
        if ids and entity in ENTITIES:
            scopes.setdefault((item.store_id, entity), set()).update(ids)
    results: list[RuleEvaluation] = []
    for (store_id, entity), touched in scopes.items():
        rules = list(
            session.scalars(
                select(Rule)
                .where(Rule.enabled, Rule.entity == entity, Rule.kind.in_(RECORD_KINDS))
                .order_by(Rule.key)
            )
        )
        if rules:
            results += evaluate_touched(
                session=session, evaluator=evaluator, rules=rules, store_id=store_id, record_ids=touched
            )
    return results


@dataclass
class DetectionRunner:
    """The app's evaluation of ingested records, and `tick` for `hotdash rules run` in the foreground.

    With `background=False` (tests, one-off commands) an ingest event is evaluated inline, in its own unit of
    work, as soon as the ingest commits; with `background=True` a daemon thread does the work.
    """

    factory: sessionmaker[Session]
    clock: Clock
    background: bool = False
    period: float = 60.0
    sweep_minutes: int = 15
    _queue: queue.Queue[RecordsUpserted | None] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _last: dict[str, datetime] = field(default_factory=dict)
    # One evaluator per thread: its compiled rules are reused (compiling 60 rules for each ingested order
    # would cost more than evaluating them), and its pinned clock is not shared between threads.
    _local: threading.local = field(default_factory=threading.local)

    def _evaluator(self) -> Evaluator:
        found: Evaluator | None = getattr(self._local, "evaluator", None)
        if found is None:
            found = self._local.evaluator = Evaluator(self.clock)
        return found

    def on_records_upserted(self, event: RecordsUpserted) -> None:
        """The bus's subscriber: queue the event (background) or evaluate it now."""
        if self.background:
            self._queue.put(event)
            return
        self._evaluate_events([event])

    def _evaluate_events(self, events: Collection[RecordsUpserted]) -> None:
        evaluator = self._evaluator()
        for attempt in range(RETRIES):
            try:
                with writer_unit_of_work(self.factory) as session:
                    evaluate_ingested(session=session, evaluator=evaluator, events=events)
                return
            except Exception as problem:
                # Rules that fail are marked broken inside; this is the unit of work itself failing.
                if transient(problem) and attempt + 1 < RETRIES:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                logger.exception("evaluating ingested records failed")
                return

    def start(self) -> None:
        """Start the worker threads."""
        if not self.background or self._threads:
            return
        self._stop.clear()
        # Scheduled rules are the recurring job `detection.schedule` (run by the job worker), not a thread.
        thread = threading.Thread(target=self._ingest_loop, name="detection-ingest", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker threads, finishing the evaluation in progress."""
        self._stop.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _ingest_loop(self) -> None:
        while not self._stop.is_set():
            first = self._queue.get()
            if first is None:
                continue
            batch = [first]
            # Whatever else arrived meanwhile goes in the same evaluation: one query per rule, not per event.
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is not None:
                    batch.append(more)
            self._evaluate_events(batch)

    def due(self, rules: Iterable[Rule], now: datetime) -> list[Rule]:
        """Return the rules whose second in the period has come since they last ran."""
        return due_rules(rules, now, period=self.period, sweep_minutes=self.sweep_minutes, last=self._last)

    def tick(self, evaluator: Evaluator) -> list[RuleEvaluation]:
        """Run the rules that are due now; return their evaluations."""
        now = self.clock.now()
        with unit_of_work(self.factory) as session:
            rules = self.due(service.list_rules(session=session, enabled_only=True), now)
        if not rules:
            return []
        for attempt in range(RETRIES):
            try:
                with writer_unit_of_work(self.factory) as session:
                    ids = [rule.id for rule in rules]
                    due = list(session.scalars(select(Rule).where(Rule.id.in_(ids)).order_by(Rule.key)))
                    results = evaluator.run(session=session, rules=due, trigger="schedule")
                break
            except Exception as problem:
                if not transient(problem) or attempt + 1 == RETRIES:
                    raise
                time.sleep(0.05 * (attempt + 1))
        for rule in rules:
            self._last[rule.key] = now
        return results
