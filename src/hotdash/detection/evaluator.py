"""Evaluate rules in the database: one query per rule and store for its matches, then `lifecycle.apply`.

Every evaluation is logged in `rule_evaluations`. A rule that fails (it no longer compiles, its query errors)
is marked broken with the error, its failure logged, and the other rules still run: never skipped silently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, case, func, literal, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from hotdash.clock import Clock
from hotdash.db.types import UTCDateTime
from hotdash.detection import plans
from hotdash.detection.expression import ENTITIES
from hotdash.detection.expression.fields import StoreRun
from hotdash.detection.hints import hints
from hotdash.detection.lifecycle import Changes, Match, RecordMatches, apply, sleepers_due
from hotdash.detection.models import Detection, Rule, RuleEvaluation, RuleKind, Severity
from hotdash.detection.thresholds import resolve
from hotdash.events import DetectionsChanged, publish_after_commit
from hotdash.kernel.calendar import BusinessCalendar
from hotdash.kernel.tunables import LiveTunables
from hotdash.store.calendar import store_calendar
from hotdash.store.models import Store

logger = logging.getLogger(__name__)

ACTIVE_WHEN = ("always", "business_hours", "outside_business_hours", "promotion", "no_promotion")

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, t: v >= t,
    ">": lambda v, t: v > t,
    "<=": lambda v, t: v <= t,
    "<": lambda v, t: v < t,
}


SIZE_TTL = timedelta(minutes=15)


class PinnedClock:
    """The time of the current run: every query of one run sees the same "now"."""

    def __init__(self, current: datetime) -> None:
        self.current = current

    def now(self) -> datetime:
        return self.current


@dataclass
class Run:
    """What one evaluation run shares between rules: its time, the stores, calendars and table sizes."""

    session: Session
    now: datetime
    trigger: str
    stores: list[Store]
    single_store: bool = False  # the database holds one store: no need to filter records by store
    sleepers: bool = True  # some snooze or mute has ended: look for them rule by rule
    calendars: dict[int, BusinessCalendar] = field(default_factory=dict)
    # entity, store -> (record count, when counted); shared by the runs of one evaluator
    sizes: dict[tuple[str, int], tuple[int, datetime]] = field(default_factory=dict)

    def calendar(self, store: Store) -> BusinessCalendar:
        """Return the store's business calendar, loaded once per run."""
        if store.id not in self.calendars:
            self.calendars[store.id] = store_calendar(session=self.session, store=store)
        return self.calendars[store.id]

    def size(self, entity: str, store: Store) -> int:
        """Return how many records of `entity` the store has: what a full evaluation scans."""
        key = (entity, store.id)
        known = self.sizes.get(key)
        # Counting a million orders takes tens of milliseconds: a count up to SIZE_TTL old is close enough
        # for "rows scanned".
        if known is None or abs(self.now - known[1]) > SIZE_TTL:
            spec = ENTITIES[entity]
            query = select(func.count()).select_from(spec.model)
            if spec.in_store is not None and not self.single_store:
                query = query.where(spec.in_store(spec.model, store.id))
            known = self.sizes[key] = (int(self.session.scalar(query) or 0), self.now)
        return known[0]


def transient(problem: BaseException) -> bool:
    """Tell whether a failure is the database being busy (a lock, a serialization conflict), worth a retry."""
    if not isinstance(problem, OperationalError | DBAPIError):
        return False
    code = getattr(getattr(problem, "orig", None), "sqlstate", None)
    return "database is locked" in str(problem) or code in ("40001", "40P01")


def severity_for(value: float | None, thresholds: dict[str, float], op: str) -> str | None:
    """Return the highest severity whose threshold `value` meets, or None."""
    if value is None:
        return None
    compare = OPERATORS[op]
    for severity in sorted(Severity, key=lambda s: s.rank, reverse=True):
        limit = thresholds.get(severity.value)
        if limit is not None and compare(value, float(limit)):
            return severity.value
    return None


class Evaluator:
    """Runs rules with a clock; compiled rules are cached by rule id and version."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._pinned = PinnedClock(clock.now())
        # Compiled rules bind tunables from here at execution; each run reads the values in force first.
        self.tunables = LiveTunables()
        self.store_run = StoreRun()  # the store of the query running now, for per-store fields
        self._cache: dict[tuple[int, int, str], Any] = {}
        self._sizes: dict[tuple[str, int], tuple[int, datetime]] = {}

    # Public ----------------------------------------------------------------------------------------------
    def run(
        self,
        *,
        session: Session,
        rules: Sequence[Rule],
        trigger: str,
        store_id: int | None = None,
        record_ids: Collection[int] | None = None,
    ) -> list[RuleEvaluation]:
        """Evaluate `rules` now (in one store, or each store); pattern rules last, after what they count."""
        self._pinned.current = self.clock.now()
        self.tunables.refresh(session)
        query = select(Store).order_by(Store.id)
        if store_id is not None:
            query = query.where(Store.id == store_id)
        run = Run(session, self._pinned.current, trigger, list(session.scalars(query)), sizes=self._sizes)
        run.single_store = session.scalar(select(func.count()).select_from(Store)) == 1
        run.sleepers = sleepers_due(session, run.now)
        ordered = sorted(rules, key=lambda r: r.kind == RuleKind.pattern.value)
        evaluations = [self._evaluate(run, rule, record_ids) for rule in ordered]
        for rule, evaluation in zip(ordered, evaluations, strict=True):
            rule.broken = evaluation.error is not None
            rule.last_error = evaluation.error
            rule.last_evaluated_at = run.now
        session.add_all(evaluations)
        session.flush()
        return evaluations

    def matches(
        self, *, session: Session, rule: Rule, store: Store, record_ids: Collection[int] | None = None
    ) -> dict[str, Match]:
        """Return what `rule` matches in `store` at the clock's time, changing nothing."""
        self._pinned.current = self.clock.now()
        self.tunables.refresh(session)
        run = Run(session, self._pinned.current, "preview", [store])
        run.single_store = session.scalar(select(func.count()).select_from(Store)) == 1
        found = self._matches(run, rule, store, record_ids)
        if isinstance(found, RecordMatches):
            return {
                str(i): Match(key=str(i), severity=found.severity, record_id=i) for i in sorted(found.ids)
            }
        return found or {}

    # One rule ----------------------------------------------------------------------------------------------
    def _evaluate(self, run: Run, rule: Rule, record_ids: Collection[int] | None) -> RuleEvaluation:
        started = time.perf_counter()
        total = Changes()
        scanned = 0
        notes: list[str] = []
        error: str | None = None
        try:
            with run.session.begin_nested():
                for store in run.stores:
                    found = self._matches(run, rule, store, record_ids)
                    if found is None:
                        notes.append(f"store {store.id}: not active now ({rule.active_when})")
                        continue
                    scanned += len(record_ids) if record_ids is not None else run.size(rule.entity, store)
                    changes = apply(
                        session=run.session,
                        rule=rule,
                        store_id=store.id,
                        matches=found,
                        now=run.now,
                        record_ids=record_ids,
                        wake=run.sleepers,
                    )
                    total.add(changes)
                    if changes.opened or changes.resolved or changes.alerted:
                        publish_after_commit(
                            run.session,
                            DetectionsChanged(
                                rule.key,
                                store.id,
                                tuple(changes.opened),
                                tuple(changes.resolved),
                                tuple(changes.alerted),
                            ),
                        )
        except Exception as problem:  # any failure: the rule is broken, and says why
            if transient(problem):
                raise  # the database was busy: not the rule's fault; the caller retries the whole run
            error = f"{type(problem).__name__}: {problem}"[:2000]
            logger.warning("rule %s failed: %s", rule.key, error)
        evaluation = RuleEvaluation(
            rule_id=rule.id,
            store_id=run.stores[0].id if len(run.stores) == 1 else None,
            trigger=run.trigger,
            started_at=run.now,
            duration_ms=(time.perf_counter() - started) * 1000,
            rows_scanned=scanned,
            matches=total.matches,
            opened=len(total.opened),
            resolved=len(total.resolved),
            realerted=len(total.alerted),
            error=error,
            note="; ".join(notes) or None,
        )
        # Logged and the rule's state set by `run`, for all rules at once: one flush, not one per rule.
        return evaluation

    def _active(self, run: Run, rule: Rule, store: Store) -> bool:
        when = rule.active_when or "always"
        if when == "always":
            return True
        if when in ("business_hours", "outside_business_hours"):
            open_now = run.calendar(store).is_open(run.now)
            return open_now if when == "business_hours" else not open_now
        if when in ("promotion", "no_promotion"):
            on = run.calendar(store).in_promotion(run.now)
            return on if when == "promotion" else not on
        raise plans.DefinitionError("active_when", f"unknown value {when!r}; one of {', '.join(ACTIVE_WHEN)}")

    def _matches(
        self, run: Run, rule: Rule, store: Store, record_ids: Collection[int] | None
    ) -> dict[str, Match] | RecordMatches | None:
        if not self._active(run, rule, store):
            return None
        self.begin_store(run, store)
        if rule.kind in (RuleKind.record.value, RuleKind.time.value):
            return self._record_matches(run, rule, store, record_ids)
        if rule.kind == RuleKind.metric.value:
            return self._metric_matches(run, rule, store)
        if rule.kind == RuleKind.pattern.value:
            return self._pattern_matches(run, rule, store)
        raise plans.DefinitionError("kind", f"unknown rule kind {rule.kind!r}")

    def begin_store(self, run: Run, store: Store) -> None:
        """Point the compiled rules' per-store fields (seller tiers, stockout priorities) at `store`."""
        self.store_run.begin(session=run.session, store=store, now=run.now, values=self.tunables.values)

    def _compiled(self, rule: Rule, part: str, build: Any) -> Any:
        key = (rule.id, rule.version, part)
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def _condition(self, rule: Rule) -> ColumnElement[bool]:
        built: plans.Condition = self._compiled(
            rule,
            "where",
            lambda: plans.condition(
                rule.entity,
                rule.expression,
                self._pinned,
                rule.template_field,
                rule.template_instances,
                self.tunables,
                self.store_run,
            ),
        )
        return built.sql

    def _where(self, run: Run, rule: Rule, store: Store) -> list[ColumnElement[bool]]:
        """Return the rule's condition, its index-friendly implied conditions and its store's filter."""
        spec = ENTITIES[rule.entity]
        where = [self._condition(rule)]
        if not rule.template_field:
            where += self._compiled(
                rule, "hints", lambda: hints(rule.entity, rule.expression, self._pinned, self.tunables)
            )
        if spec.in_store is not None and not run.single_store:
            where.append(spec.in_store(spec.model, store.id))
        return where

    def _value(self, rule: Rule, entity: str, text: str, part: str, kinds: tuple[str, ...] = ()) -> Any:
        return self._compiled(
            rule,
            f"{part}:{entity}:{text}",
            lambda: plans.value(entity, text, self._pinned, part, kinds, self.tunables, self.store_run),
        )

    # Record and time rules ---------------------------------------------------------------------------------
    def _record_matches(
        self, run: Run, rule: Rule, store: Store, record_ids: Collection[int] | None
    ) -> RecordMatches:
        model = ENTITIES[rule.entity].model
        where = self._where(run, rule, store)
        if rule.sla_field and rule.sla_business_minutes is not None:
            started = self._value(rule, rule.entity, rule.sla_field, "sla_field", ("timestamp",))
            minutes = float(rule.sla_business_minutes)
            # The kernel's cutoff, as the tiles use: "breached" is strictly more business time than the SLA.
            cutoff = run.calendar(store).breach_cutoff(run.now, minutes)
            where.append(started.sql < literal(cutoff, UTCDateTime()))
        ids: list[int] = []
        if record_ids is None:
            # Core, not ORM: a rule may match tens of thousands of records.
            ids = list(run.session.connection().execute(select(model.id).where(*where)).scalars().all())
        else:
            wanted = sorted(record_ids)
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                ids += [
                    int(i) for i in run.session.scalars(select(model.id).where(*where, model.id.in_(part)))
                ]
        return RecordMatches(set(ids), rule.severity)

    # Metric rules ------------------------------------------------------------------------------------------
    def _window_cutoff(self, run: Run, rule: Rule, kind: str, hours: float) -> Any:
        moment = run.now - timedelta(hours=hours)
        if kind == "date":
            return literal(moment.date(), Date())
        return literal(moment, UTCDateTime())

    def _metric_matches(self, run: Run, rule: Rule, store: Store) -> dict[str, Match]:
        where = self._where(run, rule, store)
        measured: Any = literal(1)
        if rule.aggregate in ("sum", "avg"):
            if not rule.aggregate_field:
                raise plans.DefinitionError("aggregate_field", f"{rule.aggregate} needs a field")
            measured = self._value(
                rule, rule.entity, rule.aggregate_field, "aggregate_field", ("number", "money")
            ).sql
        aggregates: dict[str, Any] = {"count": func.count, "sum": func.sum, "avg": func.avg}
        aggregate = aggregates[rule.aggregate or "count"]
        columns: list[Any] = []
        group: Any = None
        group_field = rule.group_by or rule.template_field
        if group_field:
            group = self._value(rule, rule.entity, group_field, "group_by").sql.label("g")
            columns.append(group)
        if rule.window_field and rule.window_hours:
            moment = self._value(rule, rule.entity, rule.window_field, "window_field", ("timestamp", "date"))
            current = moment.sql >= self._window_cutoff(run, rule, str(moment.type), rule.window_hours)
            if rule.compare_previous:
                where.append(
                    moment.sql >= self._window_cutoff(run, rule, str(moment.type), 2 * rule.window_hours)
                )
                columns.append(aggregate(case((current, measured))).label("cur"))
                columns.append(aggregate(case((~current, measured))).label("prev"))
            else:
                where.append(current)
                columns.append(aggregate(measured).label("cur"))
        else:
            if rule.compare_previous:
                raise plans.DefinitionError(
                    "compare_previous", "comparing with the previous window needs a window"
                )
            columns.append(aggregate(measured).label("cur"))
        query = select(*columns).where(*where)
        if group is not None:
            query = query.group_by(group)
        rows = run.session.execute(query).all()
        instances = {str(i.get("value")): i for i in rule.template_instances or [] if i.get("thresholds")}
        found: dict[str, Match] = {}
        for row in rows:
            label = str(row.g) if group is not None else "all"
            current_value = None if row.cur is None else float(row.cur)
            details: dict[str, Any] = {
                "group": label if group is not None else None,
                "current": current_value,
            }
            result = current_value
            if rule.compare_previous:
                previous = None if row.prev is None else float(row.prev)
                details["previous"] = previous
                result = (
                    None if not previous or current_value is None else (current_value - previous) / previous
                )
            thresholds = resolve(rule.thresholds, self.tunables.values)
            if label in instances:
                thresholds = dict(instances[label]["thresholds"])
            severity = severity_for(result, thresholds, rule.threshold_op or ">=")
            if severity is not None:
                details["thresholds"] = thresholds
                found[label] = Match(key=label, severity=severity, value=result, details=details)
        return found

    # Pattern rules -----------------------------------------------------------------------------------------
    def _pattern_matches(self, run: Run, rule: Rule, store: Store) -> dict[str, Match]:
        source = run.session.scalar(select(Rule).where(Rule.key == rule.source_rule_key))
        if source is None:
            raise plans.DefinitionError("source_rule_key", f"no rule {rule.source_rule_key!r} to count")
        if not rule.pattern_field:
            raise plans.DefinitionError(
                "pattern_field", "a pattern rule needs the field its detections share"
            )
        spec = ENTITIES[source.entity]
        shared_value = self._value(rule, source.entity, rule.pattern_field, "pattern_field").sql
        shared = shared_value.label("g")
        where = [
            Detection.rule_id == source.id,
            Detection.store_id == store.id,
            shared_value.is_not(None),
        ]
        if rule.window_hours:
            where.append(Detection.first_seen >= run.now - timedelta(hours=rule.window_hours))
        query = (
            select(shared, func.count(Detection.id).label("n"))
            .select_from(Detection)
            .join(spec.model, spec.model.id == Detection.record_id)
            .where(*where)
            .group_by(shared)
        )
        found: dict[str, Match] = {}
        for row in run.session.execute(query).all():
            limits = resolve(rule.thresholds, self.tunables.values)
            severity = severity_for(float(row.n), limits, rule.threshold_op or ">=")
            if severity is not None:
                label = str(row.g)
                details = {
                    "field": rule.pattern_field,
                    "value": label,
                    "count": int(row.n),
                    "source_rule": source.key,
                }
                found[label] = Match(key=label, severity=severity, value=float(row.n), details=details)
        return found


def utcnow_of(clock: Clock) -> datetime:
    """Return the clock's now, checked to be aware UTC."""
    return clock.now().astimezone(UTC)
