"""The shapes of rules and detections at the edges: the JSON API, YAML files and the default pack.

`RuleSpec` is the one definition of what a rule may say; the API, `hotdash rules import` and the defaults all
validate through it (strict mode: `"5"` is not a number, `false` is not a threshold).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotdash.detection.models import Detection, Rule, RuleEvaluation, Severity
from hotdash.detection.thresholds import TunableUse, parse_reference
from hotdash.detection.tilemap import tile_of
from hotdash.store.entities import ENTITIES

KindName = Literal["record", "time", "metric", "pattern"]
SeverityName = Literal["info", "warning", "critical"]
StatusName = Literal["open", "snoozed", "muted", "resolved"]
Operator = Literal[">=", ">", "<=", "<"]
ActiveWhen = Literal["always", "business_hours", "outside_business_hours", "promotion", "no_promotion"]

SPEC_FIELDS = (
    "key",
    "name",
    "description",
    "tile",
    "kind",
    "entity",
    "expression",
    "severity",
    "thresholds",
    "threshold_op",
    "aggregate",
    "aggregate_field",
    "compare_previous",
    "group_by",
    "window_field",
    "window_hours",
    "template_field",
    "template_instances",
    "source_rule_key",
    "pattern_field",
    "sla_field",
    "sla_business_minutes",
    "active_when",
    "realert_minutes",
    "enabled",
)


def _known_tunables(value: dict[str, float | str] | None) -> dict[str, float | str] | None:
    """Refuse a threshold that names no tunable (the message says which names are close)."""
    for limit in (value or {}).values():
        if isinstance(limit, str):
            parse_reference(limit)
    return value


class TemplateInstance(BaseModel):
    """One instance of a template: the value of the template field, and its own parameters or thresholds."""

    model_config = ConfigDict(strict=True, extra="forbid")

    value: str | float | bool | None = Field(description="e.g. a warehouse name or a carrier")
    params: dict[str, str | float | bool] = Field(
        default_factory=dict, description="values of the {placeholders} in the expression"
    )
    thresholds: dict[SeverityName, float] | None = Field(
        default=None, description="metric rules: this instance's thresholds instead of the rule's"
    )


class RuleSpec(BaseModel):
    """Everything a rule says; the YAML file and the API take exactly these fields."""

    model_config = ConfigDict(strict=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,95}$", description="stable id, e.g. orders.delayed_72h")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    tile: str | None = Field(default=None, max_length=32)
    kind: KindName
    entity: str = Field(max_length=32)
    expression: str = Field(default="", max_length=10_000, description="the condition, in the rule language")
    severity: SeverityName = "warning"
    thresholds: dict[SeverityName, float | str] | None = Field(
        default=None,
        description="per severity, a number or a tunable's name (optionally + or - a number), "
        "e.g. {warning: 'fulfillment.investigate_min', critical: 'fulfillment.critical_above + 1'}",
    )
    threshold_op: Operator = ">="
    aggregate: Literal["count", "sum", "avg"] | None = None
    aggregate_field: str | None = None
    compare_previous: bool = False
    group_by: str | None = None
    window_field: str | None = None
    window_hours: float | None = Field(default=None, gt=0, le=24 * 366)
    template_field: str | None = None
    template_instances: list[TemplateInstance] | None = None
    source_rule_key: str | None = None
    pattern_field: str | None = None
    sla_field: str | None = None
    sla_business_minutes: float | None = Field(default=None, gt=0, le=60 * 24 * 60)
    active_when: ActiveWhen = "always"
    realert_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 90)
    enabled: bool = True

    @field_validator("thresholds")
    @classmethod
    def _some_threshold(cls, value: dict[str, float | str] | None) -> dict[str, float | str] | None:
        if value is not None and not value:
            raise ValueError("give at least one severity's threshold, e.g. {warning: 5, critical: 15}")
        return _known_tunables(value)

    def definition(self) -> dict[str, Any]:
        """Return the rule as plain data, in a stable field order (what versions and YAML store)."""
        data = self.model_dump(mode="json")
        return {name: data[name] for name in SPEC_FIELDS}


def definition_of(rule: Rule) -> dict[str, Any]:
    """Return a stored rule's definition, as RuleSpec.definition gives it."""
    return {name: getattr(rule, name) for name in SPEC_FIELDS}


class RuleChange(BaseModel):
    """A change to a rule: only the fields given change (the key never does)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    tile: str | None = None
    expression: str | None = Field(default=None, max_length=10_000)
    severity: SeverityName | None = None
    thresholds: dict[SeverityName, float | str] | None = None
    threshold_op: Operator | None = None

    @field_validator("thresholds")
    @classmethod
    def _tunables_exist(cls, value: dict[str, float | str] | None) -> dict[str, float | str] | None:
        return _known_tunables(value)

    aggregate: Literal["count", "sum", "avg"] | None = None
    aggregate_field: str | None = None
    compare_previous: bool | None = None
    group_by: str | None = None
    window_field: str | None = None
    window_hours: float | None = Field(default=None, gt=0, le=24 * 366)
    template_field: str | None = None
    template_instances: list[TemplateInstance] | None = None
    source_rule_key: str | None = None
    pattern_field: str | None = None
    sla_field: str | None = None
    sla_business_minutes: float | None = Field(default=None, gt=0)
    active_when: ActiveWhen | None = None
    realert_minutes: int | None = Field(default=None, ge=1)
    enabled: bool | None = None


class RuleOut(BaseModel):
    """A rule as stored: its definition, its state and its version."""

    id: int
    definition: dict[str, Any]
    broken: bool
    last_error: str | None
    last_evaluated_at: datetime | None
    version: int
    is_default: bool
    open_detections: int = 0
    tunables: list[TunableUse] = Field(
        default_factory=list, description="the tunables the rule reads, with their values in force"
    )

    @classmethod
    def of(cls, rule: Rule, open_detections: int = 0, tunables: list[TunableUse] | None = None) -> RuleOut:
        return cls(
            tunables=tunables or [],
            id=rule.id,
            definition=definition_of(rule),
            broken=rule.broken,
            last_error=rule.last_error,
            last_evaluated_at=rule.last_evaluated_at,
            version=rule.version,
            is_default=rule.is_default,
            open_detections=open_detections,
        )


class RuleVersionOut(BaseModel):
    version: int
    author: str
    at: datetime
    diff: dict[str, Any]
    definition: dict[str, Any]


class NoteOut(BaseModel):
    id: int
    author: str
    at: datetime
    text: str


class DetectionOut(BaseModel):
    """One detection: what, how bad, where in its life, and the notes on it."""

    id: int
    fingerprint: str
    rule_key: str
    rule_name: str
    tile: str | None
    store_id: int | None
    entity: str
    record_id: int | None
    record_key: str
    record_url: str | None = Field(
        default=None, description="the path of the record's page, for a detection of one record"
    )
    severity: str
    status: str
    first_seen: datetime
    last_seen: datetime
    last_alerted: datetime | None
    alert_count: int
    times_opened: int
    resolved_at: datetime | None
    snoozed_until: datetime | None
    muted_until: datetime | None
    value: float | None
    details: dict[str, Any] | None
    notes: list[NoteOut] = Field(default_factory=list)

    @classmethod
    def of(cls, detection: Detection, rule: Rule, notes: list[NoteOut] | None = None) -> DetectionOut:
        return cls(
            id=detection.id,
            fingerprint=detection.fingerprint,
            rule_key=rule.key,
            rule_name=rule.name,
            tile=tile_of(tile=rule.tile, entity=rule.entity),
            store_id=detection.store_id,
            entity=detection.entity,
            record_id=detection.record_id,
            record_key=detection.record_key,
            record_url=(
                None
                if detection.record_id is None
                else ENTITIES.by_table(detection.entity).url(detection.record_id)
            ),
            severity=detection.severity,
            status=detection.status,
            first_seen=detection.first_seen,
            last_seen=_last_seen(detection, rule),
            last_alerted=detection.last_alerted,
            alert_count=detection.alert_count,
            times_opened=detection.times_opened,
            resolved_at=detection.resolved_at,
            snoozed_until=detection.snoozed_until,
            muted_until=detection.muted_until,
            value=detection.value,
            details=detection.details,
            notes=notes or [],
        )


def _last_seen(detection: Detection, rule: Rule) -> datetime:
    """Return when the detection last matched: an unresolved one, at its rule's latest evaluation."""
    if detection.status != "resolved" and rule.last_evaluated_at is not None:
        return max(detection.last_seen, rule.last_evaluated_at)
    return detection.last_seen


class EvaluationOut(BaseModel):
    started_at: datetime
    trigger: str
    duration_ms: float
    rows_scanned: int
    matches: int
    opened: int
    resolved: int
    realerted: int
    error: str | None
    note: str | None

    @classmethod
    def of(cls, e: RuleEvaluation) -> EvaluationOut:
        return cls(
            started_at=e.started_at,
            trigger=e.trigger,
            duration_ms=e.duration_ms,
            rows_scanned=e.rows_scanned,
            matches=e.matches,
            opened=e.opened,
            resolved=e.resolved,
            realerted=e.realerted,
            error=e.error,
            note=e.note,
        )


class SnoozeIn(BaseModel):
    """Silence a detection until a time, or for a number of minutes."""

    model_config = ConfigDict(strict=True, extra="forbid")

    minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 365)
    until: str | None = Field(default=None, description="ISO 8601 with a timezone, e.g. 2026-12-02T09:00:00Z")


class NoteIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


SEVERITIES = tuple(s.value for s in Severity)
