"""Just-ingested records against all record rules of their entity at once: a handful of statements in all.

Evaluating 60 order rules one by one for one new order costs 60 x (savepoint, query, diff, log): a few
hundred milliseconds, most of it per-statement overhead. Here one query answers every rule for the touched
records (one boolean column per rule), one query reads their unresolved detections, and only rules whose
answer changed touch the detections table. Rules that need per-store work (business-hours windows, SLA
cutoffs) and any batch that fails go through the one-rule-at-a-time path, which names a broken rule.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from sqlalchemy import and_, case, literal, select
from sqlalchemy.orm import Session

from hotdash.detection.evaluator import Evaluator, Run, transient
from hotdash.detection.expression import ENTITIES
from hotdash.detection.lifecycle import Changes, RecordMatches, apply, chunks, sleepers_due
from hotdash.detection.models import UNRESOLVED, Detection, Rule, RuleEvaluation, RuleKind
from hotdash.events import DetectionsChanged, publish_after_commit
from hotdash.store.models import Store

RECORD_KINDS = (RuleKind.record.value, RuleKind.time.value)


def batchable(rule: Rule) -> bool:
    """Tell whether a rule needs nothing but its condition (no calendar window, no SLA cutoff)."""
    return rule.kind in RECORD_KINDS and (rule.active_when or "always") == "always" and not rule.sla_field


def evaluate_touched(
    *,
    session: Session,
    evaluator: Evaluator,
    rules: Sequence[Rule],
    store_id: int,
    record_ids: Collection[int],
    trigger: str = "ingest",
) -> list[RuleEvaluation]:
    """Evaluate record and time rules of one entity on just `record_ids` of one store."""
    plain = [r for r in rules if batchable(r)]
    others = [r for r in rules if not batchable(r)]
    results: list[RuleEvaluation] = []
    if plain:
        try:
            with session.begin_nested():
                results = _batch(session, evaluator, plain, store_id, record_ids, trigger)
        except Exception as problem:
            if transient(problem):
                raise
            # One of them fails: evaluate each alone, so the broken one is marked and the others still run.
            others = list(rules)
            results = []
    if others:
        results += evaluator.run(
            session=session, rules=others, trigger=trigger, store_id=store_id, record_ids=record_ids
        )
    return results


def _batch(
    session: Session,
    evaluator: Evaluator,
    rules: list[Rule],
    store_id: int,
    record_ids: Collection[int],
    trigger: str,
) -> list[RuleEvaluation]:
    started = time.perf_counter()
    evaluator._pinned.current = evaluator.clock.now()
    store = session.get(Store, store_id)
    if store is None:
        return []
    run = Run(session, evaluator._pinned.current, trigger, [store])
    # The values and the store the rules bind when they run: this run's, never a previous one's.
    evaluator.tunables.refresh(session)
    evaluator.begin_store(run, store)
    run.single_store = len(session.scalars(select(Store.id).limit(2)).all()) == 1
    run.sleepers = sleepers_due(session, run.now)
    entities = {r.entity for r in rules}
    if len(entities) != 1:
        raise ValueError("a batch is of one entity")
    model = ENTITIES[entities.pop()].model
    columns = [case((and_(*evaluator._where(run, r, store)), literal(1)), else_=literal(0)) for r in rules]
    ids = sorted(set(record_ids))
    matched: dict[int, set[int]] = {r.id: set() for r in rules}
    for part in chunks(ids):
        for row in session.execute(select(model.id, *columns).where(model.id.in_(part))):
            for rule, hit in zip(rules, row[1:], strict=True):
                if hit:
                    matched[rule.id].add(int(row[0]))
    unresolved: dict[int, set[int]] = {r.id: set() for r in rules}
    for part in chunks(ids):
        rows = session.execute(
            select(Detection.rule_id, Detection.record_id).where(
                Detection.rule_id.in_([r.id for r in rules]),
                Detection.store_id == store_id,
                Detection.record_id.in_(part),
                Detection.status.in_(UNRESOLVED),
            )
        )
        for rule_id, record_id in rows:
            if record_id is not None:
                unresolved[int(rule_id)].add(int(record_id))
    share = (time.perf_counter() - started) * 1000 / len(rules)
    results = []
    for rule in rules:
        began = time.perf_counter()
        hits, held = matched[rule.id], unresolved[rule.id]
        changes = Changes(matches=len(hits))
        # Only a rule whose answer moved, or that has timers to honour, touches the detections table.
        if hits != held or rule.realert_minutes or run.sleepers:
            changes = apply(
                session=session,
                rule=rule,
                store_id=store_id,
                matches=RecordMatches(hits, rule.severity),
                now=run.now,
                record_ids=ids,
                wake=run.sleepers,
            )
        if changes.opened or changes.resolved or changes.alerted:
            publish_after_commit(
                session,
                DetectionsChanged(
                    rule.key, store_id, tuple(changes.opened), tuple(changes.resolved), tuple(changes.alerted)
                ),
            )
        rule.broken = False
        rule.last_error = None
        rule.last_evaluated_at = run.now
        evaluation = RuleEvaluation(
            rule_id=rule.id,
            store_id=store_id,
            trigger=trigger,
            started_at=run.now,
            duration_ms=share + (time.perf_counter() - began) * 1000,
            rows_scanned=len(ids),
            matches=changes.matches,
            opened=len(changes.opened),
            resolved=len(changes.resolved),
            realerted=len(changes.alerted),
            note="evaluated with the other rules of its entity in one query",
        )
        session.add(evaluation)
        results.append(evaluation)
    session.flush()
    return results
