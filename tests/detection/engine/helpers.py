"""Small helpers of the engine tests: make a rule, run rules, read detections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection import service
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.models import Detection, Rule, RuleEvaluation
from hotdash.detection.schemas import RuleSpec

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)  # a Wednesday


def make_rule(session: Session, clock: FrozenClock, **fields: Any) -> Rule:
    spec = {"name": fields.get("key", "rule"), **fields}
    return service.create_rule(
        session=session, spec=RuleSpec.model_validate(spec), actor=None, now=clock.now()
    )


def run(session: Session, clock: FrozenClock, *rules: Rule, **kw: Any) -> list[RuleEvaluation]:
    return Evaluator(clock).run(session=session, rules=list(rules), trigger="manual", **kw)


def detections(session: Session, rule: Rule) -> list[Detection]:
    session.expire_all()
    query = select(Detection).where(Detection.rule_id == rule.id).order_by(Detection.record_key)
    return list(session.scalars(query))


def by_key(session: Session, rule: Rule) -> dict[str, Detection]:
    return {d.record_key: d for d in detections(session, rule)}
