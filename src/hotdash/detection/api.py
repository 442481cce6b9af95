"""Rules and detections over HTTP: `/api/v1/rules` (managers edit) and `/api/v1/detections` (operators act).

Anyone signed in reads. Changing a rule needs the manager role; snoozing, muting, resolving and writing notes
on a detection need the operator role. Errors use the one error shape; a rule that does not compile is a 422
whose details list each problem with its field and its position in the expression.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hotdash.auth.deps import require_role
from hotdash.auth.models import Role, User
from hotdash.detection import backtest as backtests
from hotdash.detection import detections, service, thresholds
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.schemas import (
    DetectionOut,
    EvaluationOut,
    NoteIn,
    RuleChange,
    RuleOut,
    RuleSpec,
    RuleVersionOut,
    SnoozeIn,
    StatusName,
)
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.params import Count, RowId
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import DbSession
from hotdash.kernel.tunables import load_tunables

rules_router = APIRouter(prefix="/api/v1/rules", tags=["rules"])
detections_router = APIRouter(prefix="/api/v1/detections", tags=["detections"])

Manager = Annotated[
    User, Depends(require_role(Role.manager, "Managers and admins change rules; ask one of them."))
]
Operator = Annotated[
    User, Depends(require_role(Role.operator, "Operators, managers and admins act on detections."))
]


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the services' refusals into 4xx answers in the one error shape."""
    try:
        yield
    except service.RuleInvalid as invalid:
        raise ApiError(
            422,
            "invalid_rule",
            f"The rule {invalid.key!r} cannot work: " + "; ".join(p.message for p in invalid.problems),
            {"problems": [p.as_dict() for p in invalid.problems]},
        ) from invalid
    except service.RuleExists as exists:
        raise ApiError(409, "rule_exists", str(exists)) from exists
    except service.UnknownRule as unknown:
        raise ApiError(404, "unknown_rule", str(unknown)) from unknown
    except detections.UnknownDetection as unknown:
        raise ApiError(404, "unknown_detection", str(unknown)) from unknown
    except detections.ActionRefused as refused:
        raise ApiError(409, "action_refused", str(refused)) from refused


# Rules ---------------------------------------------------------------------------------------------------


@rules_router.get("", summary="List the rules")
def list_rules(session: DbSession) -> list[RuleOut]:
    """Return every rule with its state (broken, last error) and its number of unresolved detections."""
    counts = service.open_counts(session=session)
    values = load_tunables(session=session)
    return [
        RuleOut.of(r, counts.get(r.id, 0), thresholds.in_force(session, thresholds.used_by(r), values))
        for r in service.list_rules(session=session)
    ]


@rules_router.post("", status_code=201, summary="Create a rule (managers)")
def create_rule(body: RuleSpec, request: Request, session: DbSession, user: Manager) -> RuleOut:
    """Check and save a new rule; its first version records who made it."""
    with _errors():
        return RuleOut.of(service.create_rule(session=session, spec=body, actor=user, now=now(request)))


class CheckResult(BaseModel):
    valid: bool
    problems: list[dict[str, Any]] = Field(default_factory=list)


@rules_router.post("/check", summary="Check a rule without saving it")
def check_rule(body: RuleSpec, session: DbSession) -> CheckResult:
    """Return whether the definition works, and each problem with its position (for the rule builder)."""
    problems = service.check(body, session=session)
    return CheckResult(valid=not problems, problems=[p.as_dict() for p in problems])


@rules_router.get("/{key}", summary="Read a rule")
def get_rule(key: str, session: DbSession) -> RuleOut:
    with _errors():
        rule = service.get_rule(session=session, key=key)
        used = thresholds.in_force(session, thresholds.used_by(rule))
        return RuleOut.of(rule, service.open_counts(session=session).get(rule.id, 0), used)


@rules_router.patch("/{key}", summary="Change a rule (managers)")
def change_rule(key: str, body: RuleChange, request: Request, session: DbSession, user: Manager) -> RuleOut:
    """Change the fields given; a real change is a new version with its diff."""
    with _errors():
        changes = body.model_dump(mode="json", exclude_unset=True)
        return RuleOut.of(
            service.update_rule(session=session, key=key, changes=changes, actor=user, now=now(request))
        )


@rules_router.post("/{key}/enable", summary="Enable a rule (managers)")
def enable_rule(key: str, request: Request, session: DbSession, user: Manager) -> RuleOut:
    with _errors():
        return RuleOut.of(
            service.set_enabled(session=session, key=key, enabled=True, actor=user, now=now(request))
        )


@rules_router.post("/{key}/disable", summary="Disable a rule (managers)")
def disable_rule(key: str, request: Request, session: DbSession, user: Manager) -> RuleOut:
    with _errors():
        return RuleOut.of(
            service.set_enabled(session=session, key=key, enabled=False, actor=user, now=now(request))
        )


@rules_router.get("/{key}/versions", summary="A rule's versions, newest first")
def rule_versions(key: str, session: DbSession) -> list[RuleVersionOut]:
    with _errors():
        rule = service.get_rule(session=session, key=key)
        return [
            RuleVersionOut(
                version=v.version, author=v.author_label, at=v.at, diff=v.diff, definition=v.definition
            )
            for v in service.versions(session=session, rule=rule)
        ]


@rules_router.get("/{key}/evaluations", summary="A rule's latest evaluations")
def rule_evaluations(
    key: str, session: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[EvaluationOut]:
    with _errors():
        rule = service.get_rule(session=session, key=key)
        return [EvaluationOut.of(e) for e in service.evaluations(session=session, rule=rule, limit=limit)]


@rules_router.post("/{key}/run", summary="Evaluate a rule now (managers)")
def run_rule(key: str, request: Request, session: DbSession, user: Manager) -> EvaluationOut:
    """Run the rule once now and return its evaluation (with the error, if it failed)."""
    with _errors():
        rule = service.get_rule(session=session, key=key)
        evaluation = Evaluator(services_of(request.app).clock).run(
            session=session, rules=[rule], trigger="manual"
        )[0]
        return EvaluationOut.of(evaluation)


class BacktestOut(BaseModel):
    rule_key: str
    since: datetime
    until: datetime
    step_hours: float
    instants: int
    fired: int
    matching_at_start: int
    matching_now: int
    per_day: dict[str, int]
    samples: list[dict[str, Any]]


@rules_router.get("/{key}/backtest", summary="How often the rule would have fired")
def backtest_rule(
    key: str,
    request: Request,
    session: DbSession,
    days: Annotated[float, Query(gt=0, le=90)] = 30,
    step_hours: Annotated[float, Query(ge=1, le=168)] = 6,
) -> BacktestOut:
    """Replay the rule over the last `days` days, every `step_hours`: firings per day and sample records."""
    with _errors():
        rule = service.get_rule(session=session, key=key)
        result = backtests.backtest(
            session=session, rule=rule, now=now(request), days=days, step_hours=step_hours
        )
        return BacktestOut(
            rule_key=result.rule_key,
            since=result.since,
            until=result.until,
            step_hours=result.step_hours,
            instants=result.instants,
            fired=result.fired,
            matching_at_start=result.matching_at_start,
            matching_now=result.matching_now,
            per_day={d.isoformat(): n for d, n in result.per_day.items()},
            samples=[
                {"key": m.key, "record_id": m.record_id, "severity": m.severity, "value": m.value}
                for m in result.samples
            ],
        )


# Detections ----------------------------------------------------------------------------------------------


class DetectionPage(BaseModel):
    total: int
    items: list[DetectionOut]


@detections_router.get("", summary="List detections (the inbox)")
def list_detections(
    session: DbSession,
    status: Annotated[list[StatusName] | None, Query(description="default: open")] = None,
    severity: Annotated[str | None, Query(pattern="^(info|warning|critical)$")] = None,
    rule: Annotated[str | None, Query(description="rule key")] = None,
    entity: str | None = None,
    tile: str | None = None,
    record_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Count, Query()] = 0,
) -> DetectionPage:
    """Return detections, most severe and newest first, filtered by status, severity, rule, entity, tile."""
    where = detections.DetectionFilter(
        status=tuple(status) if status else ("open",),
        severity=severity,
        rule_key=rule,
        entity=entity,
        tile=tile,
        record_id=record_id,
        limit=limit,
        offset=offset,
    )
    items, total = detections.list_detections(session=session, where=where)
    return DetectionPage(total=total, items=items)


@detections_router.get("/{detection_id}", summary="Read a detection with its notes")
def get_detection(detection_id: RowId, session: DbSession) -> DetectionOut:
    with _errors():
        return detections.get_detection(session=session, detection_id=detection_id)


def _window(body: SnoozeIn) -> tuple[int | None, datetime | None]:
    if body.until is None:
        return body.minutes, None
    try:
        until = datetime.fromisoformat(body.until)
    except ValueError:
        raise ApiError(422, "invalid_time", "until must be ISO 8601, e.g. 2026-12-02T09:00:00Z") from None
    if until.tzinfo is None:
        raise ApiError(422, "invalid_time", "until needs a timezone, e.g. 2026-12-02T09:00:00Z")
    return body.minutes, until


@detections_router.post("/{detection_id}/snooze", summary="Snooze a detection (operators)")
def snooze(
    detection_id: RowId, body: SnoozeIn, request: Request, session: DbSession, user: Operator
) -> DetectionOut:
    """Hide and silence it until a time; then it is open again if its condition still holds."""
    minutes, until = _window(body)
    with _errors():
        return detections.snooze(
            session=session,
            detection_id=detection_id,
            now=now(request),
            actor=user,
            minutes=minutes,
            until=until,
        )


@detections_router.post("/{detection_id}/mute", summary="Mute a detection (operators)")
def mute(
    detection_id: RowId, body: SnoozeIn, request: Request, session: DbSession, user: Operator
) -> DetectionOut:
    """Silence it until a time, even if it resolves and fires again meanwhile."""
    minutes, until = _window(body)
    with _errors():
        return detections.mute(
            session=session,
            detection_id=detection_id,
            now=now(request),
            actor=user,
            minutes=minutes,
            until=until,
        )


@detections_router.post("/{detection_id}/unmute", summary="End a snooze or mute (operators)")
def unmute(detection_id: RowId, request: Request, session: DbSession, user: Operator) -> DetectionOut:
    with _errors():
        return detections.unmute(session=session, detection_id=detection_id, now=now(request), actor=user)


@detections_router.post("/{detection_id}/resolve", summary="Resolve a detection by hand (operators)")
def resolve(detection_id: RowId, request: Request, session: DbSession, user: Operator) -> DetectionOut:
    """Mark it resolved now; if its condition still holds, the next evaluation re-opens it (notes kept)."""
    with _errors():
        return detections.resolve(session=session, detection_id=detection_id, now=now(request), actor=user)


@detections_router.post("/{detection_id}/notes", status_code=201, summary="Add a note (operators)")
def add_note(
    detection_id: RowId, body: NoteIn, request: Request, session: DbSession, user: Operator
) -> DetectionOut:
    with _errors():
        return detections.add_note(
            session=session, detection_id=detection_id, text=body.text, actor=user, now=now(request)
        )
