"""The life of detections: open, seen again, re-alerted, snoozed, muted, resolved, re-opened.

`apply` takes what one rule matches now in one store and brings its detections in step in a few set-based
statements: it never loops over records in Python beyond the rule's own matches and open detections.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, insert, or_, select, update
from sqlalchemy.orm import Session

from hotdash.detection.models import UNRESOLVED, Detection, Rule, Severity, Status

CHUNK = 500  # ids per IN list: well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Match:
    """One thing a rule matches now: its business key, record (record rules), severity and figures."""

    key: str
    severity: str
    record_id: int | None = None
    value: float | None = None
    details: dict[str, Any] | None = None


@dataclass
class Changes:
    """What an evaluation changed, by fingerprint."""

    matches: int = 0
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    alerted: list[str] = field(default_factory=list)

    def add(self, other: Changes) -> None:
        self.matches += other.matches
        self.opened += other.opened
        self.resolved += other.resolved
        self.alerted += other.alerted


def fingerprint(rule_key: str, store_id: int | None, key: str) -> str:
    """Return the stable identity of "this rule, this business key": the same problem is one detection."""
    raw = f"{rule_key}\x1f{store_id if store_id is not None else ''}\x1f{key}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _scope(rule: Rule, store_id: int | None, record_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    where = [
        Detection.rule_id == rule.id,
        Detection.store_id.is_(None) if store_id is None else Detection.store_id == store_id,
    ]
    if record_ids is not None:
        where.append(Detection.record_id.in_(list(record_ids)))
    return where


def _update_ids(session: Session, ids: Sequence[int], **values: Any) -> None:
    for part in chunks(ids):
        session.execute(
            update(Detection).where(Detection.id.in_(part)).values(**values),
            execution_options={"synchronize_session": False},
        )


def _alert(now: datetime) -> dict[str, Any]:
    return {"last_alerted": now, "alert_count": Detection.alert_count + 1}


@dataclass(frozen=True)
class RecordMatches:
    """What a record rule matches: the ids of its records, all at the rule's severity."""

    ids: set[int]
    severity: str


def apply(
    *,
    session: Session,
    rule: Rule,
    store_id: int | None,
    matches: dict[str, Match] | RecordMatches,
    now: datetime,
    record_ids: Collection[int] | None = None,
    wake: bool = True,
) -> Changes:
    """Bring `rule`'s detections in `store_id` in step with `matches`.

    `record_ids` limits the comparison to those records (an evaluation of just-ingested records): detections
    of other records are left as they are. `wake=False` skips looking for snoozes and mutes that ended (the
    caller knows there are none).
    """
    if record_ids is not None and not record_ids:
        return Changes()
    scope = _scope(rule, store_id, record_ids)
    open_now = Detection.status.in_(UNRESOLVED)
    gone_records: list[int] = []
    if isinstance(matches, RecordMatches):
        # Record rules: the index (rule_id, status, record_id) answers this without reading the table; Core
        # rather than ORM rows, as there may be tens of thousands.
        held = set(
            session.connection().execute(select(Detection.record_id).where(*scope, open_now)).scalars().all()
        )
        gone_records = [r for r in held if r is not None and r not in matches.ids]
        gone: list[int] = []
        new = [Match(key=str(i), severity=matches.severity, record_id=i) for i in matches.ids - held]
        changes = Changes(matches=len(matches.ids))
    else:
        current = session.execute(
            select(
                Detection.id,
                Detection.fingerprint,
                Detection.record_key,
                Detection.status,
                Detection.severity,
                Detection.value,
            ).where(*scope, open_now)
        ).all()
        by_key = {row.record_key: row for row in current}
        gone = [row.id for key, row in by_key.items() if key not in matches]
        new = [m for key, m in matches.items() if key not in by_key]
        changes = Changes(matches=len(matches))
        _changed_figures(session, by_key, matches, now, changes)

    # The condition cleared: resolved, with the time; last seen matching at the evaluation before this one.
    for part in chunks(gone_records):
        gone += list(
            session.scalars(select(Detection.id).where(*scope, open_now, Detection.record_id.in_(part)))
        )
    for part in chunks(gone):
        changes.resolved += list(session.scalars(select(Detection.fingerprint).where(Detection.id.in_(part))))
    _update_ids(
        session,
        gone,
        status=Status.resolved.value,
        resolved_at=now,
        snoozed_until=None,
        last_seen=rule.last_evaluated_at or now,
    )
    _open(session, rule, store_id, new, now, changes)
    # No "last_seen = now" for every detection still matching: an unresolved detection is one its rule's
    # latest evaluation still matched (rules.last_evaluated_at), and rewriting tens of thousands of rows
    # each minute would cost more than finding them.
    if wake:
        _wake(session, scope, now, changes)
    if rule.realert_minutes:
        due = session.execute(
            select(Detection.id, Detection.fingerprint).where(
                *scope,
                Detection.status == Status.open.value,
                Detection.last_alerted <= now - timedelta(minutes=rule.realert_minutes),
            )
        ).all()
        _update_ids(session, [r.id for r in due], **_alert(now))
        changes.alerted += [r.fingerprint for r in due]
    return changes


def sleepers_due(session: Session, now: datetime) -> bool:
    """Tell whether any snooze or mute has ended and not been acted on (one query for a whole run)."""
    found = session.execute(select(Detection.id).where(_ended(now)).limit(1)).first()
    return found is not None


def _ended(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Detection.status == Status.snoozed.value, Detection.snoozed_until <= now),
        and_(Detection.status == Status.muted.value, Detection.muted_until <= now),
    )


def _open(
    session: Session, rule: Rule, store_id: int | None, new: list[Match], now: datetime, changes: Changes
) -> None:
    """Open detections for new matches: re-open the row of a resolved one, insert the others."""
    prints = {fingerprint(rule.key, store_id, m.key): m for m in new}
    earlier: dict[str, Any] = {}
    keys = list(prints)
    for part in chunks(keys):
        rows = session.execute(
            select(Detection.id, Detection.fingerprint, Detection.muted_until).where(
                Detection.fingerprint.in_(part)
            )
        ).all()
        earlier.update({row.fingerprint: row for row in rows})
    if earlier:
        muted = case((Detection.muted_until > now, Status.muted.value), else_=Status.open.value)
        ids = [row.id for row in earlier.values()]
        # Notes and first_seen stay: it is the same problem, back again.
        _update_ids(
            session,
            ids,
            status=muted,
            resolved_at=None,
            snoozed_until=None,
            last_seen=now,
            times_opened=Detection.times_opened + 1,
            last_alerted=case((Detection.muted_until > now, Detection.last_alerted), else_=now),
            alert_count=case(
                (Detection.muted_until > now, Detection.alert_count), else_=Detection.alert_count + 1
            ),
        )
        session.execute(
            update(Detection),
            [
                {
                    "id": row.id,
                    "severity": prints[fp].severity,
                    "value": prints[fp].value,
                    "details": prints[fp].details,
                }
                for fp, row in earlier.items()
            ],
        )
    inserts: list[dict[str, Any]] = [
        {
            "fingerprint": fp,
            "rule_id": rule.id,
            "store_id": store_id,
            "entity": rule.entity,
            "record_id": m.record_id,
            "record_key": m.key,
            "severity": m.severity,
            "status": Status.open.value,
            "first_seen": now,
            "last_seen": now,
            "last_alerted": now,
            "alert_count": 1,
            "times_opened": 1,
            "value": m.value,
            "details": m.details,
        }
        for fp, m in prints.items()
        if fp not in earlier
    ]
    if inserts:
        session.execute(insert(Detection), inserts)
    changes.opened += keys


def _changed_figures(
    session: Session, by_key: dict[str, Any], matches: dict[str, Match], now: datetime, changes: Changes
) -> None:
    """Update severity and value of detections still matching; a rise in severity alerts again."""
    moved = [
        (row, matches[key])
        for key, row in by_key.items()
        if key in matches and (row.severity != matches[key].severity or row.value != matches[key].value)
    ]
    if not moved:
        return
    session.execute(
        update(Detection),
        [{"id": row.id, "severity": m.severity, "value": m.value, "details": m.details} for row, m in moved],
    )
    risen = [
        row
        for row, m in moved
        if row.status == Status.open.value and Severity(m.severity).rank > Severity(row.severity).rank
    ]
    _update_ids(session, [r.id for r in risen], **_alert(now))
    changes.alerted += [r.fingerprint for r in risen]


def _wake(session: Session, scope: list[ColumnElement[bool]], now: datetime, changes: Changes) -> None:
    """End snoozes and mutes whose time has come: the detection is open and alerts again."""
    due = session.execute(select(Detection.id, Detection.fingerprint).where(*scope, _ended(now))).all()
    _update_ids(session, [r.id for r in due], status=Status.open.value, snoozed_until=None, **_alert(now))
    changes.alerted += [r.fingerprint for r in due]
