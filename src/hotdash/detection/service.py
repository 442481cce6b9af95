"""Rules: check, create, change (each change a version with author and diff), enable, list.

Services flush and never commit: the request, CLI command or job that calls them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.auth.models import User
from hotdash.clock import FrozenClock
from hotdash.detection import plans
from hotdash.detection.expression import ENTITIES, RuleError
from hotdash.detection.models import UNRESOLVED, Detection, Rule, RuleEvaluation, RuleKind, RuleVersion
from hotdash.detection.schemas import SPEC_FIELDS, RuleSpec, definition_of


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule: the part at fault, the message, and where in the expression if known."""

    field: str
    message: str
    offset: int | None = None
    line: int | None = None  # within the expression
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class RuleInvalid(ValueError):
    """A rule definition that cannot work; `problems` says each reason."""

    def __init__(self, key: str, problems: list[Problem]) -> None:
        super().__init__(f"rule {key!r}: " + "; ".join(f"{p.field}: {p.message}" for p in problems))
        self.key = key
        self.problems = problems


class UnknownRule(LookupError):
    """No rule has this key."""


class RuleExists(ValueError):
    """A rule with this key exists already."""


def check(spec: RuleSpec, *, session: Session | None = None) -> list[Problem]:
    """Return what is wrong with a rule definition (empty when it compiles and fits together)."""
    clock = FrozenClock()
    problems: list[Problem] = []
    if spec.entity not in ENTITIES:
        return [Problem("entity", f"unknown entity {spec.entity!r}; entities: {', '.join(ENTITIES)}")]
    data = spec.definition()

    def attempt(field: str, build: Any) -> None:
        try:
            build()
        except RuleError as error:
            for e in error.errors:
                hint = f"; did you mean '{e.suggestion}'?" if e.suggestion else ""
                problems.append(Problem(field, e.message + hint, e.offset, e.line, e.column))
        except plans.DefinitionError as error:
            problems.append(Problem(error.field, error.message))

    attempt(
        "expression",
        lambda: plans.condition(
            spec.entity, spec.expression, clock, spec.template_field, data["template_instances"]
        ),
    )
    for field, kinds in (
        ("aggregate_field", ("number", "money")),
        ("group_by", ()),
        ("window_field", ("timestamp", "date")),
        ("sla_field", ("timestamp",)),
    ):
        text = getattr(spec, field)
        if text:
            attempt(
                field,
                lambda text=text, field=field, kinds=kinds: plans.value(
                    spec.entity, text, clock, field, kinds
                ),
            )
    if spec.template_field:
        attempt(
            "template_field",
            lambda: plans.value(spec.entity, spec.template_field or "", clock, "template_field"),
        )
    problems += _kind_problems(spec, session, clock)
    return problems


def _kind_problems(spec: RuleSpec, session: Session | None, clock: FrozenClock) -> list[Problem]:
    problems: list[Problem] = []
    if spec.kind in (RuleKind.metric.value, RuleKind.pattern.value) and not spec.thresholds:
        instances = spec.template_instances or []
        if not (instances and all(i.thresholds for i in instances)):
            problems.append(
                Problem("thresholds", f"a {spec.kind} rule needs thresholds, e.g. {{warning: 5}}")
            )
    if spec.kind == RuleKind.metric.value:
        if spec.aggregate in ("sum", "avg") and not spec.aggregate_field:
            problems.append(Problem("aggregate_field", f"{spec.aggregate} needs the field to add up"))
        if spec.compare_previous and not (spec.window_field and spec.window_hours):
            problems.append(Problem("compare_previous", "comparing with the previous window needs a window"))
        if bool(spec.window_field) != bool(spec.window_hours):
            problems.append(Problem("window_hours", "a window needs both window_field and window_hours"))
    if spec.kind == RuleKind.pattern.value:
        if not spec.source_rule_key or not spec.pattern_field:
            problems.append(
                Problem("source_rule_key", "a pattern rule needs source_rule_key and pattern_field")
            )
        elif session is not None:
            source = session.scalar(select(Rule).where(Rule.key == spec.source_rule_key))
            if source is None:
                problems.append(Problem("source_rule_key", f"no rule {spec.source_rule_key!r}"))
            else:
                try:
                    plans.value(source.entity, spec.pattern_field, clock, "pattern_field")
                except RuleError as error:
                    problems.append(Problem("pattern_field", str(error.errors[0].message)))
                if source.entity != spec.entity:
                    problems.append(
                        Problem(
                            "entity", f"a pattern rule counts {source.entity}, the entity of its source rule"
                        )
                    )
    if bool(spec.sla_field) != bool(spec.sla_business_minutes):
        problems.append(
            Problem("sla_business_minutes", "an SLA needs both sla_field and sla_business_minutes")
        )
    return problems


def _author(actor: User | None, label: str | None) -> tuple[int | None, str]:
    return (actor.id if actor else None), (actor.email if actor else (label or "system"))


def _version(
    session: Session,
    rule: Rule,
    before: dict[str, Any] | None,
    actor: User | None,
    label: str | None,
    now: datetime,
) -> None:
    after = definition_of(rule)
    diff = {
        k: [None if before is None else before[k], after[k]]
        for k in SPEC_FIELDS
        if before is None or before[k] != after[k]
    }
    author_id, author_label = _author(actor, label)
    session.add(
        RuleVersion(
            rule_id=rule.id,
            version=rule.version,
            author_id=author_id,
            author_label=author_label,
            at=now,
            diff=diff,
            definition=after,
        )
    )


def create_rule(
    *,
    session: Session,
    spec: RuleSpec,
    actor: User | None,
    now: datetime,
    author: str | None = None,
    is_default: bool = False,
) -> Rule:
    """Add a rule after checking it; its first version records who made it."""
    if session.scalar(select(Rule.id).where(Rule.key == spec.key)) is not None:
        raise RuleExists(f"a rule with key {spec.key!r} exists already")
    problems = check(spec, session=session)
    if problems:
        raise RuleInvalid(spec.key, problems)
    rule = Rule(**spec.definition(), version=1, created_at=now, updated_at=now, is_default=is_default)
    session.add(rule)
    session.flush()
    _version(session, rule, None, actor, author, now)
    session.flush()
    return rule


def get_rule(*, session: Session, key: str) -> Rule:
    """Return the rule with `key`, or raise UnknownRule."""
    rule = session.scalar(select(Rule).where(Rule.key == key))
    if rule is None:
        raise UnknownRule(f"there is no rule {key!r}; `hotdash rules list` shows them")
    return rule


def update_rule(
    *,
    session: Session,
    key: str,
    changes: dict[str, Any],
    actor: User | None,
    now: datetime,
    author: str | None = None,
) -> Rule:
    """Change some fields of a rule after checking the result; a real change is a new version."""
    rule = get_rule(session=session, key=key)
    before = definition_of(rule)
    merged = {**before, **{k: v for k, v in changes.items() if k in SPEC_FIELDS and k != "key"}}
    spec = RuleSpec.model_validate(merged, strict=False)
    problems = check(spec, session=session)
    if problems:
        raise RuleInvalid(key, problems)
    after = spec.definition()
    if after == before:
        return rule
    for name, value in after.items():
        setattr(rule, name, value)
    rule.version += 1
    rule.updated_at = now
    # A changed rule gets a fresh chance: the next evaluation says whether it still fails.
    rule.broken = False
    rule.last_error = None
    session.flush()
    _version(session, rule, before, actor, author, now)
    session.flush()
    return rule


def set_enabled(
    *, session: Session, key: str, enabled: bool, actor: User | None, now: datetime, author: str | None = None
) -> Rule:
    """Enable or disable a rule (a versioned change)."""
    return update_rule(
        session=session, key=key, changes={"enabled": enabled}, actor=actor, now=now, author=author
    )


def list_rules(
    *, session: Session, enabled_only: bool = False, kinds: tuple[str, ...] | None = None
) -> list[Rule]:
    """Return the rules by key."""
    query = select(Rule).order_by(Rule.key)
    if enabled_only:
        query = query.where(Rule.enabled)
    if kinds:
        query = query.where(Rule.kind.in_(kinds))
    return list(session.scalars(query))


def open_counts(*, session: Session) -> dict[int, int]:
    """Return rule id -> number of unresolved detections."""
    rows = session.execute(
        select(Detection.rule_id, func.count())
        .where(Detection.status.in_(UNRESOLVED))
        .group_by(Detection.rule_id)
    ).all()
    return {int(rule_id): int(n) for rule_id, n in rows}


def versions(*, session: Session, rule: Rule) -> list[RuleVersion]:
    """Return a rule's versions, newest first."""
    return list(
        session.scalars(
            select(RuleVersion).where(RuleVersion.rule_id == rule.id).order_by(RuleVersion.version.desc())
        )
    )


def evaluations(*, session: Session, rule: Rule, limit: int = 20) -> list[RuleEvaluation]:
    """Return a rule's latest evaluations, newest first."""
    return list(
        session.scalars(
            select(RuleEvaluation)
            .where(RuleEvaluation.rule_id == rule.id)
            .order_by(RuleEvaluation.started_at.desc(), RuleEvaluation.id.desc())
            .limit(limit)
        )
    )


def latest_evaluations(*, session: Session) -> dict[int, RuleEvaluation]:
    """Return rule id -> its most recent evaluation (one query for the rules list)."""
    newest = (
        select(RuleEvaluation.rule_id, func.max(RuleEvaluation.id).label("id"))
        .group_by(RuleEvaluation.rule_id)
        .subquery()
    )
    rows = session.scalars(select(RuleEvaluation).join(newest, newest.c.id == RuleEvaluation.id))
    return {e.rule_id: e for e in rows}
