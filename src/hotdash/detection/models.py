"""Rules, their versions, the detections they raise, operators' notes, and the log of every evaluation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType
from hotdash.store.models import Shipment


class RuleKind(StrEnum):
    """What a rule looks at."""

    record = "record"  # each matching record is a detection
    time = "time"  # a record rule over clock-derived fields, re-run on the schedule
    metric = "metric"  # an aggregate per group over a window, with thresholds per severity
    pattern = "pattern"  # N detections of another rule sharing a field's value within a window


class Severity(StrEnum):
    """How urgent a detection is, lowest first."""

    info = "info"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Status(StrEnum):
    """Where a detection is in its life."""

    open = "open"
    snoozed = "snoozed"  # hidden and silent until snoozed_until, then open again if it still matches
    muted = "muted"  # silent until muted_until, even if it resolves and fires again meanwhile
    resolved = "resolved"


UNRESOLVED = (Status.open.value, Status.snoozed.value, Status.muted.value)


class Rule(IdMixin, Base):
    """An operator-defined condition; all a rule means is in these columns, versioned on each change."""

    __tablename__ = "rules"

    key: Mapped[str] = mapped_column(String(96), unique=True, doc="stable identifier, part of fingerprints")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tile: Mapped[str | None] = mapped_column(String(32), doc="the dashboard tile it belongs to")
    kind: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(32))
    expression: Mapped[str] = mapped_column(Text, doc="the condition, in the rule language")
    severity: Mapped[str] = mapped_column(String(16), default=Severity.warning.value)
    # Metric and pattern rules: {severity: threshold}; the highest severity whose threshold is met wins. A
    # threshold is a number or a tunable's name (hotdash.detection.thresholds), resolved at each run.
    thresholds: Mapped[dict[str, float | str] | None] = mapped_column(JSON)
    threshold_op: Mapped[str] = mapped_column(String(2), default=">=")
    aggregate: Mapped[str | None] = mapped_column(String(8), doc="count, sum or avg")
    aggregate_field: Mapped[str | None] = mapped_column(String(96))
    compare_previous: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="value = change vs prior window"
    )
    group_by: Mapped[str | None] = mapped_column(String(96))
    window_field: Mapped[str | None] = mapped_column(String(96))
    window_hours: Mapped[float | None] = mapped_column(Float)
    # Templates: one rule per value of a field, with its own parameters or thresholds per instance.
    template_field: Mapped[str | None] = mapped_column(String(96))
    template_instances: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    source_rule_key: Mapped[str | None] = mapped_column(String(96), doc="pattern rules: the rule they count")
    pattern_field: Mapped[str | None] = mapped_column(String(96))
    # SLA rules: the record matches once `sla_field` is more than this many business minutes ago.
    sla_field: Mapped[str | None] = mapped_column(String(96))
    sla_business_minutes: Mapped[float | None] = mapped_column(Float)
    active_when: Mapped[str] = mapped_column(String(16), default="always")
    realert_minutes: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    broken: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_evaluated_at: Mapped[datetime | None]
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, doc="installed from the default pack")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RuleVersion(IdMixin, Base):
    """One saved state of a rule: who changed it, when, what changed, and the whole definition."""

    __tablename__ = "rule_versions"

    rule_id: Mapped[int] = mapped_column(IdType, ForeignKey("rules.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{field: [before, after]}")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)


class Detection(IdMixin, Base):
    """One problem found by one rule, for one business key; the fingerprint keeps it one row for its life."""

    __tablename__ = "detections"

    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, doc="sha256 of rule key + business key")
    rule_id: Mapped[int] = mapped_column(IdType, ForeignKey("rules.id", ondelete="CASCADE"))
    store_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("stores.id"))
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(IdType, doc="the record, for record rules")
    record_key: Mapped[str] = mapped_column(
        String(255), doc="business key: record id, group or pattern value"
    )
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=Status.open.value)
    first_seen: Mapped[datetime]
    # When it last changed (opened, re-opened, figures moved) or, once resolved, last matched; while it is
    # unresolved its rule's last evaluation still matched it (see DetectionOut.last_seen).
    last_seen: Mapped[datetime]
    last_alerted: Mapped[datetime | None]
    alert_count: Mapped[int] = mapped_column(Integer, default=1)
    times_opened: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    muted_until: Mapped[datetime | None]
    value: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DetectionNote(IdMixin, Base):
    """An operator's note on a detection; kept through re-evaluation, resolution and re-opening."""

    __tablename__ = "detection_notes"

    detection_id: Mapped[int] = mapped_column(IdType, ForeignKey("detections.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class RuleEvaluation(IdMixin, Base):
    """One run of one rule: when, how long, how much it read and found, and the error if it failed."""

    __tablename__ = "rule_evaluations"

    rule_id: Mapped[int] = mapped_column(IdType, ForeignKey("rules.id", ondelete="CASCADE"))
    store_id: Mapped[int | None] = mapped_column(IdType)
    trigger: Mapped[str] = mapped_column(String(16), doc="schedule, ingest, manual")
    started_at: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(Float)
    rows_scanned: Mapped[int] = mapped_column(Integer, default=0)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    realerted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text, doc="why nothing ran, e.g. outside business hours")


# The evaluator diffs a rule's matches against its unresolved detections, by record or by key.
Index("ix_detections_rule_status_record", Detection.rule_id, Detection.status, Detection.record_id)
Index("ix_detections_status_severity", Detection.status, Detection.severity, Detection.last_seen)
Index("ix_detection_notes_detection", DetectionNote.detection_id)
Index("ix_rule_versions_rule", RuleVersion.rule_id, RuleVersion.version)
Index("ix_rule_evaluations_rule_started", RuleEvaluation.rule_id, RuleEvaluation.started_at)
# "No tracking scan for 72 h" over parcels not yet delivered: the hint in hints.py reads this partial index
# instead of the whole shipments table (most parcels are delivered).
Index(
    "ix_shipments_undelivered_scan",
    Shipment.last_event_at,
    Shipment.shipped_at,
    sqlite_where=Shipment.delivered_at.is_(None),
    postgresql_where=Shipment.delivered_at.is_(None),
)
# The same per carrier (the template "no scan for N hours, per carrier"): the carrier's undelivered parcels
# by last scan, instead of all its parcels through the carrier index.
Index(
    "ix_shipments_undelivered_carrier_scan",
    Shipment.carrier,
    Shipment.last_event_at,
    Shipment.shipped_at,
    sqlite_where=Shipment.delivered_at.is_(None),
    postgresql_where=Shipment.delivered_at.is_(None),
)
